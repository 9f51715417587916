// Vercel AI SDK (ai 6, legacy ai.* telemetry plus gen_ai.* on the LLM-call spans) with
// @ai-sdk/openai pointed at a fake OpenAI server; experimental_telemetry with a tracer from
// our provider. Root + doGenerate/doStream + tool call + embed, read back through the REST API.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { embed, generateText, jsonSchema, stepCountIs, streamText, tool, type TelemetrySettings } from 'ai';
import {
  FAKE_TOOL_CALL_ID,
  FAKE_USAGE,
  RATE_LIMIT_MESSAGE,
  RATE_LIMITED_MODEL,
  echoReply,
  responseModel,
  toolReply,
} from '../support/fake-openai.ts';
import { inRootSpan, libraryHarness } from '../support/library.ts';

const SERVICE = 'vercel-ai-app';
let openai: ReturnType<typeof createOpenAI>;
let telemetry: TelemetrySettings;
const h = libraryHarness('vercel-ai', SERVICE, {
  async setup() {
    openai = createOpenAI({ baseURL: h.fake.baseURL, apiKey: 'sk-fake' });
    telemetry = {
      isEnabled: true,
      functionId: 'trip-assistant',
      metadata: { sessionId: 'sess-3', userId: 'user-3', plan: 'pro', tags: ['beta'] },
      tracer: h.otel.provider.getTracer('ai'),
    };
  },
});

/** What every AI SDK span carries from experimental_telemetry. */
function assertTelemetry(span: any) {
  assert.equal(span.session_id, 'sess-3');
  assert.equal(span.user_id, 'user-3');
  assert.deepEqual(span.tags, ['beta']);
  assert.deepEqual(span.metadata, { function_id: 'trip-assistant', sessionId: 'sess-3', userId: 'user-3', plan: 'pro' });
  assert.deepEqual(span.mapping.unmapped, []);
}

const getWeather = tool({
  description: 'Weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => ({ city, temp_c: 21 }),
});

