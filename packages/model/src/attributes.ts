import type { AttributeValue, Attributes } from './otlp.ts';

/** Most items rebuilt from flattened `prefix.N.field` keys; more are dropped (and left unmapped). */
export const MAX_INDEXED_ITEMS = 1000;

/**
 * Reads span attributes for one dialect and remembers every key it touched, so the
 * mapper can report the attributes that no dialect understood.
 */
export class AttributeReader {
  readonly consumed = new Set<string>();

  constructor(readonly attributes: Attributes) {}

  has(key: string): boolean {
    return this.attributes[key] !== undefined;
  }

  raw(key: string): AttributeValue | undefined {
    const value = this.attributes[key];
    if (value !== undefined) this.consumed.add(key);
    return value;
  }

  str(key: string): string | undefined {
    return asString(this.raw(key));
  }

  num(key: string): number | undefined {
    return asNumber(this.raw(key));
  }

  /** A value that may arrive as a JSON string, a kvlist or an array: parsed either way. */
  json(key: string): AttributeValue | undefined {
    return parseJsonValue(this.raw(key));
  }

  strings(key: string): string[] | undefined {
    return asStrings(this.raw(key));
  }

  /** First key of `keys` that is present, read as a string. Every present alternative counts as read. */
  firstStr(...keys: string[]): string | undefined {
    let found: string | undefined;
    for (const key of keys) {
      const value = this.str(key);
      if (found === undefined && value !== undefined && value !== '') found = value;
    }
    return found;
  }

  firstNum(...keys: string[]): number | undefined {
    let found: number | undefined;
    for (const key of keys) {
      const value = this.num(key);
      if (found === undefined && value !== undefined) found = value;
    }
    return found;
  }

  /** Every `prefix<rest>` attribute as [rest, value] pairs, marked as read. */
  withPrefix(prefix: string): Array<[string, AttributeValue]> {
    const out: Array<[string, AttributeValue]> = [];
    for (const key in this.attributes) {
      if (key.startsWith(prefix) && key.length > prefix.length) {
        this.consumed.add(key);
        out.push([key.slice(prefix.length), this.attributes[key]]);
      }
    }
    return out;
  }

  /**
   * Rebuilds flattened indexed keys (`prefix.0.role`, `prefix.0.tool_calls.1.name`, …)
   * into an array of nested objects. Indexes sort numerically, gaps are closed, and at
   * most MAX_INDEXED_ITEMS items are kept. Returns undefined when no key has the prefix.
   */
  indexed(prefix: string): Array<Record<string, AttributeValue>> | undefined {
    const dotted = prefix.endsWith('.') ? prefix : `${prefix}.`;
    const entries = this.withPrefix(dotted);
    if (entries.length === 0) return undefined;
    return unflattenIndexed(entries);
  }
}

export function unflattenIndexed(entries: Array<[string, AttributeValue]>): Array<Record<string, AttributeValue>> {
  const root: Record<string, AttributeValue> = {};
  for (const [path, value] of entries) {
    const parts = path.split('.');
    let node: Record<string, AttributeValue> = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) {
        node[parts[i]] = {};
      }
      node = node[parts[i]] as Record<string, AttributeValue>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return indexedObjectToArray(root) as Array<Record<string, AttributeValue>>;
}

/** `{ "0": …, "2": … }` becomes `[…, …]` (recursively); other objects stay objects. */
function indexedObjectToArray(node: AttributeValue): AttributeValue {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const keys = Object.keys(node);
  const allIndexes = keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
  if (allIndexes) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .slice(0, MAX_INDEXED_ITEMS)
      .map((i) => indexedObjectToArray(node[String(i)]));
  }
  const out: Record<string, AttributeValue> = {};
  for (const key of keys) out[key] = indexedObjectToArray(node[key]);
  return out;
}

export function asString(value: AttributeValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function asNumber(value: AttributeValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function asStrings(value: AttributeValue | undefined): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = parseJsonValue(value);
  if (Array.isArray(parsed)) return parsed.map((v) => asString(v) ?? '').filter((s) => s !== '');
  const single = asString(parsed);
  return single === undefined || single === '' ? undefined : [single];
}

/** Parses strings that look like JSON objects/arrays (or a JSON-quoted string); leaves others alone. */
export function parseJsonValue(value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  const first = trimmed[0];
  if (first === '{' || first === '[' || (first === '"' && trimmed.endsWith('"'))) {
    try {
      return JSON.parse(trimmed) as AttributeValue;
    } catch {
      return value;
    }
  }
  return value;
}

/** Flattens an object into string key/values (`a.b`), for metadata maps. */
export function toStringMap(value: AttributeValue | undefined, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const parsed = parseJsonValue(value);
  if (parsed === null || parsed === undefined) return out;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    if (prefix) out[prefix] = asString(parsed) ?? '';
    return out;
  }
  for (const [key, inner] of Object.entries(parsed)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) Object.assign(out, toStringMap(inner, name));
    else out[name] = asString(inner) ?? '';
  }
  return out;
}

/** Attribute values as strings for storage: strings as they are, everything else as JSON. */
export function stringifyAttributes(attributes: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in attributes) out[key] = asString(attributes[key]) ?? '';
  return out;
}
