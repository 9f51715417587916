// usage: node ex.mjs DATA_DIR "SQL" ... ; prints results (TSV) and statistics
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
const [dir, ...qs] = process.argv.slice(2);
const c = createClient({ connection: createChdbConnection({ path: dir }), clickhouse_settings: { max_memory_usage: '4000000000' } });
for (const q of qs) {
  const t = performance.now();
  try {
    const r = await c.query({ query: q, format: 'JSON' });
    const body = await r.json();
    const ms = (performance.now() - t).toFixed(0);
    for (const row of body.data.slice(0, 60)) console.log(Object.values(row).join('\t'));
    console.log(`-- ${ms} ms, ${body.statistics?.rows_read} rows, ${(body.statistics?.bytes_read / 1e6).toFixed(1)} MB`);
  } catch (e) { console.log('ERR', e.message.slice(0, 500)); }
}
await c.close();
