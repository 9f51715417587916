// Hostile input over real HTTP (issue 10, items 5 and 6): every malformed request is a 4xx
// in its protocol's shape (JSON for the API and OTLP/JSON, google.rpc.Status protobuf for
// OTLP protobuf), never a 500, never Express's HTML page or a stack trace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('hostile');
let collector: RunningCollector;

before(async () => {
  collector = await startTestCollector(data.dir, { maxBodyBytes: 1024 * 1024 });
});
after(async () => {
  await collector?.close();
  data.remove();
});

interface Answer {
  status: number;
  type: string;
  text: string;
  headers: Headers;
}

async function send(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(`${collector.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': contentType }, body });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), headers: res.headers };
}

/** A 4xx in JSON whose message says something, with no HTML and no stack trace. */
function assertJsonProblem(answer: Answer, status: number | 'any4xx', what: string): string {
  if (status === 'any4xx') assert.ok(answer.status >= 400 && answer.status < 500, `${what}: ${answer.status} ${answer.text.slice(0, 200)}`);
  else assert.equal(answer.status, status, `${what}: ${answer.text.slice(0, 200)}`);
  assert.match(answer.type, /application\/json/, what);
  assert.doesNotMatch(answer.text, /<html|<pre>|at \w+ \(|\.ts:\d+/i, what);
  const body = JSON.parse(answer.text);
  const message: string = body.message ?? body.error?.message;
  assert.ok(typeof message === 'string' && message.length > 0, `${what}: a message`);
  return message;
}

const now = Date.now();
function otlpJson(span: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            scope: { name: 'hostile' },
            spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: '970d000004a7da08', name: 'ok', startTimeUnixNano: `${now}000000`, ...span }],
            ...extra,
          },
        ],
      },
    ],
  });
}

describe('OTLP/JSON: values of the wrong type are a 400 with a message', () => {
  const cases: Array<[string, string]> = [
    ['the issue body', '{"resourceSpans":[{"scopeSpans":[{"scope":{"name":{"toString":1}},"spans":[{"traceId":{"toString":1},"spanId":"970d000004a7da08","name":["a"],"startTimeUnixNano":"1796055408820000000"}]}]}]}'],
    ['traceId', otlpJson({ traceId: { toString: 1 } })],
    ['spanId', otlpJson({ spanId: { toString: 1 } })],
    ['name', otlpJson({ name: ['a'] })],
    ['stringValue', otlpJson({ attributes: [{ key: 'k', value: { stringValue: { toString: 1 } } }] })],
    ['status.message', otlpJson({ status: { code: 2, message: { toString: 1 } } })],
    ['status', otlpJson({ status: 'ERROR' })],
    ['intValue', otlpJson({ attributes: [{ key: 'gen_ai.usage.input_tokens', value: { intValue: '1e30' } }] })],
    ['attribute key', otlpJson({ attributes: [{ key: 5, value: { stringValue: 'x' } }] })],
    ['startTimeUnixNano', otlpJson({ startTimeUnixNano: { n: 1 } })],
  ];
  for (const [what, body] of cases) {
    test(what, async () => {
      const message = assertJsonProblem(await send('POST', '/v1/traces', body), 400, what);
      assert.match(message, /must be/);
    });
  }

  test("a log record's traceId", async () => {
    const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: { toString: 1 }, spanId: '970d000004a7da08', body: { stringValue: 'x' } }] }] }] });
    assertJsonProblem(await send('POST', '/v1/logs', body), 400, 'log traceId');
  });

  test('an attribute nested 20,000 deep: 400, no stack overflow', async () => {
    let value = '{"stringValue":"x"}';
    for (let i = 0; i < 20_000; i++) value = i % 2 ? `{"arrayValue":{"values":[${value}]}}` : `{"kvlistValue":{"values":[{"key":"k","value":${value}}]}}`;
    const body = otlpJson({ attributes: [] }).replace('"attributes":[]', `"attributes":[{"key":"deep","value":${value}}]`);
    const message = assertJsonProblem(await send('POST', '/v1/traces', body), 400, 'deep');
    assert.match(message, /nested deeper/);
  });

  test('a well-formed span is still stored after all that', async () => {
    const answer = await send('POST', '/v1/traces', otlpJson({ spanId: 'aaaaaaaaaaaaaaa1' }));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(JSON.parse(answer.text), {});
  });
});

describe('unknown routes and errors under /v1 answer in OTLP, never HTML', () => {
  test('GET and POST of an unknown /v1 route: 404 JSON status', async () => {
    for (const [method, path] of [['GET', '/v1/nothing'], ['POST', '/v1/traces/x'], ['POST', '/v1/nothing']] as const) {
      const answer = await send(method, path, method === 'POST' ? '{}' : undefined);
      assertJsonProblem(answer, 404, `${method} ${path}`);
      assert.equal(typeof JSON.parse(answer.text).code, 'number', 'a google.rpc.Status');
    }
  });

  test('a protobuf request to an unknown /v1 route: 404 with a protobuf Status', async () => {
    const answer = await fetch(`${collector.url}/v1/nothing`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0x0a, 0x00]) });
    assert.equal(answer.status, 404);
    assert.equal(answer.headers.get('content-type'), 'application/x-protobuf');
    const bytes = Buffer.from(await answer.arrayBuffer());
    assert.equal(bytes[0], 0x08, 'field 1 (code) first');
    assert.match(bytes.toString('utf8'), /no OTLP endpoint/);
  });

  test('a protobuf body nested too deep: 400 with a protobuf Status', async () => {
    // AnyValue{kvlist_value: KeyValueList{values: [KeyValue{key, value: AnyValue{...}}]}}, 20,000 deep, built inside out
    let value = Buffer.from([0x0a, 0x01, 0x78]); // string_value "x"
    const len = (n: number) => {
      const out: number[] = [];
      while (n > 127) {
        out.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      out.push(n);
      return Buffer.from(out);
    };
    const field = (tag: number, payload: Buffer) => Buffer.concat([Buffer.from([tag]), len(payload.length), payload]);
    for (let i = 0; i < 2_000; i++) {
      const keyValue = Buffer.concat([field(0x0a, Buffer.from('k')), field(0x12, value)]);
      value = field(0x32, field(0x0a, keyValue)); // AnyValue.kvlist_value (6) → KeyValueList.values (1)
    }
    const span = Buffer.concat([field(0x0a, Buffer.alloc(16, 1)), field(0x12, Buffer.alloc(8, 2)), field(0x2a, Buffer.from('deep')), field(0x4a, Buffer.concat([field(0x0a, Buffer.from('d')), field(0x12, value)]))]);
    const body = field(0x0a, field(0x12, field(0x12, span))); // resource_spans → scope_spans → spans
    const answer = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get('content-type'), 'application/x-protobuf');
  });
});

describe('REST API: malformed input is a 4xx with a JSON message', () => {
  const gets = [
    '/api/metrics?group_by=constructor',
    '/api/metrics?group_by=toString',
    '/api/metrics?group_by=__proto__',
    '/api/metrics?max_cost=1e20',
    '/api/metrics?min_latency_ms=1e300',
    '/api/traces?max_cost=1e20',
    '/api/traces?min_latency_ms=1e300',
    '/api/spans?min_score=1e300&score_name=x',
    '/api/traces?since=9999-12-31T00:00:00Z',
    '/api/traces?since=0001-01-01',
    '/api/spans?since=0001-01-01',
    '/api/metrics?since=0001-01-01&bucket=day',
    '/api/traces/%ZZ',
    '/api/spans/%E0%A4%A',
    '/api/nothing',
    '/api/..%2f',
    '/v1/..%2f',
  ];
  for (const path of gets) {
    test(`GET ${path}`, async () => {
      assertJsonProblem(await send('GET', path), 'any4xx', path);
    });
  }

  const posts: Array<[string, string, string?]> = [
    ['/api/costs/recompute', '{"since":"9999-12-31T00:00:00Z"}'],
    ['/api/costs/recompute', '{"since":"0001-01-01"}'],
    ['/api/clusters/recluster', '{"since":"0001-01-01"}'],
    ['/api/spans', '{"name":"x"}', 'application/json; charset=latin1'],
    ['/api/spans', '{"name":"x", "start_time":"0001-01-01T00:00:00Z"}'],
    ['/api/spans', '{"name":'],
    ['/api/spans', `{"name":"x","output":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`],
    ['/api/traces', `{"model":"m","input":[{"role":${'['.repeat(20_000)}${']'.repeat(20_000)}}]}`],
  ];
  for (const [path, body, type] of posts) {
    test(`POST ${path} ${body.slice(0, 80)} ${type ?? ''}`, async () => {
      assertJsonProblem(await send('POST', path, body, type), 'any4xx', `${path} ${body}`);
    });
  }

  test('metrics filtered on cost and tokens answer (their sums once shadowed the columns: 500)', async () => {
    for (const q of ['min_cost=', 'min_cost=0.5', 'max_cost=1', 'min_input_tokens=1', 'max_output_tokens=5']) {
      const answer = await send('GET', `/api/metrics?${q}`);
      assert.equal(answer.status, 200, `${q}: ${answer.text}`);
    }
  });

  test('a body over the limit: 413', async () => {
    const body = JSON.stringify({ name: 'x', input: 'a'.repeat(2 * 1024 * 1024) });
    assertJsonProblem(await send('POST', '/api/spans', body), 413, 'large body');
  });

  test('storage failing under POST /api/traces and /api/spans: 503 + Retry-After', async () => {
    const store = collector.store as unknown as { insertSpans: (...args: unknown[]) => Promise<unknown> };
    const original = store.insertSpans;
    store.insertSpans = () => Promise.reject(new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space'));
    try {
      for (const [path, body] of [
        ['/api/traces', { model: 'gpt-4o', input: 'hi', output: 'hello' }],
        ['/api/spans', { name: 'step' }],
      ] as const) {
        const answer = await send('POST', path, JSON.stringify(body));
        assertJsonProblem(answer, 503, path);
        assert.equal(answer.headers.get('retry-after'), '5');
      }
    } finally {
      store.insertSpans = original;
    }
    const answer = await send('POST', '/api/spans', JSON.stringify({ name: 'after the outage' }));
    assert.equal(answer.status, 201, answer.text);
  });
});

describe('spans ClickHouse could not store, or would delete at once, are rejected in partial_success; the rest are stored', () => {
  const DAY_NS = 86_400_000_000_000n;
  const nowNs = BigInt(now) * 1_000_000n;
  let n = 0;
  const id = () => (0x100000 + n++).toString(16).padStart(16, 'c');
  const tokens = (value: Record<string, unknown>) => [
    { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
    { key: 'gen_ai.usage.input_tokens', value },
  ];
  const bad: Array<[string, Record<string, unknown>]> = [
    ['start 1e300', { startTimeUnixNano: 1e300 }],
    ['start of 26 digits', { startTimeUnixNano: '99999999999999999999999999' }],
    ['start u64 max', { startTimeUnixNano: '18446744073709551615' }],
    ['start in 2150 (TTL wrap)', { startTimeUnixNano: `${BigInt(Date.UTC(2150, 0, 1)) * 1_000_000n}` }],
    ['start before the retention window', { startTimeUnixNano: `${nowNs - 40n * DAY_NS}`, endTimeUnixNano: `${nowNs - 40n * DAY_NS}` }],
    ['end 1e300', { endTimeUnixNano: 1e300 }],
    ['tokens -5', { attributes: tokens({ intValue: '-5' }) }],
    ['tokens INT64_MIN', { attributes: tokens({ intValue: '-9223372036854775808' }) }],
    ['tokens 2^64', { attributes: tokens({ doubleValue: 2 ** 64 }) }],
    ['negative cost', { attributes: [...tokens({ intValue: '5' }), { key: 'gen_ai.usage.cost', value: { doubleValue: -1 } }] }],
  ];

  test('each bad span rejected with a reason; good spans of the same request stored, with lone surrogates replaced', async () => {
    const goodId = id();
    const spans = [
      ...bad.map(([name, over]) => ({ traceId: '6b8efff798038103d269b633813fc60c', spanId: id(), name, startTimeUnixNano: `${nowNs}`, endTimeUnixNano: `${nowNs + 1000n}`, ...over })),
      {
        traceId: '6b8efff798038103d269b633813fc60c', spanId: goodId, name: 'good \ud800', startTimeUnixNano: `${nowNs}`, endTimeUnixNano: `${nowNs + 1_000_000n}`,
        attributes: [...tokens({ doubleValue: 1.5 }), { key: 'k\udc00', value: { stringValue: 'v\ud800' } }],
      },
    ];
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
    const answer = await send('POST', '/v1/traces', body);
    assert.equal(answer.status, 200, answer.text);
    const partial = JSON.parse(answer.text).partialSuccess;
    assert.equal(partial.rejectedSpans, String(bad.length), answer.text);
    assert.ok(partial.errorMessage.length > 0);
    const stored = await (await fetch(`${collector.url}/api/spans/${goodId}`)).json();
    assert.equal(stored.name, 'good \ufffd');
    assert.equal(stored.input_tokens, 2);
    assert.equal(stored.span_attributes['k\ufffd'], 'v\ufffd');
  });

  test('each reason is given: one request per bad span answers 200 with rejectedSpans 1 and says why', async () => {
    for (const [name, over] of bad) {
      const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '7b8efff798038103d269b633813fc60c', spanId: id(), name, startTimeUnixNano: `${nowNs}`, ...over }] }] }] });
      const answer = await send('POST', '/v1/traces', body);
      assert.equal(answer.status, 200, `${name}: ${answer.text}`);
      const partial = JSON.parse(answer.text).partialSuccess;
      assert.equal(partial?.rejectedSpans, '1', `${name}: ${answer.text}`);
      assert.match(partial.errorMessage, /start time|future|retention|end time|tokens|cost/, name);
    }
  });

  test('a canary sent beside poisoned requests is always stored', async () => {
    const poisoned = bad.map(([name, over]) =>
      send('POST', '/v1/traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '8b8efff798038103d269b633813fc60c', spanId: id(), name, startTimeUnixNano: `${nowNs}`, ...over }] }] }] })),
    );
    const canaries = Array.from({ length: 5 }, () => send('POST', '/v1/traces', otlpJson({ spanId: id(), name: 'canary' })));
    const answers = await Promise.all([...poisoned, ...canaries]);
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    for (const answer of answers.slice(poisoned.length)) assert.deepEqual(JSON.parse(answer.text), {});
  });

  test('POST /api/spans with a lone surrogate: stored, as U+FFFD', async () => {
    const answer = await send('POST', '/api/spans', '{"name":"x\\ud800","input":"\\ud800 hi","metadata":{"k":"\\udfff"}}');
    assert.equal(answer.status, 201, answer.text);
    const stored = await (await fetch(`${collector.url}/api/spans/${JSON.parse(answer.text).span_id}`)).json();
    assert.equal(stored.name, 'x\ufffd');
    assert.equal(stored.metadata.k, '\ufffd');
    const patched = await send('PATCH', `/api/spans/${stored.span_id}`, '{"output":"\\ud800 bye","metadata":{"j":"\\ud800"}}');
    assert.equal(patched.status, 200, patched.text);
    assert.equal(JSON.parse(patched.text).metadata.j, '\ufffd');
  });

  test('log records with a time ClickHouse cannot hold or a lone surrogate: dropped or fixed, never a 503', async () => {
    const record = (over: Record<string, unknown>) => ({ traceId: '6b8efff798038103d269b633813fc60c', spanId: 'cccccccccccccccc', body: { stringValue: 'x\ud800' }, timeUnixNano: `${nowNs}`, ...over });
    const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [record({}), record({ timeUnixNano: '99999999999999999999999999' })] }] }] });
    const answer = await send('POST', '/v1/logs', body);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(JSON.parse(answer.text).partialSuccess?.rejectedLogRecords, '1');
  });
});
