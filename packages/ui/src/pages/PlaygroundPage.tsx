// The playground: a generation span's conversation as editable turns, run again through the
// gateway (POST /api/playground/runs, streamed) with another model or alias, temperature,
// max tokens or tools; the answer streams in beside the original with a comparison of
// output, tokens, cost and latency, and the pair can be saved to a dataset. All prompt text
// is rendered as React text (inputs and text nodes), never as markup.
import { useEffect, useRef, useState } from 'react';
import { Link, useSearch } from 'wouter';
import { api, apiFetch, responseError } from '../api/client.ts';
import type { Message, RunSummary, Span, ToolCall } from '../api/types.ts';
import { ErrorNotice, Notice, errorMessage } from '../components/Notice.tsx';
import { useToast } from '../components/Toast.tsx';
import { formatCost, formatCount, formatDuration } from '../lib/format.ts';

const ROLES = ['system', 'user', 'assistant', 'tool'] as const;
const DATASET_KEY = 'spanhouse.lastDataset';

interface Turn {
  role: string;
  content: string;
  /** Tool calls as editable JSON text (assistant turns); empty when none. */
  toolCalls: string;
  toolCallId: string;
}

interface RunResult {
  run: RunSummary | null;
  original: RunSummary | null;
  error: { message: string } | null;
}

const turnOf = (m: Message): Turn => ({
  role: m.role,
  content: m.content ?? '',
  toolCalls: m.tool_calls?.length ? JSON.stringify(m.tool_calls, null, 2) : '',
  toolCallId: m.tool_call_id ?? '',
});

/** Turns as the API takes them; a tool-call field that is not a JSON list is an error. */
function messagesOf(turns: Turn[]): Array<Record<string, unknown>> {
  return turns.map((t, i) => {
    const message: Record<string, unknown> = { role: t.role, content: t.content };
    if (t.toolCalls.trim()) {
      let calls: ToolCall[];
      try {
        calls = JSON.parse(t.toolCalls);
      } catch {
        throw new Error(`Turn ${i + 1}: tool calls are not valid JSON`);
      }
      if (!Array.isArray(calls)) throw new Error(`Turn ${i + 1}: tool calls must be a JSON list`);
      message.tool_calls = calls;
    }
    if (t.role === 'tool' && t.toolCallId) message.tool_call_id = t.toolCallId;
    return message;
  });
}

const numberOrUndefined = (text: string) => (text.trim() === '' ? null : Number(text));

/** What the browser can check before sending: a model (the source span's when there is one), and a temperature of 0–2. */
export function settingsProblem(model: string, sourceModel: string, temperature: string, maxTokens: string): string | null {
  if (!model.trim() && !sourceModel) return 'Give a model or routing alias to run';
  if (temperature.trim() !== '') {
    const t = Number(temperature);
    if (!Number.isFinite(t) || t < 0 || t > 2) return 'Temperature must be a number from 0 to 2';
  }
  if (maxTokens.trim() !== '') {
    const m = Number(maxTokens);
    if (!Number.isInteger(m) || m < 1) return 'Max tokens must be a whole number of at least 1';
  }
  return null;
}

/** Runs through the API's SSE answer: `onText` for each piece of output, the result at the end. */
async function streamRun(body: unknown, onText: (text: string) => void, signal: AbortSignal): Promise<RunResult> {
  const res = await apiFetch('POST', '/api/playground/runs', { body, signal, accept: 'text/event-stream' });
  if (!res.ok || !res.body) throw await responseError(res, 'POST');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let result: RunResult | null = null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(event)?.[1];
      const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (!data) continue;
      if (name === 'result') result = JSON.parse(data);
      else {
        const chunk = JSON.parse(data);
        const delta = chunk.choices?.[0]?.delta;
        if (typeof delta?.content === 'string') onText(delta.content);
        for (const call of delta?.tool_calls ?? []) onText(call.function?.name ? `\n⚒ ${call.function.name}(` : call.function?.arguments ?? '');
      }
    }
  }
  if (!result) throw new Error('The run ended without a result');
  return result;
}

