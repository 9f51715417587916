import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client.ts';
import type { Cluster, MetricRow } from '../api/types.ts';
import { useApi } from '../hooks/useApi.ts';
import { useMetrics } from '../hooks/useMetrics.ts';
import { useUrlFilters } from '../hooks/useUrlFilters.ts';
import { colorAt } from '../lib/chart.ts';
import { EMPTY_FILTERS, resolveTimeWindow, serializeFilters, type TraceFilters } from '../lib/filters.ts';
import { foldGroups, pivot, sumRows, totalsByBucket, totalsByGroup, windowPercentiles, type GroupTotals } from '../lib/metrics.ts';
import { costSumTitle, formatCost, formatCostSum, formatCount, formatDuration, formatPercent, plural } from '../lib/format.ts';
import { FilterBar } from '../components/FilterBar.tsx';
import { LineChart } from '../components/GroupChart.tsx';
import { ErrorNotice } from '../components/Notice.tsx';
import { GenAiMetricsPanel } from '../components/GenAiMetricsPanel.tsx';

const MAX_GROUPS = 8;

/** The window's figures, from the ungrouped metrics of the whole window (one row): the same whatever the grouping, percentiles over every call. */
function Kpis({ rows }: { rows: MetricRow[] }) {
  const t = sumRows(rows);
  const latency = windowPercentiles(rows);
  const latencyNote = latency.exact ? '' : 'highest per bucket';
  // [label, value, sub, sub's tooltip]
  const cards: [string, string, string, string?][] = [
    [
      'Cost',
      // the card keeps the known sum; what it leaves out goes below
      t.unpriced > 0 && t.cost > 0 ? formatCost(t.cost) : formatCostSum(t.hasCost ? t.cost : null, t.unpriced),
      [
        t.unpriced > 0 ? `+ ${plural(t.unpriced, 'unpriced call')}` : '',
        t.count > t.unpriced && t.hasCost && t.cost > 0 ? `${formatCost(t.cost / (t.count - t.unpriced))} per ${t.unpriced > 0 ? 'priced ' : ''}call` : '',
      ].filter(Boolean).join(' · '),
      t.unpriced > 0 ? `${costSumTitle(t.unpriced)}; the average is over the calls with a price` : 'Average over all calls',
    ],
    ['Tokens', formatCount(t.inputTokens + t.outputTokens), `${formatCount(t.inputTokens)} in · ${formatCount(t.outputTokens)} out`],
    ['Calls', formatCount(t.count), `${formatCount(t.errors)} failed`],
    ['Error rate', formatPercent(t.count > 0 ? t.errors / t.count : null), ''],
    ['Latency p50', formatDuration(latency.p50), latencyNote],
    ['Latency p90', formatDuration(latency.p90), latencyNote],
    ['Latency p99', formatDuration(latency.p99), latencyNote],
  ];
  return (
    <div className="kpis">
      {cards.map(([label, value, sub, subTitle]) => (
        <div className="panel kpi" key={label} data-kpi={label}>
          <div className="label">{label}</div>
          <div className="value">{value}</div>
          <div className="sub" title={sub ? subTitle : undefined}>{sub || '\u00a0'}</div>
        </div>
      ))}
    </div>
  );
}

