import { useState, type ReactNode } from 'react';
import { SECONDARY_KEYS, TIME_RANGES, activeFilterCount, EMPTY_FILTERS, DEFAULT_RANGE, type TraceFilters } from '../lib/filters.ts';
import { FilterInput } from './FilterInput.tsx';

const PROVIDERS = ['openai', 'anthropic', 'google', 'google.vertex', 'aws.bedrock', 'azure', 'mistral', 'xai', 'groq', 'cohere', 'deepseek', 'ollama'];

export interface Suggestions {
  models?: string[];
  services?: string[];
  providers?: string[];
  names?: string[];
}

/** ISO in the URL, local wall time in the datetime-local input. */
function isoToLocalInput(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
const localInputToIso = (value: string) => (value ? new Date(value).toISOString() : '');

export function FilterBar({
  filters,
  onChange,
  suggestions = {},
  showSearch = true,
  right,
}: {
  filters: TraceFilters;
  onChange: (patch: Partial<TraceFilters>, options?: { replace?: boolean }) => void;
  suggestions?: Suggestions;
  showSearch?: boolean;
  right?: ReactNode;
}) {
  const secondaryActive = SECONDARY_KEYS.filter((k) => filters[k] !== '').length;
  const [open, setOpen] = useState(secondaryActive > 0);
  const typed = (key: keyof TraceFilters) => (value: string) => onChange({ [key]: value }, { replace: true });
  const active = activeFilterCount(filters);
  const providers = [...new Set([...(suggestions.providers ?? []), ...PROVIDERS])];

  return (
    <div className="filters" role="search">
      <div className="filter-row">
        {showSearch && (
          <FilterInput
            className="input search"
            type="search"
            placeholder="Search prompts and responses…"
            title={'Full-text search over span inputs and outputs: all words must match; "quoted phrases" match in order'}
            aria-label="Search"
            value={filters.q}
            onCommit={typed('q')}
          />
        )}
        <select
          className="select"
          aria-label="Time range"
          value={filters.range}
          onChange={(e) => {
            const range = e.target.value;
            if (range === 'custom') {
              const until = new Date();
              const since = new Date(until.getTime() - 24 * 3_600_000);
              onChange({ range, since: filters.since || since.toISOString(), until: filters.until || until.toISOString() });
            } else onChange({ range, since: '', until: '' });
          }}
        >
          {TIME_RANGES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
        {filters.range === 'custom' && (
          <span className="field">
            <input
              className="input"
              type="datetime-local"
              aria-label="From"
              value={isoToLocalInput(filters.since)}
              onChange={(e) => onChange({ since: localInputToIso(e.target.value) }, { replace: true })}
            />
            <span className="range-sep">→</span>
            <input
              className="input"
              type="datetime-local"
              aria-label="Until"
              value={isoToLocalInput(filters.until)}
              onChange={(e) => onChange({ until: localInputToIso(e.target.value) }, { replace: true })}
            />
          </span>
        )}
        <select className="select" aria-label="Status" value={filters.status} onChange={(e) => onChange({ status: e.target.value })}>
          <option value="">Any status</option>
          <option value="success">Success</option>
          <option value="error">Error</option>
          <option value="timeout">Timeout</option>
        </select>
        <FilterInput
          className="input medium"
          placeholder="Model contains…"
          title="Models holding this text (any case); pick a known model from the list"
          aria-label="Model"
          list="sh-models"
          value={filters.model_contains}
          onCommit={typed('model_contains')}
        />
        <FilterInput className="input medium" placeholder="Provider" aria-label="Provider" list="sh-providers" value={filters.provider} onCommit={typed('provider')} />
        <FilterInput className="input medium" placeholder="Service" aria-label="Service" list="sh-services" value={filters.service} onCommit={typed('service')} />
        <button type="button" className={`btn ${open ? 'on' : ''}`} onClick={() => setOpen(!open)} aria-expanded={open}>
          More filters {secondaryActive > 0 && <span className="count">{secondaryActive}</span>}
        </button>
        {(active > 0 || filters.range !== DEFAULT_RANGE) && (
          <button type="button" className="btn ghost" onClick={() => onChange({ ...EMPTY_FILTERS, range: DEFAULT_RANGE })}>
            Clear
          </button>
        )}
        <span style={{ flex: 1 }} />
        {right && <span className="filter-right">{right}</span>}
      </div>
      {open && (
        <div className="filter-row">
          <span className="field">
            <label htmlFor="f-name">Trace name</label>
            <FilterInput id="f-name" className="input medium" placeholder="contains…" list="sh-names" value={filters.name} onCommit={typed('name')} />
          </span>
          {filters.model && (
            <span className="field">
              <label htmlFor="f-model">Model (exact)</label>
              <FilterInput id="f-model" className="input medium" value={filters.model} onCommit={typed('model')} />
            </span>
          )}
          <span className="field">
            <label htmlFor="f-user">User</label>
            <FilterInput id="f-user" className="input medium" placeholder="user id" value={filters.user_id} onCommit={typed('user_id')} />
          </span>
          <span className="field">
            <label htmlFor="f-session">Session</label>
            <FilterInput id="f-session" className="input medium" placeholder="session id" value={filters.session_id} onCommit={typed('session_id')} />
          </span>
          <span className="field">
            <label htmlFor="f-tag">Tag</label>
            <FilterInput id="f-tag" className="input narrow" placeholder="tag" value={filters.tag} onCommit={typed('tag')} />
          </span>
          <span className="field">
            <label htmlFor="f-cluster">Cluster</label>
            <FilterInput id="f-cluster" className="input narrow" placeholder="cluster id" value={filters.cluster_id} onCommit={typed('cluster_id')} />
          </span>
          <span className="field">
            <label htmlFor="f-meta">Metadata</label>
            <FilterInput
              id="f-meta"
              className="input medium"
              placeholder="key=value, key2=value2"
              title="Spans whose metadata has exactly these values, e.g. customer_tier=enterprise"
              value={filters.metadata}
              onCommit={typed('metadata')}
            />
          </span>
          <span className="field">
            <label htmlFor="f-dmin">Duration (ms)</label>
            <FilterInput id="f-dmin" className="input narrow" type="number" min={0} placeholder="min" value={filters.min_latency_ms} onCommit={typed('min_latency_ms')} />
            <span className="range-sep">–</span>
            <FilterInput className="input narrow" type="number" min={0} placeholder="max" aria-label="Max duration (ms)" value={filters.max_latency_ms} onCommit={typed('max_latency_ms')} />
          </span>
          <span className="field">
            <label htmlFor="f-score">Score</label>
            <FilterInput id="f-score" className="input narrow" placeholder="name" title="Traces with this score (on the trace or one of its spans)" value={filters.score_name} onCommit={typed('score_name')} />
            <FilterInput className="input narrow" type="number" step="any" placeholder="min" aria-label="Min score" value={filters.min_score} onCommit={typed('min_score')} />
            <span className="range-sep">–</span>
            <FilterInput className="input narrow" type="number" step="any" placeholder="max" aria-label="Max score" value={filters.max_score} onCommit={typed('max_score')} />
          </span>
          <span className="field">
            <label htmlFor="f-cmin">Cost ($)</label>
            <FilterInput id="f-cmin" className="input narrow" type="number" min={0} step="any" placeholder="min" value={filters.min_cost} onCommit={typed('min_cost')} />
            <span className="range-sep">–</span>
            <FilterInput className="input narrow" type="number" min={0} step="any" placeholder="max" aria-label="Max cost ($)" value={filters.max_cost} onCommit={typed('max_cost')} />
          </span>
        </div>
      )}
      <datalist id="sh-models">{(suggestions.models ?? []).map((m) => <option key={m} value={m} />)}</datalist>
      <datalist id="sh-providers">{providers.map((p) => <option key={p} value={p} />)}</datalist>
      <datalist id="sh-names">{(suggestions.names ?? []).map((n) => <option key={n} value={n} />)}</datalist>
      <datalist id="sh-services">{(suggestions.services ?? []).map((s) => <option key={s} value={s} />)}</datalist>
    </div>
  );
}
