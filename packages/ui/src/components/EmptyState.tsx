import { useMemo, useState } from 'react';
import { api, isMissingEndpoint } from '../api/client.ts';
import { useApi } from '../hooks/useApi.ts';
import { exampleCurl } from '../lib/otlp-example.ts';
import { CopyButton } from './CopyButton.tsx';
import { Notice, errorMessage } from './Notice.tsx';

function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <div className="code-block">
      <pre aria-label={label}>{code}</pre>
      <CopyButton text={code} className="btn small" />
    </div>
  );
}

/** First-run screen: where to send traces, a curl that works, and sample data. */
export function EmptyState({ onLoaded }: { onLoaded: () => void }) {
  const origin = window.location.origin;
  const me = useApi('me', (signal) => api.me(signal));
  const keysRequired = me.data?.keys_required === true;
  const curl = useMemo(() => exampleCurl(origin, Date.now(), keysRequired), [origin, keysRequired]);
  const [state, setState] = useState<'idle' | 'loading' | 'done' | 'missing' | 'failed'>('idle');
  const [message, setMessage] = useState('');

  const loadDemo = async () => {
    setState('loading');
    try {
      await api.loadDemo();
      setState('done');
      onLoaded();
    } catch (error) {
      setState(isMissingEndpoint(error) ? 'missing' : 'failed');
      setMessage(errorMessage(error));
    }
  };

  return (
    <div className="onboarding" data-testid="empty-state">
      <div>
        <h1>No traces yet</h1>
        <p className="lead">
          Spanhouse stores OpenTelemetry traces from your LLM app. Point any OTLP exporter at this server, or load sample traces to look around.
        </p>
      </div>
      <div className="steps">
        <section className="panel step">
          <h2>
            <span className="n">1</span> Send traces over OTLP/HTTP
          </h2>
          <div>
            Endpoint: <span className="inline-code">{`${origin}/v1/traces`}</span> (JSON or protobuf). With the OpenTelemetry SDK set{' '}
            <span className="inline-code">{`OTEL_EXPORTER_OTLP_ENDPOINT=${origin}`}</span>.
          </div>
          {keysRequired && (
            <div className="muted">
              This server needs an API key: set <span className="inline-code">SPANHOUSE_API_KEY</span> to yours first (OpenTelemetry SDKs:{' '}
              <span className="inline-code">{'OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <key>"'}</span>).
            </div>
          )}
          <CodeBlock label="curl example" code={curl} />
        </section>
        <section className="panel step">
          <h2>
            <span className="n">2</span> Or load realistic sample traces
          </h2>
          <div className="actions">
            <button type="button" className="btn primary" onClick={loadDemo} disabled={state === 'loading'}>
              {state === 'loading' ? 'Loading sample traces…' : 'Load sample traces'}
            </button>
            <span className="muted">or from a shell:</span>
            <span className="inline-code">npx spanhouse demo</span>
          </div>
          {state === 'missing' && <Notice kind="warn" small>This server cannot load sample traces from the UI. Run <code>npx spanhouse demo</code> instead.</Notice>}
          {state === 'failed' && <Notice kind="error" small>Loading sample traces failed: {message}</Notice>}
          {state === 'done' && <Notice kind="info" small>Sample traces loaded.</Notice>}
        </section>
      </div>
    </div>
  );
}
