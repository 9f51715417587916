// The gRPC receiver's status codes, with a real grpc-js client and a stand-in export
// function (no storage): what an OTLP exporter sees for each outcome.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { ApiError } from '../api/errors.ts';
import type { AuthContext, HeaderCarrier } from '../auth/authenticate.ts';
import type { ExportOutcome, OtlpSignal } from './otlp-export.ts';
import { startOtlpGrpc, type RunningGrpcReceiver } from './otlp-grpc.ts';

const root = protobuf.parse(readFileSync(new URL('../../../schemas/otlp/otlp.proto', import.meta.url), 'utf8'), { keepCase: true }).root;
const RpcStatus = root.lookupType('spanhouse.otlp.RpcStatus');
const RetryInfo = root.lookupType('spanhouse.otlp.RetryInfo');

let outcome: ExportOutcome = { ok: true, body: Buffer.alloc(0) };
const seen: Array<{ signal: OtlpSignal; body: Buffer; tenant: unknown; routingAlias?: string }> = [];
let receiver: RunningGrpcReceiver;
let client: grpc.Client;

before(async () => {
  receiver = await startOtlpGrpc({
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: 1024,
    exporter: async (signal, body, _encoding, context) => {
      seen.push({ signal, body, tenant: context.tenantOf, routingAlias: context.routingAlias });
      return outcome;
    },
    authenticate: async (carrier: HeaderCarrier): Promise<AuthContext> => {
      const key = carrier.headers.authorization ?? carrier.headers['x-api-key'];
      if (key === 'Bearer good' || key === 'good') return { tenantId: 'acme', keyId: 'k', admin: false, trustedRelay: false };
      if (key === 'Bearer other-tenant') throw new ApiError(403, 'forbidden', 'x-spanhouse-tenant: only trusted-relay keys may name a tenant');
      throw new ApiError(401, 'unauthorized', 'the API key is not valid');
    },
    tenantOf: (auth) => auth.tenantId,
  });
  client = new grpc.Client(`127.0.0.1:${receiver.port}`, grpc.credentials.createInsecure());
});
after(async () => {
  client.close();
  await receiver.close();
});

function call(path: string, body: Buffer, metadata: Record<string, string>): Promise<{ error: grpc.ServiceError | null; response: Buffer | null }> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, md, (error, response) => resolve({ error: error ?? null, response: response ?? null }));
  });
}

const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const METRICS = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

test('each service hands its bytes, tenant and routing alias to the export function and returns its answer', async () => {
  outcome = { ok: true, body: Buffer.from([1, 2, 3]) };
  seen.length = 0;
  for (const path of [TRACES, LOGS, METRICS]) {
    const { error, response } = await call(path, Buffer.from('abc'), { 'x-api-key': 'good', 'x-spanhouse-routing-alias': 'fast' });
    assert.equal(error, null);
    assert.deepEqual([...response!], [1, 2, 3]);
  }
  assert.deepEqual(
    seen.map((s) => [s.signal, s.body.toString(), s.tenant, s.routingAlias]),
    [
      ['traces', 'abc', 'acme', 'fast'],
      ['logs', 'abc', 'acme', 'fast'],
      ['metrics', 'abc', 'acme', 'fast'],
    ],
  );
});

test('a missing or wrong key is UNAUTHENTICATED, a tenant the key may not name PERMISSION_DENIED; nothing is exported', async () => {
  seen.length = 0;
  assert.equal((await call(TRACES, Buffer.alloc(0), {})).error?.code, grpc.status.UNAUTHENTICATED);
  const wrong = await call(TRACES, Buffer.alloc(0), { authorization: 'Bearer nope' });
  assert.equal(wrong.error?.code, grpc.status.UNAUTHENTICATED);
  assert.match(wrong.error!.details, /not valid/);
  assert.equal((await call(LOGS, Buffer.alloc(0), { authorization: 'Bearer other-tenant' })).error?.code, grpc.status.PERMISSION_DENIED);
  assert.equal(seen.length, 0);
});

test('an undecodable request is INVALID_ARGUMENT with the reason', async () => {
  outcome = { ok: false, reason: 'invalid', message: 'invalid OTLP protobuf body: index out of range' };
  const { error } = await call(TRACES, Buffer.from([0xff]), { authorization: 'Bearer good' });
  assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
  assert.match(error!.details, /invalid OTLP protobuf body/);
});

test('storage unavailable is UNAVAILABLE with a google.rpc.RetryInfo in grpc-status-details-bin', async () => {
  outcome = { ok: false, reason: 'unavailable', message: 'storage is unavailable; retry later' };
  const { error } = await call(METRICS, Buffer.alloc(0), { authorization: 'Bearer good' });
  assert.equal(error?.code, grpc.status.UNAVAILABLE);
  const [details] = error!.metadata.get('grpc-status-details-bin') as Buffer[];
  const status = RpcStatus.toObject(RpcStatus.decode(details), { longs: Number }) as any;
  assert.equal(status.code, grpc.status.UNAVAILABLE);
  assert.equal(status.details[0].type_url, 'type.googleapis.com/google.rpc.RetryInfo');
  assert.equal((RetryInfo.toObject(RetryInfo.decode(status.details[0].value), { longs: Number }) as any).retry_delay.seconds, 5);
});

test('a message past the size limit is RESOURCE_EXHAUSTED', async () => {
  const { error } = await call(TRACES, Buffer.alloc(4096), { authorization: 'Bearer good' });
  assert.equal(error?.code, grpc.status.RESOURCE_EXHAUSTED);
});
