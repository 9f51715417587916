// gen_ai.evaluation.result span events and log records become scores (source "otel") on
// the span they evaluate, stored before the request is acknowledged.
import { logEvaluationScores, OTEL_SCORE_SOURCE, spanEvaluationScores, type EvaluationScore, type SpanLog, type SpanhouseSpan } from '@spanhouse/model';
import type { ScoreStore } from '../../store/scores.ts';
import type { LogProcessor } from '../ingest.ts';
import type { SpanProcessor } from '../processor.ts';

/** A score's target (or a span) as one key: tenant, trace and span. */
const targetKey = (t: { tenant_id: string; trace_id: string; span_id: string }) => `${t.tenant_id}/${t.trace_id}/${t.span_id}`;

export class EvaluationStage implements SpanProcessor, LogProcessor {
  readonly name = 'evaluations';
  constructor(private readonly scores: ScoreStore) {}

  async process(spans: SpanhouseSpan[]): Promise<SpanhouseSpan[]> {
    const found = spans.flatMap(spanEvaluationScores);
    // most batches evaluate nothing: the spans' starts are only mapped when some do
    if (found.length > 0) await this.store(found, new Map(spans.map((s) => [targetKey(s), s.start_time_us])));
    return spans;
  }

  async processLogs(logs: SpanLog[]): Promise<SpanLog[]> {
    await this.store(logEvaluationScores(logs));
    return logs;
  }

  /** `spanStarts`: the evaluated spans' starts by tenant/trace/span, which bound their traces' starts. */
  private async store(found: EvaluationScore[], spanStarts = new Map<string, number>()): Promise<void> {
    // one insert per target (setScores' unit); usually one or two
    const byTarget = new Map<string, EvaluationScore[]>();
    for (const score of found) {
      const key = targetKey(score);
      byTarget.set(key, [...(byTarget.get(key) ?? []), score]);
    }
    for (const [key, scores] of byTarget) {
      const { tenant_id, trace_id, span_id } = scores[0];
      const given = scores.map(({ name, value, comment }) => ({ name, value, comment, source: OTEL_SCORE_SOURCE }));
      await this.scores.setScores(tenant_id, trace_id, span_id, given, { spanStartUs: spanStarts.get(key) });
    }
  }
}
