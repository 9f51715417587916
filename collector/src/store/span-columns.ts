// The `spans` table's columns, declared once. Insert rows, the SELECT lists (full and
// light) and reading rows back into the model all come from this one list; a test
// checks it against the table that the migrations build.
import type { Message, PricingInfo, RequestParams, SpanEvent, SpanStatus, SpanType, SpanhouseSpan } from '@spanhouse/model';
import { TRACE_PREVIEW_CHARS, isoFromMicros, previewText } from '@spanhouse/model';

/** A span as the API returns it: ISO times instead of microseconds, plus list previews. */
export type SpanRecord = Omit<SpanhouseSpan, 'start_time_us' | 'end_time_us' | 'input_messages' | 'output_messages'> & {
  start_time: string;
  end_time: string;
  input_preview: string;
  output_preview: string;
  input_messages?: Message[];
  output_messages?: Message[];
};

/** A row as ClickHouse returns it in JSONEachRow (64-bit integers arrive as strings). */
export type SpanRow = Record<string, unknown> & { trace_id: string; span_id: string; version: string | number };

interface SpanColumn {
  name: string;
  /** Text-sized: left out of light reads (lists, trace trees without content). */
  heavy?: boolean;
  /** SELECT expression when it is not the bare column, and the name it is read back under. */
  select?: string;
  as?: string;
  /** Computed by the table from other columns (ALIAS or MATERIALIZED): read back, never inserted. */
  derived?: boolean;
  /** The API fields it fills, when not just the one of its own name (see lightSelectFor). */
  fields?: readonly string[];
  /** Value to insert; undefined leaves the column to its DEFAULT. */
  write(span: SpanhouseSpan): unknown;
  read(value: unknown, into: Partial<SpanhouseSpan>): void;
}

type Field = keyof SpanhouseSpan;
const asText = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const asNumber = (v: unknown) => Number(v ?? 0);
const asNullableNumber = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const asBool = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
const asIs = (v: unknown) => v;

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** A model field stored as is under its own name. */
function field(name: Field, read: (v: unknown) => unknown, heavy = false): SpanColumn {
  return {
    name,
    heavy,
    write: (span) => span[name],
    read: (v, into) => {
      (into as Record<string, unknown>)[name] = read(v);
    },
  };
}

/** A model field stored as JSON text. */
function jsonField(name: Field, fallback: unknown, heavy = false): SpanColumn {
  return {
    name,
    heavy,
    write: (span) => JSON.stringify(span[name] ?? fallback),
    read: (v, into) => {
      (into as Record<string, unknown>)[name] = parseJson(v, fallback);
    },
  };
}

/** DateTime64(6) in and out as integer microseconds (read under another name: WHERE must see the column). */
function micros(name: string, model: 'start_time_us' | 'end_time_us'): SpanColumn {
  return {
    name,
    select: `toUnixTimestamp64Micro(${name}) AS ${model}`,
    as: model,
    write: (span) => span[model],
    read: (v, into) => {
      into[model] = Number(v);
    },
  };
}

/** Left out of the insert when unset, so the column default (the storage's retention) applies. */
function optionalNumber(name: 'retention_days' | 'content_retention_days'): SpanColumn {
  return { name, write: (span) => span[name], read: (v, into) => (into[name] = v === undefined ? undefined : Number(v)) };
}

const emptyMapping = { dialects: [] as string[], unmapped: [] as string[] };

/** Request parameters as a Map(String, Float64) row value: stream as 1/0. */
function requestParamsRow(params: RequestParams | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(params ?? {})) out[key] = typeof value === 'boolean' ? Number(value) : value;
  return out;
}

function requestParamsOf(value: unknown): RequestParams {
  const out: Record<string, number | boolean> = {};
  for (const [key, n] of Object.entries((value ?? {}) as Record<string, unknown>)) out[key] = key === 'stream' ? Number(n) === 1 : Number(n);
  return out as RequestParams;
}

