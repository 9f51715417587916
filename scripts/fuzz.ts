// npm run fuzz [-- --seed 1 --inputs 3000 --concurrency 4]
// Seeded, bounded fuzzing of a real collector on loopback (embedded chDB in a temp
// directory): mutated OTLP/JSON, OTLP/protobuf (structured and byte-level) and REST
// bodies and query strings, with a canary client sending a valid span beside them. Fails
// on any 5xx, a crash (the collector stops answering), or a canary that is not stored.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import protobuf from 'protobufjs';
import { mulberry32 } from '../collector/src/demo/sample-traces.ts';
import { startCollector } from '../collector/src/server.ts';

const { values: flags } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, inputs: { type: 'string', default: '3000' }, concurrency: { type: 'string', default: '4' } },
});
const SEED = Number(flags.seed);
const INPUTS = Number(flags.inputs);
const CONCURRENCY = Number(flags.concurrency);

// seeded, so a failing run can be replayed with its seed
const random = mulberry32(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

/** JSON text spliced in as it is when serialised (deep values would overflow JSON.stringify here). */
class RawJson {
  constructor(readonly text: string) {}
}
function nested(depth: number, leaf: string, open: string, close: string): RawJson {
  return new RawJson(open.repeat(depth) + leaf + close.repeat(depth));
}
function serialise(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => (v instanceof RawJson ? `@@RAW${raws.push(v.text) - 1}@@` : v));
  return text.replace(/"@@RAW(\d+)@@"/g, (_m, i) => raws[Number(i)]);
}

/** Values that broke, or could break, a decoder, a mapper or an insert. */
const HOSTILE: Array<() => unknown> = [
  () => ({ toString: 1 }),
  () => [],
  () => ['a'],
  () => '',
  () => '\ud800',
  () => `x\udc00y`,
  () => 1e300,
  () => -1,
  () => 1.5,
  () => '-5',
  () => '1e30',
  () => 'NaN',
  () => '99999999999999999999999999',
  () => '18446744073709551615',
  () => '-9223372036854775808',
  () => 2 ** 64,
  () => null,
  () => true,
  () => '__proto__',
  () => 'constructor',
  () => '0'.repeat(32),
  () => 'zz',
  () => 'a'.repeat(int(2) ? 300_000 : 3_000_000),
  () => nested(500 + int(20_000), '{"stringValue":"x"}', '{"arrayValue":{"values":[', ']}}'),
  () => nested(100 + int(5_000), '"x"', '[', ']'),
  () => nested(100 + int(5_000), '"x"', '{"a":', '}'),
  () => ({ stringValue: { toString: 1 } }),
  () => ({ intValue: pick(['-5', '1e30', '-9223372036854775808', 1.5, {}]) }),
  () => ({ doubleValue: pick([-1, 1e308, 'x', 2 ** 64]) }),
  () => ({ kvlistValue: { values: pick([{}, [{}], [{ key: 5 }], [{ key: '__proto__', value: { stringValue: 'x' } }]]) } }),
];

const nowNs = () => `${BigInt(Date.now()) * 1_000_000n}`;
const hex = (bytes: number) => Array.from({ length: bytes * 2 }, () => '0123456789abcdef'[int(16)]).join('');

function baseOtlpJson() {
  const attr = (key: string, value: unknown) => ({ key, value });
  const traceId = hex(16);
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', { stringValue: 'fuzz' })] },
        scopeSpans: [
          {
            scope: { name: 'fuzz', version: '1' },
            spans: [0, 1].map((i) => ({
              traceId,
              spanId: hex(8),
              parentSpanId: i ? '' : hex(8),
              name: 'chat gpt-4o',
              kind: 3,
              startTimeUnixNano: nowNs(),
              endTimeUnixNano: nowNs(),
              attributes: [
                attr('gen_ai.operation.name', { stringValue: 'chat' }),
                attr('gen_ai.request.model', { stringValue: 'gpt-4o' }),
                attr('gen_ai.usage.input_tokens', { intValue: '12' }),
                attr('gen_ai.usage.output_tokens', { intValue: 3 }),
                attr('gen_ai.usage.cost', { doubleValue: 0.01 }),
                attr('gen_ai.input.messages', { stringValue: '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]' }),
                attr('tags', { arrayValue: { values: [{ stringValue: 'a' }] } }),
                attr('meta', { kvlistValue: { values: [attr('k', { boolValue: true })] } }),
              ],
              events: [{ name: 'e', timeUnixNano: nowNs(), attributes: [attr('x', { stringValue: 'y' })] }],
              links: [],
              status: { code: 2, message: 'boom' },
            })),
          },
        ],
      },
    ],
  };
}

