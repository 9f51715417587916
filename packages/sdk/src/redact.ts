// Client-side redaction: with `redact` on, string values of span attributes, span events and log
// records are rewritten before they leave the process. The built-in rules are a light subset of
// the collector's redaction (same placeholders); phone numbers and IBANs need the collector's
// (SPANHOUSE_TRACE_REDACT), which carries the number-checking libraries this SDK does without.
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { AnyValue } from '@opentelemetry/api-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

export type Redactor = (text: string) => string;

const KEYS = [
  /\bsk-(?:proj-|ant-(?:api\d\d-)?|or-v1-|lf-)?[A-Za-z0-9_-]{20,}/g, // OpenAI, Anthropic, OpenRouter, Langfuse
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, // GitHub
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
];
const BEARER = /\b(Bearer|Basic|Token)(\s+)([A-Za-z0-9._~+/-]{16,}=*)/g;
const EMAIL = /(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b/g;
const CARD = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** The built-in rules: secrets and keys, emails, card numbers (Luhn-checked), IPv4 addresses. */
export const redactText: Redactor = (text) => {
  let out = text;
  for (const key of KEYS) out = out.replace(key, '[REDACTED_KEY]');
  out = out.replace(BEARER, (match, scheme: string, space: string, token: string) => (/\d/.test(token) && /[A-Za-z]/.test(token) ? `${scheme}${space}[REDACTED_KEY]` : match));
  if (out.includes('@')) out = out.replace(EMAIL, '[REDACTED_EMAIL]');
  out = out.replace(CARD, (match) => (luhn(match.replace(/\D/g, '')) ? '[REDACTED_CARD]' : match));
  return out.replace(IPV4, '[REDACTED_IP]');
};

function redactValue(value: AttributeValue | undefined, redact: Redactor): AttributeValue | undefined {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? redact(v) : v)) as AttributeValue;
  return value;
}

export function redactAttributes(attributes: Attributes, redact: Redactor): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) out[key] = redactValue(value, redact);
  return out;
}

function redactAny(value: AnyValue, redact: Redactor): AnyValue {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactAny(v, redact));
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactAny(v, redact)]));
  }
  return value;
}

// The copies inherit from the original (Object.create), so methods like spanContext() still work.
export function redactSpan(span: ReadableSpan, redact: Redactor): ReadableSpan {
  const events: TimedEvent[] = span.events.map((e) => (e.attributes ? { ...e, attributes: redactAttributes(e.attributes, redact) } : e));
  return Object.create(span, {
    attributes: { value: redactAttributes(span.attributes, redact), enumerable: true },
    events: { value: events, enumerable: true },
    status: { value: span.status.message ? { ...span.status, message: redact(span.status.message) } : span.status, enumerable: true },
  });
}

export function redactLogRecord(record: ReadableLogRecord, redact: Redactor): ReadableLogRecord {
  return Object.create(record, {
    body: { value: record.body === undefined ? undefined : redactAny(record.body, redact), enumerable: true },
    attributes: { value: redactAny(record.attributes as AnyValue, redact), enumerable: true },
  });
}
