// Content mode "off": keep what a span measured (timing, model, tokens, cost, metadata), drop what
// was said (prompts, completions, tool arguments and results, retrieved documents).
import type { SpanEvent, SpanhouseSpan } from '@spanhouse/model';

/**
 * Span/event attribute keys that carry prompt or completion content, for every dialect Spanhouse
 * maps. A key ending in `.*` covers the key itself and everything below it (`gen_ai.prompt.*`
 * covers `gen_ai.prompt` and `gen_ai.prompt.0.content`). Deliberately NOT here: tool definitions
 * and JSON schemas (`gen_ai.tool.definitions`, OpenInference `tool.parameters`, `llm.tools.*`,
 * `ai.schema`), prompt template names/versions, and request parameters: they describe the app, not
 * what a user said. Update this list with each new dialect.
 */
export const CONTENT_ATTRIBUTE_KEYS: readonly string[] = [
  // OpenTelemetry GenAI semantic conventions (current and legacy)
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.prompt.*',
  'gen_ai.completion.*',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  // OpenInference (Arize Phoenix)
  'input.value',
  'output.value',
  'llm.input_messages.*',
  'llm.output_messages.*',
  'llm.prompts.*',
  'llm.prompt_template.variables',
  'llm.function_call',
  'retrieval.documents.*',
  'reranker.query',
  'reranker.input_documents.*',
  'reranker.output_documents.*',
  'embedding.embeddings.*',
  // OpenLLMetry / Traceloop
  'traceloop.entity.input',
  'traceloop.entity.output',
  'traceloop.prompt.template_variables.*',
  'llm.choices.*',
  // Vercel AI SDK
  'ai.prompt.*',
  'ai.response.text',
  'ai.response.toolCalls',
  'ai.response.object',
  'ai.response.reasoning',
  'ai.toolCall.args',
  'ai.toolCall.result',
  'ai.toolCall.input',
  'ai.toolCall.output',
  'ai.value',
  'ai.values',
  'ai.embedding',
  'ai.embeddings',
  // Langfuse
  'langfuse.observation.input',
  'langfuse.observation.output',
  'langfuse.trace.input',
  'langfuse.trace.output',
  // Pydantic AI / Logfire
  'pydantic_ai.all_messages',
  'pydantic_ai.variable_instructions',
  'all_messages_events',
  'events',
  'prompt',
  'final_result',
  'tool_arguments',
  'tool_response',
  'request_data',
  'response_data',
  // MLflow
  'mlflow.spanInputs',
  'mlflow.spanOutputs',
];

/** Per-message GenAI events: their content fields go; the event (time, role, index) stays. */
const MESSAGE_EVENT_CONTENT_FIELDS = ['content', 'message', 'tool_calls', 'body', 'parts', 'arguments'];

function compileKeyMatcher(keys: readonly string[]): (key: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const key of keys) {
    if (key.endsWith('.*')) {
      exact.add(key.slice(0, -2));
      prefixes.push(key.slice(0, -1));
    } else exact.add(key);
  }
  return (key) => exact.has(key) || prefixes.some((prefix) => key.startsWith(prefix));
}

/** True when an attribute key carries content (see CONTENT_ATTRIBUTE_KEYS). */
export const isContentAttribute = compileKeyMatcher(CONTENT_ATTRIBUTE_KEYS);

function withoutKeys<T>(record: Record<string, T>, drop: (key: string) => boolean): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !drop(key)));
}

function dropEventContent(event: SpanEvent): SpanEvent {
  const isMessageEvent = event.name.startsWith('gen_ai.');
  const attributes = withoutKeys(event.attributes, (key) => isContentAttribute(key) || (isMessageEvent && MESSAGE_EVENT_CONTENT_FIELDS.includes(key)));
  return { ...event, attributes };
}

/**
 * Content mode off: empties input/output messages and text (tool arguments and results live
 * there too), removes content attributes of every dialect from span_attributes, and strips content
 * from GenAI events. Keeps metadata, token counts, cost, errors (exception messages included),
 * model, ids and timing. Returns a new span.
 */
export function dropContent(span: SpanhouseSpan): SpanhouseSpan {
  return {
    ...span,
    input_messages: [],
    output_messages: [],
    input_text: '',
    output_text: '',
    span_attributes: withoutKeys(span.span_attributes, isContentAttribute),
    events: span.events.map(dropEventContent),
  };
}
