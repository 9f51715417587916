import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testStorage } from '../../../test/support/storage.ts';
import { createClickHouseClient } from './client.ts';
import { checkAst, checkQueryTree, isAllowedFunction, loadFunctionAllowList, parseAstDump, syntaxErrorMessage, tenantDatabase, type FunctionAllowList } from './sql.ts';

const DB = tenantDatabase('acme');
const DATABASES = new Set(['default', 'system', 'INFORMATION_SCHEMA', 'information_schema', DB]);
const dump = (text: string) => parseAstDump(text.split('\n'));
/** A small allow-list for the pure checks; the real one comes from the engine (last test). */
const ALLOW: FunctionAllowList = { functions: new Set(['count', 'lower', 'equals']), aggregates: new Set(['count']) };

// Dumps as ClickHouse's EXPLAIN AST prints them (one space of indent per level).
const PLAIN = `SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 2)
   ExpressionList (children 1)
    Identifier s.model
   TablesInSelectQuery (children 1)
    TablesInSelectQueryElement (children 1)
     TableExpression (children 1)
      TableIdentifier spans (alias s)`;

test('tenant databases are plain identifiers whatever the tenant id', () => {
  assert.equal(tenantDatabase('acme'), 'sh_tenant_61636d65');
  assert.match(tenantDatabase("x'; DROP"), /^sh_tenant_[0-9a-f]+$/);
});

test("syntax errors are said about the user's text: line and column (ClickHouse counts bytes), what follows, what was expected", () => {
  const scope = (sql: string) => `: In scope SELECT formatQuerySingleLine('${sql}') AS q SETTINGS max_execution_time = 60, priority = '1'.`;
  assert.equal(
    syntaxErrorMessage(`Syntax error (Multi-statements are not allowed): failed at position 9 (end of query): ; SELECT 2. ${scope('SELECT 1; SELECT 2')}`, 'SELECT 1; SELECT 2'),
    'multiple statements are not allowed: send one SELECT (the first one ends at line 1, column 9)',
  );
  const sql = "SELECT 'é. Expected x',\n  count( FROM spans";
  assert.equal(
    syntaxErrorMessage(`Syntax error: failed at position 33 (() (line 2, col 8): ( FROM spans. Unmatched parentheses: (${scope(sql)}`, sql),
    'syntax error at line 2, column 8, near "( FROM spans": unmatched parentheses: (',
  );
  assert.equal(
    syntaxErrorMessage(`Syntax error: failed at position 11 (end of query): . Expected one of: token, OR, AND, OR, IN, NOT IN, LIKE${scope('SELECT 1 +')}`, 'SELECT 1 +'),
    'syntax error at the end of the query (line 1, column 11): expected one of: token, OR, AND, IN, NOT IN, …',
  );
  assert.equal(syntaxErrorMessage('Unknown expression identifier `x` in scope SELECT x', 'SELECT x'), null);
});

test('a plain SELECT over the tenant tables passes; node depths give parents', () => {
  const nodes = dump(PLAIN);
  assert.equal(checkAst(nodes, DB, DATABASES, ALLOW), null);
  assert.equal(nodes.find((n) => n.kind === 'TableIdentifier')?.parent?.kind, 'TableExpression');
});

test('refused shapes: not a SELECT, extra root clauses, SETTINGS anywhere', () => {
  assert.match(checkAst(dump('InsertQuery (children 1)\n Identifier spans'), DB, DATABASES, ALLOW)!, /only a SELECT/);
  assert.match(checkAst(dump(`${PLAIN}\n Literal '/tmp/x'`), DB, DATABASES, ALLOW)!, /INTO OUTFILE/);
  assert.match(checkAst(dump(`${PLAIN}\n Identifier CSV`), DB, DATABASES, ALLOW)!, /FORMAT/);
  assert.match(checkAst(dump(`${PLAIN}\n   Set`), DB, DATABASES, ALLOW)!, /SETTINGS/);
});

