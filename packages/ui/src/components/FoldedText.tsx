import { useState } from 'react';
import { foldText, formatCount } from '../lib/format.ts';

/**
 * Long text folded to its first ~2,000 characters with a "Show all" button, so a huge
 * prompt does not push everything else off the page. Text nodes only (never HTML).
 */
export function FoldedText({ text, limit }: { text: string; limit?: number }) {
  const [open, setOpen] = useState(false);
  const { head, folded } = foldText(text, limit);
  if (!folded) return <>{text}</>;
  return (
    <>
      {open ? text : head}
      <span className="fold-toggle">
        <button type="button" className="btn small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Show less' : `Show all (${formatCount(Array.from(text).length)} characters)`}
        </button>
      </span>
    </>
  );
}