export const SPAN_COLUMNS: readonly SpanColumn[] = [
  field('tenant_id', asText),
  field('trace_id', asText),
  field('span_id', asText),
  field('parent_span_id', asText),
  field('name', asText),
  field('type', asText),
  field('kind', asText),
  micros('start_time', 'start_time_us'),
  micros('end_time', 'end_time_us'),
  field('latency_ms', asNumber),
  field('status', asText),
  field('error_type', asText),
  field('error_message', asText),
  field('model', asText),
  field('request_model', asText),
  field('provider', asText),
  field('operation', asText),
  field('routing_alias', asText),
  jsonField('input_messages', [], true),
  jsonField('output_messages', [], true),
  // the messages' plain text, derived from them by the table (migration 020)
  { ...field('input_text', asText, true), derived: true },
  { ...field('output_text', asText, true), derived: true },
  field('input_tokens', asNumber),
  field('output_tokens', asNumber),
  field('cache_read_tokens', asNumber),
  field('cache_write_tokens', asNumber),
  field('reasoning_tokens', asNumber),
  field('total_tokens', asNumber),
  field('cost_usd', asNullableNumber),
  field('cost_source', asText),
  field('cost_details', asIs),
  field('cluster_id', (v) => (v === null || v === undefined ? null : String(v))),
  {
    name: 'pricing',
    write: (span) => (span.pricing ? JSON.stringify(span.pricing) : ''),
    read: (v, into) => (into.pricing = parseJson<PricingInfo | null>(v, null)),
  },
  { name: 'unpriced', write: (span) => span.unpriced ?? false, read: (v, into) => (into.unpriced = asBool(v)) },
  optionalNumber('retention_days'),
  optionalNumber('content_retention_days'),
  field('tool_name', asText),
  field('tool_call_id', asText),
  field('agent_name', asText),
  field('agent_id', asText),
  field('agent_version', asText),
  field('workflow_name', asText),
  field('output_type', asText),
  {
    name: 'request_params',
    write: (span) => requestParamsRow(span.request_params),
    read: (v, into) => (into.request_params = requestParamsOf(v)),
  },
  {
    name: 'token_details',
    write: (span) => span.token_details ?? {},
    read: (v, into) => (into.token_details = Object.fromEntries(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, n]) => [k, Number(n)]))),
  },
  field('user_id', asText),
  field('session_id', asText),
  field('metadata', asIs),
  field('tags', asIs),
  field('finish_reasons', asIs),
  field('ttft_ms', asNullableNumber),
  field('service_name', asText),
  field('scope_name', asText),
  field('resource_attributes', asIs, true),
  field('span_attributes', asIs, true),
  // whether the span is still running, derived by the table from the open marker (migration
  // 023): light reads, which leave the attribute map out, take the marker from it
  {
    name: 'is_open',
    derived: true,
    fields: ['running', 'span_attributes'],
    write: () => undefined,
    read: (v, into) => {
      if (asBool(v)) into.span_attributes = { ...into.span_attributes, [OPEN_SPAN_ATTRIBUTE]: 'true' };
    },
  },
  jsonField('events', [], true),
  {
    name: 'mapping_dialects',
    fields: ['mapping'],
    write: (span) => span.mapping.dialects,
    read: (v, into) => (into.mapping = { ...emptyMapping, ...into.mapping, dialects: v as string[] }),
  },
  {
    name: 'mapping_unmapped',
    fields: ['mapping'],
    write: (span) => span.mapping.unmapped,
    read: (v, into) => (into.mapping = { ...emptyMapping, ...into.mapping, unmapped: v as string[] }),
  },
  {
    name: 'mapping_semconv',
    fields: ['mapping'],
    write: (span) => span.mapping.semconv ?? '',
    read: (v, into) => (into.mapping = { ...emptyMapping, ...into.mapping, semconv: asText(v) }),
  },
  {
    name: 'mapping_inferred',
    fields: ['mapping'],
    write: (span) => span.mapping.inferred ?? [],
    read: (v, into) => (into.mapping = { ...emptyMapping, ...into.mapping, inferred: (v ?? []) as string[] }),
  },
  { name: 'truncated', write: (span) => span.truncated, read: (v, into) => (into.truncated = asBool(v)) },
];

/**
 * The open-span marker (POST /api/spans without an end time); light reads keep only it of
 * the attributes. Migration 023 derives `spans.is_open` from this key: change both together.
 */
export const OPEN_SPAN_ATTRIBUTE = 'spanhouse.span.open';

/** The stored messages as ClickHouse reads them: contents and tool calls. */
const messagesJson = (column: string) =>
  `JSONExtract(${column}, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))')`;

/**
 * The words of both sides' messages, lower-cased: what the full-text index holds (migration
 * 024 builds it over this expression, letter for letter, so word searches must use it to be
 * answered by the index). Contents, tool names and arguments of the input, then the output;
 * order does not matter.
 */
function sideWords(column: 'input_messages' | 'output_messages'): string {
  const json = messagesJson(column);
  return `arrayStringConcat(${json}.content, ' '), ' ', arrayStringConcat(arrayFlatten(${json}.tool_calls.name), ' '), ' ', arrayStringConcat(arrayFlatten(${json}.tool_calls.arguments), ' ')`;
}

export const MESSAGE_WORDS = `lowerUTF8(concat(${sideWords('input_messages')}, ' ', ${sideWords('output_messages')}))`;

/** A text column's preview as the API gives it (previewText): its first TRACE_PREVIEW_CHARS characters. Also the SQL views' (sql.ts). */
export const previewSql = (column: string) => `substringUTF8(${column}, 1, ${TRACE_PREVIEW_CHARS})`;

/** Every column, times as microseconds, plus the row version. */
export const FULL_SELECT = [...SPAN_COLUMNS.map((c) => c.select ?? c.name), 'version'].join(', ');

/** The fields a span list row carries (lists never carry messages), each a valid `fields` choice. */
export const LIST_FIELDS: ReadonlySet<string> = new Set([
  ...SPAN_COLUMNS.filter((c) => c.name !== 'input_messages' && c.name !== 'output_messages').flatMap((c) => c.fields ?? [c.name]),
  'input_preview',
  'output_preview',
  'scores',
]);

