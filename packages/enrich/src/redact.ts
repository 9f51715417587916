// Redaction of personal data and secrets in span content, before anything is stored.
//
// Each detector aims at few false positives on ordinary LLM-app text (dates, prices, version
// numbers, order ids) rather than catching every conceivable shape: a match must pass a real
// check (Luhn + card network prefix, IBAN checksum + country length, a valid phone number for
// its region, IPv4 octet ranges) before it is replaced by a typed placeholder.
import { electronicFormatIBAN, getCountrySpecifications, isValidIBAN } from 'ibantools';
import { findPhoneNumbersInText, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import type { Message, SpanEvent, SpanhouseSpan } from '@spanhouse/model';

export const REDACTION_KINDS = ['key', 'email', 'iban', 'card', 'ip', 'phone'] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

export const PLACEHOLDERS: Readonly<Record<RedactionKind, string>> = {
  key: '[REDACTED_KEY]',
  email: '[REDACTED_EMAIL]',
  iban: '[REDACTED_IBAN]',
  card: '[REDACTED_CARD]',
  ip: '[REDACTED_IP]',
  phone: '[REDACTED_PHONE]',
};

/** A user pattern from config; matches become `[REDACTED_<NAME>]`. */
export interface CustomRedaction {
  name: string;
  /** A regular expression source (always applied globally). */
  pattern: string;
  /** Regex flags besides `g` (e.g. "i"). */
  flags?: string;
}

export interface RedactOptions {
  /** Built-in detectors to run. Default: all. */
  kinds?: readonly RedactionKind[];
  /** Extra patterns, applied before the built-in ones. */
  patterns?: readonly CustomRedaction[];
  /** Region for phone numbers written without a +country prefix. Default "US". */
  phoneCountry?: CountryCode;
}

export type Replace = (text: string) => string;

// ---------------------------------------------------------------- keys and tokens

/** Vendor key shapes with distinctive prefixes; whole match replaced. */
const VENDOR_KEYS: RegExp[] = [
  /\bsk-(?:proj-|ant-(?:api\d\d-)?|or-v1-|lf-)?[A-Za-z0-9_-]{20,}/g, // OpenAI, Anthropic, OpenRouter, Langfuse
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{22,}/g,
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google API key
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bhf_[A-Za-z0-9]{30,}\b/g, // Hugging Face
  /\bgsk_[A-Za-z0-9]{20,}\b/g, // Groq
  /\bxai-[A-Za-z0-9]{20,}\b/g, // xAI
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** `Bearer <token>` / `Basic <token>`: the scheme word stays so the text still reads. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token)(\s+)([A-Za-z0-9._~+/-]{16,}=*)/g;

/** `api_key = "…"`, `password: …`, `"client_secret": "…"`: the value is replaced. */
const SECRET_ASSIGNMENT =
  /\b((?:[a-z0-9]+[_-])*(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|refresh[_-]?token|token|password|passwd|pwd))(["']?\s*[:=]\s*["']?)([^\s"',;}]{8,})/gi;
const PASSWORD_KEY = /pass|pwd/i;
const HAS_LETTER_AND_DIGIT = /(?=.*[A-Za-z])(?=.*\d)/;

const redactKeys: Replace = (text) => {
  let out = text;
  for (const pattern of VENDOR_KEYS) out = out.replace(pattern, PLACEHOLDERS.key);
  // Real tokens mix letters and digits; "Basic configuration-management" is prose.
  out = out.replace(AUTH_SCHEME, (match, scheme: string, space: string, token: string) =>
    HAS_LETTER_AND_DIGIT.test(token) ? `${scheme}${space}${PLACEHOLDERS.key}` : match,
  );
  // A value next to "token"/"key" must look like a secret (letters and digits); password values always go.
  return out.replace(SECRET_ASSIGNMENT, (match, key: string, separator: string, value: string) =>
    value.startsWith('[REDACTED_') || !(PASSWORD_KEY.test(key) || HAS_LETTER_AND_DIGIT.test(value))
      ? match
      : `${key}${separator}${PLACEHOLDERS.key}`,
  );
};

// ---------------------------------------------------------------- emails

const EMAIL = /(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.([A-Za-z]{2,24})\b/g;
/** `icon@2x.png` is an asset name, not an address. */
const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp', 'tiff']);

const redactEmails: Replace = (text) =>
  text.includes('@') ? text.replace(EMAIL, (match, tld: string) => (FILE_EXTENSIONS.has(tld.toLowerCase()) ? match : PLACEHOLDERS.email)) : text;

// ---------------------------------------------------------------- IBANs

/** Country code, check digits, then 10–30 alphanumerics in groups of up to 4 (spaces allowed between groups). */
// Upper case only, as IBANs are written; case-insensitive would let prose ("ab12 and …") swallow a real one.
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![A-Za-z0-9])/g;
const IBAN_LENGTHS = new Map(
  Object.entries(getCountrySpecifications())
    .filter(([, spec]) => spec.chars !== null)
    .map(([country, spec]) => [country, spec.chars as number]),
);

