import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client.ts';
import type { DatasetItem } from '../api/types.ts';
import { formatTimestamp } from '../lib/format.ts';
import { messagesToText, textToMessages } from '../lib/dataset-edit.ts';
import { toJson } from '../lib/json.ts';
import { ChatView } from './ChatView.tsx';
import { errorMessage } from './Notice.tsx';
import { useToast } from './Toast.tsx';

/** One dataset item: input, output, metadata and source; editable and deletable. */
export function DatasetItemCard({ dataset, item, onChanged }: { dataset: string; item: DatasetItem; onChanged: () => void }) {
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [metadata, setMetadata] = useState('');
  const [busy, setBusy] = useState(false);
  // a delete asks once more, in place (no browser dialog)
  const [confirming, setConfirming] = useState(false);
  const startEdit = () => {
    setInput(messagesToText(item.input, 'input'));
    setOutput(messagesToText(item.output, 'output'));
    setMetadata(toJson(item.metadata));
    setEditing(true);
  };
  const run = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await action();
      toast(done);
      setEditing(false);
      onChanged();
    } catch (error) {
      toast(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  const save = () => {
    let meta: Record<string, string>;
    try {
      meta = JSON.parse(metadata || '{}');
    } catch {
      toast('Metadata must be a JSON object');
      return;
    }
    void run(() => api.editDatasetItem(dataset, item.id, { input: textToMessages(input, item.input, 'input'), output: textToMessages(output, item.output, 'output'), metadata: meta }), 'Item saved');
  };
  const remove = () => void run(() => api.deleteDatasetItem(dataset, item.id), 'Item deleted');
  return (
    <article className="panel item-card" data-item-id={item.id}>
      <div className="item-head">
        <span className="mono">{item.id}</span>
        {item.source_trace_id && (
          <Link href={`/traces/${encodeURIComponent(item.source_trace_id)}${item.source_span_id ? `?span=${encodeURIComponent(item.source_span_id)}` : ''}`}>source span</Link>
        )}
        <span className="faint">{formatTimestamp(item.created_at)}</span>
        <span className="grow" />
        {!editing && (
          <button type="button" className="btn small" onClick={startEdit}>
            Edit
          </button>
        )}
        {confirming ? (
          <>
            <button type="button" className="btn small danger" onClick={remove} disabled={busy}>
              Confirm delete
            </button>
            <button type="button" className="btn small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="btn small danger" onClick={() => setConfirming(true)} disabled={busy}>
            Delete
          </button>
        )}
      </div>
      {editing ? (
        <div className="item-edit">
          <label>
            Input
            <textarea className="input" aria-label="Input" rows={4} value={input} onChange={(e) => setInput(e.target.value)} />
          </label>
          <label>
            Output
            <textarea className="input" aria-label="Output" rows={4} value={output} onChange={(e) => setOutput(e.target.value)} />
          </label>
          <label>
            Metadata (JSON)
            <textarea className="input mono" aria-label="Metadata" rows={3} value={metadata} onChange={(e) => setMetadata(e.target.value)} />
          </label>
          <div className="actions">
            <button type="button" className="btn primary" onClick={save} disabled={busy}>
              Save
            </button>
            <button type="button" className="btn" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="item-io">
          <div>
            <div className="io-label">Input</div>
            {item.input.length > 0 ? <ChatView messages={item.input} /> : <span className="faint">None</span>}
          </div>
          <div>
            <div className="io-label">Output</div>
            {item.output.length > 0 ? <ChatView messages={item.output} /> : <span className="faint">None</span>}
          </div>
          {Object.keys(item.metadata).length > 0 && (
            <div className="item-meta">
              {Object.entries(item.metadata).map(([k, v]) => (
                <span key={k} className="chip" title={`${k}=${v}`}>
                  {k}={v}
                </span>
              ))}
            </div>
          )}
        </div>
      )}
    </article>
  );
}
