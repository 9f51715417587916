// Which upstreams a call goes to, in which order, and how often: routing aliases with
// fallback, weighted and cheapest-first strategies; retries with exponential backoff on
// 429, 5xx, timeouts and network errors, then the next target; a timeout per attempt.
// Every attempt is recorded, so failed ones show up as child spans.
import { priceUsage } from '@spanhouse/pricing';
import type { UpstreamAnswer } from './openai.ts';
import { parseTarget, type AliasTarget, type GatewaySettings, type ProviderSettings, type Strategy } from './settings.ts';

export interface RouteTarget {
  provider: ProviderSettings;
  model: string;
}

export interface RoutePlan {
  /** The alias the client asked for; null for a direct `provider/model` or bare model. */
  alias: string | null;
  targets: RouteTarget[];
  timeoutMs: number;
  retries: number;
}

/** A retry waits at most this long (a longer Retry-After moves on to the next target instead). */
export const MAX_RETRY_WAIT_MS = 10_000;

export class GatewayTimeoutError extends Error {
  readonly name = 'GatewayTimeoutError';
  constructor(ms: number) {
    super(`the upstream did not answer within ${ms} ms`);
  }
}

export class ClientCancelledError extends Error {
  readonly name = 'ClientCancelledError';
  constructor() {
    super('the client closed the connection');
  }
}

/** A provider that needs a key has none: the attempt fails before any upstream is asked. */
export class MissingApiKeyError extends Error {
  readonly name = 'MissingApiKeyError';
  constructor(provider: ProviderSettings, clientKeysAllowed: boolean) {
    super(
      `${provider.name}: no API key: set ${provider.apiKeyEnv} or gateway.providers.${provider.name}.apiKey` +
        (clientKeysAllowed ? ', or send one in x-spanhouse-upstream-key' : ''),
    );
  }
}

/**
 * The key an attempt at `provider` sends: the client's (when the operator allows it), else the
 * provider's own. A provider that needs a key and has none throws a MissingApiKeyError.
 */
export function attemptKey(provider: ProviderSettings, clientKey: string | undefined, clientKeysAllowed: boolean): string | undefined {
  const key = (clientKeysAllowed && clientKey) || provider.apiKey;
  if (!key && provider.apiKeyEnv) throw new MissingApiKeyError(provider, clientKeysAllowed);
  return key;
}

/** USD for a nominal 1,000 input and 1,000 output tokens; null when no price is known. */
export function nominalCost(target: RouteTarget): number | null {
  const result = priceUsage({ provider: target.provider.providerName, model: target.model, input_tokens: 1000, output_tokens: 1000 });
  return result.unpriced ? null : result.cost_usd;
}

/**
 * Pure: the order targets are tried in. fallback: as configured; weighted: one drawn by
 * weight first, the others after in configured order; cheapest: by nominal cost, unpriced last.
 */
export function orderTargets<T extends { weight: number }>(targets: T[], strategy: Strategy, random: () => number, costOf: (t: T) => number | null): T[] {
  if (strategy === 'weighted') {
    const total = targets.reduce((sum, t) => sum + t.weight, 0);
    let draw = random() * total;
    const first = targets.find((t) => (draw -= t.weight) < 0) ?? targets[targets.length - 1];
    return [first, ...targets.filter((t) => t !== first)];
  }
  if (strategy === 'cheapest') {
    const costs = new Map(targets.map((t) => [t, costOf(t)]));
    return [...targets].sort((a, b) => (costs.get(a) ?? Infinity) - (costs.get(b) ?? Infinity));
  }
  return targets;
}

/** The route for the model a client asked for: an alias, `provider/model`, or a model of the default provider. */
export function planRoute(model: string, settings: GatewaySettings, random: () => number = Math.random): RoutePlan {
  const alias = Object.hasOwn(settings.aliases, model) ? settings.aliases[model] : undefined;
  if (!alias) {
    const { provider, model: upstreamModel } = parseTarget(model, settings);
    return { alias: null, targets: [{ provider: settings.providers[provider], model: upstreamModel }], timeoutMs: settings.timeoutMs, retries: settings.retries };
  }
  const withProvider = (t: AliasTarget) => ({ ...t, route: { provider: settings.providers[t.provider], model: t.model } });
  const unknown = alias.targets.find((t) => !settings.providers[t.provider]);
  if (unknown) throw new Error(`alias ${model}: no provider "${unknown.provider}"`);
  const ordered = orderTargets(alias.targets.map(withProvider), alias.strategy, random, (t) => nominalCost(t.route));
  return { alias: model, targets: ordered.map((t) => t.route), timeoutMs: alias.timeoutMs ?? settings.timeoutMs, retries: alias.retries ?? settings.retries };
}

