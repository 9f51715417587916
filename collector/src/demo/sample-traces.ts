// Realistic sample traces for a new install ("Load sample traces" in the UI, `spanhouse demo`).
// Returns one OTLP/JSON ExportTraceServiceRequest body using the OTel GenAI conventions:
// RAG chains, agents whose tool calls fan out, a support bot, a ~300-span code review,
// embedding jobs, a few failures and timeouts, and one prompt full of HTML that the UI
// must show as text. Pure and deterministic for a given `nowMs` (seeded PRNG, no I/O).

type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } };

interface KeyValue {
  key: string;
  value: AnyValue;
}

interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: { timeUnixNano: string; name: string; attributes: KeyValue[] }[];
  status: { code: number; message?: string };
}

export interface DemoTracesBody {
  resourceSpans: {
    resource: { attributes: KeyValue[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: OtlpJsonSpan[] }[];
  }[];
}

type AttrInput = string | number | boolean | string[] | undefined;

const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

/** mulberry32: small, fast, good enough for sample data (and the fuzzer's seeded inputs). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(min = 0, max = 1): number {
    return min + (max - min) * this.next();
  }
  int(min: number, max: number): number {
    return Math.floor(this.float(min, max + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }
}

function toAnyValue(value: Exclude<AttrInput, undefined>): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function attributes(input: Record<string, AttrInput>): KeyValue[] {
  return Object.entries(input)
    .filter((entry): entry is [string, Exclude<AttrInput, undefined>] => entry[1] !== undefined)
    .map(([key, value]) => ({ key, value: toAnyValue(value) }));
}

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

// ---- GenAI message helpers (the OTel `[{role, parts:[…]}]` shape) ----

type Part =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: Record<string, unknown> }
  | { type: 'tool_call_response'; id: string; response: string };

interface ChatMessage {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

const text = (role: string, content: string): ChatMessage => ({ role, parts: [{ type: 'text', content }] });
const toolCalls = (calls: { id: string; name: string; arguments: Record<string, unknown> }[]): ChatMessage => ({
  role: 'assistant',
  parts: calls.map((c) => ({ type: 'tool_call', ...c })),
  finish_reason: 'tool_calls',
});
const toolResult = (id: string, response: string): ChatMessage => ({ role: 'tool', parts: [{ type: 'tool_call_response', id, response }] });

/** Rough token count: about four characters a token, plus per-message overhead. */
const tokensOf = (messages: ChatMessage[]) =>
  messages.reduce((sum, m) => sum + 4 + m.parts.reduce((s, p) => s + Math.ceil(JSON.stringify(p).length / 4), 0), 0);

// ---- models and providers ----

interface ModelInfo {
  provider: string;
  request: string;
  response: string;
  server: string;
  /** Rough output speed and base latency, for believable durations. */
  tokensPerSecond: number;
  baseMs: number;
}

const MODELS = {
  gpt4o: { provider: 'openai', request: 'gpt-4o', response: 'gpt-4o-2024-08-06', server: 'api.openai.com', tokensPerSecond: 85, baseMs: 420 },
  gpt4oMini: { provider: 'openai', request: 'gpt-4o-mini', response: 'gpt-4o-mini-2024-07-18', server: 'api.openai.com', tokensPerSecond: 140, baseMs: 300 },
  sonnet: { provider: 'anthropic', request: 'claude-sonnet-4-20250514', response: 'claude-sonnet-4-20250514', server: 'api.anthropic.com', tokensPerSecond: 70, baseMs: 650 },
  haiku: { provider: 'anthropic', request: 'claude-3-5-haiku-20241022', response: 'claude-3-5-haiku-20241022', server: 'api.anthropic.com', tokensPerSecond: 120, baseMs: 380 },
  geminiPro: { provider: 'gcp.gemini', request: 'gemini-2.5-pro', response: 'gemini-2.5-pro', server: 'generativelanguage.googleapis.com', tokensPerSecond: 90, baseMs: 900 },
  geminiFlash: { provider: 'gcp.gemini', request: 'gemini-2.5-flash', response: 'gemini-2.5-flash', server: 'generativelanguage.googleapis.com', tokensPerSecond: 200, baseMs: 260 },
} satisfies Record<string, ModelInfo>;

// ---- building one trace ----

interface SpanOptions {
  parent?: string;
  name: string;
  /** Milliseconds from the trace start. */
  start: number;
  duration: number;
  kind?: number;
  attrs?: Record<string, AttrInput>;
  error?: { type: string; message: string };
}

class TraceBuilder {
  readonly traceId: string;
  readonly spans: OtlpJsonSpan[] = [];

  constructor(
    readonly rng: Random,
    private readonly startMs: number,
  ) {
    this.traceId = rng.hex(32);
  }

