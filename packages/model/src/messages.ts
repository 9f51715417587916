import type { AttributeValue } from './otlp.ts';
import type { Message, ToolCall } from './types.ts';
import { asString, parseJsonValue } from './attributes.ts';

type Obj = Record<string, AttributeValue>;

const isObj = (v: AttributeValue | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Turns any common message shape into Message[]:
 * - OTel GenAI `[{role, parts:[{type:"text",content} | {type:"tool_call",…} | {type:"tool_call_response",…}]}]`
 * - OpenAI chat `[{role, content: string | [{type:"text",text}], tool_calls:[{id, function:{name, arguments}}]}]`
 * - a bare string (one message of `defaultRole`), `{messages:[…]}`, or `{prompt|system}` (Vercel `ai.prompt`)
 * JSON strings are parsed first. Unknown shapes fall back to their JSON text.
 */
export function toMessages(value: AttributeValue | undefined, defaultRole: string): Message[] {
  const parsed = parseJsonValue(value);
  if (parsed === undefined || parsed === null || parsed === '') return [];
  if (typeof parsed === 'string') return [{ role: defaultRole, content: parsed }];
  if (Array.isArray(parsed)) {
    return parsed.flatMap((item) => (isObj(item) ? [toMessage(item, defaultRole)] : toMessages(item, defaultRole)));
  }
  if (isObj(parsed)) {
    if (Array.isArray(parsed.messages)) {
      const system = asString(parsed.system);
      const messages = toMessages(parsed.messages, defaultRole);
      return system ? [{ role: 'system', content: system }, ...messages] : messages;
    }
    if ('prompt' in parsed || 'system' in parsed) {
      const out: Message[] = [];
      const system = asString(parsed.system);
      if (system) out.push({ role: 'system', content: system });
      out.push(...toMessages(parsed.prompt, defaultRole));
      return out;
    }
    return [toMessage(parsed, defaultRole)];
  }
  return [{ role: defaultRole, content: asString(parsed) ?? '' }];
}

function toMessage(raw: Obj, defaultRole: string): Message {
  // gen_ai.choice wraps the message: {index, finish_reason, message:{…}, tool_calls}
  const wrapped = parseJsonValue(raw.message);
  const inner = isObj(wrapped) ? { ...wrapped, ...pick(raw, ['tool_calls', 'finish_reason']) } : raw;
  const role = asString(inner.role) || defaultRole;
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  let toolCallId = asString(inner.tool_call_id) ?? asString(inner.toolCallId);

  collectContent(inner.content, texts, toolCalls);
  if (Array.isArray(inner.parts)) {
    for (const part of inner.parts) {
      if (!isObj(part)) continue;
      const type = asString(part.type) ?? 'text';
      if (type === 'tool_call') {
        toolCalls.push(toolCall(part));
      } else if (type === 'tool_call_response') {
        toolCallId = toolCallId ?? asString(part.id);
        texts.push(asString(part.response ?? part.result) ?? '');
      } else {
        const text = asString(part.content ?? part.text);
        if (text !== undefined) texts.push(text);
      }
    }
  }
  const calls = parseJsonValue(inner.tool_calls);
  if (Array.isArray(calls)) for (const call of calls) if (isObj(call)) toolCalls.push(toolCall(call));

  const message: Message = { role, content: texts.filter((t) => t !== '').join('\n') };
  const name = asString(inner.name);
  if (name) message.name = name;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (toolCallId) message.tool_call_id = toolCallId;
  const finish = asString(raw.finish_reason ?? inner.finish_reason);
  if (finish) message.finish_reason = finish;
  return message;
}

function collectContent(content: AttributeValue | undefined, texts: string[], toolCalls: ToolCall[]): void {
  if (content === undefined || content === null) return;
  if (typeof content === 'string') {
    texts.push(content);
    return;
  }
  if (Array.isArray(content)) {
    for (const part of content) {
      if (typeof part === 'string') texts.push(part);
      else if (isObj(part)) {
        const type = asString(part.type);
        if (type === 'tool-call' || type === 'tool_call') toolCalls.push(toolCall(part));
        else {
          const text = asString(part.text ?? part.content ?? part.output ?? part.result);
          if (text !== undefined) texts.push(text);
        }
      }
    }
    return;
  }
  texts.push(asString(content) ?? '');
}

/** Tool calls come as OpenAI `{id, function:{name, arguments}}`, OTel `{id, name, arguments}` or Vercel `{toolCallId, toolName, args|input}`. */
export function toolCall(raw: Obj): ToolCall {
  const fn = isObj(raw.function) ? raw.function : raw;
  return {
    id: asString(raw.id ?? raw.toolCallId ?? raw.tool_call_id) ?? '',
    name: asString(fn.name ?? raw.toolName) ?? '',
    arguments: asString(fn.arguments ?? raw.args ?? raw.input) ?? '',
  };
}

function pick(obj: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}

/** Plain text of messages for search and previews: contents and tool calls, one line each. */
export function messagesText(messages: Message[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.content) lines.push(m.content);
    for (const call of m.tool_calls ?? []) lines.push(`${call.name}(${call.arguments})`);
  }
  return lines.join('\n');
}
