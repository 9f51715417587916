// POST /api/sql: one read-only SELECT over the caller's own data.
//
// Isolation is enforced by ClickHouse, in layers:
// 1. Each tenant gets a database of plain views (spans, traces, scores, span_events,
//    datasets, dataset_items) that read the real tables filtered to that tenant
//    (tenant_id = unhex('…'), so no tenant text is ever spliced into SQL).
// 2. The user's text reaches ClickHouse only as a query parameter, to
//    formatQuerySingleLine(), which parses exactly one statement (multi-statements
//    are a syntax error) and returns it canonically formatted, comments gone.
// 3. ClickHouse's own parse tree of that canonical text (EXPLAIN AST) must be a plain
//    SELECT: no SETTINGS, FORMAT or INTO OUTFILE, no table functions, no functions
//    that read files or other tables, and no database name but the tenant's.
// 4. ClickHouse's analysed query tree (EXPLAIN QUERY TREE, names resolved with the
//    tenant's database as the current one) may name only the tenant's views.
// 5. It runs in a separate read-only session (readonly=1 on embedded chDB, set once,
//    so the query cannot lift it) with time, memory and result-size limits, sent with each
//    statement in place of the store's own defaults (SESSION_DEFAULTS).
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { createClickHouseClient, type ClickHouseOptions } from './client.ts';
import { FairQueue, type FairQueueLimits } from './fair-queue.ts';
import { previewSql } from './span-columns.ts';
import { knownTenants } from './tenants.ts';

export interface SqlLimits extends FairQueueLimits {
  maxExecutionSeconds: number;
  maxMemoryBytes: number;
  maxResultRows: number;
  /** Longest query text accepted. */
  maxQueryChars: number;
}

export const DEFAULT_SQL_LIMITS: SqlLimits = {
  maxExecutionSeconds: 10,
  maxMemoryBytes: 1024 * 1024 * 1024,
  maxResultRows: 10_000,
  maxQueryChars: 20_000,
  total: 2,
  perTenant: 1,
  maxQueuedPerTenant: 4,
  queueTimeoutMs: 15_000,
};

/**
 * ClickHouse's query priority for user SQL (higher number, lower priority): while the
 * API's own queries (priority 1, query.ts) run, user SQL waits for them.
 */
export const USER_SQL_PRIORITY = 10;

/** EXPLAIN output, one tree node a line, unescaped. */
const EXPLAIN_FORMAT = 'TabSeparatedRaw';

/** The tables users can query (views over their own rows), and what each holds. */
export const SQL_TABLES = ['spans', 'traces', 'scores', 'span_events', 'datasets', 'dataset_items'] as const;

/** Why a query was refused (the message says what to change); ClickHouse errors pass through as SqlError too. */
export class SqlError extends Error {
  constructor(
    readonly code: 'sql_not_allowed' | 'sql_error' | 'sql_unavailable',
    message: string,
  ) {
    super(message);
  }
}

export interface SqlJsonResult {
  columns: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
  rows: number;
  elapsed_ms: number;
}

/**
 * Functions a query may call: an allow-list, so a function ClickHouse adds later is refused
 * until it is listed. Whole documentation categories of pure functions (system.functions'
 * `categories`), plus a few named ones of the "Other" and "Internal" categories. Left out:
 * dictionaries, introspection, AI (calls out), machine learning, time series, encryption, and
 * everything about the server, the session or other tables (hasColumnInTable, version(),
 * uptime(), tcpPort(), currentUser(), getSetting(), sleep(), …).
 */
