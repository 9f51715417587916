import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { json } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cosine } from './cluster.ts';
import { contentWords, HashingEmbedder, OpenAIEmbedder } from './embed.ts';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('content words drop stopwords, prompt boilerplate, numbers and accents', () => {
  assert.deepEqual(contentWords("Can you please help me write a SQL query for 10 orders? Don't use Café's JOIN"), ['sql', 'query', 'orders', 'cafes', 'join']);
});

test('hashing vectors are unit length, sized, and the zero vector for contentless text', async () => {
  const embedder = new HashingEmbedder();
  const [a, empty, boilerplate] = await embedder.embed(['Refund my damaged order', '', 'Can you please help me?']);
  assert.equal(a.length, 512);
  assert.ok(Math.abs(norm(a) - 1) < 1e-6);
  assert.equal(norm(empty), 0);
  assert.equal(norm(boilerplate), 0);
  assert.equal(new HashingEmbedder({ dimensions: 64 }).embedOne('x y z words').length, 64);
  assert.throws(() => new HashingEmbedder({ dimensions: 3 }), /dimensions/);
});

test('related prompts are closer than unrelated ones; inflections and word order barely matter', () => {
  const e = new HashingEmbedder();
  const refund = e.embedOne('I want a refund for my damaged order');
  const refundParaphrase = e.embedOne('Order arrived damaged, please refund me');
  const refunded = e.embedOne('refunded damaged orders');
  const sql = e.embedOne('Write a SQL query joining two tables');
  assert.ok(cosine(refund, refundParaphrase) > 0.5, `paraphrase ${cosine(refund, refundParaphrase)}`);
  assert.ok(cosine(refund, refunded) > 0.7, `inflections ${cosine(refund, refunded)}`);
  assert.ok(Math.abs(cosine(refund, sql)) < 0.1, `unrelated ${cosine(refund, sql)}`);
});

test('the id names the vector space: different settings, different id', () => {
  assert.notEqual(new HashingEmbedder().id, new HashingEmbedder({ dimensions: 256 }).id);
  assert.notEqual(new HashingEmbedder().id, new HashingEmbedder({ seed: 1 }).id);
  assert.notEqual(new HashingEmbedder().id, new HashingEmbedder({ weights: { chars: 0 } }).id);
  assert.equal(new HashingEmbedder().id, new HashingEmbedder().id);
});

const GOLDEN_TEXT = 'How do I get a refund for my damaged order?';

test('deterministic across processes (stored centroids stay comparable after a restart)', () => {
  const here = new HashingEmbedder().embedOne(GOLDEN_TEXT);
  const moduleUrl = new URL('./embed.ts', import.meta.url).href;
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `const { HashingEmbedder } = await import(${JSON.stringify(moduleUrl)}); process.stdout.write(JSON.stringify(Array.from(new HashingEmbedder().embedOne(${JSON.stringify(GOLDEN_TEXT)}))));`],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), Array.from(here));
  // Golden fingerprint: if this changes, the embedding changed and HashingEmbedder.id must change too.
  const nonZero = [...here.entries()].filter(([, x]) => x !== 0);
  assert.equal(nonZero.length, 33);
  assert.deepEqual(
    nonZero.slice(0, 4).map(([i, x]) => [i, Number(x.toFixed(6))]),
    [
      [4, -0.128237],
      [5, 0.128237],
      [8, 0.128237],
      [43, -0.128237],
    ],
  );
});

// ---------------------------------------------------------------- OpenAI-compatible

interface Seen {
  url: string;
  authorization?: string;
  body: { model: string; input: string[]; dimensions?: number };
}

/** A tiny /v1/embeddings server: each vector encodes the text length so order can be checked. */
async function fakeEmbeddingsServer(behaviour: (seen: Seen) => { status?: number; body?: unknown; hang?: boolean }) {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const entry: Seen = { url: req.url ?? '', authorization: req.headers.authorization, body: (await json(req)) as Seen['body'] };
    seen.push(entry);
    const reply = behaviour(entry);
    if (reply.hang) return;
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, seen, close };
}

