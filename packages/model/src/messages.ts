import type { AttributeValue } from './otlp.ts';
import type { Message, MessagePart, ToolCall } from './types.ts';
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
  const media: MessagePart[] = [];
  let toolCallId = asString(inner.tool_call_id) ?? asString(inner.toolCallId);

  collectContent(inner.content, texts, toolCalls, media);
  const parts = parseJsonValue(inner.parts);
  if (Array.isArray(parts)) {
    for (const part of parts) {
      if (!isObj(part)) continue;
      const type = asString(part.type) ?? 'text';
      if (type === 'tool_call') {
        toolCalls.push(toolCall(part));
      } else if (type === 'server_tool_call') {
        toolCalls.push({ ...toolCall(part), kind: 'server' });
      } else if (type === 'tool_call_response' || type === 'server_tool_call_response') {
        toolCallId = toolCallId ?? asString(part.id);
        texts.push(asString(part.response ?? part.result ?? part.content) ?? '');
      } else {
        const extra = mediaPart(type, part);
        if (extra) media.push(extra);
        else {
          const text = asString(part.content ?? part.text);
          if (text !== undefined) texts.push(text);
        }
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
  if (media.length > 0) message.parts = media;
  return message;
}

/**
 * OTel message parts beyond text and tool calls: `blob` (inline base64 with mime type and
 * modality), `uri`, `file` (a provider file id) and `reasoning` (alias `thinking`).
 * Undefined for any other type (its text, if any, joins the message's content).
 */
export function mediaPart(type: string, part: Obj): MessagePart | undefined {
  const mime = asString(part.mime_type ?? part.mimeType ?? part.media_type);
  const modality = asString(part.modality);
  const common = { ...(modality ? { modality } : {}), ...(mime ? { mime_type: mime } : {}) };
  if (type === 'reasoning' || type === 'thinking') {
    return { type: 'reasoning', text: asString(part.content ?? part.text ?? part.reasoning ?? part.thinking) ?? '' };
  }
  if (type === 'blob') {
    const content = asString(part.content ?? part.data) ?? '';
    return { type: 'blob', ...common, size: base64Size(content), content };
  }
  if (type === 'uri') return { type: 'uri', ...common, uri: asString(part.uri ?? part.url) ?? '' };
  if (type === 'file') return { type: 'file', ...common, file_id: asString(part.file_id ?? part.id) ?? '' };
  return undefined;
}

/**
 * Media in provider-native content arrays: OpenAI `image_url`, Anthropic `image`/`document`
 * with a base64 or url `source`, Anthropic `thinking`, and OTel-style parts inside content.
 */
function providerMediaPart(type: string | undefined, part: Obj): MessagePart | undefined {
  if (type === 'image_url') {
    const image = isObj(part.image_url) ? part.image_url : part;
    const url = asString(image.url) ?? '';
    const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (inline) return mediaPart('blob', { modality: 'image', mime_type: inline[1], content: inline[2] });
    return mediaPart('uri', { modality: 'image', uri: url });
  }
  if ((type === 'image' || type === 'document') && isObj(part.source)) {
    const source = part.source;
    const modality = type === 'image' ? 'image' : 'document';
    if (source.type === 'base64') return mediaPart('blob', { modality, mime_type: source.media_type ?? null, content: source.data ?? '' });
    if (source.type === 'url') return mediaPart('uri', { modality, uri: source.url ?? '' });
  }
  if (type === 'blob' || type === 'uri' || type === 'file' || type === 'reasoning' || type === 'thinking') return mediaPart(type, part);
  return undefined;
}

/** Decoded size of base64 text, without decoding it. */
export function base64Size(base64: string): number {
  const clean = base64.replace(/[^A-Za-z0-9+/_-]/g, '');
  return Math.floor((clean.length * 3) / 4);
}

function collectContent(content: AttributeValue | undefined, texts: string[], toolCalls: ToolCall[], media: MessagePart[]): void {
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
        const extra = providerMediaPart(type, part);
        if (type === 'tool-call' || type === 'tool_call' || type === 'tool_use') toolCalls.push(toolCall(part));
        else if (extra) media.push(extra);
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
  // OpenLLMetry's AI SDK wrapper nests the call: {type:"tool_call", tool_call:{name, arguments}}
  if (isObj(raw.tool_call)) return toolCall({ ...raw.tool_call, id: raw.tool_call.id ?? raw.id ?? null });
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
