// A small ClickHouse-compatible HTTP endpoint that runs queries with chDB (the same engine
// as a server), so `@clickhouse/client`'s HTTP connection (CLICKHOUSE_URL) runs in tests.
// It runs as its own process (chDB binds one data directory per process):
//   node --import tsx test/support/clickhouse-http-endpoint.ts <dataDir>
// prints `listening <port>` once it answers. It follows the HTTP interface as documented
// (https://clickhouse.com/docs/interfaces/http):
// - POST (or GET) `/`: the query in `query=` and/or the body (an INSERT's rows follow the
//   `query=` text), `multipart/form-data` bodies (`query`, `param_*` parts), gzip/deflate
//   request bodies, gzip responses with `enable_http_compression=1`;
// - `database=`, `default_format=` (TabSeparated when absent), `query_id=`, `param_<name>=`
//   (passed to the engine's parameter binding as sent, in the escaped text form), any other
//   parameter a setting for this query; `session_id=` (with `session_check`) keeps a session
//   whose SET and USE stay for its next queries, one query at a time (SESSION_IS_LOCKED);
// - errors: the status ClickHouse maps the exception code to, `X-ClickHouse-Exception-Code`,
//   and the exception text as the body; headers X-ClickHouse-Query-Id, -Format, -Timezone,
//   -Summary; `GET /ping` answers `Ok.`.
// What it cannot stand for is listed in the README (Storage, "Server mode"); how the tests use it
// is in docs/storage.md (Testing the server path).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib';

const require = createRequire(import.meta.url);
interface NativeResult {
  /** A method on chdb's wrapped results, a property on the engine's own. */
  bytes: Uint8Array | (() => Uint8Array);
  rowsRead?: number;
  bytesRead?: number;
  elapsed?: number;
}
interface ChdbSession {
  connection: unknown;
  queryAsync(sql: string, opts: { format: string }): Promise<NativeResult>;
  close(): void;
}
const chdb = require('chdb') as { Session: new (path: string) => ChdbSession };
// The engine's own parameter binding, given the values exactly as the client sent them
// (chdb's JS wrapper would escape text values a second time).
const native = require(join(dirname(require.resolve('chdb')), 'dist', 'loader.js')).loadNative() as {
  QueryAsyncConnection(connection: unknown, sql: string, format: string, params?: Record<string, string>): Promise<NativeResult>;
};

const dataDir = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: clickhouse-http-endpoint.ts <dataDir>');
  process.exit(2);
}

/** Settings chDB changes from a server's defaults, put back in every session. */
const SERVER_DEFAULTS = 'SET allow_introspection_functions = 0, implicit_select = 0';
/** URL parameters of the HTTP interface that are not settings. */
const NOT_SETTINGS = new Set(['query', 'database', 'default_format', 'query_id', 'session_id', 'session_timeout', 'session_check', 'user', 'password', 'quota_key', 'role', 'compress', 'decompress', 'buffer_size', 'wait_end_of_query']);
/** Settings of the HTTP layer only (the engine has no such setting). */
const HTTP_SETTINGS = new Set(['enable_http_compression', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'http_zlib_compression_level', 'http_response_buffer_size', 'http_wait_end_of_query', 'http_native_compression_disable_checksumming_on_decompress', 'cancel_http_readonly_queries_on_client_close']);

// The status ClickHouse's HTTP handler gives each exception (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp).
const STATUS_OF_ERROR: Array<[number, string[]]> = [
  [401, ['REQUIRED_PASSWORD']],
  [403, ['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED']],
  [400, ['BAD_ARGUMENTS', 'CANNOT_COMPILE_REGEXP', 'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'CANNOT_PARSE_QUOTED_STRING', 'CANNOT_PARSE_DATE', 'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER', 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING', 'CANNOT_PARSE_IPV4', 'CANNOT_PARSE_IPV6', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_UUID', 'DUPLICATE_COLUMN', 'ILLEGAL_COLUMN', 'UNKNOWN_ELEMENT_IN_AST', 'UNKNOWN_TYPE_OF_AST_NODE', 'THERE_IS_NO_COLUMN', 'TOO_DEEP_AST', 'TOO_BIG_AST', 'UNEXPECTED_AST_STRUCTURE', 'SYNTAX_ERROR', 'INCORRECT_DATA', 'TYPE_MISMATCH', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE']],
  [404, ['UNKNOWN_TABLE', 'UNKNOWN_FUNCTION', 'UNKNOWN_IDENTIFIER', 'UNKNOWN_TYPE', 'UNKNOWN_STORAGE', 'UNKNOWN_DATABASE', 'UNKNOWN_SETTING', 'UNKNOWN_DIRECTION_OF_SORTING', 'UNKNOWN_AGGREGATE_FUNCTION', 'UNKNOWN_FORMAT', 'UNKNOWN_DATABASE_ENGINE', 'UNKNOWN_TYPE_OF_QUERY', 'UNKNOWN_ROLE', 'SESSION_NOT_FOUND']],
  [413, ['QUERY_IS_TOO_LARGE']],
  [501, ['NOT_IMPLEMENTED']],
  [503, ['SOCKET_TIMEOUT', 'CANNOT_OPEN_FILE', 'CANNOT_SCHEDULE_TASK']],
  [411, ['HTTP_LENGTH_REQUIRED']],
  [408, ['TIMEOUT_EXCEEDED']],
  [415, ['UNSUPPORTED_MEDIA_TYPE']],
];
const statusOfError = new Map(STATUS_OF_ERROR.flatMap(([status, names]) => names.map((name) => [name, status] as const)));

