import type { GenAiFields } from './dialect.ts';
import type { SpanType } from './types.ts';

/** GenAI operation names (OTel `gen_ai.operation.name` and the dialects' equivalents) by span type. */
const OPERATION_TYPES: Record<string, SpanType> = {
  chat: 'generation',
  text_completion: 'generation',
  completion: 'generation',
  generate_content: 'generation',
  embeddings: 'embedding',
  embedding: 'embedding',
  execute_tool: 'tool',
  create_agent: 'agent',
  invoke_agent: 'agent',
  invoke_workflow: 'chain',
  workflow: 'chain',
  plan: 'chain',
  retrieval: 'retriever',
  rerank: 'retriever',
};

const MEMORY_OPERATION = /(?:^|_)memory(?:_|$)/;

/**
 * The one place a span's type is decided. Rules, first match wins:
 * 1. an explicit type attribute (typeHint, set by the dialect that read it: openinference.span.kind,
 *    traceloop.span.kind, ai.operationId, langfuse.observation.type, pydantic-ai agent_name; the first dialect in
 *    registry order that sets one wins, so any explicit type beats every operation name);
 * 2. the operation name (`gen_ai.operation.name` and equivalents; `*_memory` counts as a span);
 * 3. a tool name → tool;
 * 4. any model → generation;
 * 5. otherwise a plain span.
 */
export function deriveSpanType(fields: GenAiFields): SpanType {
  if (fields.typeHint) return fields.typeHint;
  const operation = fields.operation?.toLowerCase();
  if (operation && Object.hasOwn(OPERATION_TYPES, operation)) return OPERATION_TYPES[operation];
  // the memory operations (create_memory, search_memory, update_memory, delete_memory, …)
  if (operation && MEMORY_OPERATION.test(operation)) return 'span';
  if (fields.tool_name) return 'tool';
  if (fields.model || fields.request_model) return 'generation';
  return 'span';
}
