// The LLM gateway: a chat, embeddings or models request in the OpenAI wire format is routed
// (routing.ts) to upstreams speaking OpenAI's format (openai.ts) or Anthropic's
// (anthropic.ts), answered as it comes (streams chunk by chunk), and recorded as spans
// through the ingest pipeline (trace.ts). The HTTP layer (routes.ts) only adapts `ChatOutput`.
import { z } from 'zod';
import type { IngestPipeline } from '../pipeline/ingest.ts';
import { TurnQueue } from '../pipeline/turn-queue.ts';
import { anthropicChat } from './anthropic.ts';
import {
  openAiChat,
  openAiEmbeddings,
  openAiError,
  UpstreamStreamError,
  type ChatChunk,
  type ChatCompletion,
  type ChatMessage,
  type ChatRequest,
  type OpenAiErrorBody,
  type ToolCallOut,
  type UpstreamAnswer,
  type UpstreamRequest,
  type Usage,
} from './openai.ts';
import { attemptKey, ClientCancelledError, describeFailure, planRoute, runRoute, type AttemptRecord, type RoutePlan, type RouteTarget } from './routing.ts';
import type { GatewaySettings } from './settings.ts';
import { newSpanId, newTraceId } from '../api/span-input.ts';
import { callSpans, parseTraceparent, type CallFields, type CallRecord } from './trace.ts';

/** A request the gateway refuses before any upstream sees it (OpenAI's 400 shape). */
export class GatewayInputError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Where an answer goes: the HTTP response (routes.ts) or a playground run. */
export interface ChatOutput {
  /** A complete answer, success or error. */
  json(status: number, body: unknown): void;
  startStream(): void;
  chunk(chunk: ChatChunk): void;
  /** An error after the stream started (the status is already sent). */
  streamError(body: OpenAiErrorBody): void;
  endStream(): void;
}

export interface GatewayCall {
  tenantId: string;
  body: unknown;
  /** The caller's W3C traceparent header: the call's span joins that trace. */
  traceparent?: string;
  fields: CallFields;
  /** The client's own upstream key (used only when the operator allows it). */
  clientKey?: string;
  /** Aborted when the client goes away: the upstream request is cancelled. */
  signal: AbortSignal;
  linkedSpan?: { traceId: string; spanId: string };
}

const messageSchema = z.looseObject({ role: z.string().min(1).max(100) });
const chatBody = z.looseObject({
  model: z.string().min(1).max(500),
  messages: z.array(messageSchema).min(1).max(10_000),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  tools: z.array(z.unknown()).max(512).nullish(),
});
const embeddingsBody = z.looseObject({
  model: z.string().min(1).max(500),
  input: z.union([z.string(), z.array(z.union([z.string(), z.number(), z.array(z.number())])).min(1)]),
});

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new GatewayInputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}

const HEADER_VALUE_MAX = 10_000;

/** How long an answered call's spans may wait to join an insert (durableResponses: false). */
export const ANSWERED_WRITE_DELAY_MS = 1_000;

/** Pure: span fields from the x-spanhouse-* headers; a malformed one is a GatewayInputError. */
export function callFieldsFromHeaders(get: (name: string) => string | undefined): CallFields {
  const fields: CallFields = {};
  const user = get('x-spanhouse-user-id');
  const session = get('x-spanhouse-session-id');
  if (user) fields.userId = user.slice(0, 500);
  if (session) fields.sessionId = session.slice(0, 500);
  const tags = get('x-spanhouse-tags');
  if (tags) {
    let list: unknown = tags.split(',');
    if (tags.trim().startsWith('[')) list = safeJson(tags, 'x-spanhouse-tags');
    if (!Array.isArray(list) || list.length > 50) throw new GatewayInputError('x-spanhouse-tags: a comma-separated list or a JSON array of at most 50 tags');
    fields.tags = [...new Set(list.map((t) => String(t).trim().slice(0, 200)).filter(Boolean))];
  }
  const metadata = get('x-spanhouse-metadata');
  if (metadata) {
    if (metadata.length > HEADER_VALUE_MAX) throw new GatewayInputError(`x-spanhouse-metadata: at most ${HEADER_VALUE_MAX} characters`);
    const parsed = safeJson(metadata, 'x-spanhouse-metadata');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length > 100) {
      throw new GatewayInputError('x-spanhouse-metadata: a JSON object of at most 100 keys');
    }
    fields.metadata = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.slice(0, 200), typeof v === 'string' ? v : JSON.stringify(v)]));
  }
  return fields;
}

