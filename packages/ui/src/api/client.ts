// A thin fetch wrapper for the Spanhouse REST API. Errors come back as
// {"error":{"code","message"}}; ApiError carries both plus the HTTP status.
// The stored API key goes in the Authorization header; a 401 is reported to the sign-in panel.
import { reportUnauthorized, selectedTenant, storedApiKey } from './auth.ts';
import { TRACE_VIEW_FIELDS } from './fields.ts';
import type { Cluster, Dataset, DatasetItem, IngestHealth, ListPage, Me, MetricRow, OtelMetricPoint, SessionRow, Span, StoredEvent, TenantSummary, TraceDetail, TracePage, UserRow } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** True when the endpoint itself does not exist on this server (older collector). */
export const isMissingEndpoint = (error: unknown): boolean =>
  error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 501);

export type QueryParams = Record<string, string | number | undefined | null>;

export function buildQuery(params: QueryParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Request headers: JSON, plus the API key when there is one. */
function requestHeaders(apiKey: string | null, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (hasBody) headers['content-type'] = 'application/json';
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

/** Reads go to the tenant an admin chose in the switcher (the API's `tenant` parameter). */
function withTenant(method: string, path: string): string {
  const tenant = selectedTenant();
  if (!tenant || method !== 'GET' || !path.startsWith('/api/') || /^\/api\/(me|admin)(\/|\?|$)/.test(path)) return path;
  return `${path}${path.includes('?') ? '&' : '?'}tenant=${encodeURIComponent(tenant)}`;
}

/**
 * `explicitKey` checks a key the user typed instead of the stored one; its 401 goes to the
 * caller only, not to the sign-in panel.
 */
async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, explicitKey?: string): Promise<T> {
  const apiKey = explicitKey ?? storedApiKey();
  let response: Response;
  try {
    response = await fetch(withTenant(method, path), {
      method,
      signal,
      headers: requestHeaders(apiKey, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', `Cannot reach the Spanhouse server (${(error as Error).message})`);
  }
  const text = await response.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (response.status === 401 && explicitKey === undefined) reportUnauthorized(apiKey);
  if (!response.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(response.status, err?.code ?? `http_${response.status}`, err?.message ?? (response.statusText || `HTTP ${response.status}`));
  }
  if (json === undefined && text) throw new ApiError(response.status, 'bad_response', 'The server did not answer with JSON');
  return json as T;
}

const enc = encodeURIComponent;

export const api = {
  traces: (params: QueryParams, signal?: AbortSignal) => request<TracePage>('GET', `/api/traces${buildQuery(params)}`, undefined, signal),
  trace: (traceId: string, signal?: AbortSignal) =>
    request<TraceDetail>('GET', `/api/traces/${enc(traceId)}${buildQuery({ fields: TRACE_VIEW_FIELDS.join(',') })}`, undefined, signal),
  span: (spanId: string, signal?: AbortSignal) => request<Span>('GET', `/api/spans/${enc(spanId)}`, undefined, signal),
  metrics: (params: QueryParams, signal?: AbortSignal) =>
    request<{ data: MetricRow[] }>('GET', `/api/metrics${buildQuery(params)}`, undefined, signal),
  /** Largest prompt clusters over all time (the endpoint takes no filters). */
  clusters: (params: { limit?: number }, signal?: AbortSignal) =>
    request<{ data: Cluster[] }>('GET', `/api/clusters${buildQuery(params)}`, undefined, signal),
  spanEvents: (spanId: string, signal?: AbortSignal) =>
    request<{ data: StoredEvent[] }>('GET', `/api/spans/${enc(spanId)}/events`, undefined, signal),
  sendFeedback: (spanId: string, value: 'up' | 'down') =>
    request<unknown>('POST', `/api/spans/${enc(spanId)}/events`, { kind: 'feedback', source: 'ui', data: { value } }),
  addToDataset: (dataset: string, spanId: string) =>
    request<unknown>('POST', `/api/datasets/${enc(dataset)}/items`, { span_id: spanId }),
  traceCount: (params: QueryParams, signal?: AbortSignal) => request<{ count: number | null }>('GET', `/api/traces/count${buildQuery(params)}`, undefined, signal),
  spans: (params: QueryParams, signal?: AbortSignal) => request<ListPage<Span>>('GET', `/api/spans${buildQuery(params)}`, undefined, signal),
  sessions: (params: QueryParams, signal?: AbortSignal) => request<ListPage<SessionRow>>('GET', `/api/sessions${buildQuery(params)}`, undefined, signal),
  users: (params: QueryParams, signal?: AbortSignal) => request<ListPage<UserRow>>('GET', `/api/users${buildQuery(params)}`, undefined, signal),
  values: (field: 'model' | 'provider' | 'service' | 'name', signal?: AbortSignal) =>
    request<{ data: string[] }>('GET', `/api/values${buildQuery({ field, limit: 200 })}`, undefined, signal),
  datasets: (signal?: AbortSignal) => request<ListPage<Dataset>>('GET', '/api/datasets', undefined, signal),
  datasetItems: (dataset: string, params: QueryParams, signal?: AbortSignal) =>
    request<ListPage<DatasetItem>>('GET', `/api/datasets/${enc(dataset)}/items${buildQuery(params)}`, undefined, signal),
  editDatasetItem: (dataset: string, itemId: string, body: { input?: unknown; output?: unknown; metadata?: Record<string, string> }) =>
    request<DatasetItem>('PATCH', `/api/datasets/${enc(dataset)}/items/${enc(itemId)}`, body),
  deleteDatasetItem: (dataset: string, itemId: string) => request<unknown>('DELETE', `/api/datasets/${enc(dataset)}/items/${enc(itemId)}`),
  /** The dataset as JSONL text (fetched with the key, so a download works on keyed servers too). */
  exportDataset: async (dataset: string): Promise<string> => {
    const response = await fetch(`/api/datasets/${enc(dataset)}/export`, { headers: requestHeaders(storedApiKey(), false) });
    if (!response.ok) throw new ApiError(response.status, `http_${response.status}`, `Export failed (HTTP ${response.status})`);
    return response.text();
  },
  loadDemo: () => request<unknown>('POST', '/api/demo', {}),
  ingestHealth: (signal?: AbortSignal) => request<IngestHealth>('GET', '/api/ingest-health', undefined, signal),
  /** The bytes of a message's blob part (an inline image), with the API key (an <img src> could not send it). */
  blob: async (spanId: string, blobId: string, signal?: AbortSignal): Promise<Blob> => {
    const apiKey = storedApiKey();
    const response = await fetch(`/api/spans/${enc(spanId)}/blobs/${enc(blobId)}`, { signal, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
    if (!response.ok) throw new ApiError(response.status, `http_${response.status}`, `blob: HTTP ${response.status}`);
    return response.blob();
  },
  /** GenAI OpenTelemetry metrics (gen_ai.client.token.usage, …) summed per bucket. */
  otelMetrics: (params: QueryParams, signal?: AbortSignal) =>
    request<{ data: OtelMetricPoint[] }>('GET', `/api/otel-metrics${buildQuery(params)}`, undefined, signal),
  /** Who this browser is to the server: tenant, admin, whether keys are on. */
  me: (signal?: AbortSignal) => request<Me>('GET', '/api/me', undefined, signal),
  /** Every tenant (admin keys only). */
  tenants: (signal?: AbortSignal) => request<{ data: TenantSummary[] }>('GET', '/api/admin/tenants', undefined, signal),
  /** Any authenticated read: resolves when the server accepts `key`, ApiError 401 when not. */
  checkKey: (key: string) => request<TracePage>('GET', '/api/traces?limit=1', undefined, undefined, key),
};

/** Parameters that newer servers understand; an older one rejects them as unknown. */
const OPTIONAL_PARAMS = new Set(['q', 'group_by']);
const isOptionalParam = (key: string) => OPTIONAL_PARAMS.has(key) || key.startsWith('metadata.');

/** The query keys a 400 "Unrecognized key(s)" error names. */
export function unrecognizedKeys(error: unknown): string[] {
  if (!(error instanceof ApiError) || error.status !== 400) return [];
  const match = /unrecognized keys?:?\s*(.+)/i.exec(error.message);
  if (!match) return [];
  return [...match[1].matchAll(/["'`]([^"'`]+)["'`]/g)].map((m) => m[1]);
}

/**
 * Runs a GET with `params`; when the server rejects optional parameters it does not know
 * yet (full-text `q`, `metadata.<key>`), retries once without them and says which were dropped.
 */
export async function withOptionalParams<T>(
  params: QueryParams,
  run: (params: QueryParams) => Promise<T>,
): Promise<{ result: T; dropped: string[] }> {
  try {
    return { result: await run(params), dropped: [] };
  } catch (error) {
    const unknown = unrecognizedKeys(error);
    if (unknown.length === 0 || !unknown.every(isOptionalParam)) throw error;
    const reduced = { ...params };
    for (const key of unknown) delete reduced[key];
    return { result: await run(reduced), dropped: unknown };
  }
}
