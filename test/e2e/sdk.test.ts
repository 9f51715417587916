// @spanhouse/sdk end to end: a small app using the real `openai` client against the fake OpenAI
// server, instrumented by init() and the helpers, exporting to a real collector on loopback.
// Everything is checked through the REST API.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { currentSpanId, currentTraceId, feedback, init, logTrace, observe, observed, score, withContext, type Spanhouse } from '../../packages/sdk/src/index.ts';
import { apiClient } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { FAKE_TOOL_ARGUMENTS, FAKE_USAGE, echoReply, responseModel, startFakeOpenAI, toolReply, type FakeOpenAI } from '../support/fake-openai.ts';
import { WEATHER_TOOL, readTrace } from '../support/library.ts';

const SERVICE = 'sdk-app';
const data = tempDataDir('sdk');
let collector: RunningCollector;
let fake: FakeOpenAI;
let sdk: Spanhouse;
let client: import('openai').OpenAI;
let api: ReturnType<typeof apiClient>;

before(async () => {
  [collector, fake] = await Promise.all([startTestCollector(data.dir), startFakeOpenAI()]);
  api = apiClient(collector.url);
  // Batches leave on flush only, so each test decides when its spans are exported.
  sdk = init({ endpoint: collector.url, serviceName: SERVICE, batch: { scheduledDelayMillis: 60_000 }, flushOnExit: false });
  // Loaded after init, as an app would: the instrumentation hooks require('openai').
  const { OpenAI } = createRequire(import.meta.url)('openai') as typeof import('openai');
  client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-fake', maxRetries: 0 });
});

after(async () => {
  await sdk?.shutdown();
  await Promise.all([collector?.close(), fake?.close()]);
  data.remove();
});

/** Exports what the SDK recorded, then reads the trace back. */
async function exported(traceId: string) {
  await sdk.flush();
  return readTrace(collector.url, traceId);
}

const getWeather = observe('get_weather', async (args: { city: string }) => ({ city: args.city, temp_c: 21 }), { type: 'tool' });

/** An agent: ask the model, run the tool it calls, ask again with the result. */
const weatherAgent = observe(
  'weather-agent',
  async (question: string) => {
    const messages: import('openai').OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: question }];
    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL] });
    const call = first.choices[0].message.tool_calls![0];
    assert.equal(call.type, 'function');
    const result = await getWeather(JSON.parse(call.function.arguments));
    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL] });
    return second.choices[0].message.content;
  },
  { type: 'agent' },
);

