// Trace-level facts (status, totals, counts, duration, models, user, session, tags,
// previews) stay right however a trace's spans arrive: in many requests, out of order,
// minutes apart, after a collector restart, re-sent, rewritten, or joined by late logs.
// Real OTel SDK exporters over loopback; the trace list and the trace view must agree.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { context, trace, type Span } from '@opentelemetry/api';
import type { RunningCollector } from '@spanhouse/collector';
import { getJson, startTestCollector, tempDataDir } from '../support/collector.ts';
import { otelLogger } from '../support/library.ts';
import { childSpan, otelTracer, type TestTracer } from '../support/otel.ts';

const data = tempDataDir('rollup');
let collector: RunningCollector;
before(async () => {
  collector = await startTestCollector(data.dir);
});
after(async () => {
  await collector?.close();
  data.remove();
});

async function restart() {
  await collector.close();
  collector = await startTestCollector(data.dir);
}

const content = (role: string, text: string) => JSON.stringify([{ role, parts: [{ type: 'text', content: text }] }]);
const chat = (model: string, input: number, cost: number, extra: Record<string, string | number> = {}) => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': model,
  'gen_ai.usage.input_tokens': input,
  'gen_ai.usage.output_tokens': 10,
  'gen_ai.usage.cost': cost,
  'gen_ai.input.messages': content('user', `question to ${model}`),
  'gen_ai.output.messages': content('assistant', `answer from ${model}`),
  ...extra,
});

/** Ends `span` and exports it on its own request. */
async function send(otel: TestTracer, span: Span, endMs: number) {
  span.end(endMs);
  await otel.flush();
}

/** The trace as the trace view shows it, and as the list (filtered to it) shows it: they must agree. */
async function bothViews(traceId: string, listQuery = '') {
  const detail = await getJson(`${collector.url}/api/traces/${traceId}`);
  assert.equal(detail.status, 200);
  const list = await getJson(`${collector.url}/api/traces?limit=500${listQuery}`);
  assert.equal(list.status, 200);
  const row = list.body.data.find((t: any) => t.trace_id === traceId);
  return { trace: detail.body.trace, spans: detail.body.spans, row };
}

function assertFacts(trace: any, expected: Record<string, unknown>) {
  for (const [key, value] of Object.entries(expected)) {
    if (key === 'cost_usd') assert.ok(Math.abs(trace.cost_usd - (value as number)) < 1e-9, `cost_usd ${trace.cost_usd} != ${value}`);
    else assert.deepEqual(trace[key], value, key);
  }
}

