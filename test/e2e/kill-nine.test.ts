// kill -9 of a loaded collector (a child process) with the spool on: every span acknowledged
// before a kill is stored after the restart, once (test/support/kill-nine.ts; more runs, and
// the spool off, with scripts/kill-nine.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { killNine } from '../support/kill-nine.ts';
import { tempDataDir } from '../support/collector.ts';

const data = tempDataDir('kill-nine');
after(() => data.remove());

test('kill -9 twice under load, spool on: no acknowledged span lost or doubled', { timeout: 300_000 }, async () => {
  const result = await killNine({ dataDir: data.dir, runs: 2, ackedBeforeKill: 150, spansPerRequest: 5, concurrency: 4, spool: true });
  assert.ok(result.acknowledgedSpans >= 300, JSON.stringify(result));
  assert.equal(result.lostSpans, 0, JSON.stringify(result));
  assert.equal(result.duplicatedTraces, 0, JSON.stringify(result));
});