  span(options: SpanOptions): string {
    const spanId = this.rng.hex(16);
    const start = this.startMs + options.start;
    const end = start + Math.max(options.duration, 0.05);
    const events: OtlpJsonSpan['events'] = [];
    if (options.error) {
      events.push({
        timeUnixNano: nanos(end),
        name: 'exception',
        attributes: attributes({ 'exception.type': options.error.type, 'exception.message': options.error.message }),
      });
    }
    this.spans.push({
      traceId: this.traceId,
      spanId,
      parentSpanId: options.parent ?? '',
      name: options.name,
      kind: options.kind ?? SPAN_KIND.internal,
      startTimeUnixNano: nanos(start),
      endTimeUnixNano: nanos(end),
      attributes: attributes({ ...options.attrs, 'error.type': options.error?.type }),
      events,
      status: options.error ? { code: STATUS.error, message: options.error.message } : { code: STATUS.unset },
    });
    return spanId;
  }

  /** A chat completion; returns its span id and end offset. Output tokens set the duration. */
  chat(options: {
    parent: string;
    start: number;
    model: ModelInfo;
    input: ChatMessage[];
    output: ChatMessage[];
    system?: string;
    temperature?: number;
    error?: { type: string; message: string };
    extraInputTokens?: number;
  }): { id: string; end: number } {
    const inputTokens = tokensOf(options.input) + (options.system ? Math.ceil(options.system.length / 4) : 0) + (options.extraInputTokens ?? 0);
    const outputTokens = options.error ? 0 : Math.max(tokensOf(options.output), 8);
    const duration = options.error
      ? this.rng.float(150, 900)
      : options.model.baseMs + (outputTokens / options.model.tokensPerSecond) * 1000 * this.rng.float(0.8, 1.3);
    const finish = options.output[options.output.length - 1]?.finish_reason ?? 'stop';
    const id = this.span({
      parent: options.parent,
      name: `chat ${options.model.request}`,
      start: options.start,
      duration,
      kind: SPAN_KIND.client,
      error: options.error,
      attrs: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': options.model.provider,
        'gen_ai.request.model': options.model.request,
        'gen_ai.response.model': options.error ? undefined : options.model.response,
        'gen_ai.request.temperature': options.temperature ?? 0.2,
        'gen_ai.request.max_tokens': 1024,
        'gen_ai.response.id': options.error ? undefined : `resp_${this.rng.hex(20)}`,
        'gen_ai.response.finish_reasons': options.error ? undefined : [finish],
        'gen_ai.usage.input_tokens': inputTokens,
        'gen_ai.usage.output_tokens': options.error ? undefined : outputTokens,
        'gen_ai.system_instructions': options.system ? JSON.stringify([{ type: 'text', content: options.system }]) : undefined,
        'gen_ai.input.messages': JSON.stringify(options.input),
        'gen_ai.output.messages': options.error ? undefined : JSON.stringify(options.output),
        'server.address': options.model.server,
        'server.port': 443,
      },
    });
    return { id, end: options.start + duration };
  }

  tool(options: {
    parent: string;
    start: number;
    duration: number;
    name: string;
    callId: string;
    args: Record<string, unknown>;
    result?: string;
    error?: { type: string; message: string };
    description?: string;
  }): { id: string; end: number } {
    const id = this.span({
      parent: options.parent,
      name: `execute_tool ${options.name}`,
      start: options.start,
      duration: options.duration,
      error: options.error,
      attrs: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': options.name,
        'gen_ai.tool.type': 'function',
        'gen_ai.tool.description': options.description,
        'gen_ai.tool.call.id': options.callId,
        'gen_ai.tool.call.arguments': JSON.stringify(options.args),
        'gen_ai.tool.call.result': options.error ? undefined : options.result,
      },
    });
    return { id, end: options.start + options.duration };
  }

  embeddings(options: { parent: string; start: number; model: string; inputs: string[]; provider?: string }): { id: string; end: number } {
    const tokens = options.inputs.reduce((sum, t) => sum + Math.ceil(t.length / 4), 0);
    const duration = 60 + tokens / 40 + this.rng.float(0, 80);
    const id = this.span({
      parent: options.parent,
      name: `embeddings ${options.model}`,
      start: options.start,
      duration,
      kind: SPAN_KIND.client,
      attrs: {
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.provider.name': options.provider ?? 'openai',
        'gen_ai.request.model': options.model,
        'gen_ai.response.model': options.model,
        'gen_ai.usage.input_tokens': tokens,
        'gen_ai.request.encoding_formats': ['float'],
        'gen_ai.embeddings.dimension.count': 1536,
        'server.address': 'api.openai.com',
      },
    });
    return { id, end: options.start + duration };
  }
}

interface DemoTrace {
  service: { name: string; version: string; environment: string };
  scope: string;
  builder: TraceBuilder;
}

// ---- content ----