function baseLogsJson() {
  return {
    resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: hex(16), spanId: hex(8), timeUnixNano: nowNs(), eventName: 'gen_ai.user.message', body: { kvlistValue: { values: [{ key: 'content', value: { stringValue: 'hi' } }] } } }] }] }],
  };
}

/** Every [parent, key] in a JSON value, to mutate one of them. */
function slots(root: unknown): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || node instanceof RawJson) continue;
    for (const key of Object.keys(node)) {
      const k = Array.isArray(node) ? Number(key) : key;
      out.push([node as Record<string, unknown>, k]);
      stack.push((node as Record<string, unknown>)[key]);
    }
  }
  return out;
}

function mutate<T>(value: T, times = 1 + int(3)): T {
  for (let i = 0; i < times; i++) {
    const all = slots(value);
    if (all.length === 0) break;
    const [parent, key] = pick(all);
    const action = int(10);
    if (action === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
    else if (action === 1 && Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
    else (parent as Record<string | number, unknown>)[key] = pick(HOSTILE)();
  }
  return value;
}

// ---- protobuf ---------------------------------------------------------------------
const root = protobuf.parse(readFileSync(new URL('../schemas/otlp/otlp.proto', import.meta.url), 'utf8'), { keepCase: true }).root;
const TraceRequest = root.lookupType('spanhouse.otlp.ExportTraceServiceRequest');

function protobufBody(): Buffer {
  const json = baseOtlpJson();
  const span = json.resourceSpans[0].scopeSpans[0].spans[0];
  const big = pick(['18446744073709551615', '9223372036854775808', '0', '1', nowNs()]);
  const message = {
    resource_spans: [
      {
        scope_spans: [
          {
            spans: [
              {
                trace_id: Buffer.from(span.traceId, 'hex'),
                span_id: Buffer.from(int(4) ? span.spanId : '', 'hex'),
                name: pick(['ok', '\ud800', 'a'.repeat(100_000)]),
                start_time_unix_nano: int(2) ? big : nowNs(),
                end_time_unix_nano: int(2) ? big : nowNs(),
                attributes: [
                  { key: 'gen_ai.request.model', value: { string_value: 'gpt-4o' } },
                  { key: 'gen_ai.usage.input_tokens', value: { int_value: pick(['-9223372036854775808', '-5', '12', '9223372036854775807']) } },
                  { key: 'gen_ai.usage.output_tokens', value: { double_value: pick([1.5, -1, 1e300, 3]) } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  let bytes = Buffer.from(TraceRequest.encode(TraceRequest.fromObject(message)).finish());
  if (int(2)) {
    // byte-level: flips, truncation, random insertions
    bytes = Buffer.from(bytes);
    for (let i = 0, n = 1 + int(4); i < n && bytes.length > 0; i++) {
      const at = int(bytes.length);
      const action = int(3);
      if (action === 0) bytes[at] ^= 1 << int(8);
      else if (action === 1) bytes = bytes.subarray(0, at);
      else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([int(256), int(256)]), bytes.subarray(at)]);
    }
  }
  return bytes;
}

// ---- REST -------------------------------------------------------------------------
const QUERY_KEYS = ['since', 'until', 'model', 'status', 'min_cost', 'max_cost', 'min_latency_ms', 'max_total_tokens', 'group_by', 'bucket', 'limit', 'cursor', 'sort', 'q', 'tag', 'metadata.tier', 'score_name', 'min_score', 'tenant', 'type'];
const QUERY_VALUES = ['constructor', 'toString', '__proto__', '1e20', '1e300', '-1', 'NaN', '9999-12-31T00:00:00Z', '0001-01-01', '2024-01-01', '%ZZ', '%E0%A4%A', 'a'.repeat(2000), 'day', 'minute', 'cost', '0', ''];

function restRequest(): { method: string; path: string; body?: string; type?: string } {
  const kind = int(6);
  if (kind <= 1) {
    const path = pick(['/api/traces', '/api/spans', '/api/metrics']);
    const params = Array.from({ length: 1 + int(3) }, () => `${pick(QUERY_KEYS)}=${pick(QUERY_VALUES)}`).join('&');
    return { method: 'GET', path: `${path}?${params}` };
  }
  if (kind === 2) return { method: 'GET', path: pick(['/api/traces/', '/api/spans/', '/v1/', '/api/']) + pick(['%ZZ', hex(16), hex(8), '..%2f', 'x'.repeat(500), '%00']) };
  if (kind === 3) {
    const body = mutate({ since: '2024-01-01T00:00:00Z', until: '2024-02-01T00:00:00Z', limit: 10 });
    return { method: 'POST', path: pick(['/api/costs/recompute', '/api/clusters/recluster']), body: serialise(body) };
  }
  const body = mutate({
    name: 'step',
    model: 'gpt-4o',
    input: pick(['hi', [{ role: 'user', content: 'hi' }], { q: 'hi' }]),
    output: 'hello',
    input_tokens: 5,
    cost_usd: 0.1,
    metadata: { tier: 'pro' },
    tags: ['a'],
    start_time: new Date().toISOString(),
  });
  const type = pick(['application/json', 'application/json', 'application/json; charset=latin1', 'text/plain']);
  return { method: 'POST', path: pick(['/api/traces', '/api/spans']), body: int(10) ? serialise(body) : serialise(body).slice(0, int(50)), type };
}

// ---- run --------------------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), 'spanhouse-fuzz-'));
const collector = await startCollector({ host: '127.0.0.1', port: 0, dataDir, batchMaxDelayMs: 5, log: () => {} });
const counts = { otlpJson: 0, otlpLogs: 0, otlpProtobuf: 0, rest: 0, canary: 0 };
const statuses = new Map<number, number>();
const failures: string[] = [];

async function send(method: string, path: string, body: string | Buffer | undefined, type: string | undefined, what: string) {
  let res: Response;
  try {
    res = await fetch(`${collector.url}${path}`, { method, headers: type ? { 'content-type': type } : {}, body: body as BodyInit | undefined });
  } catch (error) {
    failures.push(`${what} ${method} ${path}: no answer (${(error as Error).message})`);
    return null;
  }
  const text = await res.text();
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (res.status >= 500) failures.push(`${what} ${method} ${path.slice(0, 120)} → ${res.status} ${text.slice(0, 200)}\n  body: ${String(body ?? '').slice(0, 300)}`);
  if (/<html|<pre>/i.test(text)) failures.push(`${what} ${method} ${path.slice(0, 120)} → HTML answer`);
  return { status: res.status, text };
}

async function one(i: number) {
  const target = i % 4;
  if (target === 0) {
    counts.otlpJson++;
    await send('POST', '/v1/traces', serialise(mutate(baseOtlpJson())), 'application/json', `#${i} otlp-json`);
  } else if (target === 1) {
    counts.otlpProtobuf++;
    await send('POST', '/v1/traces', protobufBody(), 'application/x-protobuf', `#${i} otlp-protobuf`);
  } else if (target === 2 && int(3) === 0) {
    counts.otlpLogs++;
    await send('POST', '/v1/logs', serialise(mutate(baseLogsJson())), 'application/json', `#${i} otlp-logs`);
  } else {
    counts.rest++;
    const r = restRequest();
    await send(r.method, r.path, r.body, r.type, `#${i} rest`);
  }
}

/** A valid span beside the fuzz: must always be acknowledged in full (no collateral 503). */
async function canary(i: number) {
  counts.canary++;
  const answer = await send('POST', '/v1/traces', JSON.stringify(baseOtlpJson()), 'application/json', `#${i} canary`);
  if (answer && (answer.status !== 200 || answer.text !== '{}')) failures.push(`#${i} canary → ${answer.status} ${answer.text.slice(0, 200)}`);
}

const started = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < INPUTS) {
      const i = next++;
      await Promise.all([one(i), i % 10 === 0 ? canary(i) : Promise.resolve()]);
    }
  }),
);
const health = await fetch(`${collector.url}/healthz`).then((r) => r.status, () => 0);
if (health !== 200) failures.push(`health after the run: ${health}`);
await collector.close();
rmSync(dataDir, { recursive: true, force: true });

const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
console.log(`fuzz seed ${SEED}: ${INPUTS} inputs (${counts.otlpJson} OTLP/JSON traces, ${counts.otlpProtobuf} OTLP/protobuf, ${counts.otlpLogs} OTLP/JSON logs, ${counts.rest} REST) + ${counts.canary} canaries in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, c]) => `${s}×${c}`).join(', ')}; 5xx: ${fivexx}; failures: ${failures.length}`);
for (const f of failures.slice(0, 20)) console.log(`FAIL ${f}`);
process.exit(failures.length > 0 ? 1 : 0);
