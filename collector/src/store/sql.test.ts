import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAst, checkQueryTree, isDeniedFunction, parseAstDump, tenantDatabase } from './sql.ts';

const DB = tenantDatabase('acme');
const DATABASES = new Set(['default', 'system', 'INFORMATION_SCHEMA', 'information_schema', DB]);
const dump = (text: string) => parseAstDump(text.split('\n'));

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

test('a plain SELECT over the tenant tables passes; node depths give parents', () => {
  const nodes = dump(PLAIN);
  assert.equal(checkAst(nodes, DB, DATABASES), null);
  assert.equal(nodes.find((n) => n.kind === 'TableIdentifier')?.parent?.kind, 'TableExpression');
});

test('refused shapes: not a SELECT, extra root clauses, SETTINGS anywhere', () => {
  assert.match(checkAst(dump('InsertQuery (children 1)\n Identifier spans'), DB, DATABASES)!, /only a SELECT/);
  assert.match(checkAst(dump(`${PLAIN}\n Literal '/tmp/x'`), DB, DATABASES)!, /INTO OUTFILE/);
  assert.match(checkAst(dump(`${PLAIN}\n Identifier CSV`), DB, DATABASES)!, /FORMAT/);
  assert.match(checkAst(dump(`${PLAIN}\n   Set`), DB, DATABASES)!, /SETTINGS/);
});

test('refused references: table functions, denied functions, other databases', () => {
  const tableFunction = PLAIN.replace('TableIdentifier spans (alias s)', 'Function numbers (children 1)');
  assert.match(checkAst(dump(tableFunction), DB, DATABASES)!, /table function numbers/);
  assert.match(checkAst(dump(PLAIN.replace('Identifier s.model', 'Function file (children 1)')), DB, DATABASES)!, /function file/);
  assert.match(checkAst(dump(PLAIN.replace('TableIdentifier spans', 'TableIdentifier default.spans')), DB, DATABASES)!, /database default/);
  assert.match(checkAst(dump(PLAIN.replace('Identifier s.model', 'Identifier system.tables.name')), DB, DATABASES)!, /database system/);
  assert.match(checkAst(dump(PLAIN.replace('TableIdentifier spans', `TableIdentifier ${tenantDatabase('globex')}.spans`)), DB, DATABASES)!, /is not available/);
  assert.equal(checkAst(dump(PLAIN.replace('TableIdentifier spans', `TableIdentifier ${DB}.spans`)), DB, DATABASES), null);
});

test('function deny list: files, dictionaries, Join tables, host, sleep, internals', () => {
  for (const name of ['file', 'FILE', 'dictGet', 'dictGetOrDefault', 'joinGet', 'hostName', 'sleepEachRow', '__getScalar', 'filesystemAvailable', 'getServerSetting']) {
    assert.ok(isDeniedFunction(name), name);
  }
  for (const name of ['count', 'quantile', 'lower', 'formatDateTime', 'JSONExtractString', 'format']) assert.ok(!isDeniedFunction(name), name);
});

test('the analysed tree may name the tenant views and system.one only', () => {
  const line = (table: string) => `    TABLE id: 3, alias: __table1, table_name: ${table}`;
  assert.equal(checkQueryTree(['QUERY id: 0', line(`${DB}.spans`), line('system.one')], DB), null);
  assert.match(checkQueryTree([line('default.spans')], DB)!, /default\.spans is not available/);
  assert.match(checkQueryTree([line(`${DB}.span_index`)], DB)!, /not available/);
  assert.match(checkQueryTree(['  TABLE_FUNCTION id: 29, alias: __table9, table_function_name: numbers'], DB)!, /numbers/);
  assert.match(checkQueryTree(['        FUNCTION id: 7, function_name: file, function_type: ordinary, result_type: String'], DB)!, /file/);
});