const DOC_QUESTIONS = [
  {
    q: 'How do I rotate the API keys for a production workspace without downtime?',
    docs: [
      'Security › API keys: Each workspace can hold two active keys. Create the new key, deploy it, then revoke the old one.',
      'Operations › Zero-downtime changes: Rolling deploys pick up new secrets on restart; keep both keys valid during the rollout.',
      'Admin API › POST /v1/keys: Creates a key with an optional expiry. Keys are shown once.',
    ],
    a: 'Create a second key under Settings → API keys (a workspace can hold two at once), roll it out to your services, and revoke the old key once every instance has restarted. Both keys stay valid during the rollout, so there is no downtime. To automate it, call POST /v1/keys with an expiry and schedule the revoke.',
  },
  {
    q: 'What is the rate limit for the batch endpoint and what happens when I exceed it?',
    docs: [
      'Limits › Batch: 50 requests per minute per workspace, 10,000 items per batch.',
      'Errors › 429: Requests over the limit return 429 with a Retry-After header in seconds.',
    ],
    a: 'The batch endpoint allows 50 requests per minute per workspace and up to 10,000 items per batch. Over the limit you get HTTP 429 with a Retry-After header; wait that many seconds before retrying.',
  },
  {
    q: 'Can I export my traces to S3 every night?',
    docs: [
      'Exports › Scheduled exports: Daily exports to S3, GCS or Azure Blob in Parquet. Configure under Settings → Exports.',
      'Exports › Permissions: The bucket policy must allow PutObject for the export role.',
    ],
    a: 'Yes. Under Settings → Exports create a scheduled export, choose S3 and the daily schedule. Files are written as Parquet. Make sure the bucket policy grants PutObject to the export role.',
  },
  {
    q: 'Does the SDK support streaming responses in Python async code?',
    docs: [
      'Python SDK › Streaming: `async for chunk in client.stream(...)` yields chunks as they arrive.',
      'Python SDK › Compatibility: Python 3.9+, asyncio and trio are supported.',
    ],
    a: 'Yes — use `async for chunk in client.stream(...)`; chunks arrive as the model produces them. The SDK supports Python 3.9+ with asyncio or trio.',
  },
  {
    q: 'Why are my webhook deliveries failing with a signature mismatch?',
    docs: [
      'Webhooks › Signatures: We sign the raw request body with HMAC-SHA256. Verify before parsing JSON.',
      'Webhooks › Troubleshooting: Frameworks that re-serialise the body break the signature. Use the raw bytes.',
    ],
    a: 'The signature is an HMAC-SHA256 over the raw request body. Most mismatches come from verifying a re-serialised JSON body: read the raw bytes (e.g. `express.raw()`), verify, then parse.',
  },
];

const RESEARCH_TASKS = [
  {
    goal: 'Compare the pricing of the three largest cloud GPU providers for an 8×H100 node and recommend the cheapest option for a 2-week training run.',
    searches: ['8x H100 on-demand price per hour AWS p5', 'Google Cloud A3 H100 pricing per hour', 'Azure ND H100 v5 price'],
    answer: 'For a two-week (336 h) run, Google Cloud A3 comes out cheapest at about $29,400 on-demand, versus roughly $33,000 on Azure ND H100 v5 and $33,000 on AWS p5. With committed-use discounts the ranking stays the same. Recommendation: GCP A3 in us-central1, with a reservation for the full two weeks.',
  },
  {
    goal: 'Summarise this week\'s news about EU AI Act implementation deadlines for general-purpose AI models.',
    searches: ['EU AI Act GPAI obligations August 2025', 'AI Office code of practice general purpose AI', 'EU AI Act timeline high-risk systems'],
    answer: 'Obligations for general-purpose AI models apply from 2 August 2025; models already on the market before then have until August 2027. The AI Office published a voluntary code of practice covering transparency, copyright and safety. High-risk system rules follow in 2026–2027.',
  },
  {
    goal: 'Find the current population of the five largest cities in Brazil and compute their combined share of the national population.',
    searches: ['largest cities Brazil population IBGE', 'Brazil total population 2024 IBGE'],
    answer: 'São Paulo (11.5 M), Rio de Janeiro (6.2 M), Brasília (2.8 M), Fortaleza (2.4 M) and Salvador (2.4 M) total about 25.3 million people, roughly 12.5% of Brazil\'s 203 million.',
  },
  {
    goal: 'What changed between PostgreSQL 16 and 17 that matters for logical replication?',
    searches: ['PostgreSQL 17 release notes logical replication', 'pg_createsubscriber PostgreSQL 17', 'PostgreSQL 17 failover slots'],
    answer: 'PostgreSQL 17 adds failover-ready logical replication slots (synced to standbys), pg_createsubscriber to turn a physical standby into a logical subscriber, and preserves replication slots across pg_upgrade. Together they make major-version upgrades and failovers much easier for logical setups.',
  },
  {
    goal: 'Check the status page of our three payment providers and tell me if any has an ongoing incident.',
    searches: ['stripe status', 'adyen status', 'paypal developer status'],
    answer: 'Stripe and PayPal report all systems operational. Adyen could not be checked: the status page request timed out, so treat it as unknown and retry in a few minutes.',
  },
];

