import { Fragment, useMemo, useState, type ReactNode } from 'react';
import { api } from '../api/client.ts';
import type { Message, StoredEvent } from '../api/types.ts';
import type { TraceViewSpan as Span } from '../api/fields.ts';
import { useApi } from '../hooks/useApi.ts';
import { ancestors, type SpanTree } from '../lib/span-tree.ts';
import { formatCost, formatCount, formatDuration, formatTimestamp } from '../lib/format.ts';
import { toJson } from '../lib/json.ts';
import { AttributesTable } from './AttributesTable.tsx';
import { ChatView } from './ChatView.tsx';
import { ErrorNotice, Notice } from './Notice.tsx';
import { QuickActions } from './QuickActions.tsx';
import { StatusBadge } from './StatusDot.tsx';
import { TYPE_LABELS, TypeIcon } from './TypeIcon.tsx';

function Section({ title, right, children, collapsible, defaultOpen = false }: { title: string; right?: ReactNode; children: ReactNode; collapsible?: boolean; defaultOpen?: boolean }) {
  if (collapsible) {
    return (
      <details className="section details-toggle" aria-label={title} open={defaultOpen}>
        <summary className="section-title">
          <h3>{title}</h3>
        </summary>
        {children}
      </details>
    );
  }
  return (
    <section className="section" aria-label={title}>
      <div className="section-title">
        <h3>{title}</h3>
        <span className="grow" />
        {right}
      </div>
      {children}
    </section>
  );
}

function Breadcrumbs({ tree, span, onSelect }: { tree: SpanTree<Span>; span: Span; onSelect: (id: string) => void }) {
  const chain = ancestors(tree, span.span_id);
  return (
    <nav className="crumbs" aria-label="Span ancestors">
      {chain.map((node) => (
        <span key={node.span.span_id} style={{ display: 'contents' }}>
          <button type="button" className="crumb" onClick={() => onSelect(node.span.span_id)} title={node.span.name}>
            {node.span.name || node.span.span_id}
          </button>
          <span className="sep">›</span>
        </span>
      ))}
      <span className="nowrap" style={{ color: 'var(--text)' }}>
        {span.name}
      </span>
    </nav>
  );
}

function tokensText(span: Span): string {
  const parts = [`${formatCount(span.input_tokens)} in`, `${formatCount(span.output_tokens)} out`];
  if (span.cache_read_tokens) parts.push(`${formatCount(span.cache_read_tokens)} cache read`);
  if (span.cache_write_tokens) parts.push(`${formatCount(span.cache_write_tokens)} cache write`);
  if (span.reasoning_tokens) parts.push(`${formatCount(span.reasoning_tokens)} reasoning`);
  return `${formatCount(span.total_tokens)} (${parts.join(' · ')})`;
}

