import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
const c = createClient({ connection: createChdbConnection({ path: '/tmp/pgtest' }) });
for (const q of process.argv.slice(2)) {
  try { const r = await c.query({ query: q, format: 'TSV' }); console.log(await r.text()); } catch (e) { console.log('ERR', e.message.slice(0, 300)); }
}
await c.close();
