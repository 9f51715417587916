// Builds the enrichment stages of the pipeline from settings, in the order that keeps
// privacy promises: retention stamp → redaction (before anything else sees text) →
// clustering (on redacted text) → content drop → evaluation scores → blobs apart → pricing.
import { HashingEmbedder, OpenAIEmbedder, type Embedder } from '@spanhouse/enrich';
import { createPricer, type Pricer } from '@spanhouse/pricing';
import type { LogProcessor } from '../pipeline/ingest.ts';
import type { SpanProcessor } from '../pipeline/processor.ts';
import { ClusteringStage } from '../pipeline/stages/clustering.ts';
import { BlobStage } from '../pipeline/stages/blobs.ts';
import { ContentStage } from '../pipeline/stages/content.ts';
import { EvaluationStage } from '../pipeline/stages/evaluations.ts';
import { PricingStage } from '../pipeline/stages/pricing.ts';
import { RedactionStage } from '../pipeline/stages/redaction.ts';
import { RetentionStage } from '../pipeline/stages/retention.ts';
import { BlobStore } from '../store/blobs.ts';
import { ClusterStore } from '../store/clusters.ts';
import { ScoreStore } from '../store/scores.ts';
import type { SpanStore } from '../store/span-store.ts';
import type { EnrichmentSettings } from './settings.ts';

const DENSE_CLUSTER_THRESHOLD = 0.8;

export interface Enrichment {
  spanProcessors: SpanProcessor[];
  logProcessors: LogProcessor[];
  pricer: Pricer;
  clustering: ClusteringStage;
  clusters: ClusterStore;
  embedder: Embedder;
  /** Stops the price refresh and saves cluster centroids. */
  close(): Promise<void>;
}

export function createEnrichment(settings: EnrichmentSettings, store: SpanStore, log: (message: string) => void): Enrichment {
  const pricer = createPricer({
    // the config file's `prices`: a price file's content ({"prices": [...]}) or just its list
    overrides: Array.isArray(settings.prices) ? { prices: settings.prices } : settings.prices,
    overridesFile: settings.pricesFile,
    updatePrices: settings.updatePrices,
    log: (level, message) => log(`prices (${level}): ${message}`),
  });
  const embedder: Embedder = settings.embeddings ? new OpenAIEmbedder(settings.embeddings) : new HashingEmbedder();
  // Model embeddings sit much closer together than the local hashing ones.
  const clusterSettings = settings.embeddings && settings.clusterThreshold === undefined ? { ...settings, clusterThreshold: DENSE_CLUSTER_THRESHOLD } : settings;
  const clusters = new ClusterStore(store.client);
  const retention = new RetentionStage(settings);
  const redaction = new RedactionStage(settings);
  const clustering = new ClusteringStage(embedder, clusters, clusterSettings, log);
  const content = new ContentStage(settings);
  // after redaction and the content drop: explanations and media are content too
  const evaluations = new EvaluationStage(new ScoreStore(store.client));
  const blobs = new BlobStage(new BlobStore(store.client));
  return {
    spanProcessors: [retention, redaction, clustering, content, evaluations, blobs, new PricingStage(pricer)],
    logProcessors: [retention, redaction, content, evaluations],
    pricer,
    clustering,
    clusters,
    embedder,
    close: async () => {
      pricer.stop();
      await clustering.close();
    },
  };
}
