// A small JSON client for the REST API in tests.
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export function apiClient(baseUrl: string, defaultKey?: string) {
  return async function api<T = any>(method: string, path: string, body?: unknown, key: string | undefined = defaultKey): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // CSV, JSONL or empty bodies stay text
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();
