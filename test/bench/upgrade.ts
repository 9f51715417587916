// npm run bench:upgrade -- --data <dir>: how long a store takes to open, migrations and the
// one-time jobs after them included; what the first start after an upgrade costs. It changes
// the directory (that is the point): run it on a copy, e.g. of a `bench:scale --keep` one.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SpanStore } from '../../collector/src/store/span-store.ts';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
if (!values.data) throw new Error('usage: npm run bench:upgrade -- --data <a copy of a data directory>');
const started = performance.now();
const store = await SpanStore.open({ dataDir: values.data, log: (message) => console.log(message) });
const seconds = (performance.now() - started) / 1000;
await store.close();
console.log(JSON.stringify({ open_seconds: Number(seconds.toFixed(1)), peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024) }));
