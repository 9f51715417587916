// SIGTERM under load (issue 10, item 8): close() ends even while clients keep sending on
// keep-alive connections and one request stalls half-sent; every answer on the way is a
// 200 (stored) or a 503 + Retry-After (retry), never a 500.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, test } from 'node:test';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('shutdown');
after(() => data.remove());

test('close() drains and ends while clients keep sending, idle keep-alives are closed and a stalled request is cut', async () => {
  const collector = await startTestCollector(data.dir, { shutdownTimeoutMs: 1_000 });
  const now = Date.now();
  // an idle keep-alive connection, and a request whose body never finishes
  const idle = connect(collector.port, '127.0.0.1');
  idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  const stalled = connect(collector.port, '127.0.0.1');
  stalled.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resourceSpans":');
  const socketClosed = (s: typeof idle) => new Promise<void>((resolve) => s.once('close', () => resolve()));
  const idleClosed = socketClosed(idle);
  const stalledClosed = socketClosed(stalled);
  for (const s of [idle, stalled]) {
    s.on('error', () => {});
    s.resume(); // read what the server sends, so its closing is seen
  }

  // four clients sending spans back to back on keep-alive connections
  let stop = false;
  const statuses: number[] = [];
  let n = 0;
  const client = async () => {
    while (!stop) {
      const spanId = (0x1000 + n++).toString(16).padStart(16, 'e');
      const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '9b8efff798038103d269b633813fc60c', spanId, name: 'load', startTimeUnixNano: `${now}000000` }] }] }] });
      try {
        const res = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.text();
        statuses.push(res.status);
        if (res.status === 503) assert.ok(res.headers.get('retry-after'));
      } catch {
        // connection refused or closed once the collector has stopped accepting
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const clients = Array.from({ length: 4 }, client);
  while (statuses.length < 20) await new Promise((r) => setTimeout(r, 10));

  await collector.close();
  stop = true;
  await Promise.all(clients);
  await idleClosed;
  await stalledClosed;
  assert.ok(statuses.length >= 20);
  for (const s of statuses) assert.ok(s === 200 || s === 503, `status ${s}`);
});
