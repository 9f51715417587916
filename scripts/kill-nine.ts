// npx tsx scripts/kill-nine.ts [--runs 5] [--acked 2000] [--spool on|off] [--concurrency 8] [--spans 10]
// kill -9 a loaded collector again and again; prints acknowledged and lost spans (test/support/kill-nine.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killNine } from '../test/support/kill-nine.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, acked: { type: 'string', default: '2000' }, spool: { type: 'string', default: 'on' }, concurrency: { type: 'string', default: '8' }, spans: { type: 'string', default: '10' } },
});
const dataDir = mkdtempSync(join(tmpdir(), 'spanhouse-kill-nine-'));
try {
  const result = await killNine({
    dataDir,
    runs: Number(values.runs),
    ackedBeforeKill: Number(values.acked),
    spool: values.spool === 'on',
    concurrency: Number(values.concurrency),
    spansPerRequest: Number(values.spans),
    log: (m) => console.error(m),
  });
  console.log(JSON.stringify({ spool: values.spool, ...result }));
  process.exitCode = result.lostSpans === 0 && result.duplicatedTraces === 0 ? 0 : 1;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
