// The real @anthropic-ai/sdk client against a fake Anthropic server, instrumented by both
// OpenLLMetry (@traceloop/instrumentation-anthropic, OTel gen_ai.* names) and OpenInference
// (@arizeai/openinference-instrumentation-anthropic, flattened llm.* names) at once: one
// messages.create call becomes two nested LLM spans, which the trace counts as one call.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as anthropicModule from '@anthropic-ai/sdk';
import { AnthropicInstrumentation as OpenInferenceAnthropic } from '@arizeai/openinference-instrumentation-anthropic';
import { AnthropicInstrumentation as OpenLLMetryAnthropic } from '@traceloop/instrumentation-anthropic';
import type { RunningCollector } from '@spanhouse/collector';
import { ANTHROPIC_TOOL_USE_ID, ANTHROPIC_USAGE, startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import { inRootSpan, readTrace } from '../support/library.ts';
import { otelTracer, type TestTracer } from '../support/otel.ts';

const data = tempDataDir('dialect-anthropic');
let collector: RunningCollector;
let fake: FakeAnthropic;
let otel: TestTracer;
let client: anthropicModule.Anthropic;

before(async () => {
  [collector, fake] = await Promise.all([startTestCollector(data.dir), startFakeAnthropic()]);
  otel = otelTracer(collector.url, { serviceName: 'anthropic-app', register: true });
  const openllmetry = new OpenLLMetryAnthropic({ traceContent: true });
  openllmetry.setTracerProvider(otel.provider);
  openllmetry.manuallyInstrument(anthropicModule as never);
  const openinference = new OpenInferenceAnthropic({ tracerProvider: otel.provider });
  openinference.manuallyInstrument(anthropicModule as never);
  client = new anthropicModule.Anthropic({ baseURL: fake.baseURL, apiKey: 'sk-ant-fake', maxRetries: 0 });
});
after(async () => {
  await otel?.shutdown();
  await Promise.all([collector?.close(), fake?.close()]);
  data.remove();
});

async function exported(traceId: string) {
  await otel.flush();
  return readTrace(collector.url, traceId);
}

describe('Anthropic SDK under OpenLLMetry and OpenInference', () => {
  test('one messages.create: two nested spans, one LLM call in the trace, the system prompt in both', async () => {
    const { traceId, rootId } = await inRootSpan(otel.tracer, 'ask', () =>
      client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, temperature: 0.2, system: 'You are terse.', messages: [{ role: 'user', content: 'Hello there' }] }),
    );
    const { trace, childrenOf, spans } = await exported(traceId);
    const [outer] = childrenOf(rootId);
    const [inner] = childrenOf(outer.span_id);
    assert.ok(inner, `nested spans: ${JSON.stringify(spans.map((s) => [s.name, s.parent_span_id]))}`);
    for (const span of [outer, inner]) {
      assert.equal(span.type, 'generation');
      assert.equal(span.provider, 'anthropic');
      assert.equal(span.request_model, 'claude-sonnet-4-5');
      assert.equal(span.input_tokens, ANTHROPIC_USAGE.input_tokens);
      assert.equal(span.output_tokens, ANTHROPIC_USAGE.output_tokens);
      assert.deepEqual(span.input_messages, [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello there' },
      ], `${span.name} (${span.mapping.dialects})`);
      assert.equal(span.output_text, 'Echo: Hello there');
    }
    const otelSpan = [outer, inner].find((s) => s.mapping.dialects.includes('otel-genai'));
    assert.ok(otelSpan, 'OpenLLMetry writes OTel names');
    assert.equal(otelSpan.request_params.temperature, 0.2);
    assert.equal(otelSpan.request_params.max_tokens, 100);
    // counted once
    assert.equal(trace.llm_count, 1);
    assert.equal(trace.input_tokens, ANTHROPIC_USAGE.input_tokens);
    assert.equal(trace.output_tokens, ANTHROPIC_USAGE.output_tokens);
  });

  test('a tool call: the assistant tool_use in the output of both spans', async () => {
    const { traceId, rootId } = await inRootSpan(otel.tracer, 'tool', () =>
      client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
        messages: [{ role: 'user', content: 'Weather in Lisbon?' }],
      }),
    );
    const { trace, childrenOf } = await exported(traceId);
    const [outer] = childrenOf(rootId);
    const [inner] = childrenOf(outer.span_id);
    for (const span of [outer, inner]) {
      const calls = span.output_messages.flatMap((m: any) => m.tool_calls ?? []);
      assert.deepEqual(calls.map((c: any) => [c.id, c.name, JSON.parse(c.arguments)]), [[ANTHROPIC_TOOL_USE_ID, 'get_weather', { city: 'Lisbon' }]], `${span.name} (${span.mapping.dialects})`);
    }
    assert.equal(trace.llm_count, 1);
  });
});
