// Floods of pipelined requests (issue 10, item 1) over a raw loopback socket: the collector
// answers each with a short 200 or 503 + Retry-After, bounded per connection, does one
// storage check for health however often it is asked, and serves others afterwards.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('flood');
let collector: RunningCollector;
let pings = 0;

before(async () => {
  collector = await startTestCollector(data.dir, { maxRequestsPerSocket: 300, maxInFlight: 8 });
  const client = collector.store.client as unknown as { ping: () => Promise<unknown> };
  const ping = client.ping.bind(client);
  client.ping = () => {
    pings++;
    return ping();
  };
});
after(async () => {
  await collector?.close();
  data.remove();
});

/** Writes `count` pipelined requests at once and reads until the server closes or has answered them all. */
function pipeline(request: string, count: number): Promise<string[]> {
  const { port } = collector;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = () => {
      socket.destroy();
      resolve(text.split(/(?=HTTP\/1\.1 \d{3})/).filter((r) => r.startsWith('HTTP/1.1')));
    };
    socket.on('connect', () => socket.write(request.repeat(count)));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if ((text.match(/HTTP\/1\.1 \d{3}/g)?.length ?? 0) >= count) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? finish() : reject(error)));
  });
}

const statusOf = (response: string) => Number(response.slice(9, 12));

test('5,000 pipelined /healthz: short answers, bounded per connection, health checked against storage a few times at most', async () => {
  const before = pings;
  const responses = await pipeline('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 5_000);
  assert.ok(responses.length > 0);
  const ok = responses.filter((r) => statusOf(r) === 200).length;
  assert.ok(ok <= 300, `at most maxRequestsPerSocket served on one connection, got ${ok}`);
  for (const r of responses) assert.ok([200, 503].includes(statusOf(r)), r.slice(0, 100));
  assert.ok(pings - before <= 5, `storage pinged ${pings - before} times for ${responses.length} health checks`);
  const health = await fetch(`${collector.url}/healthz`);
  assert.equal(health.status, 200);
});

test('2,000 pipelined API reads: beyond the in-flight cap they are shed with 503 + Retry-After, then the API answers', async () => {
  const responses = await pipeline('GET /api/traces?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n', 2_000);
  const statuses = responses.map(statusOf);
  for (const s of statuses) assert.ok([200, 503].includes(s), `status ${s}`);
  const shed = responses.filter((r) => statusOf(r) === 503);
  assert.ok(shed.length > 0, 'some were shed');
  // shed by the in-flight cap: JSON + Retry-After; past maxRequestsPerSocket: Node's own 503 that closes the connection
  for (const r of shed) {
    if (/overloaded/.test(r)) assert.match(r, /\r\nretry-after: \d+\r\n/i);
    else assert.match(r, /\r\nconnection: close\r\n/i);
  }
  assert.ok(shed.some((r) => /overloaded/.test(r)), 'the in-flight cap shed some');
  assert.ok(statuses.filter((s) => s === 200).length <= 300);
  const list = await fetch(`${collector.url}/api/traces?limit=1`);
  assert.equal(list.status, 200);
  assert.equal((await fetch(`${collector.url}/healthz`)).status, 200);
});

test('several flooding connections at once, then a normal client is served', async () => {
  const floods = Array.from({ length: 10 }, () => pipeline('GET /api/spans?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n', 500));
  const all = (await Promise.all(floods)).flat();
  for (const r of all) assert.ok([200, 503].includes(statusOf(r)), r.slice(0, 100));
  const answer = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(answer.status, 200);
});