const SUPPORT_CONVERSATIONS = [
  {
    user: 'u_48213',
    tier: 'enterprise',
    turns: [
      'Hi, our invoices for October show a charge for 14 seats but we only have 11 users.',
      'Three of them were deactivated on October 20th, does that matter?',
    ],
    answer: 'Thanks for the detail. Deactivated seats are billed until the end of the billing period in which they were removed, so the three users deactivated on October 20th still count for October. From November your invoice will show 11 seats. If you would like, I can apply a prorated credit for the remaining 11 days — just confirm and I will process it.',
  },
  {
    user: 'u_10557',
    tier: 'pro',
    turns: ['How can I change the email address on my account? The settings page greys it out.'],
    answer: 'The email field is locked when your account uses single sign-on. Ask your workspace admin to update your email in your identity provider; it syncs to us on your next login. If you are not using SSO, let me know and I can send a verification link to the new address.',
  },
  {
    user: 'u_77310',
    tier: 'free',
    turns: [
      'I pasted this into the template editor and now the preview page is broken:\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\nCan you tell me what went wrong?',
    ],
    answer: 'The editor treats everything you paste as plain text, so `<script>alert(1)</script>` and `<img src=x onerror=alert(1)>` are shown literally rather than run — that is a safety feature. Remove those lines from the template and the preview will render normally. To add images, use the Insert → Image button instead of raw HTML.',
  },
  {
    user: 'u_90021',
    tier: 'enterprise',
    turns: ['Our SAML login started failing this morning with "Invalid audience". Nothing changed on our side.'],
    answer: 'An "Invalid audience" error means the Audience URI in the SAML assertion does not match your workspace\'s Entity ID. We rotated the regional endpoints yesterday: please update the Audience URI in your IdP to https://sso.example.com/saml/acme-corp. I have also raised this with our identity team in case other customers are affected.',
  },
];

const REPO_FILES = [
  'src/server.ts', 'src/router.ts', 'src/auth/session.ts', 'src/auth/oauth.ts', 'src/db/pool.ts', 'src/db/migrations.ts',
  'src/api/users.ts', 'src/api/orders.ts', 'src/api/payments.ts', 'src/api/webhooks.ts', 'src/lib/retry.ts', 'src/lib/logger.ts',
  'src/lib/config.ts', 'src/lib/cache.ts', 'src/jobs/scheduler.ts', 'src/jobs/invoices.ts', 'src/jobs/cleanup.ts',
  'src/models/user.ts', 'src/models/order.ts', 'src/models/invoice.ts', 'src/ui/App.tsx', 'src/ui/Checkout.tsx',
  'src/ui/Cart.tsx', 'src/ui/Login.tsx', 'src/ui/hooks/useCart.ts', 'src/ui/hooks/useSession.ts', 'src/utils/money.ts',
  'src/utils/dates.ts', 'src/utils/validation.ts', 'src/middleware/rateLimit.ts',
];

const REVIEW_FINDINGS = [
  'No issues found.',
  'Consider handling the rejected promise on line 42; an unhandled rejection will crash the worker.',
  'This query concatenates user input into SQL. Use a parameterised query.',
  'The retry loop has no upper bound; add a max attempt count with backoff.',
  'Money is stored as a float here; use integer cents to avoid rounding errors.',
  'No issues found.',
  'The cache key ignores the tenant id, so tenants could read each other\'s entries.',
  'Looks good. Minor: the log line includes the full token; redact it.',
];

// ---- scenarios ----

/** Who asks a docs question: questions of one visitor share a session. */
interface Visitor {
  user: string;
  session: string;
}

function ragTrace(rng: Random, startMs: number, index: number, visitor: Visitor): DemoTrace {
  const item = DOC_QUESTIONS[index % DOC_QUESTIONS.length];
  const b = new TraceBuilder(rng, startMs);
  const model = index % 2 === 0 ? MODELS.gpt4oMini : MODELS.haiku;
  const rateLimited = index === 3;
  const root = b.span({
    name: 'rag.answer_question',
    start: 0,
    duration: 0,
    kind: SPAN_KIND.server,
    attrs: {
      'gen_ai.operation.name': 'invoke_workflow',
      'http.route': '/api/ask',
      'user.id': visitor.user,
      'session.id': visitor.session,
      'spanhouse.metadata.index': 'docs-v3',
      'spanhouse.metadata.channel': rng.pick(['web', 'slack', 'api']),
      'spanhouse.tags': ['rag', 'docs'],
    },
  });
  const embed = b.embeddings({ parent: root, start: 4, model: 'text-embedding-3-small', inputs: [item.q] });
  const retrieveDuration = rng.float(18, 60);
  b.span({
    parent: root,
    name: 'retrieve docs-v3',
    start: embed.end + 1,
    duration: retrieveDuration,
    kind: SPAN_KIND.client,
    attrs: {
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'docs-v3',
      'db.system.name': 'qdrant',
      'db.operation.name': 'search',
      'gen_ai.input.messages': JSON.stringify([text('user', item.q)]),
      'gen_ai.output.messages': JSON.stringify(item.docs.map((d) => text('tool', d))),
      'spanhouse.metadata.top_k': String(item.docs.length),
    },
  });
  const rerankStart = embed.end + retrieveDuration + 2;
  const rerankDuration = rng.float(40, 110);
  b.span({
    parent: root,
    name: 'rerank cohere-rerank-v3.5',
    start: rerankStart,
    duration: rerankDuration,
    kind: SPAN_KIND.client,
    attrs: { 'gen_ai.operation.name': 'rerank', 'gen_ai.provider.name': 'cohere', 'gen_ai.request.model': 'rerank-v3.5' },
  });
  const system = 'You answer questions about the product using only the provided documentation. Cite the section you used. If the answer is not in the context, say so.';
  const context = item.docs.map((d, i) => `[${i + 1}] ${d}`).join('\n');
  const chatStart = rerankStart + rerankDuration + 2;
  let end: number;
  if (rateLimited) {
    const failed = b.chat({
      parent: root,
      start: chatStart,
      model,
      system,
      input: [text('user', `Context:\n${context}\n\nQuestion: ${item.q}`)],
      output: [],
      error: { type: 'RateLimitError', message: 'Error code: 429 - Rate limit reached for requests per minute. Please try again in 20s.' },
    });
    end = failed.end + 3;
  } else {
    const chat = b.chat({
      parent: root,
      start: chatStart,
      model,
      system,
      input: [text('user', `Context:\n${context}\n\nQuestion: ${item.q}`)],
      output: [{ ...text('assistant', item.a), finish_reason: 'stop' }],
    });
    end = chat.end + 3;
  }
  setRoot(b, root, end, item.q, rateLimited ? '' : item.a, rateLimited ? { type: 'RateLimitError', message: 'upstream model call failed (429)' } : undefined);
  return { service: { name: 'docs-assistant', version: '2.4.1', environment: 'production' }, scope: 'opentelemetry.instrumentation.openai_v2', builder: b };
}

