// Fake LLM providers for the gateway tests, controlled by the model name the gateway sends:
// an OpenAI-compatible one (/v1/chat/completions, /v1/embeddings) and an Anthropic-compatible
// one (/v1/messages, with its own event stream). Both answer "Echo: <last user text>", call the
// first tool when tools are offered and no tool result came yet, and can misbehave on demand:
//   fail-500 → 500, rate-limited → 429 (Retry-After: 0), bad-request → 400, slow and slow-abandoned → no answer
//   until the client gives up, gated-stream → first chunk, then the rest after release(),
//   hang-stream → first chunk, then nothing (until the client goes away), drop-stream → first
//   chunk, then the connection is cut; overloaded (Anthropic) → 529.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { text as readBody } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';

export const FAKE_OPENAI_KEY = 'sk-fake-openai';
export const FAKE_ANTHROPIC_KEY = 'sk-ant-fake';
export const echo = (text: string) => `Echo: ${text}`;
export const TOOL_ARGUMENTS = { city: 'Lisbon' };
export const OPENAI_USAGE = { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30, prompt_tokens_details: { cached_tokens: 5 } };
export const ANTHROPIC_USAGE = { input_tokens: 17, output_tokens: 11, cache_read_input_tokens: 4 };

export interface FakeUpstream {
  /** Base URL including /v1, as the gateway's provider settings want it. */
  baseUrl: string;
  /** Every request: path, headers and parsed body. */
  requests: Array<{ path: string; headers: IncomingMessage['headers']; body: any }>;
  /** Lets the gated-stream answers go on. */
  release(): void;
  /** Resolves once a request for `model` (slow, hang-stream) was closed by its client (the gateway). */
  upstreamClosed(model: string): Promise<void>;
  close(): Promise<void>;
}

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const text = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p: any) => (typeof p?.text === 'string' ? p.text : typeof p?.content === 'string' ? p.content : '')).join('') : '';

type Closed = { closed: (model: string) => void };

async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: any, fake: FakeUpstream & { gate: Promise<void> } & Closed) => Promise<void> | void): Promise<FakeUpstream> {
  let release!: () => void;
  const closedModels = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const closedEntry = (model: string) => {
    let entry = closedModels.get(model);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      closedModels.set(model, (entry = { promise, resolve }));
    }
    return entry;
  };
  const fake = {
    baseUrl: '',
    requests: [] as FakeUpstream['requests'],
    gate: new Promise<void>((r) => (release = r)),
    upstreamClosed: (model: string) => closedEntry(model).promise,
    release: () => release(),
    closed: (model: string) => closedEntry(model).resolve(),
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const body = raw ? JSON.parse(raw) : {};
    fake.requests.push({ path: (req.url ?? '').split('?')[0], headers: req.headers, body });
    await handler(req, res, body, fake);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      release();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** Misbehaviours shared by both fakes; true when the answer was given. */
async function misbehave(model: string, res: ServerResponse, fake: Closed, errorBody: (status: number, message: string) => unknown): Promise<boolean> {
  if (model === 'fail-500') return sendJson(res, 500, errorBody(500, 'upstream exploded')), true;
  if (model === 'bad-request') return sendJson(res, 400, errorBody(400, 'messages: this model refuses this request')), true;
  if (model === 'rate-limited') return sendJson(res, 429, errorBody(429, 'Rate limit reached for requests'), { 'retry-after': '0' }), true;
  if (model === 'overloaded') return sendJson(res, 529, errorBody(529, 'Overloaded')), true;
  if (model === 'slow' || model === 'slow-abandoned') {
    // never answers; tells the test when the gateway gave up on it (each name once)
    res.on('close', () => fake.closed(model));
    return true;
  }
  return false;
}

// ---- OpenAI-compatible ----

function openAiAnswer(body: any): { content: string | null; toolCalls: any[]; finish: string; usage: any } {
  const messages: any[] = body.messages ?? [];
  const last = messages[messages.length - 1];
  if (body.tools?.length && last?.role !== 'tool') {
    const call = { id: 'call_fake_1', type: 'function', function: { name: body.tools[0].function.name, arguments: JSON.stringify(TOOL_ARGUMENTS) } };
    return { content: null, toolCalls: [call], finish: 'tool_calls', usage: OPENAI_USAGE };
  }
  const lastUser = [...messages].reverse().find((m) => m.role === 'user' || m.role === 'tool');
  return { content: echo(text(lastUser?.content)), toolCalls: [], finish: 'stop', usage: OPENAI_USAGE };
}

const openAiErrorBody = (status: number, message: string) => ({ error: { message, type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: status === 429 ? 'rate_limit_exceeded' : null } });

export function startFakeOpenAiUpstream(): Promise<FakeUpstream> {
  let counter = 0;
  return startServer(async (req, res, body, fake) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.headers.authorization !== `Bearer ${FAKE_OPENAI_KEY}` && req.headers.authorization !== 'Bearer sk-client-own') {
      return sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
    if (path === '/v1/embeddings') {
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      return sendJson(res, 200, { object: 'list', data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: [t.length / 100, 0.5, 0.25] })), model: body.model, usage: { prompt_tokens: 3 * inputs.length, total_tokens: 3 * inputs.length } });
    }
    if (path !== '/v1/chat/completions') return sendJson(res, 404, openAiErrorBody(404, `no route ${path}`));
    if (await misbehave(body.model, res, fake, openAiErrorBody)) return;
    const id = `chatcmpl-fake-${++counter}`;
    const model = `${body.model}-2025-01-01`;
    const answer = openAiAnswer(body);
    if (!body.stream) {
      return sendJson(res, 200, {
        id, object: 'chat.completion', created: 1, model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer.content, ...(answer.toolCalls.length ? { tool_calls: answer.toolCalls } : {}) }, finish_reason: answer.finish, logprobs: null }],
        usage: answer.usage,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (delta: object, finish: string | null = null) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    send({ role: 'assistant', content: '' });
    const pieces = answer.content?.match(/.{1,5}/gs) ?? [];
    if (pieces.length > 0) send({ content: pieces[0] });
    if (body.model === 'hang-stream') {
      res.on('close', () => fake.closed(body.model));
      return;
    }
    // cut once what was written has left (a destroy right away would drop it)
    if (body.model === 'drop-stream') return void res.write(': cut\n\n', () => res.socket?.destroy());
    if (body.model === 'gated-stream') await fake.gate;
    for (const piece of pieces.slice(1)) send({ content: piece });
    answer.toolCalls.forEach((call, index) => {
      send({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      send({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] });
    });
    send({}, answer.finish);
    if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [], usage: answer.usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
}

