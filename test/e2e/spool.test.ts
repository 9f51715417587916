// The durable spool (SPANHOUSE_SPOOL=on) through a storage outage: the ClickHouse server
// (the chDB-backed HTTP endpoint, in its own process) stops; OTel exporters keep getting
// 200 because spans are in the spool's log; when the server is back every acknowledged span
// is stored. Past the spool's size cap the answer is 503 + Retry-After naming the spool.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { RunningCollector } from '@spanhouse/collector';
import { startClickHouseHttp, type ClickHouseHttpEndpoint } from '../support/clickhouse-http.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const serverData = tempDataDir('spool-server');
const collectorData = tempDataDir('spool-collector');
let server: ClickHouseHttpEndpoint;
let port = 0;
let collector: RunningCollector;

before(async () => {
  server = await startClickHouseHttp(serverData.dir);
  port = Number(new URL(server.url).port);
  collector = await startTestCollector(collectorData.dir, { clickhouseUrl: server.url, spool: true, spoolMaxBytes: 256 * 1024 });
});
after(async () => {
  await collector?.close();
  await server?.stop();
  serverData.remove();
  collectorData.remove();
});

/** The real OTLP/protobuf exporter; records what the collector answered each export. */
function tracer() {
  const results: ExportResult[] = [];
  const inner = new OTLPTraceExporter({ url: `${collector.url}/v1/traces` });
  const exporter: SpanExporter = {
    export: (spans: ReadableSpan[], done) => inner.export(spans, (result) => (results.push(result), done(result))),
    shutdown: () => inner.shutdown(),
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { tracer: provider.getTracer('spool-e2e'), results, flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

async function stored(spanIds: string[]): Promise<number> {
  let found = 0;
  for (const id of spanIds) if ((await fetch(`${collector.url}/api/spans/${id}`)).status === 200) found++;
  return found;
}

async function untilStored(spanIds: string[]): Promise<number> {
  let found = 0;
  for (let attempt = 0; attempt < 150 && found < spanIds.length; attempt++) {
    found = await stored(spanIds);
    if (found < spanIds.length) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return found;
}

test('storage down: spans are acknowledged from the spool, and stored once storage is back', async () => {
  await server.stop();
  const { tracer: t, results, flush, shutdown } = tracer();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const span = t.startSpan(`chat during outage ${i}`, { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'spool-model' } });
    span.end();
    ids.push(span.spanContext().spanId);
  }
  await flush();
  await shutdown();
  assert.equal(results.length, 20);
  assert.ok(results.every((r) => r.code === ExportResultCode.SUCCESS), JSON.stringify(results.map((r) => r.error?.message)));
  server = await startClickHouseHttp(serverData.dir, port);
  assert.equal(await untilStored(ids), ids.length, 'every acknowledged span is stored');
});

test('past the size cap: 503 + Retry-After naming the spool; what was acknowledged is stored', async () => {
  await server.stop();
  const now = Date.now();
  const acked: string[] = [];
  let full: Response | null = null;
  for (let i = 0; i < 200 && !full; i++) {
    const spanId = (0x1000 + i).toString(16).padStart(16, '0');
    const body = {
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'cap' }, spans: [{ traceId: 'c'.repeat(28) + (0x1000 + i).toString(16), spanId, name: 'big', startTimeUnixNano: `${now}000000`, endTimeUnixNano: `${now + 1}000000`, attributes: [{ key: 'input.value', value: { stringValue: 'x'.repeat(20_000) } }] }] }] }],
    };
    const res = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status === 200) acked.push(spanId);
    else full = res;
  }
  assert.ok(full, 'the spool filled up');
  assert.equal(full.status, 503);
  assert.ok(Number(full.headers.get('retry-after')) >= 1);
  assert.match((await full.json()).message, /spool is full/);
  assert.ok(acked.length > 0);
  server = await startClickHouseHttp(serverData.dir, port);
  assert.equal(await untilStored(acked), acked.length);
});