const ALLOWED_CATEGORIES = [
  'Aggregate Functions', 'Arithmetic', 'Arrays', 'Bit', 'Bitmap', 'Comparison', 'Conditional', 'Dates and Times',
  'Distance', 'Encoding', 'Financial', 'Hash', 'IP Address', 'JSON', 'Logical', 'Map', 'Mathematical', 'Null',
  'Random Number', 'Rounding', 'String', 'String Replacement', 'String Search', 'String Splitting', 'Time Window',
  'Tuple', 'Type Conversion', 'URL', 'UUID',
];
const ALLOWED_NAMES = [
  // Other
  'toTypeName', 'toColumnTypeName', 'materialize', 'identity', 'ignore', 'bar', 'transform', 'runningDifference',
  'runningDifferenceStartingWithFirstValue', 'neighbor', 'formatReadableSize', 'formatReadableDecimalSize',
  'formatReadableQuantity', 'formatReadableTimeDelta', 'parseTimeDelta', 'parseReadableSize', 'parseReadableSizeOrNull',
  'parseReadableSizeOrZero', 'byteSize', 'countDigits', 'isDecimalOverflow', 'finalizeAggregation',
  'initializeAggregation', 'visibleWidth', 'getSubcolumn', 'variantElement',
  // syntax the parser writes as functions: CASE x WHEN, lambdas, EXISTS (subquery), the analyser's casts
  'caseWithExpression', 'lambda', 'exists', '_CAST',
];
/** Aggregate function combinators (sumIf, uniqExactState, groupArrayDistinct, …). */
const COMBINATORS = ['If', 'Array', 'Map', 'SimpleState', 'State', 'Merge', 'MergeState', 'ForEach', 'Distinct', 'OrDefault', 'OrNull', 'Resample', 'ArgMin', 'ArgMax'];

/** The functions user SQL may call (lower-cased names, aliases included). */
export interface FunctionAllowList {
  functions: ReadonlySet<string>;
  aggregates: ReadonlySet<string>;
}

