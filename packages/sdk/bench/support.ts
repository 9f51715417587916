// What the SDK benchmarks share: the OTLP sink they export to and the in-memory OpenAI answer.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat completion answered from memory: the client's full request/response path, no socket. */
export const memoryFetch = async () =>
  new Response(
    JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: How far is the moon?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 },
    }),
    { headers: { 'content-type': 'application/json' } },
  );

/** An OTLP/HTTP sink: reads each export and answers 200 with an empty protobuf response; counts the requests. */
export async function startSink() {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

export const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
