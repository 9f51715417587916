import { createClickHouseClient } from './collector/src/store/client.ts';
const a = createClickHouseClient({ dataDir: process.env.DIR! }).client;
const base = { preferred_optimize_projection_name: 'p_spans_by_time' };
const P = { f_tenant: 'default', f_model: 'claude-sonnet-4', f_status: 'error', limit: 51 };
const Q = (order: string) => `SELECT trace_id, span_id, version, toUnixTimestamp64Micro(start_time) AS sort_value, toUnixTimestamp64Micro(start_time) AS start_us FROM spans WHERE tenant_id = {f_tenant:String} AND model = {f_model:String} AND status = {f_status:String} ORDER BY ${order} LIMIT {limit:UInt32}`;
const ORDER = 'start_time DESC, trace_id DESC, span_id DESC, version DESC';
const run = async (label: string, sql: string, settings: object) => {
  const t: number[] = []; let rows = 0;
  for (let i = 0; i < 8; i++) { const s = performance.now(); const r = await a.query({ query: sql, format: 'JSON', query_params: P, clickhouse_settings: { ...base, ...settings } }); const j: any = await r.json(); rows = j.statistics.rows_read; t.push(performance.now() - s); }
  t.sort((x, y) => x - y); console.log(label.padEnd(50), 'p50', t[4].toFixed(0), 'ms, rows read', rows);
};
const ex = await (await a.query({ query: `EXPLAIN actions = 1 ${Q(ORDER)}`, format: 'TabSeparatedRaw', query_params: P, clickhouse_settings: base })).text();
console.log(ex.split('\n').filter((l) => /sort description|Read type|ReadFromMergeTree|Parts|Granules|projection/i.test(l)).join('\n'));
await run('as the API', Q(ORDER), {});
await run('tenant prefix in ORDER BY', Q('tenant_id DESC, ' + ORDER), {});
await run('max_block_size 8192', Q(ORDER), { max_block_size: 8192 });
await run('max_block_size 4096', Q(ORDER), { max_block_size: 4096 });
await run('max_block_size 1024', Q(ORDER), { max_block_size: 1024 });
await run('read_in_order_use_virtual_row 1', Q(ORDER), { read_in_order_use_virtual_row: 1 });
await run('virtual row + block 8192', Q(ORDER), { read_in_order_use_virtual_row: 1, max_block_size: 8192 });