/** Builds the allow-list from the engine's own function table (names and their aliases). */
export async function loadFunctionAllowList(client: ClickHouseClient): Promise<FunctionAllowList> {
  const result = await client.query({
    query: `SELECT lower(f.name) AS name, f.is_aggregate AS aggregate
            FROM system.functions AS f LEFT JOIN system.functions AS target ON f.alias_to != '' AND target.name = f.alias_to
            WHERE hasAny(splitByString(', ', if(f.alias_to = '', f.categories, target.categories)), {categories:Array(String)})
               OR has({names:Array(String)}, if(f.alias_to = '', f.name, f.alias_to))`,
    query_params: { categories: ALLOWED_CATEGORIES, names: ALLOWED_NAMES },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ name: string; aggregate: number }>();
  const functions = new Set([...rows.map((r) => r.name), ...ALLOWED_NAMES.map((n) => n.toLowerCase())]);
  return { functions, aggregates: new Set(rows.filter((r) => Number(r.aggregate) === 1).map((r) => r.name)) };
}

/** True when `name`, or an allowed aggregate under combinators (sumArrayIf), is on the allow-list. */
export function isAllowedFunction(name: string, allow: FunctionAllowList): boolean {
  const lower = name.toLowerCase();
  return allow.functions.has(lower) || isCombinedAggregate(lower, allow);
}

function isCombinedAggregate(name: string, allow: FunctionAllowList): boolean {
  return COMBINATORS.some((suffix) => {
    const s = suffix.toLowerCase();
    if (name.length <= s.length || !name.endsWith(s)) return false;
    const base = name.slice(0, -s.length);
    return allow.aggregates.has(base) || isCombinedAggregate(base, allow);
  });
}

/** The database holding a tenant's views: hex keeps any tenant id a plain identifier. */
export function tenantDatabase(tenantId: string): string {
  return `sh_tenant_${Buffer.from(tenantId, 'utf8').toString('hex')}`;
}

interface AstNode {
  depth: number;
  kind: string;
  text: string;
  parent: AstNode | null;
}

/** ClickHouse's EXPLAIN AST dump (one node a line, one space of indent per level) as nodes. */
export function parseAstDump(lines: string[]): AstNode[] {
  const nodes: AstNode[] = [];
  const stack: AstNode[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const depth = line.length - line.trimStart().length;
    const text = line.trim().replace(/ \(children \d+\)$/, '');
    const kind = text.split(' ')[0];
    while (stack.length > 0 && stack[stack.length - 1].depth >= depth) stack.pop();
    const node: AstNode = { depth, kind, text, parent: stack[stack.length - 1] ?? null };
    nodes.push(node);
    stack.push(node);
  }
  return nodes;
}

/** Step 3: what the parse tree may contain. Returns the reason to refuse, or null. */
export function checkAst(nodes: AstNode[], tenantDb: string, databases: ReadonlySet<string>, allow: FunctionAllowList): string | null {
  const root = nodes[0];
  if (!root || root.kind !== 'SelectWithUnionQuery') return 'only a SELECT query can run here';
  // The statement list alone: a FORMAT, SETTINGS or INTO OUTFILE clause would be a second child.
  const rootChildren = nodes.filter((n) => n.parent === root);
  if (rootChildren.length !== 1 || rootChildren[0].kind !== 'ExpressionList') {
    return 'FORMAT, SETTINGS and INTO OUTFILE clauses are not allowed (the API picks the format)';
  }
  for (const node of nodes) {
    if (node.kind === 'Set' || node.kind === 'SetQuery') return 'SETTINGS clauses are not allowed';
    if (node.kind === 'Function') {
      const name = node.text.split(' ')[1] ?? '';
      if (node.parent?.kind === 'TableExpression') return `table function ${name}() is not allowed: query the tables ${SQL_TABLES.join(', ')}`;
      if (!isAllowedFunction(name, allow)) return `function ${name}() is not allowed`;
    }
    if (node.kind === 'TableIdentifier' || node.kind === 'Identifier') {
      const name = node.text.split(' ')[1] ?? '';
      const [first, ...rest] = name.split('.');
      const namesDatabase = node.kind === 'TableIdentifier' ? rest.length > 0 : rest.length > 0 && databases.has(first);
      if (namesDatabase && first !== tenantDb) return `database ${first} is not available: query the tables ${SQL_TABLES.join(', ')}`;
    }
  }
  return null;
}

/** Step 4: every table the analysed query reads must be one of the tenant's views. */
export function checkQueryTree(lines: string[], tenantDb: string, allow: FunctionAllowList): string | null {
  for (const line of lines) {
    const fn = /^\s*TABLE_FUNCTION id: \d+.*table_function_name: ([^,\s]+)/.exec(line);
    if (fn) return `table function ${fn[1]}() is not allowed`;
    const table = /^\s*TABLE id: \d+.*table_name: (\S+?)(?:,|$)/.exec(line);
    if (table) {
      const name = table[1];
      if (name !== 'system.one' && !(name.startsWith(`${tenantDb}.`) && (SQL_TABLES as readonly string[]).includes(name.slice(tenantDb.length + 1)))) {
        return `table ${name} is not available: query the tables ${SQL_TABLES.join(', ')}`;
      }
    }
    const call = /^\s*FUNCTION id: \d+, function_name: ([^,\s]+)/.exec(line);
    if (call && !isAllowedFunction(call[1], allow)) return `function ${call[1]}() is not allowed`;
  }
  return null;
}

/** The view definitions of one tenant's database; `hex` is the tenant id in hex. */
function viewStatements(db: string, hex: string): string[] {
  const tenant = `tenant_id = unhex('${hex}')`;
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    // the texts are derived from the messages (ALIAS columns, which * leaves out); the previews as the API gives them
    `CREATE OR REPLACE VIEW ${db}.spans AS SELECT * EXCEPT (tenant_id), input_text, output_text, ${previewSql('input_text')} AS input_preview, ${previewSql('output_text')} AS output_preview FROM spans FINAL WHERE ${tenant}`,
    `CREATE OR REPLACE VIEW ${db}.traces AS SELECT * EXCEPT (tenant_id, span_ids, name_key, input_key, output_key, version) FROM traces FINAL WHERE ${tenant}`,
    `CREATE OR REPLACE VIEW ${db}.scores AS SELECT * EXCEPT (tenant_id, version) FROM scores FINAL WHERE ${tenant}`,
    `CREATE OR REPLACE VIEW ${db}.span_events AS SELECT * EXCEPT (tenant_id) FROM span_events FINAL WHERE ${tenant}`,
    `CREATE OR REPLACE VIEW ${db}.datasets AS SELECT * EXCEPT (tenant_id, version) FROM datasets FINAL WHERE ${tenant}`,
    `CREATE OR REPLACE VIEW ${db}.dataset_items AS SELECT * EXCEPT (tenant_id, version) FROM dataset_items FINAL WHERE ${tenant}`,
  ];
}