function Overview({ span, offsetMs, durationMs, parentName, onSelect }: { span: Span; offsetMs: number; durationMs: number; parentName?: string; onSelect: (id: string) => void }) {
  const rows: [string, ReactNode][] = [
    ['Span ID', <span className="mono">{span.span_id}</span>],
    [
      'Parent',
      span.parent_span_id ? (
        <button type="button" className="btn ghost small" style={{ padding: 0, height: 'auto', color: 'var(--accent)' }} onClick={() => onSelect(span.parent_span_id)}>
          {parentName ?? ''} <span className="mono faint">{span.parent_span_id}</span>
        </button>
      ) : (
        <span className="faint">none (root)</span>
      ),
    ],
    ['Type', `${TYPE_LABELS[span.type] ?? span.type}${span.operation ? ` · ${span.operation}` : ''}`],
    ['Start', <>+{formatDuration(offsetMs)} <span className="faint">into the trace · {formatTimestamp(span.start_time)}</span></>],
    ['Duration', <>{span.running ? <span className="running">running, open for {formatDuration(durationMs)}</span> : formatDuration(durationMs)}{span.ttft_ms !== null && span.ttft_ms !== undefined && <span className="faint"> · first token after {formatDuration(span.ttft_ms)}</span>}</>],
  ];
  if (span.model || span.request_model)
    rows.push(['Model', <>{span.model}{span.request_model && span.request_model !== span.model && <span className="faint"> (requested {span.request_model})</span>}</>]);
  if (span.provider) rows.push(['Provider', span.provider + (span.routing_alias ? ` via ${span.routing_alias}` : '')]);
  if (span.total_tokens || span.input_tokens || span.output_tokens) rows.push(['Tokens', tokensText(span)]);
  if (span.cost_usd !== null && span.cost_usd !== undefined)
    rows.push(['Cost', <>{formatCost(span.cost_usd)}{span.cost_source && <span className="faint"> · {span.cost_source}</span>}</>]);
  if (span.tool_name) rows.push(['Tool', <>{span.tool_name}{span.tool_call_id && <span className="mono faint"> {span.tool_call_id}</span>}</>]);
  if (span.agent_name || span.agent_id)
    rows.push(['Agent', <>{span.agent_name}{span.agent_id && <span className="mono faint"> {span.agent_id}</span>}{span.agent_version && <span className="faint"> v{span.agent_version}</span>}</>]);
  if (span.workflow_name) rows.push(['Workflow', span.workflow_name]);
  const params = Object.entries(span.request_params ?? {});
  if (params.length > 0) rows.push(['Request', <span className="mono">{params.map(([k, v]) => `${k}=${String(v)}`).join(' · ')}</span>]);
  if (span.finish_reasons?.length) rows.push(['Finish reasons', span.finish_reasons.join(', ')]);
  // a summary (the trace's view fields) has no service or kind: the full record brings them
  if (span.service_name !== undefined) rows.push(['Service', <>{span.service_name}{span.scope_name && <span className="faint"> · {span.scope_name}</span>}</>]);
  if (span.session_id) rows.push(['Session', <span className="mono">{span.session_id}</span>]);
  if (span.user_id) rows.push(['User', span.user_id]);
  if (span.kind !== undefined) rows.push(['Kind', span.kind]);
  return (
    <dl className="kv">
      {rows.map(([label, value]) => (
        <div key={label} style={{ display: 'contents' }}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function InputOutput({ span, loading }: { span: Span; loading: boolean }) {
  const [raw, setRaw] = useState(false);
  const input: Message[] | undefined = span.input_messages;
  const output: Message[] | undefined = span.output_messages;
  const hasMessages = input !== undefined || output !== undefined;
  const toggle = (
    <div className="seg" role="group" aria-label="Input/output view">
      <button type="button" className={raw ? '' : 'on'} onClick={() => setRaw(false)}>
        Chat
      </button>
      <button type="button" className={raw ? 'on' : ''} onClick={() => setRaw(true)}>
        Raw JSON
      </button>
    </div>
  );
  const side = (label: string, messages: Message[] | undefined, preview: string | undefined, text: string | undefined) =>
    !(messages && messages.length > 0) && !text && !preview && !loading ? null : (
    <>
      <div className="io-label">{label}</div>
      {messages && messages.length > 0 ? (
        raw ? <pre className="json mono">{toJson(messages)}</pre> : <ChatView messages={messages} spanId={span.span_id} />
      ) : text || preview ? (
        <div className="msg"><div className="msg-body">{text || preview}</div></div>
      ) : (
        <div className="faint">{loading && !hasMessages ? 'Loading…' : 'None'}</div>
      )}
    </>
  );
  const empty = !input?.length && !output?.length && !span.input_text && !span.output_text && !span.input_preview && !span.output_preview;
  if (empty && !loading) return null;
  return (
    <Section title="Input & output" right={toggle}>
      {side('Input', input, span.input_preview, span.input_text)}
      {side('Output', output, span.output_preview, span.output_text)}
      {span.truncated && <Notice kind="warn" small>Some content was cut to fit the store's size limit.</Notice>}
    </Section>
  );
}

/**
 * An event's attributes as key and value. A value on several lines (an exception's
 * `exception.stacktrace`) shows as preformatted text with its real line breaks; every
 * value is a text node, never HTML.
 */
function EventAttributes({ attributes }: { attributes: Record<string, unknown> }) {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return null;
  return (
    <dl className="kv compact event-attrs">
      {entries.map(([key, value]) => (
        <Fragment key={key}>
          <dt className="mono">{key}</dt>
          <dd>
            {typeof value === 'string' && value.includes('\n') ? (
              <pre className="stacktrace mono">{value}</pre>
            ) : (
              <span className="mono">{typeof value === 'string' ? value : JSON.stringify(value)}</span>
            )}
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function EventsList({ span, stored, traceStartMs }: { span: Span; stored: StoredEvent[]; traceStartMs: number }) {
  const events = span.events ?? [];
  if (events.length === 0 && stored.length === 0) return <div className="faint">None</div>;
  return (
    <table className="table">
      <tbody>
        {events.map((event, i) => (
          <Fragment key={`o${i}`}>
            <tr>
              <td className="nowrap mono">+{formatDuration(Date.parse(event.time) - traceStartMs)}</td>
              <td colSpan={2}>{event.name}</td>
            </tr>
            {Object.keys(event.attributes ?? {}).length > 0 && (
              <tr className="event-attrs-row">
                <td />
                <td colSpan={2}>
                  <EventAttributes attributes={event.attributes} />
                </td>
              </tr>
            )}
          </Fragment>
        ))}
        {stored.map((event, i) => (
          <tr key={`s${i}`}>
            <td className="nowrap">{event.created_at || event.time ? formatTimestamp(String(event.created_at ?? event.time)) : ''}</td>
            <td>{event.kind}{event.source ? <span className="faint"> · {event.source}</span> : null}</td>
            <td className="mono" style={{ overflowWrap: 'anywhere' }}>
              {event.data === undefined ? '' : isPlainObject(event.data) ? <EventAttributes attributes={event.data} /> : JSON.stringify(event.data)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Whether a span carries input or output to show (then it leads, and the overview folds). */
const hasContent = (span: Span) =>
  Boolean(span.input_messages?.length || span.output_messages?.length || span.input_text || span.output_text || span.input_preview || span.output_preview);

/** Everything about one span. `summary` (from the trace response) renders at once; the full span replaces it. */
export function SpanDetail({ summary, tree, onSelect }: { summary: Span; tree: SpanTree<Span>; onSelect: (id: string) => void }) {
  const spanId = summary.span_id;
  const full = useApi(`span-${spanId}`, (signal) => api.span(spanId, signal));
  const events = useApi(`events-${spanId}`, (signal) => api.spanEvents(spanId, signal));
  const fullSpan = full.data && full.data.span_id === spanId ? full.data : undefined;
  // until the full record arrives, the summary from the trace response (TRACE_VIEW_FIELDS)
  const span: Span = fullSpan ?? summary;
  const node = tree.byId.get(spanId);
  const parent = tree.byId.get(span.parent_span_id);
  const unmapped = useMemo(() => new Set(span.mapping?.unmapped ?? []), [span]);
  const storedEvents = events.data?.data ?? [];

  return (
    <div className="detail-scroll" data-testid="span-detail">
      <div className="detail-head">
        <Breadcrumbs tree={tree} span={span} onSelect={onSelect} />
        <div className="detail-title">
          <TypeIcon type={span.type} />
          <h2 title={span.name}>{span.name}</h2>
          <StatusBadge status={span.status} />
          <span className="grow" style={{ flex: 1 }} />
          <span className="muted nowrap">{formatDuration(node?.durationMs ?? span.latency_ms)}</span>
        </div>
        <QuickActions
          key={spanId}
          span={span}
          fullSpan={fullSpan}
          onFeedbackSent={() => {
            // the event list and the span's scores (feedback sets a `feedback` score)
            events.reload();
            full.reload();
          }}
        />
      </div>
      {full.error !== undefined && !fullSpan && (
        <div className="section">
          <ErrorNotice small error={full.error} missing="Full span details are not available; showing the summary from the trace." />
        </div>
      )}
      {span.status !== 'success' && (span.error_message || span.error_type) && (
        <Section title={span.status === 'timeout' ? 'Timeout' : 'Error'}>
          <div className="error-box">
            {span.error_type && <strong>{span.error_type}</strong>}
            {span.error_type && span.error_message ? ': ' : ''}
            {span.error_message}
          </div>
        </Section>
      )}
      <InputOutput span={span} loading={full.loading} />
      <Section title="Overview" collapsible defaultOpen={!hasContent(span)}>
        <Overview span={span} offsetMs={node?.offsetMs ?? 0} durationMs={node?.durationMs ?? span.latency_ms} parentName={parent?.span.name} onSelect={onSelect} />
      </Section>
      {span.scores && span.scores.length > 0 && (
        <Section title="Scores">
          <table className="table">
            <tbody>
              {span.scores.map((score, i) => (
                <tr key={i}>
                  <td>{score.name}</td>
                  <td className="num">{String(score.value)}</td>
                  <td className="muted">{score.comment ?? ''}</td>
                  <td className="faint">{score.source ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
      {Object.keys(span.metadata ?? {}).length > 0 && (
        <Section title="Metadata" collapsible>
          <AttributesTable values={span.metadata ?? {}} />
        </Section>
      )}
      {span.tags?.length ? (
        <Section title="Tags">
          <div className="actions">
            {span.tags.map((tag) => (
              <span key={tag} className="chip tag">
                {tag}
              </span>
            ))}
          </div>
        </Section>
      ) : null}
      {((span.events?.length ?? 0) > 0 || storedEvents.length > 0) && (
        <Section title="Events">
          <EventsList span={span} stored={storedEvents} traceStartMs={tree.startMs} />
        </Section>
      )}
      <Section title="Mapping" collapsible>
        {span.mapping ? (
          <dl className="kv compact">
            <dt>Mapped by</dt>
            <dd>
              {span.mapping.dialects.length > 0 ? (
                <span className="actions">
                  {span.mapping.dialects.map((d) => (
                    <span key={d} className="chip model">{d}</span>
                  ))}
                </span>
              ) : (
                <span className="faint">no dialect recognised this span</span>
              )}
            </dd>
            {span.mapping.semconv ? (
              <>
                <dt>Conventions</dt>
                <dd>{span.mapping.semconv === '2026' ? 'current GenAI names (2026)' : span.mapping.semconv === 'legacy' ? 'legacy GenAI names' : 'current and legacy GenAI names'}</dd>
              </>
            ) : null}
            {span.mapping.inferred && span.mapping.inferred.length > 0 ? (
              <>
                <dt>Inferred</dt>
                <dd>{span.mapping.inferred.join(', ')} (not sent by the instrumentation)</dd>
              </>
            ) : null}
            <dt>Not understood</dt>
            <dd>
              {span.mapping.unmapped.length > 0 ? (
                <span className="actions">
                  {span.mapping.unmapped.map((key) => (
                    <span key={key} className="chip mono" style={{ color: '#b45309' }}>{key}</span>
                  ))}
                </span>
              ) : (
                <span className="faint">every attribute was understood</span>
              )}
            </dd>
          </dl>
        ) : (
          // the trace's summary of a span has no mapping: its full record brings it
          <div className="faint">{fullSpan || full.error !== undefined ? 'Not available' : 'Loading…'}</div>
        )}
        {span.span_attributes && (
          <details style={{ marginTop: 10 }}>
            <summary className="muted">All span attributes ({Object.keys(span.span_attributes).length})</summary>
            <AttributesTable values={span.span_attributes} highlight={unmapped} />
          </details>
        )}
        {span.resource_attributes && (
          <details style={{ marginTop: 6 }}>
            <summary className="muted">Resource attributes ({Object.keys(span.resource_attributes).length})</summary>
            <AttributesTable values={span.resource_attributes} />
          </details>
        )}
      </Section>
    </div>
  );
}
