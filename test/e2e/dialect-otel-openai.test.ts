// The official @opentelemetry/instrumentation-openai on the real openai client, against a fake
// OpenAI server. Spans carry the OTel GenAI attributes; message content arrives only as OTel
// log records (v1.28 events), which the collector must join onto the spans.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { metrics } from '@opentelemetry/api';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import {
  EMBEDDING_DIMENSIONS,
  FAKE_TOOL_CALL_ID,
  FAKE_USAGE,
  RATE_LIMIT_MESSAGE,
  RATE_LIMITED_MODEL,
  echoReply,
  responseModel,
  toolReply,
} from '../support/fake-openai.ts';
import { WEATHER_TOOL, inRootSpan, libraryHarness } from '../support/library.ts';

// Read by the instrumentation's constructor: without it the log bodies are empty.
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';

const SERVICE = 'otel-openai-app';
let client: import('openai').OpenAI;
const h = libraryHarness('otel-openai', SERVICE, {
  logs: true,
  async setup() {
    // Enabled on construction: hooks require('openai'), which happens only below.
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.setTracerProvider(h.otel.provider);
    instrumentation.setLoggerProvider(h.logs!.provider);
    // Creates its metric instruments (registerInstrumentations and the NodeSDK do this too).
    instrumentation.setMeterProvider(metrics.getMeterProvider());
    const { OpenAI } = createRequire(import.meta.url)('openai') as typeof import('openai');
    client = new OpenAI({ baseURL: h.fake.baseURL, apiKey: 'sk-fake', maxRetries: 0 });
  },
});