/**
 * Creates (or brings up to date) a tenant's SQL views; idempotent. Called at start-up and when
 * a tenant is created (`spanhouse keys create`), never while answering a request: a disk that
 * fills mid-way leaves half-written metadata, which start-up repairs (data-dir-repair.ts).
 */
export async function createTenantViews(client: ClickHouseClient, tenantId: string): Promise<void> {
  const db = tenantDatabase(tenantId);
  for (const statement of viewStatements(db, Buffer.from(tenantId, 'utf8').toString('hex'))) await client.command({ query: statement });
}

/** The tenant whose views a database holds (tenantDatabase's inverse), or null for other databases. */
function viewDatabaseTenant(database: string): string | null {
  const hex = /^sh_tenant_((?:[0-9a-f]{2})+)$/.exec(database)?.[1];
  return hex ? Buffer.from(hex, 'hex').toString('utf8') : null;
}

function clickHouseMessage(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return message
    .replace(/^Code: \d+\.\s*/, '')
    .replace(/DB::Exception:\s*/g, '')
    .replace(/\s*\(version [^)]*\)\s*$/, '')
    // the settings the API sends with a statement, should ClickHouse quote the statement
    .replace(/ SETTINGS (?:[A-Za-z_]\w* = (?:'(?:[^'\\]|\\.)*'|-?[\d.]+)(?:, )?)+/g, '')
    .trim();
}

/** One-based line and column of a byte offset of `text` (ClickHouse counts positions in bytes). */
function lineAndColumn(text: string, byteOffset: number): { line: number; column: number; rest: string } {
  const before = Buffer.from(text, 'utf8').subarray(0, Math.max(0, byteOffset)).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1, rest: text.slice(before.length) };
}

/**
 * A syntax error in the user's query, about the user's text: ClickHouse's own message names
 * the statement that parsed it (formatQuerySingleLine(…) and the session's SETTINGS).
 */
export function syntaxErrorMessage(message: string, sql: string): string | null {
  const syntax = /^Syntax error(?: \(([^)]*)\))?: failed at position (\d+)/.exec(message);
  if (!syntax) return null;
  const { line, column, rest } = lineAndColumn(sql, Number(syntax[2]) - 1);
  const where = `line ${line}, column ${column}`;
  if (/multi-statements/i.test(syntax[1] ?? '')) return `multiple statements are not allowed: send one SELECT (the first one ends at ${where})`;
  const tail = rest.trimEnd();
  const at = tail.trim() === '' ? `the end of the query (${where})` : `${where}, near "${tail.slice(0, 40)}${tail.length > 40 ? '…' : ''}"`;
  if (line === 1 && column === 1) return `syntax error at ${at}: only a SELECT query (SELECT … or WITH … SELECT …) can run here`;
  // what ClickHouse expected, after the rest of the query it quotes (the last such sentence is its own)
  const scope = message.search(/:\s*In scope /);
  const text = scope < 0 ? message : message.slice(0, scope);
  const said = Math.max(text.lastIndexOf('. Expected '), text.lastIndexOf('. Unmatched parentheses'));
  let detail = said < 0 ? '' : text.slice(said + 2).replace(/[.:\s]+$/, '');
  const expected = /^Expected one of: (.*)$/s.exec(detail);
  if (expected) {
    const items = [...new Set(expected[1].split(', '))];
    detail = `expected one of: ${items.slice(0, 5).join(', ')}${items.length > 5 ? ', …' : ''}`;
  }
  return `syntax error at ${at}${detail ? `: ${detail.charAt(0).toLowerCase()}${detail.slice(1)}` : ''}`;
}

export class SqlStore {
  /** Tenants whose views exist. */
  private readonly ready = new Set<string>();
  /** Tenants whose views are being created in the background (first seen after start-up). */
  private readonly preparing = new Map<string, Promise<void>>();
  /** Embedded read-only sessions not running a query (one per slot of the fair queue at most). */
  private readonly idleSessions: ClickHouseClient[] = [];
  private readonly sessions: ClickHouseClient[] = [];
  private readonly serverClients = new Map<string, ClickHouseClient>();
  /** Fair share of the SQL slots among tenants. */
  readonly queue: FairQueue;
  private databases: Set<string> | null = null;
  private allowList: Promise<FunctionAllowList> | null = null;

