import { startCollector } from '@spanhouse/collector';
import { GENERATION_TABLE_FIELDS } from './packages/ui/src/api/fields.ts';
const collector = await startCollector({ host: '127.0.0.1', port: 0, grpcPort: 0, dataDir: process.env.DIR!, log: () => {} });
const url = collector.url;
const F = GENERATION_TABLE_FIELDS.join(',');
const paths = (process.env.PATHS ?? '').split(';').map((p) => p.replace('FIELDS', F));
for (const p of paths) {
  const times: number[] = [];
  for (let i = 0; i < Number(process.env.RUNS ?? 12); i++) {
    const t = performance.now();
    const r = await fetch(url + p);
    await r.arrayBuffer();
    if (i >= 2) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(p.slice(0, 70).padEnd(70), 'p50', times[Math.floor(times.length / 2)].toFixed(1), 'max', times[times.length - 1].toFixed(1));
}
await collector.close();
