// sampleRate applies to the SDK's own provider: unsampled traces are neither recorded nor queued.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { currentTraceId } from './context.ts';
import { init } from './init.ts';
import { observe } from './observe.ts';

const sdk = init({ endpoint: 'http://127.0.0.1:9', sampleRate: 0, flushOnExit: false, batch: { exportTimeoutMillis: 200 } });
after(() => sdk.shutdown());

test('sampleRate 0: spans are not recorded, yet the trace id is there for logs', () => {
  const seen = observe('root', () => {
    const active = trace.getActiveSpan()!;
    return { recording: active.isRecording(), traceId: currentTraceId() };
  })();
  assert.equal(seen.recording, false);
  assert.match(seen.traceId!, /^[0-9a-f]{32}$/);
  assert.equal(sdk.stats().spans.queued, 0);
  assert.ok(sdk.tracerProvider, 'the SDK registered its own provider');
});