function researchAgentTrace(rng: Random, startMs: number, index: number): DemoTrace {
  const task = RESEARCH_TASKS[index % RESEARCH_TASKS.length];
  const b = new TraceBuilder(rng, startMs);
  const model = index % 2 === 0 ? MODELS.gpt4o : MODELS.sonnet;
  const withTimeout = task.searches.some((s) => s.startsWith('adyen'));
  const root = b.span({
    name: 'invoke_agent research_assistant',
    start: 0,
    duration: 0,
    attrs: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'research_assistant',
      'gen_ai.agent.id': 'agt_research_01',
      'gen_ai.provider.name': model.provider,
      'gen_ai.conversation.id': `conv_${rng.hex(12)}`,
      'spanhouse.metadata.workflow': 'research',
      'spanhouse.tags': ['agent'],
    },
  });
  const system = 'You are a research assistant. Use the tools to find current information, cite sources, and give a concise, well-structured answer.';
  const history: ChatMessage[] = [text('user', task.goal)];

  // Step 1: the model plans and fans out web searches in parallel.
  const calls = task.searches.map((query) => ({ id: `call_${rng.hex(10)}`, name: 'web_search', arguments: { query, max_results: 5 } }));
  const plan = b.chat({ parent: root, start: 8, model, system, input: [...history], output: [toolCalls(calls)] });
  history.push(toolCalls(calls));
  let stepEnd = plan.end;
  let latest = plan.end;
  for (const call of calls) {
    const start = plan.end + rng.float(1, 6);
    const timedOut = withTimeout && String(call.arguments.query).startsWith('adyen');
    const duration = timedOut ? 10_000 : rng.float(350, 1800);
    const result = timedOut
      ? undefined
      : JSON.stringify([
          { title: `${call.arguments.query} — overview`, url: `https://example.com/${encodeURIComponent(String(call.arguments.query)).slice(0, 24)}`, snippet: 'Latest figures and details…' },
          { title: `${call.arguments.query} (news)`, url: 'https://news.example.org/article/123', snippet: 'Published this week…' },
        ]);
    const tool = b.tool({
      parent: root,
      start,
      duration,
      name: 'web_search',
      callId: call.id,
      args: call.arguments,
      result,
      description: 'Search the web and return the top results',
      error: timedOut ? { type: 'TimeoutError', message: 'web_search timed out after 10000 ms' } : undefined,
    });
    // Each search result page gets fetched (a nested HTTP span under the tool).
    if (!timedOut) {
      b.span({
        parent: tool.id,
        name: 'GET',
        start: start + 5,
        duration: duration - 20,
        kind: SPAN_KIND.client,
        attrs: { 'http.request.method': 'GET', 'url.full': 'https://search.example.com/v1/search', 'http.response.status_code': 200 },
      });
    }
    history.push(toolResult(call.id, result ?? 'error: timed out'));
    latest = Math.max(latest, tool.end);
  }
  stepEnd = latest + 2;

  // Step 2: optionally a calculator call, then the final answer.
  if (index % 2 === 0) {
    const calc = { id: `call_${rng.hex(10)}`, name: 'calculator', arguments: { expression: '98.32 * 336' } };
    const think = b.chat({ parent: root, start: stepEnd, model, system, input: [...history], output: [toolCalls([calc])] });
    history.push(toolCalls([calc]));
    const tool = b.tool({ parent: root, start: think.end + 1, duration: rng.float(2, 9), name: 'calculator', callId: calc.id, args: calc.arguments, result: '33035.52' });
    history.push(toolResult(calc.id, '33035.52'));
    stepEnd = tool.end + 1;
  }
  const final = b.chat({ parent: root, start: stepEnd, model, system, input: [...history], output: [{ ...text('assistant', task.answer), finish_reason: 'stop' }] });
  setRoot(b, root, final.end + 2, task.goal, task.answer);
  return { service: { name: 'research-agent', version: '0.9.0', environment: 'production' }, scope: 'openai-agents', builder: b };
}