describe('@opentelemetry/instrumentation-openai', () => {
  test('a parent span wrapping a chat call and a streamed chat call; content joined from log records', async () => {
    const { traceId, rootId } = await inRootSpan(h.otel.tracer, 'plan-trip', async () => {
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
    });
    const { trace, spans, childrenOf, one } = await h.exported(traceId);
    assert.equal(spans.length, 3);
    assert.equal(childrenOf(rootId).length, 2, 'both calls are children of the root span');
    const chat = one((s) => s.input_text.includes('Where to in May?'));
    const streamed = one((s) => s.input_text === 'And in June?');

    for (const span of [chat, streamed]) {
      assert.equal(span.name, 'chat gpt-4o-mini');
      assert.equal(span.type, 'generation');
      assert.equal(span.operation, 'chat');
      assert.equal(span.provider, 'openai');
      assert.equal(span.request_model, 'gpt-4o-mini');
      assert.equal(span.model, responseModel('gpt-4o-mini'));
      assert.equal(span.input_tokens, FAKE_USAGE.chat.prompt_tokens);
      assert.equal(span.output_tokens, FAKE_USAGE.chat.completion_tokens);
      assert.equal(span.total_tokens, FAKE_USAGE.chat.total_tokens);
      assert.equal(span.status, 'success');
      assert.deepEqual(span.finish_reasons, ['stop']);
      assert.equal(span.service_name, SERVICE);
      assert.equal(span.scope_name, '@opentelemetry/instrumentation-openai');
      assert.deepEqual(span.mapping.dialects, ['otel-genai', 'otel-genai-logs']);
    }
    assert.deepEqual(chat.input_messages, [
      { role: 'system', content: 'You plan trips.' },
      { role: 'user', content: 'Where to in May?' },
    ]);
    assert.deepEqual(chat.output_messages, [{ role: 'assistant', content: echoReply('Where to in May?'), finish_reason: 'stop' }]);
    assert.equal(chat.input_text, 'You plan trips.\nWhere to in May?');
    // the streamed answer is assembled by the instrumentation from the chunks
    assert.deepEqual(streamed.input_messages, [{ role: 'user', content: 'And in June?' }]);
    assert.equal(streamed.output_text, echoReply('And in June?'));
    assert.equal(streamed.span_attributes['server.address'], '127.0.0.1');

    assert.equal(trace.name, 'plan-trip');
    assert.equal(trace.llm_count, 2);
    assert.equal(trace.input_tokens, 2 * FAKE_USAGE.chat.prompt_tokens);
    assert.deepEqual(trace.models, [responseModel('gpt-4o-mini')]);
  });

  test('a tool call, then the answer from the tool result', async () => {
    const { traceId, rootId } = await inRootSpan(h.otel.tracer, 'weather-agent', async () => {
      const messages: import('openai').OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Lisbon?' }];
      const first = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: [WEATHER_TOOL] });
      const call = first.choices[0].message.tool_calls![0];
      messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":21}' });
      await client.chat.completions.create({ model: 'gpt-4o', messages, tools: [WEATHER_TOOL] });
    });
    const { childrenOf, one } = await h.exported(traceId);
    assert.equal(childrenOf(rootId).length, 2);
    const ask = one((s) => s.finish_reasons.includes('tool_calls'));
    const answer = one((s) => s.finish_reasons.includes('stop'));
    assert.equal(ask.input_tokens, FAKE_USAGE.toolCall.prompt_tokens);
    assert.deepEqual(ask.finish_reasons, ['tool_calls']);
    assert.deepEqual(ask.output_messages[0].tool_calls, [{ id: FAKE_TOOL_CALL_ID, name: 'get_weather', arguments: '{"city":"Lisbon"}' }]);
    // the second call's input replays the assistant's tool call and the tool's result
    assert.deepEqual(answer.input_messages.map((m: any) => m.role), ['user', 'assistant', 'tool']);
    assert.deepEqual(answer.input_messages[1].tool_calls, [{ id: FAKE_TOOL_CALL_ID, name: 'get_weather', arguments: '{"city":"Lisbon"}' }]);
    assert.equal(answer.input_messages[2].content, '{"temp_c":21}');
    assert.equal(answer.input_messages[2].tool_call_id, FAKE_TOOL_CALL_ID);
    assert.equal(answer.output_text, toolReply('{"temp_c":21}'));
  });

  test('embeddings', async () => {
    const { traceId, rootId, value } = await inRootSpan(h.otel.tracer, 'index-docs', () =>
      client.embeddings.create({ model: 'text-embedding-3-small', input: ['first doc', 'second doc'] }),
    );
    assert.equal(value.data[0].embedding.length, EMBEDDING_DIMENSIONS);
    const [span] = (await h.exported(traceId)).childrenOf(rootId);
    assert.equal(span.name, 'embeddings text-embedding-3-small');
    assert.equal(span.type, 'embedding');
    assert.equal(span.operation, 'embeddings');
    assert.equal(span.model, responseModel('text-embedding-3-small'));
    assert.equal(span.provider, 'openai');
    assert.equal(span.input_tokens, 2 * FAKE_USAGE.embeddingPerInput);
    assert.equal(span.output_tokens, 0);
  });

  test('a rate-limited call: error status, error type and message', async () => {
    const { traceId, rootId } = await inRootSpan(h.otel.tracer, 'doomed', async () => {
      await assert.rejects(client.chat.completions.create({ model: RATE_LIMITED_MODEL, messages: [{ role: 'user', content: 'Hello?' }] }), { status: 429 });
    });
    const { trace, childrenOf } = await h.exported(traceId);
    const [span] = childrenOf(rootId);
    assert.equal(span.status, 'error');
    assert.equal(span.error_type, 'RateLimitError');
    assert.match(span.error_message, new RegExp(`429 ${RATE_LIMIT_MESSAGE.replace(/[.?]/g, '\\$&')}`));
    assert.equal(span.request_model, RATE_LIMITED_MODEL);
    assert.equal(span.input_tokens, 0);
    // the prompt was logged before the call failed, so the input is still there
    assert.deepEqual(span.input_messages, [{ role: 'user', content: 'Hello?' }]);
    assert.equal(trace.status, 'error');
    assert.equal(trace.error_count, 1);
  });
});