export interface AttemptRecord {
  target: RouteTarget;
  startMs: number;
  endMs: number;
  /** Upstream HTTP status; null when there was no answer (network error, timeout, cancel). */
  status: number | null;
  errorType: string;
  errorMessage: string;
}

/** An attempt still running: its answer arrived, but a stream's body may still be coming. */
export interface LiveAttempt {
  target: RouteTarget;
  answer: UpstreamAnswer;
  /** The attempt's timeout: restart it per stream chunk, stop it when done. */
  timer: AttemptTimer;
  record: AttemptRecord;
}

export interface AttemptTimer {
  controller: AbortController;
  restart(): void;
  stop(): void;
}

const retryable = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortController that fires after `ms` (a GatewayTimeoutError) or when `outer` does. */
export function attemptController(ms: number, outer: AbortSignal): AttemptTimer {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onOuter = () => controller.abort(outer.reason);
  outer.addEventListener('abort', onOuter, { once: true });
  const restart = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new GatewayTimeoutError(ms)), ms);
  };
  restart();
  return {
    controller,
    restart,
    stop() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuter);
    },
  };
}

/** What a thrown attempt error means: timeout, cancel, a missing key, or a network failure. */
export function describeFailure(error: unknown, signal: AbortSignal): { type: string; message: string } {
  const reason = signal.aborted ? signal.reason : error;
  if (reason instanceof GatewayTimeoutError) return { type: 'timeout', message: reason.message };
  if (reason instanceof ClientCancelledError) return { type: 'cancelled', message: reason.message };
  if (reason instanceof MissingApiKeyError) return { type: 'missing_api_key', message: reason.message };
  const cause = (error as { cause?: { message?: string } })?.cause?.message;
  return { type: 'network_error', message: `the upstream could not be reached: ${(error as Error)?.message ?? String(error)}${cause ? ` (${cause})` : ''}` };
}

/**
 * Tries the plan's targets in order, each up to 1 + retries times, until one answers with
 * a success (or a stream). Returns the live attempt (null when every one failed) and every
 * attempt's record. A client cancel stops at once.
 */
export async function runRoute(
  plan: RoutePlan,
  backoffMs: number,
  send: (target: RouteTarget, signal: AbortSignal) => Promise<UpstreamAnswer>,
  outer: AbortSignal,
): Promise<{ live: LiveAttempt | null; attempts: AttemptRecord[]; lastError: UpstreamAnswer | null }> {
  const attempts: AttemptRecord[] = [];
  let lastError: UpstreamAnswer | null = null;
  for (const target of plan.targets) {
    for (let retry = 0; retry <= plan.retries; retry++) {
      if (outer.aborted) return { live: null, attempts, lastError };
      const timer = attemptController(plan.timeoutMs, outer);
      const record: AttemptRecord = { target, startMs: Date.now(), endMs: 0, status: null, errorType: '', errorMessage: '' };
      attempts.push(record);
      let waitMs = backoffMs * 2 ** retry;
      try {
        const answer = await send(target, timer.controller.signal);
        record.status = answer.status;
        if (answer.kind !== 'error') {
          // A stream keeps its timer (restarted per chunk by the caller); a JSON answer is complete.
          if (answer.kind === 'json') timer.stop();
          return { live: { target, answer, timer, record }, attempts, lastError };
        }
        timer.stop();
        record.endMs = Date.now();
        record.errorType = answer.body.error.type;
        record.errorMessage = answer.body.error.message;
        lastError = answer;
        if (!retryable(answer.status)) break;
        if (answer.retryAfterMs !== undefined) waitMs = answer.retryAfterMs;
      } catch (error) {
        timer.stop();
        record.endMs = Date.now();
        const failure = describeFailure(error, timer.controller.signal);
        record.errorType = failure.type;
        record.errorMessage = failure.message;
        lastError = null;
        if (failure.type === 'cancelled') return { live: null, attempts, lastError };
        if (failure.type === 'missing_api_key') break; // a retry has no key either: the next target
      }
      if (retry === plan.retries || waitMs > MAX_RETRY_WAIT_MS) break;
      try {
        await sleep(waitMs, outer);
      } catch {
        return { live: null, attempts, lastError };
      }
    }
  }
  return { live: null, attempts, lastError };
}