describe('Vercel AI SDK (ai + @ai-sdk/openai)', () => {
  test('generateText: the ai.generateText root and its doGenerate call', async () => {
    const { traceId, rootId, value } = await inRootSpan(h.otel.tracer, 'request', () =>
      generateText({ model: openai.chat('gpt-4o-mini'), system: 'You plan trips.', prompt: 'Where to in May?', experimental_telemetry: telemetry, maxRetries: 0 }),
    );
    assert.equal(value.text, echoReply('Where to in May?'));
    const { trace, childrenOf } = await h.exported(traceId);
    const [root] = childrenOf(rootId);
    assert.equal(root.name, 'ai.generateText');
    assert.equal(root.type, 'chain');
    assert.equal(root.input_text, 'You plan trips.\nWhere to in May?');
    assert.equal(root.output_text, echoReply('Where to in May?'));
    assertTelemetry(root);

    const [call] = childrenOf(root.span_id);
    assert.equal(call.name, 'ai.generateText.doGenerate');
    assert.equal(call.type, 'generation');
    assert.equal(call.operation, 'chat');
    assert.equal(call.provider, 'openai', 'openai.chat, normalised');
    assert.equal(call.request_model, 'gpt-4o-mini');
    assert.equal(call.model, responseModel('gpt-4o-mini'));
    assert.equal(call.input_tokens, FAKE_USAGE.chat.prompt_tokens);
    assert.equal(call.output_tokens, FAKE_USAGE.chat.completion_tokens);
    assert.equal(call.total_tokens, FAKE_USAGE.chat.total_tokens);
    assert.equal(call.cache_read_tokens, FAKE_USAGE.chat.prompt_tokens_details.cached_tokens);
    assert.deepEqual(call.input_messages, [
      { role: 'system', content: 'You plan trips.' },
      { role: 'user', content: 'Where to in May?' },
    ]);
    assert.deepEqual(call.output_messages, [{ role: 'assistant', content: echoReply('Where to in May?'), finish_reason: 'stop' }]);
    assert.deepEqual(call.finish_reasons, ['stop']);
    assert.deepEqual(call.mapping.dialects, ['otel-genai', 'vercel-ai']);
    assertTelemetry(call);

    // the rollup counts the generation once, not again for the root that repeats its usage
    assert.equal(trace.llm_count, 1);
    assert.equal(trace.input_tokens, FAKE_USAGE.chat.prompt_tokens);
    assert.equal(trace.session_id, 'sess-3');
  });

  test('streamText: doStream with usage from the stream and time to first chunk', async () => {
    const { traceId, rootId } = await inRootSpan(h.otel.tracer, 'request', async () => {
      const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'And in June?', experimental_telemetry: telemetry, maxRetries: 0 });
      // Read to the end: the SDK ends its root span when the stream closes (after `text` resolves).
      let text = '';
      for await (const piece of result.textStream) text += piece;
      assert.equal(text, echoReply('And in June?'));
    });
    // the provider asked for the usage chunk the token counts below come from
    assert.deepEqual(h.fake.requests.at(-1)?.body.stream_options, { include_usage: true });
    const { childrenOf } = await h.exported(traceId);
    const [root] = childrenOf(rootId);
    assert.equal(root.name, 'ai.streamText');
    assert.equal(root.type, 'chain');
    assert.equal(root.input_text, 'And in June?');
    assert.equal(root.output_text, echoReply('And in June?'));
    const [call] = childrenOf(root.span_id);
    assert.equal(call.name, 'ai.streamText.doStream');
    assert.equal(call.type, 'generation');
    assert.equal(call.model, responseModel('gpt-4o-mini'));
    assert.equal(call.input_tokens, FAKE_USAGE.chat.prompt_tokens);
    assert.equal(call.output_tokens, FAKE_USAGE.chat.completion_tokens);
    assert.equal(call.output_text, echoReply('And in June?'));
    assert.ok(call.ttft_ms > 0 && call.ttft_ms <= call.latency_ms, `ttft ${call.ttft_ms} within latency ${call.latency_ms}`);
    assert.ok(call.events.some((e: any) => e.name === 'ai.stream.firstChunk'));
  });

  test('a tool loop: doGenerate asks for the tool, ai.toolCall runs it, doGenerate answers', async () => {
    const { traceId, rootId, value } = await inRootSpan(h.otel.tracer, 'request', () =>
      generateText({
        model: openai.chat('gpt-4o'),
        prompt: 'Weather in Lisbon?',
        tools: { get_weather: getWeather },
        stopWhen: stepCountIs(3),
        experimental_telemetry: telemetry,
        maxRetries: 0,
      }),
    );
    const toolResult = '{"city":"Lisbon","temp_c":21}';
    assert.equal(value.text, toolReply(toolResult));
    const { trace, childrenOf, one } = await h.exported(traceId);
    const [root] = childrenOf(rootId);
    assert.deepEqual(childrenOf(root.span_id).map((s) => s.name).sort(), ['ai.generateText.doGenerate', 'ai.generateText.doGenerate', 'ai.toolCall']);
    const ask = one((s) => s.finish_reasons.includes('tool-calls'));
    const toolSpan = one((s) => s.name === 'ai.toolCall');
    const answer = one((s) => s.name === 'ai.generateText.doGenerate' && s.finish_reasons.includes('stop'));

    assert.equal(ask.input_tokens, FAKE_USAGE.toolCall.prompt_tokens);
    assert.deepEqual(ask.finish_reasons, ['tool-calls']);
    assert.deepEqual(ask.output_messages[0].tool_calls, [{ id: FAKE_TOOL_CALL_ID, name: 'get_weather', arguments: '{"city":"Lisbon"}' }]);

    assert.equal(toolSpan.type, 'tool');
    assert.equal(toolSpan.operation, 'execute_tool');
    assert.equal(toolSpan.tool_name, 'get_weather');
    assert.equal(toolSpan.tool_call_id, FAKE_TOOL_CALL_ID);
    assert.equal(toolSpan.input_text, '{"city":"Lisbon"}');
    assert.equal(toolSpan.output_text, toolResult);
    assertTelemetry(toolSpan);

    // the second call sees the tool call and its result
    assert.deepEqual(answer.input_messages.map((m: any) => m.role), ['user', 'assistant', 'tool']);
    assert.equal(answer.input_messages[2].tool_call_id, FAKE_TOOL_CALL_ID);
    assert.equal(answer.input_messages[2].content, toolResult);
    assert.equal(answer.output_text, toolReply(toolResult));

    // the root repeats the summed usage of both steps
    assert.equal(root.input_tokens, FAKE_USAGE.toolCall.prompt_tokens + FAKE_USAGE.chat.prompt_tokens);
    assert.equal(root.output_text, toolReply(toolResult));
    assert.equal(trace.llm_count, 2);
    assert.equal(trace.tool_count, 1);
    assert.equal(trace.input_tokens, FAKE_USAGE.toolCall.prompt_tokens + FAKE_USAGE.chat.prompt_tokens);
  });

  test('embed: the ai.embed root and its doEmbed call', async () => {
    const { traceId, rootId, value } = await inRootSpan(h.otel.tracer, 'request', () =>
      embed({ model: openai.embedding('text-embedding-3-small'), value: 'sunny beaches', experimental_telemetry: telemetry, maxRetries: 0 }),
    );
    assert.equal(value.embedding.length, 4);
    const { trace, childrenOf } = await h.exported(traceId);
    const [root] = childrenOf(rootId);
    assert.equal(root.name, 'ai.embed');
    // ai.embed repeats doEmbed's usage: one embedding call, its tokens once
    assert.equal(trace.llm_count, 1);
    assert.equal(trace.input_tokens, FAKE_USAGE.embeddingPerInput);
    assert.equal(root.type, 'chain');
    const [call] = childrenOf(root.span_id);
    assert.equal(call.name, 'ai.embed.doEmbed');
    assert.equal(call.type, 'embedding');
    assert.equal(call.operation, 'embeddings');
    assert.equal(call.model, 'text-embedding-3-small');
    assert.equal(call.provider, 'openai');
    assert.equal(call.input_tokens, FAKE_USAGE.embeddingPerInput);
    assert.equal(call.input_text, 'sunny beaches');
  });

  test('a rate-limited call: the root and doGenerate carry the error', async () => {
    const { traceId, rootId } = await inRootSpan(h.otel.tracer, 'request', async () => {
      await assert.rejects(
        generateText({ model: openai.chat(RATE_LIMITED_MODEL), prompt: 'Hello?', experimental_telemetry: telemetry, maxRetries: 0 }),
        { statusCode: 429 },
      );
    });
    const { trace, childrenOf } = await h.exported(traceId);
    const [root] = childrenOf(rootId);
    const [call] = childrenOf(root.span_id);
    for (const span of [root, call]) {
      assert.equal(span.status, 'error');
      assert.equal(span.error_type, 'AI_APICallError');
      assert.equal(span.error_message, RATE_LIMIT_MESSAGE);
    }
    assert.equal(call.request_model, RATE_LIMITED_MODEL);
    assert.equal(call.input_text, 'Hello?');
    assert.equal(trace.status, 'error');
    assert.equal(trace.error_count, 2);
  });
});
