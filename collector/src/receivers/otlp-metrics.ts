// OTLP metrics: the decoded shape (otlp-codec.ts fills it from protobuf or JSON), which
// of them Spanhouse keeps (the GenAI metrics: gen_ai.client.* and gen_ai.server.*,
// as histograms, sums or gauges), and the receiver that stores them and counts the rest
// for partial_success. Pure apart from MetricsReceiver.ingest.
import { createHash } from 'node:crypto';
import { tenantOfResource, type Attributes, type AttributeValue, type TenantOf } from '@spanhouse/model';
import { policyFor, type EnrichmentSettings } from '../enrichment/settings.ts';
import type { IngestResult } from '../pipeline/ingest.ts';
import type { MetricsIngest } from './otlp-export.ts';

export type OtlpMetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary' | 'none';

export interface OtlpMetricPoint {
  startTimeUs: number;
  timeUs: number;
  attributes: Attributes;
  /** Histograms. */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  /** Gauges and sums. */
  value?: number;
}

export interface OtlpMetric {
  name: string;
  unit: string;
  type: OtlpMetricType;
  /** 1 delta, 2 cumulative, 0 unspecified (gauges). */
  temporality: number;
  monotonic: boolean;
  /** Decoded points (gauges, sums, histograms); the other types are only counted. */
  points: OtlpMetricPoint[];
  pointCount: number;
}

export interface OtlpMetricsRequest {
  resourceMetrics: Array<{ resource: Attributes; scopeMetrics: Array<{ scope: { name: string; version: string }; metrics: OtlpMetric[] }> }>;
}

/** One row of `otel_metrics` (migration 013). */
export interface OtelMetricRow {
  tenant_id: string;
  name: string;
  type: 'histogram' | 'sum' | 'gauge';
  unit: string;
  time: number;
  start_time: number;
  temporality: number;
  monotonic: boolean;
  series: string;
  service_name: string;
  model: string;
  provider: string;
  operation: string;
  token_type: string;
  attributes: Record<string, string>;
  resource_attributes: Record<string, string>;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  value: number;
  bucket_counts: number[];
  explicit_bounds: number[];
  retention_days?: number;
}

/** The metrics Spanhouse stores: the OpenTelemetry GenAI client and server metrics. */
export const isGenAiMetric = (name: string) => name.startsWith('gen_ai.client.') || name.startsWith('gen_ai.server.');
const STORED_TYPES = new Set<OtlpMetricType>(['histogram', 'sum', 'gauge']);

const text = (value: AttributeValue | undefined): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

function stringMap(attributes: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) out[key] = text(value);
  return out;
}

const firstOf = (attributes: Attributes, ...keys: string[]) => keys.map((k) => text(attributes[k])).find((v) => v !== '') ?? '';

/** Identifies a time series (a cumulative one restarts with a new start time). */
function seriesOf(name: string, resource: Record<string, string>, attributes: Record<string, string>, startTimeUs: number): string {
  const sorted = (m: Record<string, string>) => Object.keys(m).sort().map((k) => [k, m[k]]);
  return createHash('sha256').update(JSON.stringify([name, sorted(resource), sorted(attributes), startTimeUs])).digest('hex').slice(0, 16);
}

export interface MappedMetrics {
  rows: OtelMetricRow[];
  rejected: number;
  errorMessage: string;
}

/** Pure: the rows to store, and the data points not kept with why. */
export function mapMetricsRequest(request: OtlpMetricsRequest, tenantOf: TenantOf): MappedMetrics {
  const rows: OtelMetricRow[] = [];
  const notGenAi = new Map<string, number>();
  const unsupported = new Map<string, number>();
  let invalidTenant = 0;
  for (const { resource, scopeMetrics } of request.resourceMetrics) {
    const tenantId = tenantOfResource(tenantOf, resource);
    const resourceMap = stringMap(resource);
    for (const { metrics } of scopeMetrics) {
      for (const metric of metrics) {
        if (tenantId === null) invalidTenant += metric.pointCount;
        else if (!isGenAiMetric(metric.name)) notGenAi.set(metric.name, (notGenAi.get(metric.name) ?? 0) + metric.pointCount);
        else if (!STORED_TYPES.has(metric.type)) {
          const key = `${metric.name} (${metric.type})`;
          unsupported.set(key, (unsupported.get(key) ?? 0) + metric.pointCount);
        } else {
          for (const point of metric.points) {
            const attributes = stringMap(point.attributes);
            rows.push({
              tenant_id: tenantId,
              name: metric.name,
              type: metric.type as OtelMetricRow['type'],
              unit: metric.unit,
              time: point.timeUs,
              start_time: point.startTimeUs,
              temporality: metric.temporality,
              monotonic: metric.monotonic,
              series: seriesOf(metric.name, resourceMap, attributes, point.startTimeUs),
              service_name: resourceMap['service.name'] ?? '',
              model: firstOf(point.attributes, 'gen_ai.response.model', 'gen_ai.request.model'),
              provider: firstOf(point.attributes, 'gen_ai.provider.name', 'gen_ai.system'),
              operation: firstOf(point.attributes, 'gen_ai.operation.name'),
              token_type: firstOf(point.attributes, 'gen_ai.token.type'),
              attributes,
              resource_attributes: resourceMap,
              count: point.count ?? 0,
              sum: point.sum ?? 0,
              min: point.min ?? null,
              max: point.max ?? null,
              value: point.value ?? 0,
              bucket_counts: point.bucketCounts ?? [],
              explicit_bounds: point.explicitBounds ?? [],
            });
          }
        }
      }
    }
  }
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const names = (m: Map<string, number>) => {
    const list = [...m.keys()];
    return list.slice(0, 3).join(', ') + (list.length > 3 ? `, … (${list.length} metrics)` : '');
  };
  const reasons: string[] = [];
  if (notGenAi.size > 0) {
    reasons.push(`${total(notGenAi)} data point(s) not stored: Spanhouse keeps only the GenAI metrics (gen_ai.client.*, gen_ai.server.*), not ${names(notGenAi)}`);
  }
  if (unsupported.size > 0) reasons.push(`${total(unsupported)} data point(s) not stored: only histograms, sums and gauges are kept, not ${names(unsupported)}`);
  if (invalidTenant > 0) reasons.push(`${invalidTenant} data point(s) of a resource naming an invalid tenant`);
  return { rows, rejected: total(notGenAi) + total(unsupported) + invalidTenant, errorMessage: reasons.join('; ') };
}

/** Where metric rows go (store/otel-metrics.ts). */
export interface MetricRowSink {
  insert(rows: OtelMetricRow[]): Promise<void>;
}

/** Receives OTLP metrics for both transports: maps, stamps retention, stores. */
export class MetricsReceiver implements MetricsIngest {
  constructor(
    private readonly sink: MetricRowSink,
    private readonly settings: EnrichmentSettings,
  ) {}

  async ingest(request: OtlpMetricsRequest, tenantOf: TenantOf): Promise<IngestResult> {
    const { rows, rejected, errorMessage } = mapMetricsRequest(request, tenantOf);
    for (const row of rows) row.retention_days = policyFor(this.settings, row.tenant_id).retentionDays;
    await this.sink.insert(rows);
    return { accepted: rows.length, rejected, errorMessage };
  }
}
