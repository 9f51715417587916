/**
 * Pretty-prints text that is JSON; anything else comes back unchanged. JSON written as a
 * JSON string (tool arguments encoded twice, `"{\"city\":\"Paris\"}"`) is unwrapped first.
 */
export function prettyIfJson(text: string): string {
  let trimmed = text.trim();
  for (let depth = 0; depth < 3 && trimmed.startsWith('"'); depth++) {
    try {
      const inner = JSON.parse(trimmed);
      if (typeof inner !== 'string') break;
      trimmed = inner.trim();
    } catch {
      return text;
    }
  }
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return text;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return text;
  }
}

export const toJson = (value: unknown) => JSON.stringify(value, null, 2) ?? 'undefined';