function TurnEditor({ turn, index, onChange, onDelete, onRunFromHere, running }: { turn: Turn; index: number; onChange: (t: Turn) => void; onDelete: () => void; onRunFromHere: () => void; running: boolean }) {
  return (
    <div className="pg-turn" data-testid="pg-turn" data-role={turn.role}>
      <div className="pg-turn-head">
        <select className="select" aria-label={`Role of turn ${index + 1}`} value={turn.role} onChange={(e) => onChange({ ...turn, role: e.target.value })}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        {turn.role === 'tool' && (
          <input className="input medium mono" aria-label={`Tool call id of turn ${index + 1}`} placeholder="tool_call_id" value={turn.toolCallId} onChange={(e) => onChange({ ...turn, toolCallId: e.target.value })} />
        )}
        <span style={{ flex: 1 }} />
        <button type="button" className="btn small" onClick={onRunFromHere} disabled={running} title="Run the conversation up to and including this turn">
          Run from here
        </button>
        <button type="button" className="btn small ghost" onClick={onDelete} aria-label={`Delete turn ${index + 1}`}>
          Delete
        </button>
      </div>
      <textarea className="input pg-text" aria-label={`Text of turn ${index + 1}`} value={turn.content} rows={Math.min(12, Math.max(2, turn.content.split('\n').length))} onChange={(e) => onChange({ ...turn, content: e.target.value })} />
      {(turn.role === 'assistant' || turn.toolCalls) && (
        <textarea
          className="input pg-text mono"
          aria-label={`Tool calls of turn ${index + 1}`}
          placeholder='Tool calls (JSON list of {"id","name","arguments"})'
          value={turn.toolCalls}
          rows={turn.toolCalls ? 4 : 1}
          onChange={(e) => onChange({ ...turn, toolCalls: e.target.value })}
        />
      )}
    </div>
  );
}

/**
 * One side of the result. `liveText` is a run streaming in ("Waiting…" until its first text);
 * `failed` a run that ended without an answer, shown above the previous answer it leaves in place.
 */
function Side({ title, summary, liveText, failed, testId }: { title: string; summary: RunSummary | null; liveText?: string; failed?: string | null; testId: string }) {
  const text = liveText !== undefined ? liveText : summary ? summary.output_text || summary.error_message : '';
  return (
    <div className="pg-side" data-testid={testId} data-state={liveText !== undefined ? 'running' : failed ? 'failed' : summary ? 'done' : 'empty'}>
      <div className="io-label">{title}</div>
      {failed && liveText === undefined && (
        <div className="msg assistant" data-testid={`${testId}-failed`}>
          <div className="msg-body pg-output" style={{ color: 'var(--err)' }}>
            Failed: {failed}
          </div>
        </div>
      )}
      {failed && liveText === undefined && summary && <div className="io-label">Previous run (kept)</div>}
      {(!failed || liveText !== undefined || summary) && (
        <div className="msg assistant">
          <div className="msg-body pg-output">{text || <span className="faint">{liveText === undefined ? 'None' : 'Waiting…'}</span>}</div>
        </div>
      )}
    </div>
  );
}