function supportTrace(rng: Random, startMs: number, index: number): DemoTrace {
  const convo = SUPPORT_CONVERSATIONS[index % SUPPORT_CONVERSATIONS.length];
  const b = new TraceBuilder(rng, startMs);
  const session = `sess_${rng.hex(10)}`;
  const root = b.span({
    name: 'support.reply',
    start: 0,
    duration: 0,
    kind: SPAN_KIND.server,
    attrs: {
      'gen_ai.operation.name': 'invoke_workflow',
      'user.id': convo.user,
      'session.id': session,
      'spanhouse.metadata.customer_tier': convo.tier,
      'spanhouse.metadata.locale': 'en-US',
      'spanhouse.tags': ['support', convo.tier],
    },
  });
  const lastTurn = convo.turns[convo.turns.length - 1];
  // A cheap moderation/classification call first, then the main answer.
  const classify = b.chat({
    parent: root,
    start: 3,
    model: MODELS.geminiFlash,
    system: 'Classify the support message into one of: billing, account, bug, security, other. Reply with the label only.',
    input: [text('user', lastTurn)],
    output: [{ ...text('assistant', index === 0 ? 'billing' : index === 2 ? 'bug' : 'account'), finish_reason: 'stop' }],
    temperature: 0,
  });
  const crmDown = index === 3;
  const lookup = b.tool({
    parent: root,
    start: classify.end + 1,
    duration: crmDown ? rng.float(500, 900) : rng.float(30, 140),
    name: 'lookup_customer',
    callId: `toolu_${rng.hex(12)}`,
    args: { user_id: convo.user },
    result: JSON.stringify({ user_id: convo.user, plan: convo.tier, seats: 11, created: '2023-04-11' }),
    description: 'Fetch the customer record from the CRM',
    error: crmDown ? { type: 'CrmUnavailableError', message: 'CRM returned 503 Service Unavailable' } : undefined,
  });
  const history: ChatMessage[] = [];
  convo.turns.forEach((turn, i) => {
    history.push(text('user', turn));
    if (i < convo.turns.length - 1) history.push(text('assistant', 'Thanks for reaching out — let me check that for you.'));
  });
  const answer = b.chat({
    parent: root,
    start: lookup.end + 1,
    model: MODELS.sonnet,
    system: `You are a friendly support agent for Acme Cloud. The customer is on the ${convo.tier} plan. Be concise and specific.`,
    input: history,
    output: [{ ...text('assistant', convo.answer), finish_reason: 'end_turn' }],
    temperature: 0.4,
  });
  setRoot(b, root, answer.end + 2, lastTurn, convo.answer);
  return { service: { name: 'support-bot', version: '1.12.0', environment: 'production' }, scope: 'opentelemetry.instrumentation.anthropic', builder: b };
}