function safeJson(text: string, header: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayInputError(`${header}: not valid JSON`);
  }
}

/** Assembles a streamed answer: text, tool calls by index, finish reasons, usage and the model. */
export class ChunkAccumulator {
  private content = '';
  private readonly toolCalls: ToolCallOut[] = [];
  readonly finishReasons: string[] = [];
  usage: Usage | null = null;
  model = '';

  add(chunk: ChatChunk): void {
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== 0) continue; // n > 1: the first choice is the one recorded
      if (typeof choice.delta?.content === 'string') this.content += choice.delta.content;
      for (const call of choice.delta?.tool_calls ?? []) {
        const slot = (this.toolCalls[call.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.function.name += call.function.name;
        if (call.function?.arguments) slot.function.arguments += call.function.arguments;
      }
      if (choice.finish_reason) this.finishReasons.push(choice.finish_reason);
    }
  }

  message(): ChatMessage {
    const calls = this.toolCalls.filter(Boolean);
    return { role: 'assistant', content: this.content === '' && calls.length > 0 ? null : this.content, ...(calls.length > 0 ? { tool_calls: calls } : {}) };
  }
}

/** A chunk that carries generated content (for time to first token). */
const hasContent = (chunk: ChatChunk) => chunk.choices?.some((c) => !!c.delta?.content || (c.delta?.tool_calls?.length ?? 0) > 0) ?? false;

/** A usage-only chunk the gateway asked for on its own (the client did not). */
const isUsageOnly = (chunk: ChatChunk) => (chunk.choices?.length ?? 0) === 0 && !!chunk.usage;

/**
 * Status and code for a call whose last attempt failed without an upstream answer (anything
 * else is a 502). A missing key is a 500: the gateway's configuration is incomplete; the
 * client's own key is fine (401 would say otherwise) and no upstream was asked (502 would).
 */
const GATEWAY_FAILURES: Record<string, { status: number; code: string }> = {
  timeout: { status: 504, code: 'upstream_timeout' },
  cancelled: { status: 499, code: 'client_closed_request' },
  missing_api_key: { status: 500, code: 'missing_api_key' },
};

/** The answer for a call no upstream answered: the upstream's error, or the gateway's. */
function failureAnswer(attempts: AttemptRecord[], lastError: UpstreamAnswer | null): { status: number; body: OpenAiErrorBody } {
  if (lastError?.kind === 'error') return { status: lastError.status, body: lastError.body };
  const last = attempts[attempts.length - 1];
  const known = last && Object.hasOwn(GATEWAY_FAILURES, last.errorType) ? GATEWAY_FAILURES[last.errorType] : undefined;
  if (known) return { status: known.status, body: openAiError(last.errorMessage, last.errorType, known.code) };
  return { status: 502, body: openAiError(last?.errorMessage ?? 'no upstream answered', 'upstream_error', 'bad_gateway') };
}