  constructor(
    private readonly main: ClickHouseClient,
    private readonly mode: 'chdb' | 'server',
    private readonly options: ClickHouseOptions,
    private readonly limits: SqlLimits = DEFAULT_SQL_LIMITS,
  ) {
    this.queue = new FairQueue(limits);
  }

  /**
   * Start-up: the views of every known tenant (and the default one), created or updated.
   * A failure (a full disk) is logged, not fatal: those tenants get their views on first use.
   */
  async prepare(defaultTenant: string, log: (message: string) => void): Promise<void> {
    try {
      // every known tenant (store/tenants.ts), and those with views already (brought up to date)
      const withViews = [...(await this.knownDatabases(true))].map(viewDatabaseTenant).filter((t): t is string => t !== null);
      for (const tenant of new Set([defaultTenant, ...(await knownTenants(this.main)).map((t) => t.tenant_id), ...withViews])) {
        await createTenantViews(this.main, tenant);
        this.ready.add(tenant);
      }
    } catch (error) {
      log(`could not create the SQL views of every tenant (${clickHouseMessage(error)}); the others are created on first use`);
    }
    this.databases = null;
    await this.functions().catch(() => undefined); // loaded again on first use if this failed
  }

  private functions(): Promise<FunctionAllowList> {
    this.allowList ??= loadFunctionAllowList(this.main).catch((error) => {
      this.allowList = null;
      throw error;
    });
    return this.allowList;
  }

  /**
   * The tenant's view database. A tenant first seen after start-up (a trusted relay names
   * tenants freely) gets its views from a background job, and a 503 until they exist.
   */
  private async tenantViews(tenantId: string): Promise<string> {
    const db = tenantDatabase(tenantId);
    if (this.ready.has(tenantId)) return db;
    if ((await this.knownDatabases(true)).has(db)) {
      this.ready.add(tenantId);
      return db;
    }
    if (!this.preparing.has(tenantId)) {
      const job = createTenantViews(this.main, tenantId)
        .then(() => {
          this.ready.add(tenantId);
          this.databases = null;
        })
        .catch(() => undefined)
        .finally(() => this.preparing.delete(tenantId));
      this.preparing.set(tenantId, job);
    }
    throw new SqlError('sql_unavailable', 'the SQL tables of this tenant are being created: retry in a second');
  }

  /** A user query's limits, sent with each of its statements (over the store's own defaults). */
  private limitSettings(): ClickHouseSettings {
    return {
      max_execution_time: this.limits.maxExecutionSeconds,
      max_memory_usage: String(this.limits.maxMemoryBytes),
      max_result_rows: String(this.limits.maxResultRows),
      result_overflow_mode: 'throw',
      priority: String(USER_SQL_PRIORITY),
    };
  }

  /** chDB: a further session on the same data directory, read-only for good. */
  private async embeddedSession(): Promise<ClickHouseClient> {
    const idle = this.idleSessions.pop();
    if (idle) return idle;
    // its statements carry the user limits instead of the store's defaults; read-only from here on
    const { client } = createClickHouseClient({ dataDir: this.options.dataDir }, this.limitSettings());
    this.sessions.push(client);
    await client.command({ query: 'SET readonly = 1' });
    return client;
  }

  /** Runs `work` with a client whose current database is `db`, read-only and limited. */
  private async withTenantClient<T>(db: string, work: (client: ClickHouseClient, settings: ClickHouseSettings) => Promise<T>): Promise<T> {
    if (this.mode === 'server') {
      let client = this.serverClients.get(db);
      if (!client) {
        client = createClickHouseClient({ ...this.options, database: db }).client;
        this.serverClients.set(db, client);
      }
      // readonly=2: settings the API passes apply, while SETTINGS in the query are refused by the AST check.
      return work(client, { ...this.limitSettings(), readonly: '2' });
    }
    // The fair queue bounds the queries running, so there is never more than one session per slot.
    const client = await this.embeddedSession();
    try {
      await client.command({ query: `USE ${db}` });
      return await work(client, {});
    } finally {
      this.idleSessions.push(client);
    }
  }