describe('@spanhouse/sdk', () => {
  test('init enables the OpenAI instrumentation', () => {
    // every installed instrumentation: the Anthropic one is a devDependency here (test/e2e/dialect-anthropic)
    assert.deepEqual(sdk.instrumented, ['@opentelemetry/instrumentation-openai', '@traceloop/instrumentation-anthropic']);
    assert.equal(init(), sdk, 'a second init returns the running instance');
  });

  test('an agent with a tool and two LLM calls: the tree, content, user, session, metadata and tags', async () => {
    let traceId = '';
    const answer = await withContext({ userId: 'user-7', sessionId: 'session-42', metadata: { plan: 'pro' }, tags: ['beta'] }, () =>
      withContext({ metadata: { region: 'eu' }, tags: ['weather'] }, () => {
        traceId = currentTraceId() ?? '';
        assert.equal(traceId, '', 'no trace outside a span');
        return observe('handle-request', async () => {
          traceId = currentTraceId()!;
          return weatherAgent('Weather in Lisbon?');
        }, { type: 'chain' })();
      }),
    );
    const expectedResult = JSON.stringify({ city: FAKE_TOOL_ARGUMENTS.city, temp_c: 21 });
    assert.equal(answer, toolReply(expectedResult));
    assert.match(traceId, /^[0-9a-f]{32}$/);

    const { trace, spans, childrenOf, one } = await exported(traceId);
    assert.equal(spans.length, 5, JSON.stringify(spans.map((s) => s.name)));
    const root = one((s) => s.parent_span_id === '', 'root');
    assert.equal(root.name, 'handle-request');
    assert.equal(root.type, 'chain');
    const [agent] = childrenOf(root.span_id);
    assert.equal(agent.name, 'weather-agent');
    assert.equal(agent.type, 'agent');
    assert.equal(agent.agent_name, 'weather-agent');
    assert.deepEqual(agent.input_messages, [{ role: 'user', content: 'Weather in Lisbon?' }]);
    assert.deepEqual(agent.output_messages, [{ role: 'assistant', content: answer }]);

    const children = childrenOf(agent.span_id);
    assert.deepEqual(children.map((s) => s.type).sort(), ['generation', 'generation', 'tool']);
    const tool = one((s) => s.type === 'tool', 'tool span');
    assert.equal(tool.parent_span_id, agent.span_id);
    assert.equal(tool.name, 'get_weather');
    assert.equal(tool.tool_name, 'get_weather');
    assert.equal(tool.input_text, JSON.stringify(FAKE_TOOL_ARGUMENTS));
    assert.equal(tool.output_text, expectedResult);

    // The instrumentation's LLM spans, with their content joined from the SDK's log records.
    const ask = one((s) => s.type === 'generation' && s.finish_reasons.includes('tool_calls'), 'tool-calling generation');
    const final = one((s) => s.type === 'generation' && s.finish_reasons.includes('stop'), 'answering generation');
    for (const llm of [ask, final]) {
      assert.equal(llm.scope_name, '@opentelemetry/instrumentation-openai');
      assert.equal(llm.model, responseModel('gpt-4o-mini'));
      assert.equal(llm.provider, 'openai');
    }
    assert.deepEqual(ask.input_messages, [{ role: 'user', content: 'Weather in Lisbon?' }]);
    assert.equal(ask.input_tokens, FAKE_USAGE.toolCall.prompt_tokens);
    assert.deepEqual(final.input_messages.map((m: any) => m.role), ['user', 'assistant', 'tool']);
    assert.equal(final.output_text, answer);

    // withContext stamps every span, the instrumentation's included; nested calls merge.
    for (const span of spans) {
      assert.equal(span.user_id, 'user-7', span.name);
      assert.equal(span.session_id, 'session-42', span.name);
      assert.deepEqual(span.metadata, { plan: 'pro', region: 'eu' }, span.name);
      assert.deepEqual([...span.tags].sort(), ['beta', 'weather'], span.name);
      assert.equal(span.service_name, SERVICE);
    }
    assert.equal(trace.name, 'handle-request');
    assert.equal(trace.user_id, 'user-7');
    assert.equal(trace.session_id, 'session-42');
    assert.equal(trace.llm_count, 2);
    assert.equal(trace.tool_count, 1);

    // Also found by the search filters.
    const { body: found } = await api('GET', `/api/traces?user_id=user-7&session_id=session-42&tag=beta&metadata.plan=pro`);
    assert.deepEqual(found.data.map((t: any) => t.trace_id), [traceId]);
  });

  test('a failing step: error recorded on its span, rethrown to the caller', async () => {
    let traceId = '';
    const lookup = observe(
      'lookup-order',
      (orderId: string) => {
        traceId = currentTraceId()!;
        throw new RangeError(`no order ${orderId}`);
      },
      { type: 'retriever' },
    );
    assert.throws(() => lookup('A-1'), RangeError);
    const { spans } = await exported(traceId);
    assert.equal(spans.length, 1);
    const [span] = spans;
    assert.equal(span.type, 'retriever');
    assert.equal(span.status, 'error');
    assert.equal(span.error_type, 'RangeError');
    assert.equal(span.error_message, 'no order A-1');
    assert.equal(span.input_text, 'A-1');
  });

  test('the decorator form names the span Class.method and keeps `this`', async () => {
    class Library {
      prefix = 'doc:';
      @observed({ type: 'retriever' })
      async search(query: string) {
        return [`${this.prefix}${query}`, currentTraceId()];
      }
      @observed({ name: 'summarise', type: 'chain' })
      summary(words: string[]) {
        return words.join(' ');
      }
    }
    const library = new Library();
    const [doc, traceId] = await library.search('otel');
    assert.equal(doc, 'doc:otel');
    const [span] = (await exported(traceId!)).spans;
    assert.equal(span.name, 'Library.search');
    assert.equal(span.type, 'retriever');
    assert.equal(span.input_text, 'otel');
    assert.equal(span.output_text, JSON.stringify(['doc:otel', traceId]));
    assert.equal(library.summary(['a', 'b']), 'a b', 'sync methods stay sync');
  });

  test('logTrace: a call made without a client library nests under the active span', async () => {
    let traceId = '';
    let parentId = '';
    const logged = await withContext({ userId: 'user-9', tags: ['manual'] }, () =>
      observe('raw-http-call', async () => {
        traceId = currentTraceId()!;
        parentId = currentSpanId()!;
        return logTrace({
          model: 'claude-sonnet-4-5',
          provider: 'anthropic',
          input: 'Say hi',
          output: 'Hi!',
          input_tokens: 12,
          output_tokens: 3,
          latency_ms: 420,
          metadata: { route: 'fallback' },
          scores: [{ name: 'relevance', value: 0.9 }],
        });
      })(),
    );
    assert.equal(logged.trace_id, traceId);
    const { spans, one } = await exported(traceId);
    assert.equal(spans.length, 2);
    const call = one((s) => s.span_id === logged.span_id, 'logged call');
    assert.equal(call.parent_span_id, parentId);
    assert.equal(call.type, 'generation');
    assert.equal(call.model, 'claude-sonnet-4-5');
    assert.equal(call.provider, 'anthropic');
    assert.equal(call.input_text, 'Say hi');
    assert.equal(call.output_text, 'Hi!');
    assert.equal(call.input_tokens, 12);
    assert.equal(call.latency_ms, 420);
    assert.equal(call.user_id, 'user-9');
    assert.deepEqual(call.tags, ['manual']);
    assert.deepEqual(call.metadata, { route: 'fallback' });
    assert.equal(call.service_name, SERVICE);
    assert.deepEqual(call.scores.map((s: any) => [s.name, s.value]), [['relevance', 0.9]]);
  });

  test('feedback and score on a span and on a trace', async () => {
    // Given while the spans are still waiting in the SDK's queue: the helpers export them first.
    const { traceId, spanId } = await observe('answer', async () => ({ traceId: currentTraceId()!, spanId: currentSpanId()! }))();
    await feedback(spanId, 'down', 'wrong city');
    await score(spanId, 'accuracy', 0.25, 'grader v2');
    await feedback(traceId, 'up');
    await score(traceId, 'resolved', true);

    const { body: span } = await api('GET', `/api/spans/${spanId}`);
    const byName = (scores: any[]) => Object.fromEntries(scores.map((s) => [s.name, [s.value, s.comment]]));
    assert.deepEqual(byName(span.scores), { feedback: [false, 'wrong city'], accuracy: [0.25, 'grader v2'] });
    const { body: events } = await api('GET', `/api/spans/${spanId}/events`);
    assert.deepEqual(events.data.map((e: any) => [e.kind, e.source, e.data]), [['feedback', 'sdk', { value: 'down', comment: 'wrong city' }]]);
    const { body: detail } = await api('GET', `/api/traces/${traceId}`);
    assert.deepEqual(byName(detail.trace.scores), { feedback: [true, ''], resolved: [true, ''] });

    await assert.rejects(feedback('not-an-id', 'up'), TypeError);
    await assert.rejects(score('0123456789abcdef', 'x', 1), { name: 'SpanhouseApiError', status: 404 });
  });

  test('a batch serialised a few spans at a time reaches the collector whole, as one request', async () => {
    // 40 steps of 1,000 characters each: the batch is serialised in at least five slices (at most
    // 8 spans and 8 KiB each), sent back to back in one OTLP/HTTP protobuf request
    const text = (i: number) => `step ${i} `.padEnd(1_000, '.');
    const step = (i: number) => observe(`step-${i}`, async (input: string) => input.length, { type: 'retriever' })(text(i));
    const traceId = await observe('many-steps', async () => {
      for (let i = 0; i < 40; i++) await step(i);
      return currentTraceId()!;
    }, { type: 'chain' })();
    const { spans } = await exported(traceId);
    assert.equal(spans.length, 41);
    for (let i = 0; i < 40; i++) assert.equal(spans.find((s) => s.name === `step-${i}`)?.input_text, text(i), `step-${i}`);
  });

  test('what the SDK exported is counted, nothing dropped', () => {
    const { spans, logs } = sdk.stats();
    assert.equal(spans.queued, 0);
    assert.equal(spans.droppedQueueFull + spans.droppedExportFailed, 0);
    assert.ok(spans.exported >= 10, `spans exported: ${spans.exported}`);
    assert.ok(logs.exported >= 3, `log records exported: ${logs.exported}`);
    assert.equal(fake.requests.length, 2);
  });
});