/** What every list row carries whatever its fields: the keys its cursor and links name. */
const KEY_COLUMNS = new Set(['tenant_id', 'trace_id', 'span_id']);

/**
 * LIGHT_SELECT narrowed to the columns that fill `fields` (API field names) of a list row. A
 * page's rows are read by key, and such a read costs per column (at 10M spans, ~1 ms a
 * column for a page of 50), so a list showing a dozen fields reads a dozen columns.
 */
export function lightSelectFor(fields: ReadonlySet<string>): string {
  const columns = SPAN_COLUMNS.filter((c) => !c.heavy && (KEY_COLUMNS.has(c.name) || (c.fields ?? [c.name]).some((f) => fields.has(f))));
  return [
    ...columns.map((c) => c.select ?? c.name),
    ...(fields.has('input_preview') ? [`${previewSql('input_text')} AS input_preview`] : []),
    ...(fields.has('output_preview') ? [`${previewSql('output_text')} AS output_preview`] : []),
    'version',
  ].join(', ');
}

/**
 * Light columns only: text, messages, events and attributes are not read (bar the
 * open-span marker); the texts are read only as far as their previews. What a list row
 * with every field reads.
 */
export const LIGHT_SELECT = lightSelectFor(LIST_FIELDS);

/**
 * The API fields whose columns rollUp (trace-rollup.ts) reads of a span: a trace read for a
 * few fields reads these too, to roll its summary up (span-store.test.ts checks the list
 * against what the fold touches).
 */
export const ROLLUP_FIELDS: ReadonlySet<string> = new Set([
  'parent_span_id', 'name', 'type', 'start_time', 'end_time', 'status', 'model', 'provider', 'service_name', 'routing_alias',
  'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'cluster_id', 'user_id', 'session_id', 'metadata', 'tags',
  'retention_days', 'input_preview', 'output_preview',
]);

/** What a trace rollup needs of a span (read back with rollupInput). */
export const ROLLUP_SELECT = lightSelectFor(ROLLUP_FIELDS);

/** A span to roll up from a row read without content: its texts are as long as its previews, all a rollup keeps. */
export function rollupInput(row: SpanRow): SpanhouseSpan {
  return fromRow({ ...row, input_text: row.input_preview ?? '', output_text: row.output_preview ?? '' });
}

/** The columns of an insert, in the order toRow gives the values. */
const STORED_COLUMNS = SPAN_COLUMNS.filter((c) => !c.derived);
export const SPAN_INSERT_COLUMNS = [...STORED_COLUMNS.map((c) => c.name), 'version'];

/** A span's stored values in SPAN_INSERT_COLUMNS order, all but the version (null: the column default). */
const storedValues = (span: SpanhouseSpan): unknown[] => STORED_COLUMNS.map((column) => column.write(span) ?? null);

/** Row for insert at `version` (values in SPAN_INSERT_COLUMNS order). */
export function toRow(span: SpanhouseSpan, version: number): unknown[] {
  return [...storedValues(span), version];
}

/**
 * A span's insert row as JSONCompactEachRow text, all but its version: the row at version v
 * is `${rowText(span)},${v}]`, the same text the client makes of toRow(span, v).
 */
export function rowText(span: SpanhouseSpan): string {
  return JSON.stringify(storedValues(span)).slice(0, -1);
}

/** Rows for insert, made one at a time as the insert encodes them (see insertRows). */
export function* toRows(spans: Iterable<SpanhouseSpan>, version: number): Generator<unknown[]> {
  for (const span of spans) yield toRow(span, version);
}

/** A row read with FULL_SELECT (or LIGHT_SELECT: the heavy fields come back empty). */
export function fromRow(row: SpanRow): SpanhouseSpan {
  const span: Partial<SpanhouseSpan> = { input_messages: [], output_messages: [], input_text: '', output_text: '', resource_attributes: {}, span_attributes: {}, events: [] };
  for (const column of SPAN_COLUMNS) {
    const name = column.as ?? column.name;
    if (name in row) column.read(row[name], span);
  }
  return span as SpanhouseSpan;
}

/** The API's span: ISO times, previews; messages only when the content was read. */
export function spanRecord(row: SpanRow, withContent: boolean): SpanRecord {
  const { start_time_us, end_time_us, input_messages, output_messages, ...rest } = fromRow(row);
  const record: SpanRecord = {
    ...rest,
    type: rest.type as SpanType,
    status: rest.status as SpanStatus,
    // a row read for a few fields (lightSelectFor) may come without its times
    start_time: start_time_us === undefined ? '' : isoFromMicros(start_time_us),
    end_time: end_time_us === undefined ? '' : isoFromMicros(end_time_us),
    input_preview: typeof row.input_preview === 'string' ? row.input_preview : previewText(rest.input_text),
    output_preview: typeof row.output_preview === 'string' ? row.output_preview : previewText(rest.output_text),
    events: rest.events as SpanEvent[],
  };
  if (withContent) {
    record.input_messages = input_messages;
    record.output_messages = output_messages;
  } else {
    record.input_text = '';
    record.output_text = '';
  }
  return record;
}
