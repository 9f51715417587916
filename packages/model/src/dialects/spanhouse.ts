// Spanhouse's own attributes, for apps that want to set fields directly.
import { asString } from '../attributes.ts';
import type { Dialect, GenAiFields } from '../dialect.ts';
import { SPAN_TYPES, type SpanType } from '../types.ts';

export const spanhouse: Dialect = {
  name: 'spanhouse',
  map({ attrs }) {
    const fields: GenAiFields = {};
    fields.routing_alias = attrs.str('spanhouse.routing_alias');
    // Custom spans from the API name their type; `spanhouse.span.open` marks one not ended yet.
    const type = attrs.str('spanhouse.span.type');
    if (type && (SPAN_TYPES as readonly string[]).includes(type)) fields.typeHint = type as SpanType;
    attrs.raw('spanhouse.span.open');
    fields.tags = attrs.strings('spanhouse.tags');
    fields.user_id = attrs.str('spanhouse.user_id');
    fields.session_id = attrs.str('spanhouse.session_id');
    const metadata: Record<string, string> = {};
    for (const [key, value] of attrs.withPrefix('spanhouse.metadata.')) metadata[key] = asString(value) ?? '';
    if (Object.keys(metadata).length > 0) fields.metadata = metadata;
    return fields;
  },
};
