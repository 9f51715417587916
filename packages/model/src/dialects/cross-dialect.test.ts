// One logical LLM call (gpt-4o-mini on OpenAI: "Be brief." / "Capital of France?" → "Paris.",
// 14 input and 2 output tokens) written in every dialect must map to the same span fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '../otlp.ts';
import { mapAttributes } from './testing.ts';

const SYSTEM = 'Be brief.';
const QUESTION = 'Capital of France?';
const ANSWER = 'Paris.';
const MODEL = 'gpt-4o-mini';
const chat = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: QUESTION },
];

const WRITTEN_AS: Record<string, Attributes> = {
  'otel-genai (current)': {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': MODEL,
    'gen_ai.response.model': MODEL,
    'gen_ai.usage.input_tokens': 14,
    'gen_ai.usage.output_tokens': 2,
    'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: SYSTEM }]),
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: QUESTION }] }]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: ANSWER }], finish_reason: 'stop' }]),
  },
  'otel-genai (legacy)': {
    'gen_ai.system': 'openai',
    'gen_ai.request.model': MODEL,
    'gen_ai.usage.prompt_tokens': 14,
    'gen_ai.usage.completion_tokens': 2,
    'gen_ai.prompt': JSON.stringify(chat),
    'gen_ai.completion': JSON.stringify([{ role: 'assistant', content: ANSWER }]),
  },
  openinference: {
    'openinference.span.kind': 'LLM',
    'llm.model_name': MODEL,
    'llm.system': 'openai',
    'llm.provider': 'openai',
    'llm.token_count.prompt': 14,
    'llm.token_count.completion': 2,
    'llm.token_count.total': 16,
    'llm.input_messages.0.message.role': 'system',
    'llm.input_messages.0.message.content': SYSTEM,
    'llm.input_messages.1.message.role': 'user',
    'llm.input_messages.1.message.content': QUESTION,
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.content': ANSWER,
  },
  traceloop: {
    'llm.request.type': 'chat',
    'gen_ai.system': 'OpenAI',
    'gen_ai.request.model': MODEL,
    'gen_ai.response.model': MODEL,
    'gen_ai.usage.prompt_tokens': 14,
    'gen_ai.usage.completion_tokens': 2,
    'llm.usage.total_tokens': 16,
    'gen_ai.prompt.0.role': 'system',
    'gen_ai.prompt.0.content': SYSTEM,
    'gen_ai.prompt.1.role': 'user',
    'gen_ai.prompt.1.content': QUESTION,
    'gen_ai.completion.0.role': 'assistant',
    'gen_ai.completion.0.content': ANSWER,
    'gen_ai.completion.0.finish_reason': 'stop',
  },
  'vercel-ai': {
    'ai.operationId': 'ai.generateText.doGenerate',
    'ai.model.id': MODEL,
    'ai.model.provider': 'openai.chat',
    'ai.prompt.messages': JSON.stringify([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: [{ type: 'text', text: QUESTION }] },
    ]),
    'ai.response.text': ANSWER,
    'ai.response.finishReason': 'stop',
    'ai.usage.promptTokens': 14,
    'ai.usage.completionTokens': 2,
  },
  langfuse: {
    'langfuse.observation.type': 'generation',
    'langfuse.observation.model.name': MODEL,
    'langfuse.observation.input': JSON.stringify(chat),
    'langfuse.observation.output': JSON.stringify({ role: 'assistant', content: ANSWER }),
    'langfuse.observation.usage_details': '{"input":14,"output":2,"total":16}',
  },
  logfire: {
    'gen_ai.system': 'openai',
    request_data: JSON.stringify({ model: MODEL, messages: chat }),
    response_data: JSON.stringify({ message: { role: 'assistant', content: ANSWER }, usage: { prompt_tokens: 14, completion_tokens: 2, total_tokens: 16 } }),
  },
};

/** Langfuse has no provider attribute: its spans carry one only when another dialect's keys are present. */
const NO_PROVIDER = new Set(['langfuse']);

for (const [dialect, attributes] of Object.entries(WRITTEN_AS)) {
  test(`the same call written as ${dialect} maps to the same fields`, () => {
    const out = mapAttributes(attributes);
    assert.equal(out.type, 'generation');
    assert.equal(out.model, MODEL);
    assert.equal(out.provider, NO_PROVIDER.has(dialect) ? '' : 'openai');
    assert.deepEqual([out.input_tokens, out.output_tokens, out.total_tokens], [14, 2, 16]);
    assert.equal(out.input_text, `${SYSTEM}\n${QUESTION}`);
    assert.equal(out.output_text, ANSWER);
    assert.deepEqual(out.input_messages.map((m) => m.role), ['system', 'user']);
    assert.deepEqual(out.mapping.unmapped, [], 'every attribute of the call is understood');
  });
}