const vectorFor = (text: string) => [text.length, 1, 0];

test('OpenAIEmbedder batches, authenticates, restores order and normalises', async () => {
  const server = await fakeEmbeddingsServer(({ body }) => ({
    // Answer in reverse order: the client must sort by index.
    body: { data: body.input.map((text, index) => ({ index, embedding: vectorFor(text) })).reverse(), model: body.model },
  }));
  try {
    const embedder = new OpenAIEmbedder({ url: server.url, model: 'text-embedding-3-small', dimensions: 3, apiKey: 'sk-test', batchSize: 2 });
    assert.equal(embedder.id, 'openai-compatible:text-embedding-3-small:d3');
    const texts = ['a', 'bbb', 'cc', 'dddd', 'e'];
    const vectors = await embedder.embed(texts);
    assert.equal(server.seen.length, 3, 'five texts in batches of two');
    assert.deepEqual(server.seen.map((s) => s.body.input), [['a', 'bbb'], ['cc', 'dddd'], ['e']]);
    assert.ok(server.seen.every((s) => s.url === '/v1/embeddings' && s.authorization === 'Bearer sk-test' && s.body.model === 'text-embedding-3-small'));
    assert.equal(server.seen[0].body.dimensions, undefined, 'dimensions only sent when asked');
    vectors.forEach((v, i) => {
      const expected = vectorFor(texts[i]);
      const length = Math.hypot(...expected);
      assert.ok(Math.abs(v[0] - expected[0] / length) < 1e-6, `vector ${i} belongs to "${texts[i]}"`);
      assert.ok(Math.abs(norm(v) - 1) < 1e-6);
    });
  } finally {
    await server.close();
  }
});

test('OpenAIEmbedder reports HTTP errors, wrong sizes and timeouts', async () => {
  let mode: 'error' | 'short' | 'missing' | 'hang' = 'error';
  const server = await fakeEmbeddingsServer(({ body }) => {
    if (mode === 'error') return { status: 401, body: { error: { message: 'Incorrect API key provided' } } };
    if (mode === 'short') return { body: { data: body.input.map((_, index) => ({ index, embedding: [1, 2] })) } };
    if (mode === 'missing') return { body: { data: [] } };
    return { hang: true };
  });
  try {
    const embedder = new OpenAIEmbedder({ url: `${server.url}/embeddings`, model: 'm', dimensions: 3, timeoutMs: 200, requestDimensions: true });
    await assert.rejects(embedder.embed(['x']), /HTTP 401 .*Incorrect API key/);
    assert.equal(server.seen[0].url, '/v1/embeddings', 'a full /embeddings URL is used as is');
    assert.equal(server.seen[0].body.dimensions, 3);
    mode = 'short';
    await assert.rejects(embedder.embed(['x']), /not 3 numbers/);
    mode = 'missing';
    await assert.rejects(embedder.embed(['x']), /0 vectors for 1 texts/);
    mode = 'hang';
    await assert.rejects(embedder.embed(['x']), /failed: .*(aborted|timeout)/i);
    assert.deepEqual(await embedder.embed([]), [], 'nothing to embed, no request');
  } finally {
    await server.close();
  }
});

test('embedding many texts leaves the event loop to other work between slices, and gives the vectors of embedOne', async () => {
  const embedder = new HashingEmbedder();
  const texts = Array.from({ length: 200 }, (_, i) => `refund ${i} for a damaged blender, order ${i % 7}`);
  const order: string[] = [];
  setImmediate(() => order.push('other work'));
  const vectors = await embedder.embed(texts).then((v) => (order.push('embedded'), v));
  assert.deepEqual(order, ['other work', 'embedded']);
  assert.deepEqual(vectors, texts.map((t) => embedder.embedOne(t)));
});