  private async knownDatabases(fresh = false): Promise<Set<string>> {
    if (!this.databases || fresh) {
      const result = await this.main.query({ query: 'SELECT name FROM system.databases', format: 'JSONEachRow' });
      this.databases = new Set((await result.json<{ name: string }>()).map((r) => r.name));
    }
    return this.databases;
  }

  /**
   * Checks and runs one SELECT for `tenantId`; JSON rows or CSV text. Waits for a slot of
   * the fair queue first (QueueFullError when none comes).
   */
  async run(tenantId: string, sql: string, format: 'json' | 'csv'): Promise<SqlJsonResult | string> {
    if (sql.length > this.limits.maxQueryChars) throw new SqlError('sql_not_allowed', `query longer than ${this.limits.maxQueryChars} characters`);
    const db = await this.tenantViews(tenantId);
    return this.queue.run(tenantId, () => this.checkAndRun(db, sql, format));
  }

  private async checkAndRun(db: string, sql: string, format: 'json' | 'csv'): Promise<SqlJsonResult | string> {
    const databases = await this.knownDatabases();
    const allow = await this.functions();
    // 2. one statement, canonical text. The text is only a parameter value here, so this
    // pure function call runs on the main session (binding parameters is a settings
    // change, which the read-only session refuses).
    const canonical = await this.canonical(sql);
    if ((await this.canonical(canonical)) !== canonical) throw new SqlError('sql_not_allowed', 'the query could not be normalised; simplify it');
    return this.withTenantClient(db, async (client, settings) => {
      /** An EXPLAIN's lines, unescaped. */
      const explain = async (query: string): Promise<string[]> => {
        try {
          // exec sends the text as it is (query() would append a FORMAT clause to the explained query)
          const { stream } = await client.exec({ query, clickhouse_settings: { ...settings, default_format: EXPLAIN_FORMAT } });
          let text = '';
          for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
          return text.split('\n').filter((line) => line.trim() !== '');
        } catch (error) {
          throw new SqlError('sql_error', clickHouseMessage(error));
        }
      };
      // 3. the parse tree
      const astProblem = checkAst(parseAstDump(await explain(`EXPLAIN AST ${canonical}`)), db, databases, allow);
      if (astProblem) throw new SqlError('sql_not_allowed', astProblem);
      // 4. the analysed tree, names resolved in the tenant's database
      const treeProblem = checkQueryTree(await explain(`EXPLAIN QUERY TREE ${canonical}`), db, allow);
      if (treeProblem) throw new SqlError('sql_not_allowed', treeProblem);
      // 5. run it
      const started = Date.now();
      try {
        if (format === 'csv') {
          const result = await client.query({ query: canonical, format: 'CSVWithNames', clickhouse_settings: settings });
          return await result.text();
        }
        const result = await client.query({ query: canonical, format: 'JSON', clickhouse_settings: settings });
        const body = await result.json<Record<string, unknown>>();
        return { columns: body.meta ?? [], data: body.data, rows: body.rows ?? body.data.length, elapsed_ms: Date.now() - started };
      } catch (error) {
        throw new SqlError('sql_error', clickHouseMessage(error));
      }
    });
  }

  /**
   * ClickHouse's own single-line formatting of one statement (a syntax error otherwise, said
   * about the user's text). implicit_select off: `SELEC x` is a syntax error, not `SELECT SELEC AS x`.
   */
  private async canonical(sql: string): Promise<string> {
    try {
      const result = await this.main.query({
        query: 'SELECT formatQuerySingleLine({sql:String}) AS q',
        query_params: { sql },
        format: 'JSONEachRow',
        clickhouse_settings: { implicit_select: 0 },
      });
      const [row] = await result.json<{ q: string }>();
      return row.q;
    } catch (error) {
      const message = clickHouseMessage(error);
      // any other failure of the statement: its text is ours, not the user's
      throw new SqlError('sql_error', syntaxErrorMessage(message, sql) ?? message.replace(/[.:\s]*In scope SELECT formatQuerySingleLine\(.*$/s, ''));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.preparing.values());
    for (const client of this.sessions) await client.close();
    for (const client of this.serverClients.values()) await client.close();
  }
}