function Comparison({ original, run }: { original: RunSummary | null; run: RunSummary | null }) {
  const rows: Array<[string, (s: RunSummary) => string]> = [
    ['Model', (s) => s.model + (s.routing_alias ? ` (via ${s.routing_alias})` : '')],
    ['Status', (s) => s.status],
    ['Input tokens', (s) => formatCount(s.input_tokens)],
    ['Output tokens', (s) => formatCount(s.output_tokens)],
    ['Cost', (s) => formatCost(s.cost_usd)],
    ['Latency', (s) => formatDuration(s.latency_ms)],
    ['First token', (s) => (s.ttft_ms === null ? '–' : formatDuration(s.ttft_ms))],
  ];
  return (
    <table className="table pg-compare-table" aria-label="Comparison">
      <thead>
        <tr>
          <th />
          <th>Original</th>
          <th>This run</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label} data-row={label}>
            <th scope="row">{label}</th>
            <td>{original ? value(original) : '–'}</td>
            <td>{run ? value(run) : '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PlaygroundPage() {
  const spanId = new URLSearchParams(useSearch()).get('span') ?? '';
  const toast = useToast();
  const [source, setSource] = useState<Span | null>(null);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [turns, setTurns] = useState<Turn[]>([{ role: 'user', content: '', toolCalls: '', toolCallId: '' }]);
  const [model, setModel] = useState('');
  const [temperature, setTemperature] = useState('');
  const [maxTokens, setMaxTokens] = useState('');
  const [tools, setTools] = useState('');
  const [models, setModels] = useState<string[]>([]);
  const [live, setLive] = useState<string | undefined>(undefined);
  const [result, setResult] = useState<RunResult | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  /** The last run's failure (it ended without an answer); the previous result stays shown. */
  const [failure, setFailure] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [dataset, setDataset] = useState(() => localStorage.getItem(DATASET_KEY) ?? '');
  const abort = useRef<AbortController | null>(null);

  useEffect(() => {
    document.title = 'Playground · Spanhouse';
    api.models().then(setModels, () => {});
    return () => abort.current?.abort();
  }, []);

  useEffect(() => {
    if (!spanId) return;
    const controller = new AbortController();
    api.span(spanId, controller.signal).then(
      (span) => {
        const attrs = span.span_attributes ?? {};
        setSource(span);
        if (span.input_messages?.length) setTurns(span.input_messages.map(turnOf));
        setModel(span.request_model || span.model || '');
        setTemperature(attrs['gen_ai.request.temperature'] ?? '');
        setMaxTokens(attrs['gen_ai.request.max_tokens'] ?? '');
        setTools(attrs['gen_ai.tool.definitions'] ? JSON.stringify(JSON.parse(attrs['gen_ai.tool.definitions']), null, 2) : '');
      },
      (error) => {
        if ((error as Error).name !== 'AbortError') setLoadError(error);
      },
    );
    return () => controller.abort();
  }, [spanId]);

  const run = async (upTo = turns.length - 1) => {
    setRunError(null);
    const problem = settingsProblem(model, source ? source.request_model || source.model || '' : '', temperature, maxTokens);
    if (problem) {
      setRunError(problem);
      return;
    }
    let body: Record<string, unknown>;
    try {
      let toolList: unknown = null;
      if (tools.trim()) {
        toolList = JSON.parse(tools);
        if (!Array.isArray(toolList)) throw new Error('Tools must be a JSON list');
      }
      body = { messages: messagesOf(turns.slice(0, upTo + 1)), model: model.trim() || undefined, temperature: numberOrUndefined(temperature), max_tokens: numberOrUndefined(maxTokens), tools: toolList, stream: true };
      if (source) body.span_id = source.span_id;
    } catch (error) {
      setRunError((error as Error).message.startsWith('Turn') || (error as Error).message.startsWith('Tools') ? (error as Error).message : `Tools are not valid JSON: ${(error as Error).message}`);
      return;
    }
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setFailure(null);
    setLive('');
    try {
      // the previous result stays until this run answers
      const answer = await streamRun(body, (text) => setLive((prev) => (prev ?? '') + text), controller.signal);
      setResult(answer);
      if (answer.error) setRunError(answer.error.message);
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      const message = errorMessage(error);
      setRunError(message);
      setFailure(message);
    } finally {
      if (abort.current === controller) {
        setRunning(false);
        setLive(undefined);
      }
    }
  };

  const save = async () => {
    const name = dataset.trim();
    const runSummary = result?.run;
    if (!name || !runSummary) return;
    try {
      const metadata: Record<string, string> = { model: runSummary.model };
      if (result?.original) {
        metadata.source_span_id = result.original.span_id;
        metadata.original_model = result.original.model;
        metadata.original_output = result.original.output_text.slice(0, 10_000);
      }
      await api.addToDataset(name, runSummary.span_id, metadata);
      localStorage.setItem(DATASET_KEY, name);
      toast(`Saved to dataset “${name}”`);
    } catch (error) {
      toast(`Saving failed: ${errorMessage(error)}`);
    }
  };

  const original: RunSummary | null = result?.original ?? (source as unknown as RunSummary | null);
  const setTurn = (i: number, t: Turn) => setTurns(turns.map((old, j) => (j === i ? t : old)));

  return (
    <main className="page scroll" data-testid="playground">
      <div className="page-header">
        <h1>Playground</h1>
        {source && (
          <span className="muted">
            from span <Link href={`/traces/${encodeURIComponent(source.trace_id)}?span=${encodeURIComponent(source.span_id)}`} className="mono">{source.span_id}</Link> · {source.name}
          </span>
        )}
      </div>
      {loadError !== undefined && <ErrorNotice error={loadError} />}
      <div className="pg-grid">
        <section className="panel" aria-label="Conversation">
          <div className="panel-head">
            <h3>Conversation</h3>
          </div>
          <div className="panel-body pg-turns">
            {turns.map((turn, i) => (
              <TurnEditor key={i} turn={turn} index={i} running={running} onChange={(t) => setTurn(i, t)} onDelete={() => setTurns(turns.filter((_, j) => j !== i))} onRunFromHere={() => void run(i)} />
            ))}
            <button type="button" className="btn small" onClick={() => setTurns([...turns, { role: turns.at(-1)?.role === 'user' ? 'assistant' : 'user', content: '', toolCalls: '', toolCallId: '' }])}>
              + Add turn
            </button>
          </div>
        </section>
        <section className="panel" aria-label="Settings">
          <div className="panel-head">
            <h3>Settings</h3>
          </div>
          <div className="panel-body pg-settings">
            <label>
              Model or routing alias
              <input className="input" list="pg-models" name="model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="gpt-4.1-mini, anthropic/claude-sonnet-4, smart…" />
              <datalist id="pg-models">
                {models.map((m) => (
                  <option key={m} value={m} />
                ))}
              </datalist>
            </label>
            <label>
              Temperature
              <input className="input narrow" name="temperature" type="number" min={0} max={2} step={0.1} value={temperature} onChange={(e) => setTemperature(e.target.value)} />
            </label>
            <label>
              Max tokens
              <input className="input narrow" name="max_tokens" type="number" min={1} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} />
            </label>
            <label>
              Tools (JSON, OpenAI format)
              <textarea className="input pg-text mono" name="tools" rows={tools ? 6 : 2} value={tools} onChange={(e) => setTools(e.target.value)} placeholder='[{"type":"function","function":{…}}]' />
            </label>
            <button type="button" className="btn primary" onClick={() => void run()} disabled={running || turns.length === 0}>
              {running ? 'Running…' : 'Run'}
            </button>
          </div>
        </section>
      </div>
      {runError && <Notice kind="error">{runError}</Notice>}
      <section className="panel" aria-label="Result">
        <div className="panel-head">
          <h3>Result</h3>
          <span style={{ flex: 1 }} />
          {result?.run && (
            <form
              className="actions"
              onSubmit={(e) => {
                e.preventDefault();
                void save();
              }}
            >
              <input className="input medium" aria-label="Dataset name" placeholder="dataset name" value={dataset} onChange={(e) => setDataset(e.target.value)} />
              <button type="submit" className="btn small" disabled={!dataset.trim()}>
                Save to dataset
              </button>
            </form>
          )}
        </div>
        <div className="panel-body">
          <div className="pg-sides">
            <Side title="Original" summary={original} testId="pg-original" />
            <Side title="This run" summary={result?.run ?? null} liveText={running ? live : undefined} failed={failure} testId="pg-run" />
          </div>
          <Comparison original={original} run={result?.run ?? null} />
        </div>
      </section>
    </main>
  );
}