// ---- Anthropic-compatible ----

const anthropicErrorBody = (status: number, message: string) => ({
  type: 'error',
  error: { type: status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error', message },
});

export function startFakeAnthropicUpstream(): Promise<FakeUpstream> {
  let counter = 0;
  return startServer(async (req, res, body, fake) => {
    if (req.headers['x-api-key'] !== FAKE_ANTHROPIC_KEY) return sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    if (!req.headers['anthropic-version']) return sendJson(res, 400, anthropicErrorBody(400, 'anthropic-version header is required'));
    if ((req.url ?? '').split('?')[0] !== '/v1/messages') return sendJson(res, 404, anthropicErrorBody(404, 'not found'));
    if (typeof body.max_tokens !== 'number') return sendJson(res, 400, anthropicErrorBody(400, 'max_tokens: Field required'));
    if (body.messages?.some((m: any) => m.role === 'system')) return sendJson(res, 400, anthropicErrorBody(400, 'messages: system is not a role'));
    if (await misbehave(body.model, res, fake, anthropicErrorBody)) return;
    const id = `msg_fake_${++counter}`;
    const messages: any[] = body.messages ?? [];
    const last = messages[messages.length - 1];
    const lastBlocks: any[] = Array.isArray(last?.content) ? last.content : [];
    const toolResult = lastBlocks.find((b) => b.type === 'tool_result');
    const callTool = body.tools?.length && !toolResult;
    const content = callTool
      ? [{ type: 'tool_use', id: 'toolu_fake_1', name: body.tools[0].name, input: TOOL_ARGUMENTS }]
      : [{ type: 'text', text: echo(toolResult ? text(toolResult.content) : text(lastBlocks.filter((b) => b.type === 'text'))) }];
    const stopReason = callTool ? 'tool_use' : 'end_turn';
    if (!body.stream) return sendJson(res, 200, { id, type: 'message', role: 'assistant', model: body.model, content, stop_reason: stopReason, usage: ANTHROPIC_USAGE });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', { message: { id, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, usage: { input_tokens: ANTHROPIC_USAGE.input_tokens, cache_read_input_tokens: ANTHROPIC_USAGE.cache_read_input_tokens, output_tokens: 1 } } });
    event('ping', {});
    content.forEach((block: any, index) => {
      if (block.type === 'text') {
        event('content_block_start', { index, content_block: { type: 'text', text: '' } });
        for (const piece of block.text.match(/.{1,5}/gs) ?? []) event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      } else {
        event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
        const json = JSON.stringify(block.input);
        for (const part of [json.slice(0, 4), json.slice(4)]) event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
      }
      event('content_block_stop', { index });
    });
    event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: ANTHROPIC_USAGE.output_tokens } });
    event('message_stop', {});
    res.end();
  });
}