const redactIbans: Replace = (text) =>
  text.replace(IBAN_CANDIDATE, (candidate) => {
    const compact = electronicFormatIBAN(candidate) ?? '';
    const length = IBAN_LENGTHS.get(compact.slice(0, 2));
    if (length === undefined || compact.length < length) return candidate;
    // The candidate may run on into the next word ("… 3000 AND"): keep exactly the country's length.
    const end = indexAfterAlphanumerics(candidate, length);
    const iban = compact.slice(0, length);
    return isValidIBAN(iban) ? PLACEHOLDERS.iban + candidate.slice(end) : candidate;
  });

/** Index just past the n-th alphanumeric character of `text`. */
function indexAfterAlphanumerics(text: string, n: number): number {
  let seen = 0;
  for (let i = 0; i < text.length; i++) {
    if (/[A-Za-z0-9]/.test(text[i]) && ++seen === n) return i + 1;
  }
  return text.length;
}

// ---------------------------------------------------------------- payment cards

/** 13–19 digits, optionally in groups separated by single spaces or dashes; punctuation may follow, more digits may not. */
const CARD_CANDIDATE = /(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d-]|[.,]\d)/g;
/** Issuer prefixes of the major networks (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro). */
const CARD_PREFIX = /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6(?:011|5|4[4-9]|2)|3(?:0[0-5]|[68])|35(?:2[89]|[3-8]\d)|5[06-8]|6\d)/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const redactCards: Replace = (text) =>
  text.replace(CARD_CANDIDATE, (candidate) => {
    const digits = candidate.replace(/[ -]/g, '');
    const plausible = digits.length >= 13 && digits.length <= 19 && CARD_PREFIX.test(digits) && luhnValid(digits);
    return plausible ? PLACEHOLDERS.card : candidate;
  });

// ---------------------------------------------------------------- IPv4

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Not part of a longer dotted run (1.2.3.4.5) nor glued to a word (v1.2.3.4). */
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
/** "version 10.0.0.1", "v1.2.3.4", "build 4.0.2.1": a version, not an address. */
const VERSION_BEFORE = /(?:\bversion|\bver\.?|\bv|\bbuild|\brelease)\s*:?\s*$/i;

const redactIps: Replace = (text) =>
  text.replace(IPV4, (match, offset: number, whole: string) => {
    // Loopback and the wildcard address say nothing about anyone.
    if (match.startsWith('127.') || match === '0.0.0.0') return match;
    return VERSION_BEFORE.test(whole.slice(Math.max(0, offset - 12), offset)) ? match : PLACEHOLDERS.ip;
  });

// ---------------------------------------------------------------- phone numbers

/** A run of phone-ish characters; libphonenumber then finds and validates numbers inside it. */
const PHONE_CANDIDATE = /(?<![\w\-/#.@])(?:\+|\b00)?\(?\d[\d ().-]{5,22}\d(?![\w/-])/g;
/** Words that make a bare digit run a phone number ("call 4155552671"); "order number" is deliberately not one. */
const PHONE_WORDS = /\b(?:tel|telephone|phone|mobile|cell|call|fax|whatsapp|sms|text me|reach me at)\b\.?:?\s*$/i;

/** Dates and plain decimals look like digit runs but never are phone numbers; skip them before the (slower) parser. */
const NOT_A_PHONE = /^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}|\d+\.\d+)$/;
const MAX_PHONE_DIGITS = 15; // E.164

function makePhoneRedactor(country: CountryCode): Replace {
  const isPhone = (raw: string, context: string, number: PhoneNumber | undefined) =>
    number !== undefined && number.isValid() && looksLikePhone(raw, number, PHONE_WORDS.test(context));
  return (text) =>
    text.replace(PHONE_CANDIDATE, (candidate, offset: number, whole: string) => {
      const digits = candidate.replace(/\D/g, '').length;
      if (digits < 7 || NOT_A_PHONE.test(candidate)) return candidate;
      const before = whole.slice(Math.max(0, offset - 24), offset);
      // One number (the usual case): parse the candidate directly.
      if (digits <= MAX_PHONE_DIGITS) {
        return isPhone(candidate, before, parsePhoneNumberFromString(candidate, { defaultCountry: country })) ? PLACEHOLDERS.phone : candidate;
      }
      // A longer run may hold several numbers: let libphonenumber find them.
      let out = '';
      let last = 0;
      for (const { number, startsAt, endsAt } of findPhoneNumbersInText(candidate, { defaultCountry: country })) {
        if (!isPhone(candidate.slice(startsAt, endsAt), before + candidate.slice(0, startsAt), number)) continue;
        out += candidate.slice(last, startsAt) + PLACEHOLDERS.phone;
        last = endsAt;
      }
      return out + candidate.slice(last);
    });
}

