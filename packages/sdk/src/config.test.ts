import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BATCH, parseHeaders, resolveConfig } from './config.ts';

test('defaults: local Spanhouse over OTLP/HTTP protobuf, content on, everything sampled', () => {
  const config = resolveConfig({}, {});
  assert.equal(config.endpoint, 'http://127.0.0.1:4318');
  assert.equal(config.apiUrl, 'http://127.0.0.1:4318');
  assert.equal(config.protocol, 'http/protobuf');
  assert.equal(config.serviceName, 'unknown_service:node');
  assert.equal(config.captureContent, true);
  assert.equal(config.redact, false);
  assert.equal(config.sampleRate, 1);
  assert.equal(config.disabled, false);
  assert.deepEqual(config.headers, {});
  assert.deepEqual(config.batch, DEFAULT_BATCH);
});

test('environment: OTEL_* and SPANHOUSE_*, SPANHOUSE_* first, options over both', () => {
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-team=search,authorization=Bearer%20from-otel',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'from-otel',
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    SPANHOUSE_CAPTURE_CONTENT: 'false',
    SPANHOUSE_REDACT: 'true',
    SPANHOUSE_SAMPLE_RATE: '0.25',
  };
  const fromEnv = resolveConfig({}, env);
  assert.equal(fromEnv.endpoint, 'http://otel:4318');
  assert.equal(fromEnv.protocol, 'http/json');
  assert.equal(fromEnv.serviceName, 'from-otel');
  assert.equal(fromEnv.captureContent, false);
  assert.equal(fromEnv.redact, true);
  assert.equal(fromEnv.sampleRate, 0.25);
  assert.deepEqual(fromEnv.headers, { 'x-team': 'search', authorization: 'Bearer from-otel' });

  const withKey = resolveConfig({ endpoint: 'https://spanhouse.example', apiKey: 'sk-123', captureContent: true, sampleRate: 1 }, { ...env, SPANHOUSE_ENDPOINT: 'http://ignored' });
  assert.equal(withKey.endpoint, 'https://spanhouse.example');
  assert.equal(withKey.headers.authorization, 'Bearer sk-123', 'the API key wins over a header from the environment');
  assert.equal(withKey.captureContent, true);
  assert.equal(resolveConfig({}, { SPANHOUSE_ENDPOINT: 'http://sh:4318', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' }).endpoint, 'http://sh:4318');
  assert.equal(resolveConfig({}, { SPANHOUSE_API_KEY: 'k' }).headers.authorization, 'Bearer k');
  assert.equal(resolveConfig({}, { OTEL_SDK_DISABLED: 'true' }).disabled, true);
});

test('gRPC goes to a relay: the REST API keeps its own URL', () => {
  const config = resolveConfig({ protocol: 'grpc', endpoint: 'http://relay:4317' }, {});
  assert.equal(config.endpoint, 'http://relay:4317');
  assert.equal(config.apiUrl, 'http://127.0.0.1:4318');
  assert.equal(resolveConfig({ protocol: 'grpc', apiUrl: 'http://sh:4318/' }, {}).apiUrl, 'http://sh:4318');
});

test('a sample rate outside 0..1 is refused', () => {
  assert.throws(() => resolveConfig({ sampleRate: 2 }, {}), RangeError);
  assert.throws(() => resolveConfig({}, { SPANHOUSE_SAMPLE_RATE: 'half' }), RangeError);
});

test('OTEL_EXPORTER_OTLP_HEADERS parsing skips malformed pairs', () => {
  assert.deepEqual(parseHeaders(' a = 1 ,broken,=x,b=two%3Dparts'), { a: '1', b: 'two=parts' });
  assert.deepEqual(parseHeaders(undefined), {});
});
