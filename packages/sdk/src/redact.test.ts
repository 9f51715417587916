import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { redactSpan, redactText } from './redact.ts';

test('built-in rules: keys and tokens, emails, Luhn-valid cards, IPv4', () => {
  assert.equal(redactText('key sk-proj-abcdefghijklmnopqrstuvwx and AKIAABCDEFGHIJKLMNOP'), 'key [REDACTED_KEY] and [REDACTED_KEY]');
  assert.equal(redactText('Authorization: Bearer abc123def456ghi789'), 'Authorization: Bearer [REDACTED_KEY]');
  assert.equal(redactText('Basic configuration-management'), 'Basic configuration-management', 'prose after a scheme word stays');
  assert.equal(redactText('mail ana.silva+x@example.co.uk now'), 'mail [REDACTED_EMAIL] now');
  assert.equal(redactText('card 4111 1111 1111 1111 ok'), 'card [REDACTED_CARD] ok');
  assert.equal(redactText('order 4111 1111 1111 1112'), 'order 4111 1111 1111 1112', 'fails the Luhn check');
  assert.equal(redactText('from 192.168.1.20, version 1.2.3.4.5'), 'from [REDACTED_IP], version 1.2.3.4.5');
  assert.equal(redactText('nothing here, 2024-05-01, $12.50'), 'nothing here, 2024-05-01, $12.50');
});

test('a redacted span is a copy: attributes, events and status message rewritten, the rest inherited', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const span = provider.getTracer('t').startSpan('call', { attributes: { prompt: 'mail me at a@b.io', tokens: 3, list: ['x@y.io', 'plain'] } });
  span.addEvent('gen_ai.user.message', { content: 'a@b.io' });
  span.setStatus({ code: 2, message: 'failed for a@b.io' });
  span.end();
  const [original] = exporter.getFinishedSpans();
  const copy = redactSpan(original, redactText);
  assert.deepEqual(copy.attributes, { prompt: 'mail me at [REDACTED_EMAIL]', tokens: 3, list: ['[REDACTED_EMAIL]', 'plain'] });
  assert.deepEqual(copy.events[0].attributes, { content: '[REDACTED_EMAIL]' });
  assert.equal(copy.status.message, 'failed for [REDACTED_EMAIL]');
  assert.equal(original.attributes.prompt, 'mail me at a@b.io', 'the original is untouched');
  assert.equal(copy.spanContext().spanId, original.spanContext().spanId);
  assert.equal(copy.name, 'call');
  assert.ok(trace.isSpanContextValid(copy.spanContext()));
});
