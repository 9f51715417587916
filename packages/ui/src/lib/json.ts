/** Pretty-prints text that is JSON; anything else comes back unchanged. */
export function prettyIfJson(text: string): string {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return text;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return text;
  }
}

export const toJson = (value: unknown) => JSON.stringify(value, null, 2) ?? 'undefined';
