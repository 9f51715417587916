import { useState } from 'react';
import { api } from '../api/client.ts';
import { errorMessage } from './Notice.tsx';
import { useToast } from './Toast.tsx';

/** "Add n to dataset": copies every selected span into the named dataset, one request each. */
export function BulkAddToDataset({ spanIds, onDone }: { spanIds: string[]; onDone: () => void }) {
  const toast = useToast();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const add = async () => {
    const dataset = name.trim();
    if (!dataset || spanIds.length === 0) return;
    setBusy(true);
    try {
      for (const spanId of spanIds) await api.addToDataset(dataset, spanId);
      toast(`Added ${spanIds.length} to dataset “${dataset}”`);
      onDone();
    } catch (error) {
      toast(`Could not add to “${dataset}”: ${errorMessage(error)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="field bulk">
      <span className="muted">{spanIds.length} selected</span>
      <input className="input medium" placeholder="dataset name" aria-label="Dataset for the selected generations" value={name} onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && add()} />
      <button type="button" className="btn" disabled={busy || !name.trim() || spanIds.length === 0} onClick={add}>
        Add to dataset
      </button>
    </span>
  );
}
