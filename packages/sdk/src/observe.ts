// observe(): records a step of the app's own pipeline (an agent, a tool, a chain, a retriever)
// as a span with GenAI attributes, its input (the arguments), output (the return value) and
// error. Spans started inside (LLM calls, nested steps) become its children.
import { context, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { SDK_NAME, SDK_VERSION, state } from './state.ts';

export type ObservationType = 'agent' | 'tool' | 'chain' | 'retriever' | 'generation' | 'embedding' | 'span';

export interface ObserveOptions {
  /** What the step is; sets the span's type in Spanhouse. Default 'span'. */
  type?: ObservationType;
  /** Record arguments and return value. Default: init's captureContent (true when init was not called). */
  captureInput?: boolean;
  captureOutput?: boolean;
  /** Extra span attributes. */
  attributes?: Attributes;
}

/** GenAI operation names by type (OTel GenAI conventions), so other OTel backends understand the spans too. */
const OPERATIONS: Partial<Record<ObservationType, string>> = {
  agent: 'invoke_agent',
  tool: 'execute_tool',
  chain: 'invoke_workflow',
  retriever: 'retrieval',
};

// Looked up on first use, so importing the helpers has no side effects (tree-shaking).
let tracer: ReturnType<typeof trace.getTracer> | undefined;

/** A value as text: strings as they are, anything else as JSON. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value); // cyclic
  }
}

/** An input or output as the GenAI message list the collector reads (one message of the given role). */
function messages(role: 'user' | 'assistant', value: unknown): string {
  return JSON.stringify([{ role, content: asText(value) }]);
}

function startAttributes(name: string, type: ObservationType, input: unknown, captureInput: boolean, extra?: Attributes): Attributes {
  const attributes: Attributes = { 'spanhouse.span.type': type, ...extra };
  const operation = OPERATIONS[type];
  if (operation) attributes['gen_ai.operation.name'] = operation;
  if (type === 'tool') attributes['gen_ai.tool.name'] = name;
  if (type === 'agent') attributes['gen_ai.agent.name'] = name;
  if (captureInput && input !== undefined) {
    if (type === 'tool') attributes['gen_ai.tool.call.arguments'] = asText(input);
    else attributes['gen_ai.input.messages'] = messages('user', input);
  }
  return attributes;
}

function finish(span: Span, type: ObservationType, output: unknown, captureOutput: boolean): void {
  if (captureOutput && output !== undefined) {
    span.setAttribute(type === 'tool' ? 'gen_ai.tool.call.result' : 'gen_ai.output.messages', type === 'tool' ? asText(output) : messages('assistant', output));
  }
  span.end();
}

function fail(span: Span, err: unknown): never {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setAttribute('error.type', error.constructor?.name && error.constructor.name !== 'Error' ? error.constructor.name : error.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.end();
  throw err;
}

const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as Promise<unknown>)?.then === 'function';

/**
 * Wraps fn so each call is recorded as a span named `name`. The input is the argument (or the
 * argument list when there are several), the output is the return value (awaited when it is a
 * promise). Errors are recorded and rethrown. The wrapper keeps fn's signature and `this`.
 */
export function observe<F extends (...args: any[]) => any>(name: string, fn: F, options: ObserveOptions = {}): F {
  const type = options.type ?? 'span';
  return function observed(this: unknown, ...args: unknown[]) {
    const capture = state.config?.captureContent ?? true;
    const input = args.length === 0 ? undefined : args.length === 1 ? args[0] : args;
    tracer ??= trace.getTracer(SDK_NAME, SDK_VERSION);
    const span = tracer.startSpan(name, { attributes: startAttributes(name, type, input, options.captureInput ?? capture, options.attributes) });
    const captureOutput = options.captureOutput ?? capture;
    let result: unknown;
    try {
      result = context.with(trace.setSpan(context.active(), span), () => fn.apply(this, args));
    } catch (err) {
      fail(span, err);
    }
    if (!isPromise(result)) {
      finish(span, type, result, captureOutput);
      return result;
    }
    return result.then(
      (value) => {
        finish(span, type, value, captureOutput);
        return value;
      },
      (err) => fail(span, err),
    );
  } as F;
}

/**
 * The decorator form of observe() for class methods, as a TC39 (TypeScript 5) or legacy
 * (experimentalDecorators) decorator: `@observed({ type: 'tool' })`. The span is named
 * `Class.method` unless `name` is given.
 */
export function observed(options: ObserveOptions & { name?: string } = {}) {
  return function decorate(target: any, contextOrKey: any, descriptor?: PropertyDescriptor): any {
    if (descriptor && typeof descriptor.value === 'function') {
      // Legacy: (prototype, key, descriptor)
      const name = options.name ?? `${target.constructor?.name ?? 'anonymous'}.${String(contextOrKey)}`;
      descriptor.value = observe(name, descriptor.value, options);
      return descriptor;
    }
    // TC39: (method, { kind: 'method', name }); the class name is known only per call.
    const method = target as (...args: any[]) => any;
    const methodName = String(contextOrKey?.name ?? method.name);
    const wrappers = new Map<string, (...args: any[]) => any>();
    return function (this: any, ...args: any[]) {
      const name = options.name ?? `${this?.constructor?.name ?? 'anonymous'}.${methodName}`;
      let wrapped = wrappers.get(name);
      if (!wrapped) wrappers.set(name, (wrapped = observe(name, method, options)));
      return wrapped.apply(this, args);
    };
  };
}
