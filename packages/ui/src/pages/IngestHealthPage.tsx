// Ingest health: how the last day's spans were understood, per dialect, so a user sees at
// once why a field is empty (no dialect recognised the span, the library sent no model or
// tokens, content capture is off, or attributes nobody maps).
import { api } from '../api/client.ts';
import type { DialectHealth } from '../api/types.ts';
import { useApi } from '../hooks/useApi.ts';
import { formatCount, formatPercent, plural } from '../lib/format.ts';
import { ErrorNotice } from '../components/Notice.tsx';

const share = (part: number, whole: number) => formatPercent(whole > 0 ? part / whole : null);

/** "Spans no dialect recognised" reads better than the id "none". */
const dialectLabel = (dialect: string) => (dialect === 'none' ? 'no dialect' : dialect);
const SEMCONV_LABELS: Record<string, string> = { '2026': 'current (2026)', legacy: 'legacy names', mixed: 'both', '': 'no gen_ai names' };

function DialectRow({ row }: { row: DialectHealth }) {
  return (
    <tr>
      <td className="mono">{dialectLabel(row.dialect)}</td>
      <td className="num">{formatCount(row.spans)}</td>
      <td className="num">{formatCount(row.llm_spans)}</td>
      <td className="num">{share(row.missing_model, row.llm_spans)}</td>
      <td className="num">{share(row.missing_tokens, row.llm_spans)}</td>
      <td className="num">{share(row.missing_content, row.llm_spans)}</td>
    </tr>
  );
}

export function IngestHealthPage() {
  const health = useApi('ingest-health', (signal) => api.ingestHealth(signal));
  const h = health.data;
  return (
    <main className="page">
      <h1>Ingest health</h1>
      <p className="faint">Spans of the last 24 hours (counted by whole hours), by the dialect that mapped them: what each one left empty, and the attributes no dialect understood.</p>
      {health.error !== undefined && <ErrorNotice error={health.error} missing="This server has no ingest-health report yet." />}
      {!h ? (
        <div className="faint">{health.loading ? 'Loading…' : ''}</div>
      ) : h.total.spans === 0 ? (
        <div className="panel panel-body faint">No spans in the last 24 hours.</div>
      ) : (
        <>
          <section className="panel" aria-label="Spans per dialect">
            <div className="panel-head">Spans per dialect</div>
            <table className="health-table">
              <thead>
                <tr>
                  <th>Dialect</th>
                  <th className="num">Spans</th>
                  <th className="num">LLM spans</th>
                  <th className="num">No model</th>
                  <th className="num">No tokens</th>
                  <th className="num">No content</th>
                </tr>
              </thead>
              <tbody>
                {h.dialects.map((row) => (
                  <DialectRow key={row.dialect} row={row} />
                ))}
                <DialectRow row={{ dialect: 'all spans', ...h.total }} />
              </tbody>
            </table>
            <div className="panel-body faint">Shares are of the LLM (generation and embedding) spans; a span mapped by two dialects counts under both.</div>
          </section>
          <div className="health-grid">
            <section className="panel" aria-label="Conventions">
              <div className="panel-head">GenAI conventions</div>
              <ul className="panel-body plain-list">
                {h.semconv.map((s) => (
                  <li key={s.semconv}>
                    {SEMCONV_LABELS[s.semconv] ?? s.semconv}: <b>{formatCount(s.spans)}</b>
                  </li>
                ))}
                {h.inferred.map((f) => (
                  <li key={f.field}>
                    {f.field} inferred: <b>{formatCount(f.spans)}</b>
                  </li>
                ))}
              </ul>
            </section>
            <section className="panel" aria-label="Top unmapped attributes">
              <div className="panel-head">Top unmapped attributes</div>
              {h.top_unmapped.length === 0 ? (
                <div className="panel-body faint">Every attribute was understood.</div>
              ) : (
                <ul className="panel-body plain-list">
                  {h.top_unmapped.map((u) => (
                    <li key={u.key}>
                      <span className="mono">{u.key}</span> <span className="faint">on {plural(u.spans, 'span')}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
        </>
      )}
    </main>
  );
}