export class Gateway {
  constructor(
    readonly settings: GatewaySettings,
    private readonly pipeline: IngestPipeline,
    private readonly log: (message: string) => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** GET /v1/models: the aliases, then every model a provider lists in its settings. */
  models() {
    const data = [
      ...Object.keys(this.settings.aliases).map((id) => ({ id, object: 'model', created: 0, owned_by: 'spanhouse-alias' })),
      ...Object.values(this.settings.providers).flatMap((p) => p.models.map((m) => ({ id: `${p.name}/${m}`, object: 'model', created: 0, owned_by: p.name }))),
    ];
    return { object: 'list', data };
  }

  private newRecord(call: GatewayCall, operation: CallRecord['operation'], request: Record<string, unknown>, startMs: number): CallRecord {
    const parent = parseTraceparent(call.traceparent);
    return {
      operation,
      traceId: parent?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      parentSpanId: parent?.parentSpanId ?? '',
      startMs,
      endMs: startMs,
      requestModel: typeof request.model === 'string' ? request.model : '',
      alias: null,
      request,
      stream: request.stream === true,
      target: null,
      responseModel: '',
      output: null,
      finishReasons: [],
      usage: null,
      ttftMs: null,
      attempts: [],
      error: null,
      httpStatus: 200,
      fields: call.fields,
      linkedSpan: call.linkedSpan,
    };
  }

  /** The ids the call's span will have, for the x-spanhouse-trace-id header before the answer. */
  private plan(model: string): RoutePlan {
    try {
      return planRoute(model, this.settings, this.random);
    } catch (error) {
      throw new GatewayInputError((error as Error).message);
    }
  }

  private send(call: GatewayCall, kind: 'chat' | 'embeddings', body: Record<string, unknown>) {
    return async (target: RouteTarget, signal: AbortSignal): Promise<UpstreamAnswer> => {
      const apiKey = attemptKey(target.provider, call.clientKey, this.settings.allowClientKeys);
      const request: UpstreamRequest = { provider: target.provider, apiKey, signal };
      const upstreamBody = { ...body, model: target.model };
      if (kind === 'embeddings') {
        if (target.provider.type !== 'openai') return { kind: 'error', status: 400, body: openAiError(`provider ${target.provider.name} has no embeddings endpoint`) };
        return openAiEmbeddings(upstreamBody, request);
      }
      return target.provider.type === 'anthropic' ? anthropicChat(upstreamBody as ChatRequest, request) : openAiChat(upstreamBody as ChatRequest, request);
    };
  }

  /**
   * Stores the call's spans; a storage failure is logged, never the client's failure. Spans
   * of an answered call (`answered`) may wait up to ANSWERED_WRITE_DELAY_MS for their insert:
   * nobody waits on it, and fewer, larger inserts leave the CPU to the calls in flight.
   */
  private async store(tenantId: string, record: CallRecord, answered = false): Promise<void> {
    this.stored.add(record);
    try {
      // An answered call's spans are mapped on the pipeline's worker thread (the event loop is
      // for the calls in flight); a call still waiting for its answer is mapped at once, here.
      const context = answered ? { maxWriteDelayMs: ANSWERED_WRITE_DELAY_MS, offLoop: true } : {};
      const result = await this.pipeline.ingestTraces(callSpans(record), tenantId, context);
      if (result.rejected > 0) this.log(`gateway: ${result.rejected} span(s) of trace ${record.traceId} were not stored: ${result.errorMessage}`);
    } catch (error) {
      this.log(`gateway: the spans of trace ${record.traceId} could not be stored: ${(error as Error).message}`);
    }
  }

  /** Answers through `out`, and (durable mode) stores the span before the answer completes. */
  private async finish(tenantId: string, record: CallRecord, answer: () => void): Promise<void> {
    record.endMs = Math.max(record.endMs, Date.now());
    if (this.settings.durableResponses) {
      await this.store(tenantId, record);
      answer();
    } else {
      answer();
      this.stored.add(record); // queued: a later fault must not store it twice
      await this.later(() => this.store(tenantId, record, true));
    }
  }

  /**
   * Answered calls whose spans wait for their ingest (callSpans, then pricing, clustering and
   * the other stages on the event loop; the mapping between them on the pipeline's worker).
   * One call's ingest starts per event-loop turn (TurnQueue).
   */
  private readonly backlog = new TurnQueue();
  private readonly pending = new Set<Promise<void>>();

  private later(work: () => Promise<void>): Promise<void> {
    const done = new Promise<void>((resolve) => this.backlog.push(() => void work().then(resolve)));
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
    return done;
  }

  /** Resolves once every answered call's spans went through the pipeline (before storage closes). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  /** Validation that must fail before anything is recorded (bad JSON shape, bad alias). */
  prepare(call: GatewayCall, kind: 'chat' | 'embeddings') {
    const body = (kind === 'chat' ? parseBody(chatBody, call.body) : parseBody(embeddingsBody, call.body)) as Record<string, unknown>;
    const plan = this.plan(String(body.model));
    const record = this.newRecord(call, kind, body, Date.now());
    record.alias = plan.alias;
    return { body, plan, record };
  }

  /** POST /v1/chat/completions. Resolves with the stored record once the answer is complete. */
  chat(call: GatewayCall, out: ChatOutput, prepared = this.prepare(call, 'chat')): Promise<CallRecord> {
    return this.guarded(call, out, prepared.record, (guardedOut) => this.runChat(call, guardedOut, prepared));
  }

  /** POST /v1/embeddings. */
  embeddings(call: GatewayCall, out: ChatOutput, prepared = this.prepare(call, 'embeddings')): Promise<CallRecord> {
    return this.guarded(call, out, prepared.record, (guardedOut) => this.runEmbeddings(call, guardedOut, prepared));
  }

  /** Records stored already (a fault after storing must not store the call twice). */
  private readonly stored = new WeakSet<CallRecord>();

  /** A fault inside the gateway still stores the call's trace and answers the client (500, or an error event). */
  private async guarded(call: GatewayCall, out: ChatOutput, record: CallRecord, work: (out: ChatOutput) => Promise<CallRecord>): Promise<CallRecord> {
    let streaming = false;
    const tracked: ChatOutput = {
      ...out,
      startStream: () => {
        streaming = true;
        out.startStream();
      },
    };
    try {
      return await work(tracked);
    } catch (error) {
      this.log(`gateway: call in trace ${record.traceId} failed inside the gateway: ${(error as Error)?.stack ?? String(error)}`);
      if (this.stored.has(record)) return record;
      record.error = { type: 'gateway_error', message: 'the gateway failed while handling this call' };
      record.httpStatus = streaming ? 200 : 500;
      await this.finish(call.tenantId, record, () => {
        const body = openAiError(record.error!.message, 'server_error', 'gateway_error');
        if (!streaming) return out.json(500, body);
        out.streamError(body);
        out.endStream();
      });
      return record;
    }
  }

  private async runChat(call: GatewayCall, out: ChatOutput, prepared: ReturnType<Gateway['prepare']>): Promise<CallRecord> {
    const { body, plan, record } = prepared;
    const { live, attempts, lastError } = await runRoute(plan, this.settings.retryBackoffMs, this.send(call, 'chat', body), call.signal);
    record.attempts = attempts;
    if (!live) return this.failed(call, record, out, failureAnswer(attempts, lastError));
    record.target = live.target;
    const answer = live.answer;
    if (answer.kind === 'json') {
      const completion = answer.body as ChatCompletion;
      const choice = completion?.choices?.[0];
      live.record.endMs = Date.now();
      record.responseModel = String(completion?.model ?? '');
      record.output = choice?.message ?? null;
      record.finishReasons = choice?.finish_reason ? [choice.finish_reason] : [];
      record.usage = completion?.usage ?? null;
      await this.finish(call.tenantId, record, () => out.json(200, completion));
      return record;
    }
    if (answer.kind !== 'stream') throw new Error('unreachable: an error answer is not live');
    const wantsUsage = (body as ChatRequest).stream_options?.include_usage === true;
    const acc = new ChunkAccumulator();
    out.startStream();
    try {
      for await (const chunk of answer.chunks) {
        live.timer.restart();
        if (record.ttftMs === null && hasContent(chunk)) record.ttftMs = Date.now() - record.startMs;
        acc.add(chunk);
        if (isUsageOnly(chunk) && !wantsUsage) continue;
        out.chunk(chunk);
      }
    } catch (error) {
      const failure = error instanceof UpstreamStreamError ? { type: error.type, message: error.message } : describeFailure(error, live.timer.controller.signal);
      record.error = failure;
      live.record.errorType = failure.type;
      live.record.errorMessage = failure.message;
      record.httpStatus = failure.type === 'cancelled' ? 499 : 200;
    } finally {
      live.timer.stop();
      live.record.endMs = Date.now();
    }
    record.responseModel = acc.model;
    record.output = acc.message();
    record.finishReasons = acc.finishReasons;
    record.usage = acc.usage;
    await this.finish(call.tenantId, record, () => {
      if (record.error && record.error.type !== 'cancelled') out.streamError(openAiError(record.error.message, record.error.type));
      out.endStream();
    });
    return record;
  }

  private async runEmbeddings(call: GatewayCall, out: ChatOutput, prepared: ReturnType<Gateway['prepare']>): Promise<CallRecord> {
    const { body, plan, record } = prepared;
    const { live, attempts, lastError } = await runRoute(plan, this.settings.retryBackoffMs, this.send(call, 'embeddings', body), call.signal);
    record.attempts = attempts;
    if (!live || live.answer.kind !== 'json') return this.failed(call, record, out, failureAnswer(attempts, lastError));
    live.record.endMs = Date.now();
    const answer = live.answer.body as { model?: string; usage?: { prompt_tokens?: number; total_tokens?: number } };
    record.target = live.target;
    record.responseModel = String(answer?.model ?? '');
    if (answer?.usage) record.usage = { prompt_tokens: answer.usage.prompt_tokens ?? 0, completion_tokens: 0, total_tokens: answer.usage.total_tokens ?? answer.usage.prompt_tokens ?? 0 };
    await this.finish(call.tenantId, record, () => out.json(200, answer));
    return record;
  }

  /** No upstream answered: the error is recorded (every attempt with it), then answered. */
  private async failed(call: GatewayCall, record: CallRecord, out: ChatOutput, failure: { status: number; body: OpenAiErrorBody }): Promise<CallRecord> {
    record.httpStatus = failure.status;
    record.error = { type: failure.body.error.type, message: failure.body.error.message };
    await this.finish(call.tenantId, record, () => {
      if (!call.signal.aborted) out.json(failure.status, failure.body);
    });
    return record;
  }
}

export { ClientCancelledError };
