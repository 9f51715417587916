// Per-tenant policies: the same spans, two tenants, different treatment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSpan, type SpanLog } from '@spanhouse/model';
import { loadEnrichmentSettings } from '../../enrichment/settings.ts';
import { ContentStage } from './content.ts';
import { RedactionStage } from './redaction.ts';
import { RetentionStage } from './retention.ts';

const settings = loadEnrichmentSettings(
  {
    redactPatterns: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }],
    tenants: { acme: { redact: true, retentionDays: 90, contentRetentionDays: 7 }, quiet: { content: false } },
  },
  { SPANHOUSE_RETENTION_DAYS: '14' },
);

const spanFor = (tenantId: string) =>
  mapSpan({
    tenantId,
    resource: {},
    scope: { name: 't', version: '' },
    span: {
      traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: '', name: 'chat', kind: 3, startTimeUs: 1e15, endTimeUs: 1e15 + 10,
      attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5, 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: 'I am EMP-123456, mail bob@example.com' }]) },
      events: [], links: [], status: { code: 0, message: '' },
    },
  });
const logFor = (tenantId: string): SpanLog => ({
  tenant_id: tenantId, trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), time_us: 1e15, event_name: 'gen_ai.user.message',
  body: { content: 'mail bob@example.com' }, attributes: { 'gen_ai.system': 'openai' },
});

test('redaction applies only to tenants that ask for it, to spans and logs, with custom patterns', () => {
  const stage = new RedactionStage(settings);
  const [acme, other] = stage.process([spanFor('acme'), spanFor('default')]);
  assert.equal(acme.input_text, 'I am [REDACTED_EMPLOYEE_ID], mail [REDACTED_EMAIL]');
  assert.equal(other.input_text, 'I am EMP-123456, mail bob@example.com');
  const [log] = stage.processLogs([logFor('acme')]);
  assert.deepEqual(log.body, { content: 'mail [REDACTED_EMAIL]' });
});

test('content off drops text from spans and log bodies, for that tenant only', () => {
  const stage = new ContentStage(settings);
  const [quiet, other] = stage.process([spanFor('quiet'), spanFor('default')]);
  assert.equal(quiet.input_text, '');
  assert.equal(quiet.input_tokens, 5);
  assert.equal(other.input_text, 'I am EMP-123456, mail bob@example.com');
  const [log] = stage.processLogs([logFor('quiet')]);
  assert.equal(log.body, null);
  assert.deepEqual(log.attributes, { 'gen_ai.system': 'openai' });
});

test('retention: tenant overrides on top of the environment default', () => {
  const stage = new RetentionStage(settings);
  const [acme, other] = stage.process([spanFor('acme'), spanFor('default')]);
  assert.deepEqual([acme.retention_days, acme.content_retention_days], [90, 7]);
  assert.deepEqual([other.retention_days, other.content_retention_days], [14, 0]);
});

test('bad settings are clear errors', () => {
  assert.throws(() => loadEnrichmentSettings(undefined, { SPANHOUSE_TRACE_REDACT: 'maybe' }), /SPANHOUSE_TRACE_REDACT must be true or false/);
  assert.throws(() => loadEnrichmentSettings(undefined, { SPANHOUSE_RETENTION_DAYS: '0' }), /whole number of days/);
});