function GroupTable({ groups, groupBy, filters }: { groups: GroupTotals[]; groupBy: string; filters: TraceFilters }) {
  const maxCost = Math.max(...groups.map((g) => g.cost), 0);
  return (
    <section className="panel" aria-label={`By ${groupBy}`}>
      <div className="panel-head">
        <h2>By {groupBy}</h2>
      </div>
      <table className="table">
        <thead>
          <tr>
            <th>{groupBy}</th>
            <th className="num">Calls</th>
            <th className="num">Cost</th>
            <th className="num">Tokens</th>
            <th className="num">Error rate</th>
            <th className="num">p50</th>
            <th className="num">p90</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g, i) => (
            <tr key={g.group}>
              <td>
                <span className="swatch" style={{ background: i < MAX_GROUPS ? colorAt(i) : '#cbd5e1' }} />
                {g.group === '(none)' ? (
                  <span className="faint">(none)</span>
                ) : (
                  <Link href={`/?${serializeFilters({ ...filters, [groupBy]: g.group })}`} title={`Traces using ${g.group}`}>
                    {g.group}
                  </Link>
                )}
              </td>
              <td className="num">{formatCount(g.count)}</td>
              <td className="num bar-cell">
                <div className="fill" style={{ width: `${maxCost > 0 ? (g.cost / maxCost) * 100 : 0}%`, right: 'auto' }} />
                <span title={costSumTitle(g.unpriced)}>{formatCostSum(g.hasCost ? g.cost : null, g.unpriced)}</span>
              </td>
              <td className="num">{formatCount(g.inputTokens + g.outputTokens)}</td>
              <td className="num" style={{ color: g.count > 0 && g.errors / g.count > 0.05 ? 'var(--err)' : undefined }}>
                {formatPercent(g.count > 0 ? g.errors / g.count : null)}
              </td>
              <td className="num">{formatDuration(g.p50)}</td>
              <td className="num">{formatDuration(g.p90)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const TOP_CLUSTERS = 15;

/** The largest prompt clusters in the page's time window (its other filters do not apply to clusters). */
function Clusters({ tick, window, filters }: { tick: number; window: { since?: string; until?: string }; filters: TraceFilters }) {
  const clusters = useApi(`clusters-${tick}-${window.since}-${window.until}`, (signal) => api.clusters({ limit: TOP_CLUSTERS, ...window }, signal));
  const list: Cluster[] = clusters.data?.data ?? [];
  return (
    <section className="panel" aria-label="Top clusters">
      <div className="panel-head">
        <h2>Top clusters</h2>
        <span className="faint">similar prompts grouped together · {window.since || window.until ? 'in this time range' : 'all time'}</span>
      </div>
      {clusters.error !== undefined ? (
        <div className="panel-body">
          <ErrorNotice small error={clusters.error} missing="Clustering is not available on this server yet." />
        </div>
      ) : list.length === 0 ? (
        <div className="panel-body faint">{clusters.loading ? 'Loading…' : 'No clusters yet.'}</div>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Cluster</th>
              <th className="num">Spans</th>
              <th className="num">Cost</th>
              <th className="num">Avg latency</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.cluster_id}>
                <td title={c.cluster_id}>
                  <Link href={`/?${serializeFilters({ ...EMPTY_FILTERS, range: filters.range, since: filters.since, until: filters.until, cluster_id: c.cluster_id })}`}>
                    {c.label || c.cluster_id}
                  </Link>
                </td>
                <td className="num">{formatCount(c.size)}</td>
                <td className="num" title={costSumTitle(c.unpriced_count)}>
                  {formatCostSum(c.cost_usd, c.unpriced_count)}
                </td>
                <td className="num">{formatDuration(c.size > 0 ? c.latency_ms_avg : null)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function OverviewPage() {
  const { filters, setFilters, extra, setExtra, query } = useUrlFilters();
  const groupBy = extra.get('group_by') === 'provider' ? 'provider' : 'model';
  const [tick, setTick] = useState(0);
  const nowMs = useMemo(() => Date.now(), [query, tick]);
  const metrics = useMetrics(filters, nowMs, groupBy);
  // the overall latency chart: the same window, no grouping
  const overallMetrics = useMetrics(filters, nowMs);
  const overallRows = overallMetrics.rows;
  // the cards and the table by group: the whole window as one bucket (exact percentiles)
  const wholeMetrics = useMetrics(filters, nowMs, undefined, true);
  const wholeByGroup = useMetrics(filters, nowMs, groupBy, true);
  const tableGroups = useMemo(() => (wholeByGroup.rows ? totalsByGroup(wholeByGroup.rows) : null), [wholeByGroup.rows]);
  const timeWindow = useMemo(() => resolveTimeWindow(filters, nowMs), [filters, nowMs]);
  const rows = metrics.rows;

  const view = useMemo(() => {
    if (!rows) return null;
    const groups = totalsByGroup(rows);
    const keep = new Set(groups.slice(0, MAX_GROUPS).map((g) => g.group));
    const folded = foldGroups(rows, keep);
    const labels = [...groups.slice(0, MAX_GROUPS).map((g) => g.group), ...(groups.length > MAX_GROUPS ? ['other'] : [])];
    const colors = labels.map((l, i) => (l === 'other' ? '#94a3b8' : colorAt(i)));
    const grid = metrics.grid;
    // a bucket whose calls had no price has no known cost: a gap, "—" in the legend, not $0
    const cost = pivot(folded, labels, (r) => ((r.unpriced_count ?? 0) > 0 && !r.cost_usd ? null : (r.cost_usd ?? 0)), 0, grid);
    const tokens = pivot(folded, labels, (r) => r.input_tokens + r.output_tokens, 0, grid);
    const errors = pivot(folded, labels, (r) => (r.count > 0 ? r.error_count / r.count : null), null, grid);
    return { groups, labels, colors, cost, tokens, errors };
  }, [rows, metrics.grid]);
  const overall = useMemo(() => (overallRows ? totalsByBucket(overallRows, overallMetrics.grid) : null), [overallRows, overallMetrics.grid]);

  return (
    <main className="page scroll">
      <FilterBar
        filters={filters}
        onChange={setFilters}
        showSearch={false}
        right={
          <>
            <div className="seg" role="group" aria-label="Group by">
              <button type="button" className={groupBy === 'model' ? 'on' : ''} onClick={() => setExtra('group_by', '')}>
                By model
              </button>
              <button type="button" className={groupBy === 'provider' ? 'on' : ''} onClick={() => setExtra('group_by', 'provider')}>
                By provider
              </button>
            </div>
            <button type="button" className="btn" onClick={() => setTick((t) => t + 1)}>
              Refresh
            </button>
          </>
        }
      />
      {[metrics, overallMetrics, wholeMetrics, wholeByGroup].some((m) => m.error !== undefined && !m.rows) ? (
        <ErrorNotice
          error={[metrics, overallMetrics, wholeMetrics, wholeByGroup].find((m) => m.error !== undefined)?.error}
          missing="The overview needs /api/metrics, which this server does not offer yet."
        />
      ) : !view || !rows || !overall || !overallRows || !wholeMetrics.rows || !tableGroups ? (
        <div className="muted">Loading metrics…</div>
      ) : (
        <>
          <Kpis rows={wholeMetrics.rows} />
          <div className="grid-2">
            <LineChart title={`Cost by ${groupBy} (per ${metrics.bucket})`} kind="cost" labels={view.labels} colors={view.colors} xs={view.cost.xs} series={view.cost.series} />
            <LineChart title={`Tokens by ${groupBy}`} kind="count" labels={view.labels} colors={view.colors} xs={view.tokens.xs} series={view.tokens.series} />
            <LineChart title={`Error rate by ${groupBy}`} kind="percent" labels={view.labels} colors={view.colors} xs={view.errors.xs} series={view.errors.series} />
            <LineChart
              title="Latency percentiles"
              kind="duration"
              labels={['p50', 'p90', 'p99']}
              colors={['#0891b2', '#d97706', '#dc2626']}
              xs={overall.xs}
              series={[overall.totals.map((t) => t.p50), overall.totals.map((t) => t.p90), overall.totals.map((t) => t.p99)]}
            />
          </div>
          <div className="grid-2">
            <GroupTable groups={tableGroups} groupBy={groupBy} filters={filters} />
            <Clusters tick={tick} window={timeWindow} filters={filters} />
          </div>
          <GenAiMetricsPanel since={timeWindow.since} until={timeWindow.until} tick={tick} />
        </>
      )}
    </main>
  );
}
