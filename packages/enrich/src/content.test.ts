import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSpan, type Attributes, type OtlpEvent } from '@spanhouse/model';
import { CONTENT_ATTRIBUTE_KEYS, dropContent, isContentAttribute } from './content.ts';

function mapped(attributes: Attributes, events: OtlpEvent[] = [], statusMessage = '') {
  return mapSpan({
    span: {
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      parentSpanId: '',
      name: 'chat',
      kind: 3,
      startTimeUs: 1_700_000_000_000_000,
      endTimeUs: 1_700_000_002_000_000,
      attributes,
      events,
      links: [],
      status: { code: statusMessage ? 2 : 0, message: statusMessage },
    },
    resource: { 'service.name': 'svc' },
    scope: { name: 'test', version: '' },
    tenantId: 't1',
  });
}

test('key matching: exact keys and `.*` subtrees only', () => {
  for (const key of ['gen_ai.input.messages', 'gen_ai.prompt', 'gen_ai.prompt.0.content', 'llm.input_messages.0.message.content', 'ai.prompt.messages', 'input.value', 'pydantic_ai.all_messages']) {
    assert.ok(isContentAttribute(key), key);
  }
  for (const key of ['gen_ai.request.model', 'gen_ai.usage.input_tokens', 'gen_ai.prompt_caching', 'input.mime_type', 'llm.token_count.prompt', 'tool.parameters', 'gen_ai.tool.definitions', 'ai.model.id', 'llm.prompt_template.template']) {
    assert.ok(!isContentAttribute(key), key);
  }
  assert.equal(new Set(CONTENT_ATTRIBUTE_KEYS).size, CONTENT_ATTRIBUTE_KEYS.length, 'no duplicates');
});

test('drops OTel GenAI content, keeps usage, model, metadata, cost and the error', () => {
  const span = mapped(
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cost': 0.0012,
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a pirate.' }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'My secret plan' }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Arr' }] }]),
      'spanhouse.metadata.tenant_plan': 'pro',
      'user.id': 'u-1',
    },
    [{ name: 'exception', timeUs: 1_700_000_001_000_000, attributes: { 'exception.type': 'RateLimitError', 'exception.message': 'slow down' } }],
    'slow down',
  );
  assert.ok(span.input_text.includes('My secret plan'), 'precondition: the mapping read the content');
  const out = dropContent(span);
  assert.deepEqual([out.input_messages, out.output_messages, out.input_text, out.output_text], [[], [], '', '']);
  for (const key of ['gen_ai.system_instructions', 'gen_ai.input.messages', 'gen_ai.output.messages']) assert.equal(out.span_attributes[key], undefined, key);
  assert.equal(out.span_attributes['gen_ai.request.model'], 'gpt-4o');
  assert.equal(out.span_attributes['gen_ai.usage.input_tokens'], '120');
  assert.deepEqual([out.input_tokens, out.output_tokens, out.cost_usd, out.model], [120, 30, 0.0012, 'gpt-4o']);
  assert.deepEqual(out.metadata, span.metadata);
  assert.equal(out.user_id, 'u-1');
  assert.equal(out.error_message, 'slow down');
  assert.deepEqual(out.events[0].attributes, { 'exception.type': 'RateLimitError', 'exception.message': 'slow down' });
  assert.equal(span.input_messages.length, 2, 'input span untouched (system + user)');
});

test('strips content from GenAI message events but keeps the events', () => {
  const out = dropContent(
    mapped({ 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' }, [
      { name: 'gen_ai.user.message', timeUs: 1_700_000_000_100_000, attributes: { 'gen_ai.system': 'openai', content: 'hello there' } },
      {
        name: 'gen_ai.choice',
        timeUs: 1_700_000_000_200_000,
        attributes: { index: 0, finish_reason: 'stop', message: JSON.stringify({ role: 'assistant', content: 'hi' }) },
      },
      {
        name: 'gen_ai.client.inference.operation.details',
        timeUs: 1_700_000_000_300_000,
        attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.input.messages': '[…]', 'gen_ai.output.messages': '[…]' },
      },
    ]),
  );
  assert.deepEqual(
    out.events.map((e) => [e.name, e.attributes]),
    [
      ['gen_ai.user.message', { 'gen_ai.system': 'openai' }],
      ['gen_ai.choice', { index: 0, finish_reason: 'stop' }],
      ['gen_ai.client.inference.operation.details', { 'gen_ai.request.model': 'gpt-4o' }],
    ],
  );
});

test('drops content attributes of the other dialects too', () => {
  const attributes: Attributes = {
    'openinference.span.kind': 'LLM',
    'input.value': 'what is love',
    'input.mime_type': 'text/plain',
    'output.value': "baby don't hurt me",
    'llm.input_messages.0.message.role': 'user',
    'llm.input_messages.0.message.content': 'what is love',
    'llm.output_messages.0.message.content': 'no more',
    'llm.token_count.prompt': 4,
    'traceloop.entity.input': '{"q":"x"}',
    'traceloop.entity.output': '{"a":"y"}',
    'gen_ai.prompt.0.content': 'legacy prompt',
    'gen_ai.completion.0.content': 'legacy completion',
    'ai.prompt.messages': '[{"role":"user","content":"hi"}]',
    'ai.response.text': 'hello',
    'ai.toolCall.args': '{"city":"Paris"}',
    'ai.toolCall.result': '{"temp":21}',
    'ai.model.id': 'gpt-4o',
    'langfuse.observation.input': 'in',
    'langfuse.observation.output': 'out',
    'langfuse.trace.input': 'tin',
    'pydantic_ai.all_messages': '[]',
    final_result: 'done',
    'gen_ai.tool.call.arguments': '{"q":1}',
    'gen_ai.tool.call.result': '42',
    'tool.parameters': '{"type":"object"}',
    'retrieval.documents.0.document.content': 'private doc',
  };
  const out = dropContent(mapped(attributes));
  const kept = Object.keys(out.span_attributes).sort();
  // The whole llm.input_messages subtree goes (role included); descriptions of the app stay.
  assert.deepEqual(kept, ['ai.model.id', 'input.mime_type', 'llm.token_count.prompt', 'openinference.span.kind', 'tool.parameters']);
});
