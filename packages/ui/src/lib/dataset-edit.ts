// The dataset item editor's text for a side (input or output) and back. Text is shown bare
// only when it stands for exactly what the server makes of bare text: one message of the
// side's default role (input: user, output: assistant) holding nothing but its content.
// Anything else (another role, tool calls, a tool_call_id, several messages) is JSON, so a
// save keeps every field; text left as it was sends the messages that were loaded.
import type { Message } from '../api/types.ts';
import { toJson } from './json.ts';

export type Side = 'input' | 'output';
export const DEFAULT_ROLE: Record<Side, string> = { input: 'user', output: 'assistant' };

/** True when `messages` is one message the server would rebuild from its bare text. */
function isBareText(messages: Message[], side: Side): boolean {
  if (messages.length !== 1) return false;
  const [message] = messages;
  return message.role === DEFAULT_ROLE[side] && typeof message.content === 'string' && Object.keys(message).every((k) => k === 'role' || k === 'content');
}

/** The editor's text for a side's messages. */
export function messagesToText(messages: Message[], side: Side): string {
  return isBareText(messages, side) ? (messages[0].content as string) : toJson(messages);
}

/**
 * What a save sends for a side: the loaded messages when the text is unchanged; a JSON list as
 * those messages; any other text as is (the server stores it as one message of the side's
 * default role, as the text stood for).
 */
export function textToMessages(text: string, loaded: Message[], side: Side): unknown {
  if (text === messagesToText(loaded, side)) return loaded;
  try {
    const value = JSON.parse(text);
    if (Array.isArray(value)) return value;
  } catch {
    // plain text
  }
  return text;
}