/** An agent trace over several minutes whose four spans are exported in three requests, children first. */
async function agentTraceInPieces(otel: TestTracer) {
  const t0 = Date.now() - 10 * 60_000;
  const root = childSpan(otel.tracer, 'support-agent', undefined, {
    'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support',
    'gen_ai.input.messages': content('user', 'my blender arrived broken'), 'gen_ai.output.messages': content('assistant', 'a refund is on its way'),
  }, t0);
  const first = childSpan(otel.tracer, 'chat', root, chat('gpt-4o', 100, 0.01, { 'user.id': 'user-7', 'session.id': 'session-3' }), t0 + 1_000);
  const tool = childSpan(otel.tracer, 'refund-tool', root, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund' }, t0 + 2 * 60_000);
  const second = childSpan(otel.tracer, 'chat', root, chat('claude-sonnet-4', 50, 0.002), t0 + 3 * 60_000);
  // the second call fails, minutes after the first, and arrives first
  second.setStatus({ code: 2, message: 'overloaded' });
  await send(otel, second, t0 + 4 * 60_000);
  await send(otel, first, t0 + 61_000);
  tool.end(t0 + 2 * 60_000 + 500);
  await send(otel, root, t0 + 5 * 60_000);
  return { traceId: root.spanContext().traceId, spans: { root, first, tool, second }, t0 };
}

const wholeTrace = {
  name: 'support-agent',
  span_count: 4,
  llm_count: 2,
  tool_count: 1,
  error_count: 1,
  status: 'error',
  input_tokens: 150,
  output_tokens: 20,
  cost_usd: 0.012,
  models: ['claude-sonnet-4', 'gpt-4o'],
  user_id: 'user-7',
  session_id: 'session-3',
  duration_ms: 5 * 60_000,
  input: 'my blender arrived broken',
  output: 'a refund is on its way',
};

test('spans in many requests, out of order and minutes apart add up to one trace', async () => {
  const otel = otelTracer(collector.url, { serviceName: 'rollup-app' });
  const { traceId } = await agentTraceInPieces(otel);
  await otel.shutdown();
  const views = await bothViews(traceId);
  assert.equal(views.spans.length, 4);
  assertFacts(views.trace, wholeTrace);
  assert.ok(views.row, 'the trace is in the list');
  assertFacts(views.row, wholeTrace);
  // filters on the totals see every request's spans, not one request's share
  assert.ok((await bothViews(traceId, '&min_cost=0.011&status=error&min_latency_ms=299000')).row);
  assert.ok((await bothViews(traceId, '&model=gpt-4o&user_id=user-7&session_id=session-3')).row);
  assert.equal((await bothViews(traceId, '&status=success')).row, undefined);
});

test('after a restart, late spans join their trace and re-sent spans count once', async () => {
  const otel = otelTracer(collector.url, { serviceName: 'rollup-app' });
  const t0 = Date.now() - 60_000;
  const root = childSpan(otel.tracer, 'pipeline', undefined, { 'gen_ai.operation.name': 'invoke_workflow' }, t0);
  const early = childSpan(otel.tracer, 'chat', root, chat('gpt-4o-mini', 40, 0.001), t0 + 10);
  early.end(t0 + 500);
  await send(otel, root, t0 + 1_000);
  await otel.shutdown();
  await restart();

  // a new process: the exporter retries the early span (the collector forgot it) and sends the rest
  const again = otelTracer(collector.url, { serviceName: 'rollup-app' });
  const resent = await fetch(`${collector.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'rollup-app' } }] },
        scopeSpans: [{ scope: { name: 'retry' }, spans: [{
          traceId: root.spanContext().traceId, spanId: early.spanContext().spanId, parentSpanId: root.spanContext().spanId, name: 'chat', kind: 1,
          startTimeUnixNano: String(BigInt(t0 + 10) * 1_000_000n), endTimeUnixNano: String(BigInt(t0 + 500) * 1_000_000n),
          attributes: Object.entries(chat('gpt-4o-mini', 40, 0.001)).map(([key, value]) => ({ key, value: typeof value === 'number' ? (Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value }) : { stringValue: value } })),
          status: {},
        }] }],
      }],
    }),
  });
  assert.equal(resent.status, 200);
  // a child that ends after its root was exported (a background step), from another process
  const late = again.tracer.startSpan('chat', { attributes: chat('gpt-4o', 60, 0.004), startTime: t0 + 600 }, trace.setSpanContext(context.active(), root.spanContext()));
  await send(again, late, t0 + 900);
  await again.shutdown();

  const views = await bothViews(root.spanContext().traceId);
  const expected = { name: 'pipeline', span_count: 3, llm_count: 2, input_tokens: 100, cost_usd: 0.005, duration_ms: 1_000, models: ['gpt-4o', 'gpt-4o-mini'] };
  assertFacts(views.trace, expected);
  assertFacts(views.row, expected);
});

test('a rewritten span (PATCH) changes its trace in the view and the list', async () => {
  const otel = otelTracer(collector.url, { serviceName: 'rollup-app' });
  const t0 = Date.now() - 30_000;
  const root = childSpan(otel.tracer, 'answer', undefined, chat('gpt-4o', 10, 0.001, { 'session.id': 'patched-session' }), t0);
  await send(otel, root, t0 + 200);
  await otel.shutdown();
  const traceId = root.spanContext().traceId;
  assert.ok((await bothViews(traceId, '&status=success')).row);

  const patched = await fetch(`${collector.url}/api/spans/${root.spanContext().spanId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'error', error: { type: 'Timeout', message: 'upstream timed out' }, tags: ['escalated'], output: 'patched answer' }),
  });
  assert.equal(patched.status, 200, await patched.clone().text());
  const views = await bothViews(traceId, '&status=error&tag=escalated');
  assertFacts(views.trace, { status: 'error', error_count: 1, tags: ['escalated'], output: 'patched answer', span_count: 1 });
  assert.ok(views.row, 'the list filters on the rewritten facts');
  assertFacts(views.row, { status: 'error', tags: ['escalated'], output: 'patched answer' });
  assert.equal((await bothViews(traceId, '&status=success')).row, undefined, 'the old version no longer matches');
  // metrics count the span once, with its new status
  const metrics = await getJson(`${collector.url}/api/metrics?bucket=day&type=all&session_id=patched-session&since=${new Date(t0 - 86_400_000).toISOString()}`);
  assert.equal(metrics.status, 200);
  assert.equal(metrics.body.data.reduce((n: number, p: any) => n + p.count, 0), 1);
  assert.equal(metrics.body.data.reduce((n: number, p: any) => n + p.error_count, 0), 1);
});

test('content that arrives as logs after its span reaches the trace preview and is clustered', async () => {
  const otel = otelTracer(collector.url, { serviceName: 'rollup-app' });
  const logs = otelLogger(collector.url, 'rollup-app');
  const span = childSpan(otel.tracer, 'chat gpt-4o-mini', undefined, { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 25 });
  await send(otel, span, Date.now());
  const traceId = span.spanContext().traceId;
  assert.equal((await bothViews(traceId)).trace.input, '');

  const logger = logs.provider.getLogger('rollup-test');
  const spanCtx = trace.setSpan(context.active(), span);
  logger.emit({ context: spanCtx, timestamp: Date.now(), eventName: 'gen_ai.user.message', attributes: { 'gen_ai.system': 'openai' }, body: { content: 'Which wine goes with grilled fish?' } });
  logger.emit({ context: spanCtx, timestamp: Date.now() + 1, attributes: { 'event.name': 'gen_ai.choice', 'gen_ai.system': 'openai' }, body: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'An Albariño.' } } });
  await logs.flush();
  await otel.shutdown();
  await logs.shutdown();

  const views = await bothViews(traceId);
  assert.equal(views.trace.input, 'Which wine goes with grilled fish?');
  assert.equal(views.row.input, 'Which wine goes with grilled fish?');
  assert.equal(views.trace.output, 'An Albariño.');
  const spans = views.spans;
  assert.ok(spans[0].cluster_id, 'the prompt that came as a log was clustered');
});
