// A small Anthropic Messages API server for library tests: the real @anthropic-ai/sdk client
// talks HTTP to it on loopback. POST /v1/messages answers "Echo: <last user text>" with
// fixed usage; with tools and no tool result yet, it calls the first tool.
import { createServer } from 'node:http';
import { text as readBody } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';

export const ANTHROPIC_USAGE = { input_tokens: 31, output_tokens: 11 } as const;
export const ANTHROPIC_TOOL_USE_ID = 'toolu_fake_1';

export interface FakeAnthropic {
  baseURL: string;
  requests: any[];
  close(): Promise<void>;
}

/** Text of the last user message (string content or text blocks). */
function lastUserText(messages: any[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return last.content.filter((b: any) => b.type === 'text').map((b: any) => b.text).join(' ');
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: any[] = [];
  let counter = 0;
  const server = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || '{}');
    requests.push(body);
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${counter}` });
      res.end(JSON.stringify(value));
    };
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') return send(404, { type: 'error', error: { type: 'not_found_error', message: 'no route' } });
    const answered = body.messages.some((m: any) => Array.isArray(m.content) && m.content.some((b: any) => b.type === 'tool_result'));
    const useTool = Array.isArray(body.tools) && body.tools.length > 0 && !answered;
    const content = useTool
      ? [{ type: 'tool_use', id: ANTHROPIC_TOOL_USE_ID, name: body.tools[0].name, input: { city: 'Lisbon' } }]
      : [{ type: 'text', text: `Echo: ${lastUserText(body.messages)}` }];
    send(200, {
      id: `msg_fake_${++counter}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: useTool ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { ...ANTHROPIC_USAGE, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
