import type { ReactElement } from 'react';
import type { SpanType } from '../api/types.ts';

const stroke = { fill: 'none', stroke: 'currentColor', strokeWidth: 2.4, strokeLinecap: 'round', strokeLinejoin: 'round' } as const;

// 24×24 glyphs, drawn small inside a coloured square.
const GLYPHS: Record<SpanType, ReactElement> = {
  generation: <path {...stroke} d="M12 3l2.2 6.1L20 11l-5.8 1.9L12 19l-2.2-6.1L4 11l5.8-1.9z" />,
  embedding: (
    <g {...stroke}>
      <circle cx="6" cy="6" r="1.6" /><circle cx="18" cy="6" r="1.6" /><circle cx="6" cy="18" r="1.6" /><circle cx="18" cy="18" r="1.6" />
      <circle cx="12" cy="12" r="1.6" />
    </g>
  ),
  tool: <path {...stroke} d="M14.5 5.5a4 4 0 0 0-5 5L4 16l4 4 5.5-5.5a4 4 0 0 0 5-5l-2.5 2.5-3-1-1-3z" />,
  agent: (
    <g {...stroke}>
      <rect x="5" y="8" width="14" height="11" rx="3" /><path d="M12 4v4M9.5 13h.01M14.5 13h.01" />
    </g>
  ),
  chain: (
    <g {...stroke}>
      <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1" /><path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
    </g>
  ),
  retriever: (
    <g {...stroke}>
      <circle cx="11" cy="11" r="6" /><path d="M20 20l-4.5-4.5" />
    </g>
  ),
  span: <circle cx="12" cy="12" r="4" fill="currentColor" />,
};

export const TYPE_LABELS: Record<SpanType, string> = {
  generation: 'LLM generation',
  embedding: 'Embedding',
  tool: 'Tool call',
  agent: 'Agent',
  chain: 'Chain',
  retriever: 'Retriever',
  span: 'Span',
};

/** [type, label] pairs for type pickers. */
export const SPAN_TYPE_OPTIONS = Object.entries(TYPE_LABELS) as Array<[SpanType, string]>;

export const typeColor = (type: string) => `var(--t-${type in GLYPHS ? type : 'span'})`;

export function TypeIcon({ type }: { type: SpanType | string }) {
  const known = (type in GLYPHS ? type : 'span') as SpanType;
  return (
    <span className="type-icon" style={{ background: typeColor(known) }} title={TYPE_LABELS[known]}>
      <svg viewBox="0 0 24 24" aria-hidden="true">
        {GLYPHS[known]}
      </svg>
    </span>
  );
}
