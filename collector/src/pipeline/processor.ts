import type { SpanhouseSpan } from '@spanhouse/model';

/**
 * One pipeline stage between mapping and storage (pricing, redaction, clustering, …).
 * Stages are independent: each takes the spans of one request and returns them,
 * changed or not, in the same order. A stage must not do per-span network I/O on
 * the hot path without batching.
 */
export interface SpanProcessor {
  readonly name: string;
  /**
   * Spans in, spans out. The stored plain text (`input_text`, `output_text`) is derived from
   * the messages by the table, so a stage that rewrites content rewrites the messages.
   */
  process(spans: SpanhouseSpan[]): SpanhouseSpan[] | Promise<SpanhouseSpan[]>;
}
