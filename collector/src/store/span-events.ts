// Events posted about a span after it ran: app feedback (thumbs up/down), guardrail
// verdicts, routing and compliance decisions, or anything custom.
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { isoTime } from './query.ts';

export const SPAN_EVENT_KINDS = ['feedback', 'guardrail', 'observe', 'route', 'comply', 'custom'] as const;
export type SpanEventKind = (typeof SPAN_EVENT_KINDS)[number];

export interface SpanEventInput {
  kind: SpanEventKind;
  source: string;
  data: unknown;
  /** Client-chosen id: posting the same id again stores the event once. */
  id?: string;
  time?: Date;
}

export interface SpanEventRecord {
  id: string;
  trace_id: string;
  span_id: string;
  time: string;
  kind: SpanEventKind;
  source: string;
  data: unknown;
}

interface SpanEventRow {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  event_id: string;
  time: number | string;
  kind: string;
  source: string;
  data: string;
}

export class SpanEventStore {
  constructor(private readonly client: ClickHouseClient) {}

  async add(tenantId: string, traceId: string, spanId: string, event: SpanEventInput): Promise<SpanEventRecord> {
    const row: SpanEventRow = {
      tenant_id: tenantId,
      trace_id: traceId,
      span_id: spanId,
      event_id: event.id ?? randomUUID(),
      time: (event.time ?? new Date()).getTime() * 1000,
      kind: event.kind,
      source: event.source,
      data: JSON.stringify(event.data ?? null),
    };
    await this.client.insert({ table: 'span_events', values: [row], format: 'JSONEachRow' });
    return fromEventRow(row);
  }

  async list(tenantId: string, spanId: string): Promise<SpanEventRecord[]> {
    const result = await this.client.query({
      query: `SELECT * FROM span_events FINAL WHERE tenant_id = {tenant:String} AND span_id = {span:String} ORDER BY time, event_id`,
      query_params: { tenant: tenantId, span: spanId },
      format: 'JSONEachRow',
    });
    return (await result.json<SpanEventRow>()).map(fromEventRow);
  }
}

function fromEventRow(row: SpanEventRow): SpanEventRecord {
  return {
    id: row.event_id,
    trace_id: row.trace_id,
    span_id: row.span_id,
    time: isoTime(row.time),
    kind: row.kind as SpanEventKind,
    source: row.source,
    data: JSON.parse(row.data),
  };
}