test('refused references: table functions, denied functions, other databases', () => {
  const tableFunction = PLAIN.replace('TableIdentifier spans (alias s)', 'Function numbers (children 1)');
  assert.match(checkAst(dump(tableFunction), DB, DATABASES, ALLOW)!, /table function numbers/);
  assert.match(checkAst(dump(PLAIN.replace('Identifier s.model', 'Function file (children 1)')), DB, DATABASES, ALLOW)!, /function file/);
  assert.match(checkAst(dump(PLAIN.replace('TableIdentifier spans', 'TableIdentifier default.spans')), DB, DATABASES, ALLOW)!, /database default/);
  assert.match(checkAst(dump(PLAIN.replace('Identifier s.model', 'Identifier system.tables.name')), DB, DATABASES, ALLOW)!, /database system/);
  assert.match(checkAst(dump(PLAIN.replace('TableIdentifier spans', `TableIdentifier ${tenantDatabase('globex')}.spans`)), DB, DATABASES, ALLOW)!, /is not available/);
  assert.equal(checkAst(dump(PLAIN.replace('TableIdentifier spans', `TableIdentifier ${DB}.spans`)), DB, DATABASES, ALLOW), null);
});

test('function allow-list: combinators of allowed aggregates pass, anything unlisted is refused', () => {
  for (const name of ['count', 'COUNT', 'countIf', 'countArrayIf', 'lower']) assert.ok(isAllowedFunction(name, ALLOW), name);
  for (const name of ['countFoo', 'lowerIf', 'version', 'If', 'file']) assert.ok(!isAllowedFunction(name, ALLOW), name);
});

test('the analysed tree may name the tenant views and system.one only', () => {
  const line = (table: string) => `    TABLE id: 3, alias: __table1, table_name: ${table}`;
  assert.equal(checkQueryTree(['QUERY id: 0', line(`${DB}.spans`), line('system.one')], DB, ALLOW), null);
  assert.match(checkQueryTree([line('default.spans')], DB, ALLOW)!, /default\.spans is not available/);
  assert.match(checkQueryTree([line(`${DB}.span_index`)], DB, ALLOW)!, /not available/);
  assert.match(checkQueryTree(['  TABLE_FUNCTION id: 29, alias: __table9, table_function_name: numbers'], DB, ALLOW)!, /numbers/);
  assert.match(checkQueryTree(['        FUNCTION id: 7, function_name: file, function_type: ordinary, result_type: String'], DB, ALLOW)!, /file/);
});

test('the allow-list built from the engine: query functions pass; server, session, file, dictionary and AI functions do not', async () => {
  const storage = await testStorage('sql-allow');
  const { client } = createClickHouseClient(storage.options);
  try {
    const allow = await loadFunctionAllowList(client);
    const allowed = ['count', 'countIf', 'sumIf', 'quantileExactIf', 'uniqArrayIf', 'avgOrNull', 'argMax', 'groupArrayDistinct', 'row_number', 'toDate', 'toStartOfHour', 'now', 'formatDateTime', 'DATE_FORMAT', 'JSONExtractString', 'lower', 'lcase', 'substr', 'like', 'equals', 'and', 'in', 'if', 'multiIf', 'coalesce', 'round', 'arrayJoin', 'has', 'mapKeys', 'tuple', 'CAST', 'lambda', 'caseWithExpression', 'toTypeName'];
    for (const name of allowed) assert.ok(isAllowedFunction(name, allow), `${name} should be allowed`);
    const refused = ['hasColumnInTable', 'version', 'uptime', 'tcpPort', 'currentUser', 'currentDatabase', 'getSetting', 'getServerSetting', 'hostName', 'FQDN', 'sleep', 'sleepEachRow', 'file', 'dictGet', 'dictGetString', 'joinGet', 'aiGenerate', 'AIGenerate', 'filesystemAvailable', 'addressToSymbol', '__getScalar', 'throwIf', 'buildId', 'serverUUID', 'getMacro', 'queryID', 'sumHasColumnInTable', 'versionIf'];
    for (const name of refused) assert.ok(!isAllowedFunction(name, allow), `${name} should be refused`);
  } finally {
    await client.close();
    await storage.remove();
  }
});
