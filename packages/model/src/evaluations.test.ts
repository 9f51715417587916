import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluationEventOf, evaluationScore, logEvaluationScores, spanEvaluationScores } from './evaluations.ts';
import { mapAttributes } from './dialects/testing.ts';

const target = { tenant_id: 't1', trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) };

test('an evaluation result: the score value, else the label; the explanation as comment', () => {
  assert.deepEqual(evaluationScore(target, { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.7, 'gen_ai.evaluation.explanation': 'ok' }), { ...target, name: 'relevance', value: 0.7, comment: 'ok' });
  assert.deepEqual(evaluationScore(target, { 'gen_ai.evaluation.name': 'tone', 'gen_ai.evaluation.score.label': 'polite' }), { ...target, name: 'tone', value: 'polite', comment: '' });
  assert.deepEqual(evaluationScore(target, { 'gen_ai.evaluation.name': 'f', 'gen_ai.evaluation.score.value': '1', 'gen_ai.evaluation.score.label': 'pass', 'gen_ai.evaluation.explanation': 'fine' })?.comment, 'pass: fine');
  // nothing to score, or no name: not a score
  assert.equal(evaluationScore(target, { 'gen_ai.evaluation.name': 'x' }), null);
  assert.equal(evaluationScore(target, { 'gen_ai.evaluation.score.value': 1 }), null);
  assert.equal(evaluationScore(target, 'not an object'), null);
});

test('span events and log records (attributes or body) name the evaluated span', () => {
  const span = mapAttributes({ 'gen_ai.operation.name': 'chat' }, {
    events: [
      { name: 'gen_ai.evaluation.result', timeUs: 1, attributes: { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 1 } },
      { name: 'other', timeUs: 2, attributes: { 'gen_ai.evaluation.name': 'ignored', 'gen_ai.evaluation.score.value': 1 } },
    ],
  });
  assert.deepEqual(spanEvaluationScores(span).map((s) => [s.span_id, s.name, s.value]), [[span.span_id, 'relevance', 1]]);
  const log = { ...target, time_us: 1, event_name: 'gen_ai.evaluation.result', attributes: {} };
  assert.deepEqual(
    logEvaluationScores([
      { ...log, body: { 'gen_ai.evaluation.name': 'in-body', 'gen_ai.evaluation.score.label': 'good' } },
      { ...log, body: null, attributes: { 'gen_ai.evaluation.name': 'in-attributes', 'gen_ai.evaluation.score.value': 0.5 } },
      { ...log, event_name: 'gen_ai.choice', body: { 'gen_ai.evaluation.name': 'not-an-evaluation', 'gen_ai.evaluation.score.value': 1 } },
    ]).map((s) => [s.name, s.value]),
    [['in-body', 'good'], ['in-attributes', 0.5]],
  );
});

test('a score exported as an evaluation event', () => {
  const at = '2026-11-30T00:00:00.000000Z';
  assert.deepEqual(evaluationEventOf({ name: 'q', value: 0.5, comment: 'why', created_at: at }), { name: 'gen_ai.evaluation.result', time: at, attributes: { 'gen_ai.evaluation.name': 'q', 'gen_ai.evaluation.score.value': 0.5, 'gen_ai.evaluation.explanation': 'why' } });
  assert.deepEqual(evaluationEventOf({ name: 'ok', value: true, comment: '', created_at: at }).attributes, { 'gen_ai.evaluation.name': 'ok', 'gen_ai.evaluation.score.value': 1, 'gen_ai.evaluation.score.label': 'true' });
  assert.deepEqual(evaluationEventOf({ name: 'tone', value: 'polite', comment: '', created_at: at }).attributes, { 'gen_ai.evaluation.name': 'tone', 'gen_ai.evaluation.score.label': 'polite' });
});
