import assert from 'node:assert/strict';
import { test } from 'node:test';
import { START_US, mapAttributes } from './testing.ts';

const completionStartIso = new Date(START_US / 1000 + 350).toISOString();

test('generation: model, JSON input/output, usage and cost details, completion start time', () => {
  const out = mapAttributes({
    'langfuse.observation.type': 'generation',
    'langfuse.observation.model.name': 'claude-3-5-sonnet-20241022',
    'langfuse.observation.model.parameters': '{"temperature":0.2,"max_tokens":500}',
    'langfuse.observation.input': JSON.stringify([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Capital of France?' },
    ]),
    'langfuse.observation.output': JSON.stringify({ role: 'assistant', content: 'Paris.' }),
    // Langfuse keys are disjoint: input excludes cache reads/writes, output excludes reasoning.
    'langfuse.observation.usage_details': '{"input":20,"output":5,"cache_read_input_tokens":100,"cache_creation_input_tokens":3,"output_reasoning_tokens":2,"total":130}',
    'langfuse.observation.cost_details': '{"input":0.0001,"output":0.0002,"cache_read_input_tokens":0.00005,"total":0.00035}',
    'langfuse.observation.completion_start_time': JSON.stringify(JSON.stringify(completionStartIso)),
    'langfuse.observation.level': 'DEFAULT',
    'langfuse.observation.prompt.name': 'capital-prompt',
    'langfuse.observation.prompt.version': 3,
    'langfuse.environment': 'production',
    'langfuse.release': 'v1.2.3',
  });
  assert.equal(out.type, 'generation');
  assert.equal(out.model, 'claude-3-5-sonnet-20241022');
  assert.deepEqual(out.input_messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Capital of France?' },
  ]);
  assert.deepEqual(out.output_messages, [{ role: 'assistant', content: 'Paris.' }]);
  assert.deepEqual(
    [out.input_tokens, out.output_tokens, out.total_tokens, out.cache_read_tokens, out.cache_write_tokens, out.reasoning_tokens],
    [123, 7, 130, 100, 3, 2],
  );
  assert.equal(out.cost_usd, 0.00035);
  assert.equal(out.cost_source, 'client');
  assert.deepEqual(out.cost_details, { input: 0.0001, output: 0.0002, cache_read_input_tokens: 0.00005, total: 0.00035 });
  assert.equal(out.ttft_ms, 350);
  assert.equal(out.status, 'success');
  assert.deepEqual(out.mapping.dialects, ['langfuse']);
  assert.deepEqual(out.mapping.unmapped, []);
});

test('usage with OpenAI-style names is already inclusive; cost without total is the sum of parts', () => {
  const out = mapAttributes({
    'langfuse.observation.type': 'generation',
    'langfuse.observation.usage_details': { prompt_tokens: 120, completion_tokens: 30, cache_read_input_tokens: 100 },
    'langfuse.observation.cost_details': { input: 0.25, output: 0.5 },
    'langfuse.observation.completion_start_time': completionStartIso,
  });
  assert.deepEqual([out.input_tokens, out.output_tokens, out.total_tokens, out.cache_read_tokens], [120, 30, 150, 100]);
  assert.equal(out.cost_usd, 0.75);
  assert.equal(out.ttft_ms, 350);
});

test('level ERROR makes the span an error with the status message; WARNING does not', () => {
  const failed = mapAttributes({
    'langfuse.observation.type': 'span',
    'langfuse.observation.level': 'ERROR',
    'langfuse.observation.status_message': 'Retriever timed out upstream',
  });
  assert.equal(failed.status, 'error');
  assert.equal(failed.error_message, 'Retriever timed out upstream');
  const warned = mapAttributes({ 'langfuse.observation.level': 'WARNING', 'langfuse.observation.status_message': 'slow' });
  assert.equal(warned.status, 'success');
  assert.equal(warned.error_message, '');
  assert.deepEqual(warned.mapping.unmapped, []);
});

test('trace attributes: name only on the root, tags, users and sessions, metadata in both forms', () => {
  const attributes = {
    'langfuse.observation.type': 'agent',
    'langfuse.trace.name': 'support-chat',
    'langfuse.trace.tags': '["beta","eu"]',
    'langfuse.user.id': 'u-1',
    'langfuse.session.id': 's-1',
    'langfuse.trace.metadata': '{"tenant":"acme","plan":"free"}',
    'langfuse.trace.metadata.region': 'eu-west',
    'langfuse.observation.metadata.plan': 'pro',
    'langfuse.trace.input': '"Where is my order?"',
    'langfuse.trace.output': 'It ships today.',
  };
  const root = mapAttributes(attributes, { name: 'agent-run' });
  assert.equal(root.name, 'support-chat');
  assert.equal(root.type, 'agent');
  assert.deepEqual(root.tags, ['beta', 'eu']);
  assert.equal(root.user_id, 'u-1');
  assert.equal(root.session_id, 's-1');
  // Observation metadata wins over trace metadata for the same key.
  assert.deepEqual(root.metadata, { tenant: 'acme', plan: 'pro', region: 'eu-west' });
  assert.equal(root.input_text, 'Where is my order?');
  assert.equal(root.output_text, 'It ships today.');
  assert.deepEqual(root.mapping.unmapped, []);

  const child = mapAttributes({ ...attributes, 'langfuse.trace.tags': ['beta'] }, { name: 'agent-run', parentSpanId: 'c'.repeat(16) });
  assert.equal(child.name, 'agent-run');
  assert.deepEqual(child.tags, ['beta']);

  const current = mapAttributes({ 'langfuse.observation.type': 'span', 'user.id': 'u-2', 'session.id': 's-2' });
  assert.equal(current.user_id, 'u-2');
  assert.equal(current.session_id, 's-2');
});

test('observation types become span types', () => {
  const types: Record<string, string> = {
    generation: 'generation',
    embedding: 'embedding',
    agent: 'agent',
    tool: 'tool',
    chain: 'chain',
    retriever: 'retriever',
    span: 'span',
    event: 'span',
    evaluator: 'span',
    guardrail: 'span',
  };
  for (const [observationType, type] of Object.entries(types)) {
    // A model alone would make it a generation; the explicit type wins.
    const out = mapAttributes({ 'langfuse.observation.type': observationType, 'langfuse.observation.model.name': 'm' });
    assert.equal(out.type, type, observationType);
  }
});
