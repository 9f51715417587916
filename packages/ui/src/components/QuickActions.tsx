import { useState } from 'react';
import { Link } from 'wouter';
import { api, isMissingEndpoint } from '../api/client.ts';
import type { Span } from '../api/types.ts';
import type { TraceViewSpan } from '../api/fields.ts';
import { toJson } from '../lib/json.ts';
import { CopyButton } from './CopyButton.tsx';
import { errorMessage } from './Notice.tsx';
import { useToast } from './Toast.tsx';

const DATASET_KEY = 'spanhouse.lastDataset';

export const spanPermalink = (traceId: string, spanId: string) =>
  `/traces/${encodeURIComponent(traceId)}?span=${encodeURIComponent(spanId)}`;

export const playgroundLink = (spanId: string) => `/playground?span=${encodeURIComponent(spanId)}`;

function failureText(error: unknown, feature: string): string {
  return isMissingEndpoint(error) ? `${feature} is not available on this server yet` : `${feature} failed: ${errorMessage(error)}`;
}

/** The span's stored thumbs feedback (the `feedback` score a feedback event sets: true is up), if any. */
export function feedbackOf(scores: Span['scores']): 'up' | 'down' | null {
  const score = [...(scores ?? [])].reverse().find((s) => s.name === 'feedback');
  if (!score) return null;
  const value = typeof score.value === 'string' ? score.value.toLowerCase() : score.value;
  if (value === true || value === 1 || value === 'true' || value === 'up' || value === '1') return 'up';
  if (value === false || value === 0 || value === 'false' || value === 'down' || value === '0') return 'down';
  return null;
}

function DatasetButton({ spanId }: { spanId: string }) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(() => localStorage.getItem(DATASET_KEY) ?? '');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const dataset = name.trim();
    if (!dataset) return;
    setBusy(true);
    try {
      await api.addToDataset(dataset, spanId);
      localStorage.setItem(DATASET_KEY, dataset);
      toast(`Added to dataset “${dataset}”`);
      setOpen(false);
    } catch (error) {
      toast(failureText(error, 'Adding to a dataset'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="rel-wrap">
      <button type="button" className={`btn small ${open ? 'on' : ''}`} onClick={() => setOpen(!open)} aria-expanded={open}>
        + Dataset
      </button>
      {open && (
        <form
          className="popover"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label htmlFor="dataset-name" className="muted">
            Add this span to dataset
          </label>
          <input id="dataset-name" className="input" autoFocus placeholder="dataset name" value={name} onChange={(e) => setName(e.target.value)} />
          <div className="actions">
            <button type="submit" className="btn small primary" disabled={busy || !name.trim()}>
              Add
            </button>
            <button type="button" className="btn small ghost" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </span>
  );
}

function Thumb({ down }: { down?: boolean }) {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" style={down ? { transform: 'rotate(180deg)' } : undefined}>
      <path
        d="M7 10v11H3V10h4Zm2 11h8.4a2 2 0 0 0 2-1.6l1.5-7A2 2 0 0 0 19 10h-5l.8-4.2A2 2 0 0 0 12.9 3.5L9 10v11Z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/** Copy JSON, permalink, dataset and thumbs feedback for one span. */
export function QuickActions({ span, fullSpan, onFeedbackSent }: { span: TraceViewSpan; fullSpan: Span | undefined; onFeedbackSent: () => void }) {
  const toast = useToast();
  // what was just sent, until the span (reloaded) carries it in its scores
  const [sent, setSent] = useState<'up' | 'down' | null>(null);
  const pressed = sent ?? feedbackOf(fullSpan?.scores ?? span.scores);
  const permalink = spanPermalink(span.trace_id, span.span_id);

  const feedback = async (value: 'up' | 'down') => {
    try {
      await api.sendFeedback(span.span_id, value);
      setSent(value);
      toast(value === 'up' ? 'Thanks: thumbs up recorded' : 'Thanks: thumbs down recorded');
      onFeedbackSent();
    } catch (error) {
      toast(failureText(error, 'Feedback'));
    }
  };

  return (
    <div className="actions">
      <CopyButton text={() => toJson(fullSpan ?? span)} label="Copy JSON" done="Span JSON copied" />
      <a className="btn small" href={permalink} target="_blank" rel="noreferrer" title="Open this trace, with this span selected, on its own page">
        Open trace ↗
      </a>
      <CopyButton text={() => new URL(permalink, window.location.origin).href} label="Copy link" done="Link to this span copied" />
      <DatasetButton spanId={span.span_id} />
      {span.type === 'generation' && (
        <Link className="btn small" href={playgroundLink(span.span_id)} title="Edit this conversation and run it again">
          Open in playground
        </Link>
      )}
      <button type="button" className={`btn small ${pressed === 'up' ? 'on' : ''}`} onClick={() => feedback('up')} aria-pressed={pressed === 'up'} aria-label="Thumbs up" title="Good output">
        <Thumb />
      </button>
      <button type="button" className={`btn small ${pressed === 'down' ? 'on' : ''}`} onClick={() => feedback('down')} aria-pressed={pressed === 'down'} aria-label="Thumbs down" title="Bad output">
        <Thumb down />
      </button>
    </div>
  );
}
