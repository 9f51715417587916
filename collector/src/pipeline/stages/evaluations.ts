// gen_ai.evaluation.result span events and log records become scores (source "otel") on
// the span they evaluate, stored before the request is acknowledged.
import { logEvaluationScores, OTEL_SCORE_SOURCE, spanEvaluationScores, type EvaluationScore, type SpanLog, type SpanhouseSpan } from '@spanhouse/model';
import type { ScoreStore } from '../../store/scores.ts';
import type { LogProcessor } from '../ingest.ts';
import type { SpanProcessor } from '../processor.ts';

export class EvaluationStage implements SpanProcessor, LogProcessor {
  readonly name = 'evaluations';
  constructor(private readonly scores: ScoreStore) {}

  async process(spans: SpanhouseSpan[]): Promise<SpanhouseSpan[]> {
    await this.store(spans.flatMap(spanEvaluationScores));
    return spans;
  }

  async processLogs(logs: SpanLog[]): Promise<SpanLog[]> {
    await this.store(logEvaluationScores(logs));
    return logs;
  }

  private async store(found: EvaluationScore[]): Promise<void> {
    // one insert per target (setScores' unit); usually one or two
    const byTarget = new Map<string, EvaluationScore[]>();
    for (const score of found) {
      const key = `${score.tenant_id}/${score.trace_id}/${score.span_id}`;
      byTarget.set(key, [...(byTarget.get(key) ?? []), score]);
    }
    for (const scores of byTarget.values()) {
      const { tenant_id, trace_id, span_id } = scores[0];
      await this.scores.setScores(tenant_id, trace_id, span_id, scores.map(({ name, value, comment }) => ({ name, value, comment, source: OTEL_SCORE_SOURCE })));
    }
  }
}
