// Gateway faults never lose the trace: a failure inside the gateway (here: the client's
// output breaking when the stream starts) still stores the call, marked as a gateway error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OtlpTraceRequest } from '@spanhouse/model';
import { FAKE_OPENAI_KEY, startFakeOpenAiUpstream, type FakeUpstream } from '../../../test/support/fake-upstreams.ts';
import type { IngestPipeline } from '../pipeline/ingest.ts';
import { Gateway, type ChatOutput } from './gateway.ts';
import { loadGatewaySettings } from './settings.ts';

let upstream: FakeUpstream;
before(async () => {
  upstream = await startFakeOpenAiUpstream();
});
after(() => upstream.close());

test('a fault inside the gateway stores the call with the error and ends the answer', async () => {
  const stored: OtlpTraceRequest[] = [];
  const pipeline = { ingestTraces: async (request: OtlpTraceRequest) => (stored.push(request), { accepted: 1, rejected: 0, errorMessage: '' }) } as unknown as IngestPipeline;
  const settings = loadGatewaySettings({ durableResponses: true, providers: { fake: { baseUrl: upstream.baseUrl, apiKey: FAKE_OPENAI_KEY } }, defaultProvider: 'fake' }, {});
  const logs: string[] = [];
  const gateway = new Gateway(settings, pipeline, (m) => logs.push(m));
  const said: string[] = [];
  const out: ChatOutput = {
    json: (status) => said.push(`json ${status}`),
    startStream: () => {
      throw new Error('socket gone');
    },
    chunk: () => said.push('chunk'),
    streamError: (body) => said.push(`error ${body.error.type}`),
    endStream: () => said.push('end'),
  };
  const call = { tenantId: 't1', body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }, fields: {}, signal: new AbortController().signal };
  const record = await gateway.chat(call, out);
  assert.equal(record.error?.type, 'gateway_error');
  assert.deepEqual(said, ['error server_error', 'end']);
  assert.equal(stored.length, 1);
  const span = stored[0].resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], 'gateway_error');
  assert.match(logs.join('\n'), /socket gone/);
});