class EndpointError extends Error {
  constructor(
    readonly code: number,
    readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

function openSession(): ChdbSession {
  return new chdb.Session(dataDir);
}

/** chDB's error text `Code: N. DB::Exception: … (NAME)`; the server sends the same text. */
function asEndpointError(error: unknown): EndpointError {
  if (error instanceof EndpointError) return error;
  const message = String((error as Error)?.message ?? error);
  const match = /Code: (\d+)\. DB::Exception: [\s\S]*\(([A-Z_0-9]+)\)/.exec(message);
  return new EndpointError(match ? Number(match[1]) : 1002, match?.[2] ?? 'UNKNOWN_EXCEPTION', message.startsWith('Code:') ? message : `Code: 1002. DB::Exception: ${message}. (UNKNOWN_EXCEPTION)`);
}

const sessions = new Map<string, { session: ChdbSession; busy: boolean; lastUsed: number; timeoutMs: number }>();
/** The engine's parameter binding is not re-entrant (chdb serialises it too). */
let paramChain: Promise<unknown> = Promise.resolve();

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  if (encoding && encoding !== 'identity') throw new EndpointError(415, 'UNSUPPORTED_MEDIA_TYPE', `Code: 415. DB::Exception: Unknown Content-Encoding ${encoding}. (UNSUPPORTED_MEDIA_TYPE)`);
  return raw;
}

/** SET statements for this query's settings (values as text, as the server reads them). */
function settingStatements(params: URLSearchParams): string[] {
  const statements: string[] = [];
  for (const [name, value] of params) {
    if (NOT_SETTINGS.has(name) || name.startsWith('param_') || HTTP_SETTINGS.has(name)) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new EndpointError(115, 'UNKNOWN_SETTING', `Code: 115. DB::Exception: Unknown setting ${name}. (UNKNOWN_SETTING)`);
    const literal = /^-?\d+(\.\d+)?$/.test(value) ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    statements.push(`SET ${name} = ${literal}`);
  }
  return statements;
}

async function run(session: ChdbSession, sql: string, format: string, params: Record<string, string>): Promise<NativeResult> {
  if (Object.keys(params).length === 0) return session.queryAsync(sql, { format });
  const result = paramChain.then(() => native.QueryAsyncConnection(session.connection, sql, format, params));
  paramChain = result.catch(() => undefined);
  return result;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://endpoint');
  if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
    return;
  }
  if (url.pathname !== '/') {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(`There is no handle ${url.pathname}\n`);
    return;
  }
  const params = new URLSearchParams(url.searchParams);
  const queryId = params.get('query_id') || randomUUID();
  const format = params.get('default_format') || 'TabSeparated';
  res.setHeader('X-ClickHouse-Query-Id', queryId);
  res.setHeader('X-ClickHouse-Timezone', 'UTC');
  res.setHeader('X-ClickHouse-Server-Display-Name', 'chdb-http-endpoint');
  let sessionEntry: (typeof sessions extends Map<string, infer V> ? V : never) | undefined;
  let ownSession: ChdbSession | undefined;
  try {
    let text = (await body(req)).toString('utf8');
    const contentType = String(req.headers['content-type'] ?? '');
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Request('http://endpoint/', { method: 'POST', headers: { 'content-type': contentType }, body: text }).formData();
      for (const [name, value] of form) if (typeof value === 'string') params.set(name, value);
      text = '';
    }
    // query= first, then the body (an INSERT's rows), as the server joins them
    const urlQuery = params.get('query');
    const sql = urlQuery !== null ? (text.length > 0 ? `${urlQuery}\n${text}` : urlQuery) : text;
    if (sql.trim() === '') throw new EndpointError(62, 'SYNTAX_ERROR', 'Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)');
    if (req.method === 'GET' && !/^\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXISTS|EXPLAIN)\b/i.test(sql)) {
      // GET requests are read-only on a server (readonly = 2 for the request)
      throw new EndpointError(164, 'READONLY', 'Code: 164. DB::Exception: Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries. (READONLY)');
    }
    const sessionId = params.get('session_id');
    let session: ChdbSession;
    if (sessionId) {
      sessionEntry = sessions.get(sessionId);
      if (!sessionEntry) {
        if (params.get('session_check') === '1') throw new EndpointError(372, 'SESSION_NOT_FOUND', `Code: 372. DB::Exception: Session ${sessionId} not found. (SESSION_NOT_FOUND)`);
        sessionEntry = { session: openSession(), busy: false, lastUsed: Date.now(), timeoutMs: 60_000 };
        await sessionEntry.session.queryAsync(SERVER_DEFAULTS, { format: 'TabSeparated' });
        sessions.set(sessionId, sessionEntry);
      }
      if (sessionEntry.busy) {
        sessionEntry = undefined; // another request holds it: not ours to release
        throw new EndpointError(373, 'SESSION_IS_LOCKED', `Code: 373. DB::Exception: Session ${sessionId} is locked by a concurrent client. (SESSION_IS_LOCKED)`);
      }
      sessionEntry.busy = true;
      sessionEntry.timeoutMs = Number(params.get('session_timeout') ?? 60) * 1000;
      session = sessionEntry.session;
    } else {
      // a query without a session starts from the server's defaults: a fresh session
      ownSession = openSession();
      session = ownSession;
      await session.queryAsync(SERVER_DEFAULTS, { format: 'TabSeparated' });
    }
    const database = params.get('database');
    const prelude = [...settingStatements(params), ...(database ? [`USE \`${database.replace(/`/g, '``')}\``] : [])];
    for (const statement of prelude) await session.queryAsync(statement, { format: 'TabSeparated' });
    const bound: Record<string, string> = {};
    for (const [name, value] of params) if (name.startsWith('param_')) bound[name.slice('param_'.length)] = value;
    const result = await run(session, sql, format, bound);
    const out = Buffer.from(typeof result.bytes === 'function' ? result.bytes() : result.bytes);
    const formatInQuery = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(urlQuery ?? sql)?.[1];
    res.setHeader('X-ClickHouse-Format', formatInQuery ?? format);
    res.setHeader('X-ClickHouse-Summary', JSON.stringify({ read_rows: String(result.rowsRead ?? 0), read_bytes: String(result.bytesRead ?? 0), written_rows: '0', written_bytes: '0', total_rows_to_read: '0', result_rows: '0', result_bytes: String(out.length), elapsed_ns: String(Math.round((result.elapsed ?? 0) * 1e9)) }));
    res.setHeader('Content-Type', /^JSON/i.test(formatInQuery ?? format) ? 'application/json; charset=UTF-8' : 'text/plain; charset=UTF-8');
    const gzip = params.get('enable_http_compression') === '1' && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.writeHead(200).end(gzip ? gzipSync(out) : out);
  } catch (error) {
    const e = asEndpointError(error);
    const status = e.code === 415 && e.name === 'UNSUPPORTED_MEDIA_TYPE' ? 415 : (statusOfError.get(e.name) ?? 500);
    res.setHeader('X-ClickHouse-Exception-Code', String(e.code));
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(`${e.message.trim()}\n`);
  } finally {
    if (sessionEntry) {
      sessionEntry.busy = false;
      sessionEntry.lastUsed = Date.now();
    }
    ownSession?.close();
  }
}

// Sessions expire after their session_timeout of idleness, as on a server.
setInterval(() => {
  for (const [id, entry] of sessions) {
    if (!entry.busy && Date.now() - entry.lastUsed > entry.timeoutMs) {
      entry.session.close();
      sessions.delete(id);
    }
  }
}, 1_000).unref();

// The data directory opened once here, so a bad one fails at start, not on the first query.
const keeper = new chdb.Session(dataDir);
await keeper.queryAsync('SELECT 1', { format: 'TabSeparated' });
// Query parameters travel in the URL; ClickHouse takes URIs up to http_max_uri_size (1 MiB),
// where Node's default would refuse anything past 16 KiB (a page of 500 trace ids).
const server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) res.writeHead(500).end(`Code: 1002. DB::Exception: ${String(error)}. (UNKNOWN_EXCEPTION)\n`);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
// Stopping is an outage for the clients: open connections are cut, not drained.
const stop = () => {
  server.close(() => {
    for (const entry of sessions.values()) entry.session.close();
    keeper.close();
    process.exit(0);
  });
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
