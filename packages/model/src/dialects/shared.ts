// Small helpers the vendor dialects share: loose input/output values as messages,
// metadata maps from JSON strings, kvlists or flattened keys, and cost maps.
import type { AttributeReader } from '../attributes.ts';
import { asNumber, asString, parseJsonValue, toStringMap } from '../attributes.ts';
import { toMessages } from '../messages.ts';
import type { AttributeValue } from '../otlp.ts';
import type { Message } from '../types.ts';

type Obj = Record<string, AttributeValue>;

export const isObj = (v: AttributeValue | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `{"input": "…"}` (LangChain chains and similar) is just its string. */
const WRAPPER_KEYS = new Set(['input', 'inputs', 'output', 'outputs']);

/** True when a value already has a chat-message shape toMessages understands. */
function looksLikeMessage(v: AttributeValue): boolean {
  return isObj(v) && typeof v.role === 'string' && ('content' in v || 'parts' in v || 'tool_calls' in v);
}

/**
 * A free-form input/output value (OpenInference `input.value`, Traceloop entity input,
 * Langfuse observation input, …) as messages. Chat-shaped values become their messages;
 * an OpenAI response `{choices:[{message}]}` becomes its choices; `{"input": "…"}`-style
 * wrappers become their string; anything else becomes one message holding its JSON text,
 * so the text stays searchable.
 */
export function looseMessages(value: AttributeValue | undefined, role: string): Message[] {
  const parsed = parseJsonValue(value);
  if (parsed === undefined || parsed === null || parsed === '') return [];
  if (typeof parsed !== 'object') return [{ role, content: asString(parsed) ?? '' }];
  // Fallbacks keep the sender's own JSON text when there is one.
  const asText = () => [{ role, content: typeof value === 'string' ? value : JSON.stringify(parsed) }];
  if (Array.isArray(parsed)) {
    if (parsed.length > 0 && parsed.every(looksLikeMessage)) return toMessages(parsed, role);
    if (parsed.length > 0 && parsed.every((item) => typeof item === 'string')) return parsed.map((item) => ({ role, content: item as string }));
    return asText();
  }
  if (Array.isArray(parsed.messages) || looksLikeMessage(parsed)) return toMessages(parsed, role);
  if (Array.isArray(parsed.choices)) {
    const choices = parsed.choices.filter(isObj);
    const fromChoices = choices.flatMap((c) =>
      isObj(c.message) ? toMessages({ ...c.message, finish_reason: c.finish_reason ?? null }, 'assistant') : looseMessages(c.text, 'assistant'),
    );
    if (fromChoices.length > 0) return fromChoices;
  }
  const keys = Object.keys(parsed);
  if (keys.length === 1 && WRAPPER_KEYS.has(keys[0]) && typeof parsed[keys[0]] === 'string') return [{ role, content: parsed[keys[0]] as string }];
  return asText();
}

/** A value that answers a tool call (or carries its arguments), as one message of role "tool". */
export function toolMessage(value: AttributeValue, toolCallId: string | undefined): Message {
  const message: Message = { role: 'tool', content: asString(value) ?? '' };
  if (toolCallId) message.tool_call_id = toolCallId;
  return message;
}

/**
 * Metadata that may arrive as a JSON string, a kvlist (object) or an array: objects are
 * flattened to `a.b` keys; array items are merged when they are objects, else keyed by index.
 */
export function metadataMap(value: AttributeValue | undefined): Record<string, string> {
  const parsed = parseJsonValue(value);
  if (Array.isArray(parsed)) {
    const out: Record<string, string> = {};
    parsed.forEach((item, i) => {
      if (isObj(item)) Object.assign(out, toStringMap(item));
      else out[String(i)] = asString(item) ?? '';
    });
    return out;
  }
  return toStringMap(parsed);
}

/** Flattened `prefix<key>` attributes as a string map (marked as read). */
export function prefixedMap(attrs: AttributeReader, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of attrs.withPrefix(prefix)) out[key] = asString(value) ?? '';
  return out;
}

/** Numeric leaves of an object (JSON string or kvlist), keyed by `a.b` path. */
export function numberMap(value: AttributeValue | undefined, prefix = ''): Record<string, number> {
  const parsed = parseJsonValue(value);
  const out: Record<string, number> = {};
  if (!isObj(parsed)) return out;
  for (const [key, inner] of Object.entries(parsed)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObj(inner)) Object.assign(out, numberMap(inner, path));
    else {
      const n = asNumber(inner);
      if (n !== undefined) out[path] = n;
    }
  }
  return out;
}

/** First key of `keys` present in a number map. */
export function pickNumber(map: Record<string, number>, keys: readonly string[]): number | undefined {
  for (const key of keys) if (map[key] !== undefined) return map[key];
  return undefined;
}

/** Undefined for an empty object, so an empty map does not count as "recognised". */
export function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}

/** Drops empty/undefined entries and dedupes. */
export function cleanList(values: Array<string | undefined>): string[] | undefined {
  const out = [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
  return out.length > 0 ? out : undefined;
}

/**
 * `attrs.indexed(prefix)`, but only when the keys under the prefix really are indexes
 * (`prefix.0.role`); a stray `prefix.other` key yields an object, which is not a list.
 */
export function indexedList(attrs: AttributeReader, prefix: string): Array<Record<string, AttributeValue>> | undefined {
  const items: unknown = attrs.indexed(prefix);
  if (!Array.isArray(items)) return undefined;
  const list = items.filter(isObj);
  return list.length > 0 ? list : undefined;
}
