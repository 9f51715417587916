// Langfuse JS SDK v5: @langfuse/tracing observations and @langfuse/openai's observeOpenAI on the
// real openai client (fake OpenAI server), exported by LangfuseSpanProcessor. Its `exporter`
// option takes any SpanExporter, so it sends OTLP to our /v1/traces instead of Langfuse's
// /api/public/otel endpoint.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { observeOpenAI } from '@langfuse/openai';
import { propagateAttributes, startActiveObservation } from '@langfuse/tracing';
import { OpenAI } from 'openai';
import type { RunningCollector } from '@spanhouse/collector';
import { startTestCollector, tempDataDir } from '../support/collector.ts';
import {
  FAKE_USAGE,
  RATE_LIMIT_MESSAGE,
  RATE_LIMITED_MODEL,
  echoReply,
  responseModel,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../support/fake-openai.ts';
import { readTrace } from '../support/library.ts';

const SERVICE = 'langfuse-app';
const data = tempDataDir('dialect-langfuse');
let collector: RunningCollector;
let fake: FakeOpenAI;
let provider: NodeTracerProvider;
let openai: OpenAI;

before(async () => {
  [collector, fake] = await Promise.all([startTestCollector(data.dir), startFakeOpenAI()]);
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [
      new LangfuseSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${collector.url}/v1/traces` }),
        publicKey: 'pk-lf-test',
        secretKey: 'sk-lf-test',
        flushInterval: 60,
      }),
    ],
  });
  // Langfuse traces with the global provider; the context manager nests observations.
  provider.register();
  openai = new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-fake', maxRetries: 0 });
});
after(async () => {
  await provider?.shutdown();
  await Promise.all([collector?.close(), fake?.close()]);
  data.remove();
});

async function exported(traceId: string) {
  await provider.forceFlush();
  return readTrace(collector.url, traceId);
}

describe('Langfuse (@langfuse/tracing, @langfuse/openai, @langfuse/otel)', () => {
  test('an observation wrapping two observeOpenAI generations, one streamed', async () => {
    const traceId = await startActiveObservation('trip-planner', async (root) => {
      root.update({ input: { question: 'Where to in May?' } });
      const client = observeOpenAI(openai, { traceName: 'trip', sessionId: 'sess-5', userId: 'user-5', tags: ['beta'], generationMetadata: { plan: 'pro' } });
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You plan trips.' },
          { role: 'user', content: 'Where to in May?' },
        ],
      });
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'And in June?' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _chunk of stream);
      root.update({ output: 'Lisbon, then Porto' });
      return root.traceId;
    });
    const { trace, spans, childrenOf, one } = await exported(traceId);
    assert.equal(spans.length, 3);
    const root = one((s) => s.parent_span_id === '', 'root');
    // the trace name replaces the span name on the root
    assert.equal(root.name, 'trip');
    assert.equal(root.type, 'span');
    assert.equal(root.input_text, '{"question":"Where to in May?"}');
    assert.equal(root.output_text, 'Lisbon, then Porto');

    assert.equal(childrenOf(root.span_id).length, 2);
    const chat = one((s) => s.input_text.includes('Where to in May?') && s.type === 'generation');
    const streamed = one((s) => s.input_text === 'And in June?');
    for (const span of [chat, streamed]) {
      assert.equal(span.name, 'OpenAI.chat');
      assert.equal(span.type, 'generation');
      // Langfuse's usage_details count input without cached tokens: converted back to the OTel meaning
      assert.equal(span.input_tokens, FAKE_USAGE.chat.prompt_tokens);
      assert.equal(span.cache_read_tokens, FAKE_USAGE.chat.prompt_tokens_details.cached_tokens);
      assert.equal(span.output_tokens, FAKE_USAGE.chat.completion_tokens);
      assert.equal(span.total_tokens, FAKE_USAGE.chat.total_tokens);
      // Langfuse sends no provider: the price tables know which provider serves the model
      assert.equal(span.provider, 'openai');
      assert.deepEqual(span.mapping.inferred, ['provider']);
      assert.equal(span.session_id, 'sess-5');
      assert.equal(span.user_id, 'user-5');
      assert.deepEqual(span.tags, ['beta']);
      assert.deepEqual(span.metadata, { plan: 'pro' });
      assert.equal(span.status, 'success');
      assert.deepEqual(span.mapping.dialects, ['otel-genai', 'langfuse']);
    }
    assert.equal(chat.model, responseModel('gpt-4o-mini'));
    assert.deepEqual(chat.input_messages, [
      { role: 'system', content: 'You plan trips.' },
      { role: 'user', content: 'Where to in May?' },
    ]);
    assert.deepEqual(chat.output_messages, [{ role: 'assistant', content: echoReply('Where to in May?') }]);
    assert.equal(streamed.input_text, 'And in June?');
    assert.equal(streamed.output_text, echoReply('And in June?'));
    // completion_start_time (double-JSON-quoted by the SDK) becomes time to first token
    assert.ok(streamed.ttft_ms >= 0 && streamed.ttft_ms <= streamed.latency_ms + 1, `ttft ${streamed.ttft_ms}`);
    assert.equal(chat.ttft_ms, null);

    assert.equal(trace.name, 'trip');
    assert.equal(trace.llm_count, 2);
    assert.equal(trace.input_tokens, 2 * FAKE_USAGE.chat.prompt_tokens);
  });

  test('agent, tool and a hand-made generation with usage and cost; attributes propagated to children', async () => {
    const traceId = await startActiveObservation(
      'concierge',
      async (agent) =>
        propagateAttributes({ userId: 'user-6', sessionId: 'sess-6', metadata: { tier: 'gold' } }, async () => {
          const search = agent.startObservation('search_hotels', { input: { city: 'Lisbon' } }, { asType: 'tool' });
          search.update({ output: [{ name: 'Hotel Avenida' }] }).end();
          const llm = agent.startObservation(
            'pick-hotel',
            {
              model: 'claude-sonnet-4',
              input: [{ role: 'user', content: 'Pick one' }],
              output: { role: 'assistant', content: 'Hotel Avenida' },
              // Langfuse's own keys: input excludes the cache reads
              usageDetails: { input: 80, output: 20, cache_read_input_tokens: 120 },
              costDetails: { input: 0.0006, output: 0.0003 },
            },
            { asType: 'generation' },
          );
          llm.end();
          agent.update({ output: 'Booked Hotel Avenida' });
          return agent.traceId;
        }),
      { asType: 'agent' },
    );
    const { childrenOf, one } = await exported(traceId);
    const root = one((s) => s.parent_span_id === '', 'root');
    assert.equal(root.type, 'agent');
    assert.equal(root.name, 'concierge');
    assert.equal(root.output_text, 'Booked Hotel Avenida');
    assert.equal(childrenOf(root.span_id).length, 2);
    const tool = one((s) => s.name === 'search_hotels');
    const generation = one((s) => s.name === 'pick-hotel');
    assert.equal(tool.type, 'tool');
    assert.equal(tool.name, 'search_hotels');
    assert.equal(tool.input_text, '{"city":"Lisbon"}');
    assert.equal(tool.output_text, '[{"name":"Hotel Avenida"}]');
    assert.equal(generation.type, 'generation');
    assert.equal(generation.model, 'claude-sonnet-4');
    assert.equal(generation.input_tokens, 200);
    assert.equal(generation.cache_read_tokens, 120);
    assert.equal(generation.output_tokens, 20);
    assert.equal(generation.cost_usd, 0.0009);
    assert.equal(generation.cost_source, 'client');
    assert.deepEqual(generation.cost_details, { input: 0.0006, output: 0.0003 });
    assert.equal(generation.output_text, 'Hotel Avenida');
    for (const child of [tool, generation]) {
      assert.equal(child.user_id, 'user-6');
      assert.equal(child.session_id, 'sess-6');
      assert.deepEqual(child.metadata, { tier: 'gold' });
    }
  });

  test('observeOpenAI embeddings: an embedding span, the provider inferred from the model', async () => {
    const traceId = await startActiveObservation('search', async (root) => {
      const client = observeOpenAI(openai);
      await client.embeddings.create({ model: 'text-embedding-3-small', input: 'sunny beaches' });
      return root.traceId;
    });
    const { trace, spans } = await exported(traceId);
    const call = spans.find((s: any) => s.parent_span_id !== '');
    // Langfuse records it as a generation with no provider attribute
    assert.equal(call.span_attributes['langfuse.observation.type'], 'generation');
    assert.equal(call.type, 'embedding');
    assert.equal(call.operation, 'embeddings');
    assert.equal(call.model, responseModel('text-embedding-3-small'));
    assert.equal(call.provider, 'openai');
    assert.deepEqual(call.mapping.inferred, ['provider']);
    assert.equal(trace.llm_count, 1);
  });

  test('a rate-limited call: level ERROR becomes an error status with its message', async () => {
    const traceId = await startActiveObservation('doomed', async (root) => {
      const client = observeOpenAI(openai);
      await assert.rejects(client.chat.completions.create({ model: RATE_LIMITED_MODEL, messages: [{ role: 'user', content: 'Hello?' }] }), { status: 429 });
      return root.traceId;
    });
    const { trace, spans } = await exported(traceId);
    const failed = spans.find((s: any) => s.parent_span_id !== '');
    assert.equal(failed.type, 'generation');
    assert.equal(failed.model, RATE_LIMITED_MODEL);
    assert.equal(failed.status, 'error');
    assert.equal(failed.error_message, `Error: 429 ${RATE_LIMIT_MESSAGE}`);
    assert.equal(failed.input_text, 'Hello?');
    assert.equal(trace.status, 'error');
  });
});
