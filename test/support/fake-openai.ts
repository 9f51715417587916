// A small OpenAI-compatible server for library tests: real clients (openai, @ai-sdk/openai)
// talk HTTP to it on loopback. Answers are deterministic so tests can assert text and tokens:
// - POST /v1/chat/completions, plain or streamed (SSE; a usage chunk when
//   stream_options.include_usage is set). With tools and no tool result yet, it calls the
//   first tool with FAKE_TOOL_ARGUMENTS; after a tool result it answers from that result.
// - Model RATE_LIMITED_MODEL, or a message containing RATE_LIMIT_TRIGGER, gets a 429 with an
//   OpenAI error body on any POST path (set maxRetries: 0 on the client, or it retries with backoff).
// - POST /v1/embeddings (float or base64 encoding).
import { createServer, type ServerResponse } from 'node:http';
import { text as readBody } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';

export const RATE_LIMITED_MODEL = 'rate-limited-model';
export const RATE_LIMIT_TRIGGER = '[fake:429]';
export const RATE_LIMIT_MESSAGE = 'Rate limit reached for requests. Please try again in 20s.';
/** Every chat answer is "Echo: <last user text>"; after a tool result, "Tool said: <result>". */
export const echoReply = (text: string) => `Echo: ${text}`;
export const toolReply = (result: string) => `Tool said: ${result}`;
export const FAKE_TOOL_CALL_ID = 'call_fake_1';
export const FAKE_TOOL_ARGUMENTS = { city: 'Lisbon' };
export const EMBEDDING_DIMENSIONS = 4;

/** Token counts the server reports, fixed per kind of answer. */
export const FAKE_USAGE = {
  /** A text answer. cached_tokens is part of prompt_tokens (OpenAI's meaning). */
  chat: { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30, prompt_tokens_details: { cached_tokens: 5 } },
  /** An answer that calls a tool. */
  toolCall: { prompt_tokens: 42, completion_tokens: 13, total_tokens: 55 },
  /** An embeddings request: prompt tokens per input text. */
  embeddingPerInput: 3,
} as const;

/** The dated model name the server answers with, so tests can tell response from request model. */
export const responseModel = (requested: string) => `${requested}-2024-07-18`;

export interface FakeOpenAI {
  /** Base URL for clients, ending in /v1. */
  baseURL: string;
  /** Parsed JSON bodies received, in order (with the path). */
  requests: Array<{ path: string; body: any }>;
  close(): Promise<void>;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: FakeOpenAI['requests'] = [];
  let counter = 0;
  const server = createServer(async (req, res) => {
    try {
      const body = JSON.parse((await readBody(req)) || '{}');
      const path = (req.url ?? '').split('?')[0];
      requests.push({ path, body });
      const id = `fake-${++counter}`;
      if (req.method === 'POST' && rateLimited(body)) return sendRateLimit(res);
      if (req.method === 'POST' && path === '/v1/chat/completions') return chat(body, id, res);
      if (req.method === 'POST' && path === '/v1/embeddings') return embeddings(body, res);
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: null } });
    } catch (err) {
      sendJson(res, 400, { error: { message: String(err), type: 'invalid_request_error', param: null, code: null } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_fake' });
  res.end(JSON.stringify(body));
}

/** Text of a message content: a string or an array of `{type:"text", text}` parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && 'text' in p ? String(p.text) : '')).join('');
  return '';
}

interface ChatAnswer {
  content: string | null;
  toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  finishReason: 'stop' | 'tool_calls';
  usage: Record<string, unknown>;
}

function answerFor(body: any): ChatAnswer {
  const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const tools: any[] = Array.isArray(body.tools) ? body.tools : [];
  if (last?.role === 'tool') return { content: toolReply(contentText(last.content)), toolCalls: [], finishReason: 'stop', usage: FAKE_USAGE.chat };
  if (tools.length > 0) {
    const name = tools[0].function?.name ?? 'tool';
    const call = { id: FAKE_TOOL_CALL_ID, type: 'function' as const, function: { name, arguments: JSON.stringify(FAKE_TOOL_ARGUMENTS) } };
    return { content: null, toolCalls: [call], finishReason: 'tool_calls', usage: FAKE_USAGE.toolCall };
  }
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return { content: echoReply(contentText(lastUser?.content)), toolCalls: [], finishReason: 'stop', usage: FAKE_USAGE.chat };
}

function rateLimited(body: any): boolean {
  if (body.model === RATE_LIMITED_MODEL) return true;
  const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
  return messages.some((m) => contentText(m.content).includes(RATE_LIMIT_TRIGGER));
}

function sendRateLimit(res: ServerResponse): void {
  res.setHeader('retry-after', '20');
  sendJson(res, 429, { error: { message: RATE_LIMIT_MESSAGE, type: 'requests', param: null, code: 'rate_limit_exceeded' } });
}

function chat(body: any, id: string, res: ServerResponse): void {
  const answer = answerFor(body);
  const base = { id: `chatcmpl-${id}`, created: 1_700_000_000, model: responseModel(String(body.model)), system_fingerprint: 'fp_fake' };
  if (!body.stream) {
    const message = { role: 'assistant', content: answer.content, refusal: null, ...(answer.toolCalls.length > 0 ? { tool_calls: answer.toolCalls } : {}) };
    return sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message, logprobs: null, finish_reason: answer.finishReason }],
      usage: answer.usage,
    });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (chunk: object) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...chunk })}\n\n`);
  const choice = (delta: object, finish: string | null = null) => ({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  send(choice({ role: 'assistant', content: answer.content === null ? null : '' }));
  if (answer.content !== null) {
    // a few pieces, so clients really assemble the text
    for (const piece of answer.content.match(/.{1,6}/gs) ?? []) send(choice({ content: piece }));
  }
  answer.toolCalls.forEach((call, index) => {
    send(choice({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    const args = call.function.arguments;
    const half = Math.ceil(args.length / 2);
    for (const part of [args.slice(0, half), args.slice(half)]) send(choice({ tool_calls: [{ index, function: { arguments: part } }] }));
  });
  send(choice({}, answer.finishReason));
  if (body.stream_options?.include_usage) send({ choices: [], usage: answer.usage });
  res.end('data: [DONE]\n\n');
}

/** A fixed vector per text (from its length), as floats or little-endian float32 base64. */
function vectorFor(text: string, index: number): number[] {
  return Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => Number(((text.length + index + i) / 100).toFixed(2)));
}

function embeddings(body: any, res: ServerResponse): void {
  const inputs: string[] = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((text, index) => {
    const vector = vectorFor(text, index);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const promptTokens = FAKE_USAGE.embeddingPerInput * inputs.length;
  sendJson(res, 200, { object: 'list', data, model: responseModel(String(body.model)), usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } });
}
