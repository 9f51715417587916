import { Link } from 'wouter';
import { api } from '../api/client.ts';
import { DatasetItemCard } from '../components/DatasetItemCard.tsx';
import { ErrorNotice, Notice, errorMessage } from '../components/Notice.tsx';
import { useToast } from '../components/Toast.tsx';
import { useApi } from '../hooks/useApi.ts';
import { useCursorPages } from '../hooks/useCursorPages.ts';
import { formatCount } from '../lib/format.ts';

/** Saves text as a file through a temporary link. */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function DatasetItems({ name, onChanged }: { name: string; onChanged: () => void }) {
  const toast = useToast();
  const pages = useCursorPages(`dataset-${name}`, (cursor, signal) => api.datasetItems(name, { limit: 50, cursor }, signal));
  const changed = () => {
    pages.reload();
    onChanged();
  };
  const exportJsonl = async () => {
    try {
      download(`${name}.jsonl`, await api.exportDataset(name));
    } catch (error) {
      toast(errorMessage(error));
    }
  };
  return (
    <section className="dataset-items" aria-label={`Items of ${name}`}>
      <div className="title-line">
        <h2>{name}</h2>
        <span className="grow" />
        <button type="button" className="btn" onClick={exportJsonl}>
          Export JSONL
        </button>
      </div>
      {pages.loading && <div className="loading-bar" />}
      {pages.error !== undefined && <ErrorNotice error={pages.error} />}
      {!pages.loading && pages.rows.length === 0 && pages.error === undefined && <Notice kind="plain">This dataset has no items.</Notice>}
      {pages.rows.map((item) => (
        <DatasetItemCard key={`${item.id}-${item.created_at}`} dataset={name} item={item} onChanged={changed} />
      ))}
      {pages.hasMore && (
        <button type="button" className="btn" onClick={pages.loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}

/** Datasets and their items: add items from a span ("+ Dataset") or the generations table. */
export function DatasetsPage({ name }: { name?: string }) {
  const list = useApi('datasets', (signal) => api.datasets(signal));
  const datasets = list.data?.data ?? [];
  return (
    <main className="page">
      <h1 className="page-title">Datasets</h1>
      <div className="datasets">
        <nav className="panel dataset-list" aria-label="Datasets">
          {list.error !== undefined && <ErrorNotice error={list.error} small />}
          {list.data && datasets.length === 0 && (
            <div className="panel-body faint">No datasets yet. Add a span from its detail (“+ Dataset”) or select generations and “Add to dataset”.</div>
          )}
          {datasets.map((d) => (
            <Link key={d.name} href={`/datasets/${encodeURIComponent(d.name)}`} className={`dataset-link ${d.name === name ? 'active' : ''}`} data-dataset={d.name}>
              <span>{d.name}</span>
              <span className="faint">{formatCount(d.item_count)}</span>
            </Link>
          ))}
        </nav>
        <div className="dataset-main">
          {name ? <DatasetItems key={name} name={name} onChanged={list.reload} /> : datasets.length > 0 && <div className="faint">Pick a dataset.</div>}
        </div>
      </div>
    </main>
  );
}