/**
 * A valid number is still only taken as a phone number when it is written like one: with an
 * international prefix, or grouped the way the region groups it ((415) 555-2671, 415.555.2671),
 * or as bare digits right after a word like "phone"/"call". So "INV 2024-001234" or an order id
 * "4155552671" stays.
 */
function looksLikePhone(raw: string, number: PhoneNumber, afterPhoneWord: boolean): boolean {
  if (/^(?:\+|00)/.test(raw)) return true;
  const groups = (s: string) => s.split(/\D+/).filter(Boolean).map((g) => g.length).join(',');
  const rawGroups = groups(raw);
  if (!rawGroups.includes(',')) return afterPhoneWord;
  return rawGroups === groups(number.formatNational()) || afterPhoneWord;
}

// ---------------------------------------------------------------- custom patterns

function customRedactor(custom: CustomRedaction): Replace {
  const name = custom.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '');
  if (name === '') throw new Error('redaction pattern needs a name');
  let pattern: RegExp;
  try {
    pattern = new RegExp(custom.pattern, `${(custom.flags ?? '').replace(/g/g, '')}g`);
  } catch (error) {
    throw new Error(`redaction pattern "${custom.name}" is not a valid regular expression: ${(error as Error).message}`);
  }
  const placeholder = `[REDACTED_${name}]`;
  return (text) => text.replace(pattern, (match) => (match === '' ? match : placeholder));
}

// ---------------------------------------------------------------- text and span

/** Builds a text redactor once (regexes and phone region resolved), for use on many spans. */
export function createRedactor(options: RedactOptions = {}): Replace {
  const kinds = new Set(options.kinds ?? REDACTION_KINDS);
  const detectors: Record<RedactionKind, Replace> = {
    key: redactKeys,
    email: redactEmails,
    iban: redactIbans,
    card: redactCards,
    ip: redactIps,
    phone: makePhoneRedactor(options.phoneCountry ?? 'US'),
  };
  // Order matters: secrets and addresses first (they contain digits the later detectors would split),
  // phone numbers last (their check is the loosest).
  const steps = [...(options.patterns ?? []).map(customRedactor), ...REDACTION_KINDS.filter((k) => kinds.has(k)).map((k) => detectors[k])];
  return (text) => {
    if (text === '') return text;
    let out = text;
    for (const step of steps) out = step(out);
    return out;
  };
}

/** One-off text redaction. Prefer createRedactor when redacting many texts. */
export function redactText(text: string, options: RedactOptions = {}): string {
  return createRedactor(options)(text);
}

/** Strings anywhere inside a JSON-like value (event attributes can be arrays or maps). */
export function redactValue(value: unknown, redact: Replace): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, redact)]));
  }
  return value;
}

const mapValues = <T>(record: Record<string, T>, fn: (value: T) => T): Record<string, T> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));

function redactMessage(message: Message, redact: Replace): Message {
  const out: Message = { ...message, content: redact(message.content) };
  if (message.tool_calls) out.tool_calls = message.tool_calls.map((call) => ({ ...call, arguments: redact(call.arguments) }));
  return out;
}

/**
 * Redacts a span's content: input/output messages (content and tool-call arguments) and text,
 * error_message, metadata values, string span attributes and event attributes. Ids, names, model,
 * tags and resource attributes are left as they are. Returns a new span.
 */
export function redactSpan(span: SpanhouseSpan, redactor: Replace | RedactOptions = {}): SpanhouseSpan {
  const redact = typeof redactor === 'function' ? redactor : createRedactor(redactor);
  return {
    ...span,
    input_messages: span.input_messages.map((m) => redactMessage(m, redact)),
    output_messages: span.output_messages.map((m) => redactMessage(m, redact)),
    input_text: redact(span.input_text),
    output_text: redact(span.output_text),
    error_message: redact(span.error_message),
    metadata: mapValues(span.metadata, redact),
    span_attributes: mapValues(span.span_attributes, redact),
    events: span.events.map((event): SpanEvent => ({ ...event, attributes: redactValue(event.attributes, redact) as Record<string, unknown> })),
  };
}
