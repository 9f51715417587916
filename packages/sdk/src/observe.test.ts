// observe() and @observed against a real OTel SDK with an in-memory exporter (no init()).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { observe, observed } from './observe.ts';

const exporter = new InMemorySpanExporter();
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
const finished = () => {
  const spans = exporter.getFinishedSpans();
  exporter.reset();
  return spans;
};

test('a sync function stays sync; several arguments are recorded as a list; nesting follows the call', () => {
  const inner = observe('inner', (a: number, b: number) => a + b, { type: 'tool' });
  const outer = observe('outer', () => inner(2, 3), { type: 'chain' });
  assert.equal(outer(), 5);
  const [innerSpan, outerSpan] = finished();
  assert.equal(innerSpan.parentSpanContext?.spanId, outerSpan.spanContext().spanId);
  assert.equal(innerSpan.attributes['gen_ai.tool.call.arguments'], '[2,3]');
  assert.equal(innerSpan.attributes['gen_ai.tool.call.result'], '5');
  assert.equal(outerSpan.attributes['gen_ai.operation.name'], 'invoke_workflow');
  assert.equal(outerSpan.attributes['gen_ai.input.messages'], undefined, 'no arguments, no input');
  assert.equal(outerSpan.attributes['gen_ai.output.messages'], '[{"role":"assistant","content":"5"}]');
});

test('a rejected promise is recorded and passed on; cyclic values do not break recording', async () => {
  const cyclic: any = { name: 'loop' };
  cyclic.self = cyclic;
  const failing = observe('failing', async (_value: unknown) => {
    throw new TypeError('bad input');
  });
  await assert.rejects(failing(cyclic), TypeError);
  const [span] = finished();
  assert.equal(span.status.code, 2);
  assert.equal(span.status.message, 'bad input');
  assert.equal(span.attributes['error.type'], 'TypeError');
  assert.equal(span.attributes['spanhouse.span.type'], 'span');
  assert.equal(span.events[0].name, 'exception');
  assert.match(String(span.attributes['gen_ai.input.messages']), /object Object/);
});

test('legacy decorators (experimentalDecorators) get a descriptor back', () => {
  class Tools {
    factor = 10;
    scale(x: number) {
      return x * this.factor;
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Tools.prototype, 'scale')!;
  Object.defineProperty(Tools.prototype, 'scale', observed({ type: 'tool' })(Tools.prototype, 'scale', descriptor));
  assert.equal(new Tools().scale(4), 40);
  const [span] = finished();
  assert.equal(span.name, 'Tools.scale');
  assert.equal(span.attributes['gen_ai.tool.name'], 'Tools.scale');
});