/** A code-review agent: per file a chain of read → review → lint (→ comment); 60 files make about 300 spans. */
function codeReviewTrace(rng: Random, startMs: number, files: readonly string[], model: ModelInfo, name: string): DemoTrace {
  const b = new TraceBuilder(rng, startMs);
  const root = b.span({
    name: `invoke_agent ${name}`,
    start: 0,
    duration: 0,
    attrs: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': name,
      'gen_ai.provider.name': model.provider,
      'spanhouse.metadata.repository': 'acme/storefront',
      'spanhouse.metadata.pull_request': String(rng.int(1200, 1900)),
      'spanhouse.tags': ['code-review', 'agent'],
      'vcs.repository.url.full': 'https://github.com/acme/storefront',
    },
  });
  const system = 'You are a meticulous senior engineer reviewing a pull request. Point out bugs, security issues and risky patterns. Be brief.';
  const plan = b.chat({
    parent: root,
    start: 5,
    model,
    system,
    input: [text('user', `Review pull request changes in ${files.length} files: ${files.join(', ')}`)],
    output: [{ ...text('assistant', `I will review the ${files.length} changed files in batches of four, then summarise.`), finish_reason: 'stop' }],
  });
  let cursor = plan.end + 2;
  const findings: string[] = [];
  for (let batchStart = 0; batchStart < files.length; batchStart += 4) {
    const batch = files.slice(batchStart, batchStart + 4);
    let batchEnd = cursor;
    for (const file of batch) {
      // review_file (chain) → read_file (tool) → chat → run_linter (tool) [→ post_comment (tool)]
      const fileStart = cursor + rng.float(0, 15);
      const chain = b.span({ parent: root, name: `review_file ${file}`, start: fileStart, duration: 0, attrs: { 'gen_ai.operation.name': 'invoke_workflow', 'code.file.path': file } });
      const read = b.tool({
        parent: chain,
        start: fileStart + 1,
        duration: rng.float(3, 25),
        name: 'read_file',
        callId: `call_${rng.hex(10)}`,
        args: { path: file },
        result: `// ${file}\nexport function handler(req, res) {\n  // … ${rng.int(40, 400)} lines …\n}`,
      });
      const finding = rng.pick(REVIEW_FINDINGS);
      findings.push(`${file}: ${finding}`);
      const review = b.chat({
        parent: chain,
        start: read.end + 1,
        model,
        system,
        input: [text('user', `File ${file}:\n\n<diff omitted: ${rng.int(5, 120)} changed lines>`)],
        output: [{ ...text('assistant', finding), finish_reason: 'stop' }],
        extraInputTokens: rng.int(600, 4200),
      });
      const lint = b.tool({
        parent: chain,
        start: review.end + 1,
        duration: rng.float(80, 600),
        name: 'run_linter',
        callId: `call_${rng.hex(10)}`,
        args: { path: file, rules: 'recommended' },
        result: JSON.stringify({ errors: 0, warnings: rng.int(0, 4) }),
      });
      let fileEnd = lint.end;
      if (!finding.startsWith('No issues')) {
        const post = b.tool({
          parent: chain,
          start: lint.end + 1,
          duration: rng.float(120, 380),
          name: 'post_review_comment',
          callId: `call_${rng.hex(10)}`,
          args: { path: file, line: rng.int(1, 200), body: finding },
          result: JSON.stringify({ ok: true, comment_id: rng.int(100000, 999999) }),
        });
        fileEnd = post.end;
      }
      setEnd(b, chain, fileEnd + 1);
      batchEnd = Math.max(batchEnd, fileEnd + 1);
    }
    cursor = batchEnd + 3;
  }
  const summary = findings.filter((f) => !f.endsWith('No issues found.')).slice(0, 6).join('\n');
  const final = b.chat({
    parent: root,
    start: cursor,
    model,
    system,
    input: [text('user', `Summarise the review findings:\n${summary}`)],
    output: [{ ...text('assistant', `Review complete: ${findings.length} files checked. Key issues:\n${summary}`), finish_reason: 'stop' }],
  });
  setRoot(b, root, final.end + 2, `Review PR on acme/storefront (${files.length} files)`, `Review complete: ${findings.length} files checked.`);
  return { service: { name: 'code-review-bot', version: '0.4.2', environment: 'production' }, scope: 'google.genai', builder: b };
}

function indexingTrace(rng: Random, startMs: number, batches: number): DemoTrace {
  const b = new TraceBuilder(rng, startMs);
  const root = b.span({ name: 'ingest.index_documents', start: 0, duration: 0, attrs: { 'spanhouse.metadata.source': 'confluence', 'spanhouse.metadata.documents': String(batches * 64) } });
  let cursor = 5;
  for (let i = 0; i < batches; i++) {
    b.span({ parent: root, name: 'chunk_documents', start: cursor, duration: rng.float(20, 60), attrs: { 'spanhouse.metadata.batch': String(i + 1) } });
    cursor += rng.float(25, 65);
    const emb = b.embeddings({
      parent: root,
      start: cursor,
      model: 'text-embedding-3-small',
      inputs: Array.from({ length: 64 }, (_, k) => `Page ${i * 64 + k}: onboarding guide, section ${k % 9}, covering SSO, billing and data retention. `.repeat(6)),
    });
    cursor = emb.end + 2;
    b.span({
      parent: root,
      name: 'qdrant upsert',
      start: cursor,
      duration: rng.float(30, 120),
      kind: SPAN_KIND.client,
      attrs: { 'db.system.name': 'qdrant', 'db.operation.name': 'upsert', 'db.collection.name': 'docs-v3' },
    });
    cursor += rng.float(35, 125);
  }
  setEnd(b, root, cursor + 2);
  return { service: { name: 'ingest-worker', version: '3.1.0', environment: 'production' }, scope: 'ingest', builder: b };
}

function classifyTrace(rng: Random, startMs: number): DemoTrace {
  const b = new TraceBuilder(rng, startMs);
  const ticket = 'My card was charged twice for order #88231 and the app still says "payment pending". Please refund one of them.';
  b.chat({
    parent: '',
    start: 0,
    model: MODELS.geminiFlash,
    system: 'Route the ticket. Answer with JSON: {"queue": string, "priority": "low"|"normal"|"high"}',
    input: [text('user', ticket)],
    output: [{ ...text('assistant', '{"queue": "payments", "priority": "high"}'), finish_reason: 'STOP' }],
    temperature: 0,
  });
  return { service: { name: 'ticket-router', version: '1.0.3', environment: 'production' }, scope: 'google.genai', builder: b };
}

// ---- root bookkeeping ----

function findSpan(b: TraceBuilder, spanId: string): OtlpJsonSpan {
  const span = b.spans.find((s) => s.spanId === spanId);
  if (!span) throw new Error(`demo: span ${spanId} missing`);
  return span;
}

/** Stretches a span (created with duration 0) to end at `endOffsetMs` from the trace start. */
function setEnd(b: TraceBuilder, spanId: string, endOffsetMs: number): void {
  const span = findSpan(b, spanId);
  const traceStartNs = BigInt(b.spans[0].startTimeUnixNano);
  const end = traceStartNs + BigInt(Math.round(endOffsetMs * 1000)) * 1000n;
  if (end > BigInt(span.startTimeUnixNano)) span.endTimeUnixNano = end.toString();
}

