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

/**
 * True when the endpoint itself does not exist on this server (older collector): 405/501, or a
 * 404 for the route ("route POST /api/… not found", or a non-JSON 404). A 404 for a thing the
 * request names (a span, a dataset item) is a real answer, not a missing feature.
 */
export const isMissingEndpoint = (error: unknown): boolean =>
  error instanceof ApiError &&
  (error.status === 405 || error.status === 501 || (error.status === 404 && (error.code !== 'not_found' || /^route /.test(error.message))));

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

/** Paths that always concern the key itself, whatever tenant is chosen. */
const OWN_KEY_PATH = /^\/api\/(me|admin)(\/|\?|$)/;

/**
 * The tenant an admin chose in the switcher, on every request as the API takes it: reads carry
 * `tenant=`; JSON writes a `tenant_id` field; a DELETE `tenant_id=` (the API's write parameter,
 * which the server honours for admin and trusted-relay keys and refuses with 403 for others).
 */
export function withTenant(method: string, path: string, body: unknown, tenant: string | null = selectedTenant()): { path: string; body: unknown } {
  if (!tenant || !path.startsWith('/api/') || OWN_KEY_PATH.test(path)) return { path, body };
  const join = path.includes('?') ? '&' : '?';
  if (method === 'GET') return { path: `${path}${join}tenant=${encodeURIComponent(tenant)}`, body };
  if (method === 'DELETE') return { path: `${path}${join}tenant_id=${encodeURIComponent(tenant)}`, body };
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) return { path, body: { ...body, tenant_id: tenant } };
  return { path, body };
}

/** A refused write to the chosen tenant, said as what it is (the server's message kept). */
function tenantWriteRefused(tenant: string, message: string): string {
  return `This key cannot write to tenant “${tenant}” (the server said: ${message})`;
}

/**
 * One request to the collector with the stored key and the chosen tenant; the raw Response
 * (for streams, text and blobs). A network failure is an ApiError with status 0.
 */
export async function apiFetch(method: string, path: string, options: { body?: unknown; signal?: AbortSignal; explicitKey?: string; accept?: string } = {}): Promise<Response> {
  const apiKey = options.explicitKey ?? storedApiKey();
  const target = withTenant(method, path, options.body);
  const headers = requestHeaders(apiKey, target.body !== undefined);
  if (options.accept) headers.accept = options.accept;
  try {
    return await fetch(target.path, { method, signal: options.signal, headers, body: target.body === undefined ? undefined : JSON.stringify(target.body) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', `Cannot reach the Spanhouse server (${(error as Error).message})`);
  }
}

/** The ApiError for a response that is not ok (its JSON error, or the status line). */
export async function responseError(response: Response, method: string, text?: string): Promise<ApiError> {
  const body = text ?? (await response.text().catch(() => ''));
  let err: { code?: string; message?: string } | undefined;
  try {
    err = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
  } catch {
    err = undefined;
  }
  let message = err?.message ?? (response.statusText || `HTTP ${response.status}`);
  const tenant = selectedTenant();
  if (response.status === 403 && method !== 'GET' && tenant && /^(tenant_id|x-spanhouse-tenant):/.test(message)) message = tenantWriteRefused(tenant, message);
  return new ApiError(response.status, err?.code ?? `http_${response.status}`, message);
}

/**
 * `explicitKey` checks a key the user typed instead of the stored one; its 401 goes to the
 * caller only, not to the sign-in panel.
 */
async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, explicitKey?: string): Promise<T> {
  const response = await apiFetch(method, path, { body, signal, explicitKey });
  const text = await response.text();
  if (response.status === 401 && explicitKey === undefined) reportUnauthorized(storedApiKey());
  if (!response.ok) throw await responseError(response, method, text);
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(response.status, 'bad_response', 'The server did not answer with JSON');
    }
  }
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
  /** Largest prompt clusters in a time window (all time without one). */
  clusters: (params: { limit?: number; since?: string; until?: string }, signal?: AbortSignal) =>
    request<{ data: Cluster[] }>('GET', `/api/clusters${buildQuery(params)}`, undefined, signal),
  spanEvents: (spanId: string, signal?: AbortSignal) =>
    request<{ data: StoredEvent[] }>('GET', `/api/spans/${enc(spanId)}/events`, undefined, signal),
  sendFeedback: (spanId: string, value: 'up' | 'down') =>
    request<unknown>('POST', `/api/spans/${enc(spanId)}/events`, { kind: 'feedback', source: 'ui', data: { value } }),
  addToDataset: (dataset: string, spanId: string, metadata?: Record<string, string>) =>
    request<unknown>('POST', `/api/datasets/${enc(dataset)}/items`, metadata ? { span_id: spanId, metadata } : { span_id: spanId }),
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
    const response = await apiFetch('GET', `/api/datasets/${enc(dataset)}/export`);
    if (!response.ok) throw await responseError(response, 'GET');
    return response.text();
  },
  /** Sample traces go to the key's own tenant (POST /api/demo names no other). */
  loadDemo: () => {
    const tenant = selectedTenant();
    if (tenant) return Promise.reject(new ApiError(403, 'forbidden', `Sample traces load into this key's own tenant only; switch the tenant back from “${tenant}” to load them`));
    return request<unknown>('POST', '/api/demo', {});
  },
  ingestHealth: (signal?: AbortSignal) => request<IngestHealth>('GET', '/api/ingest-health', undefined, signal),
  /** The bytes of a message's blob part (an inline image), with the API key (an <img src> could not send it). */
  blob: async (spanId: string, blobId: string, signal?: AbortSignal): Promise<Blob> => {
    const response = await apiFetch('GET', `/api/spans/${enc(spanId)}/blobs/${enc(blobId)}`, { signal, accept: '*/*' });
    if (!response.ok) throw await responseError(response, 'GET');
    return response.blob();
  },
  /** GenAI OpenTelemetry metrics (gen_ai.client.token.usage, …) summed per bucket. */
  otelMetrics: (params: QueryParams, signal?: AbortSignal) =>
    request<{ data: OtelMetricPoint[] }>('GET', `/api/otel-metrics${buildQuery(params)}`, undefined, signal),
  /** Model names the gateway routes (GET /v1/models); empty when it answers none. */
  models: async (signal?: AbortSignal): Promise<string[]> => {
    const response = await apiFetch('GET', '/v1/models', { signal });
    if (!response.ok) return [];
    const body = (await response.json()) as { data?: Array<{ id: string }> };
    return (body.data ?? []).map((m) => m.id);
  },
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