/** Ends the root span and records the request and response on it, as HTTP/agent frameworks do. */
function setRoot(b: TraceBuilder, rootId: string, endOffsetMs: number, input: string, output: string, error?: { type: string; message: string }): void {
  setEnd(b, rootId, endOffsetMs);
  const root = findSpan(b, rootId);
  root.attributes.push(...attributes({ 'gen_ai.input.messages': JSON.stringify([text('user', input)]) }));
  if (output) root.attributes.push(...attributes({ 'gen_ai.output.messages': JSON.stringify([text('assistant', output)]) }));
  if (error) {
    root.status = { code: STATUS.error, message: error.message };
    root.attributes.push(...attributes({ 'error.type': error.type }));
  }
}

// ---- assembly ----

/** How busy each UTC hour of the day is (a working day: quiet at night, peaks late morning and afternoon). */
export function dailyActivity(hourOfDay: number): number {
  const h = ((hourOfDay % 24) + 24) % 24;
  return 0.08 + Math.exp(-(((h - 10.5) / 2.2) ** 2)) + 0.9 * Math.exp(-(((h - 15) / 2.5) ** 2));
}

/** Demo traces cover this many hours before now. */
export const DEMO_HOURS = 44;

/**
 * Hours before `nowMs` for `count` traces over the last DEMO_HOURS, spaced by the daily
 * rhythm (evenly spread through the cumulative activity), oldest first; the newest is a
 * few minutes old, so a first look at "the last 24 hours" shows something now.
 */
export function rhythmicHoursAgo(nowMs: number, count: number): number[] {
  const step = 0.25;
  const slots: Array<{ hoursAgo: number; weight: number }> = [];
  for (let ago = DEMO_HOURS; ago > 0.1; ago -= step) slots.push({ hoursAgo: ago, weight: dailyActivity(new Date(nowMs - ago * 3_600_000).getUTCHours() + (ago % 1)) });
  const total = slots.reduce((sum, s) => sum + s.weight, 0);
  const out: number[] = [];
  let acc = 0;
  let next = 0;
  for (const slot of slots) {
    acc += slot.weight;
    while (out.length < count - 1 && acc >= ((next + 0.5) / (count - 1)) * total) {
      out.push(slot.hoursAgo);
      next++;
    }
  }
  out.push(0.1);
  return out;
}

/**
 * About twenty traces spread over the two days before `nowMs` with a daily rhythm, newest
 * last in the body. Same `nowMs`, same output; a different `nowMs` gives fresh ids.
 */
export function buildDemoTraces(nowMs: number): DemoTracesBody {
  const rng = new Random((Math.floor(nowMs / 0x100000000) ^ (nowMs >>> 0) ^ 0x5eed) >>> 0);
  const hour = 3_600_000;
  // Start times follow the daily rhythm; the last minute stays free so every trace has ended.
  const hoursAgo = rhythmicHoursAgo(nowMs, 20);
  let slot = 0;
  const next = () => nowMs - hoursAgo[slot++] * hour - rng.float(0, 0.05 * hour);
  // Docs questions come from three visitors, a session each.
  const visitors: Visitor[] = [0, 1, 2].map(() => ({ user: `u_${rng.int(10000, 99999)}`, session: `sess_${rng.hex(10)}` }));
  const rag = (index: number) => ragTrace(rng, next(), index, visitors[Math.min(Math.floor(index / 2), 2)]);
  const traces: DemoTrace[] = [
    rag(0),
    researchAgentTrace(rng, next(), 0),
    supportTrace(rng, next(), 0),
    indexingTrace(rng, next(), 6),
    rag(1),
    codeReviewTrace(rng, next(), REPO_FILES.slice(0, 6), MODELS.geminiFlash, 'pr_reviewer'),
    researchAgentTrace(rng, next(), 1),
    supportTrace(rng, next(), 1),
    rag(2),
    classifyTrace(rng, next()),
    researchAgentTrace(rng, next(), 2),
    codeReviewTrace(rng, next(), [...REPO_FILES.map((f) => `packages/api/${f}`), ...REPO_FILES.map((f) => `packages/web/${f}`)], MODELS.geminiPro, 'pr_reviewer'),
    rag(3),
    supportTrace(rng, next(), 2),
    researchAgentTrace(rng, next(), 3),
    indexingTrace(rng, next(), 3),
    rag(4),
    supportTrace(rng, next(), 3),
    researchAgentTrace(rng, next(), 4),
    classifyTrace(rng, next()),
  ];
  return {
    resourceSpans: traces.map((trace) => ({
      resource: {
        attributes: attributes({
          'service.name': trace.service.name,
          'service.version': trace.service.version,
          'deployment.environment.name': trace.service.environment,
          'telemetry.sdk.language': trace.scope === 'openai-agents' ? 'python' : 'nodejs',
          'telemetry.sdk.name': 'opentelemetry',
        }),
      },
      scopeSpans: [{ scope: { name: trace.scope }, spans: trace.builder.spans }],
    })),
  };
}
