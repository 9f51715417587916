// API-key sign-in. Any 401 replaces the page with a panel that asks for a key; a key that
// the server accepts is stored and every view is mounted afresh, so its requests run again
// with the key. The header shows the key's public id with "Change key" and "Sign out".
import { Fragment, createContext, useCallback, useContext, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { API_KEY_STORAGE, clearApiKey, keyLabel, onUnauthorized, storeApiKey, storedApiKey } from '../api/auth.ts';
import { ApiError, api } from '../api/client.ts';
import { Notice, errorMessage } from './Notice.tsx';
import { TenantSwitcher } from './TenantSwitcher.tsx';

/** Why the sign-in panel is up: no key sent, the stored key refused, or the user asked to change it. */
type Prompt = 'missing' | 'rejected' | 'change';

interface AuthState {
  apiKey: string | null;
  prompt: Prompt | null;
  /** Bumped whenever the key changes, to mount the views afresh. */
  generation: number;
  save: (key: string) => void;
  changeKey: () => void;
  cancel: () => void;
  signOut: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [apiKey, setApiKey] = useState(storedApiKey);
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const [generation, setGeneration] = useState(0);

  const applyKey = useCallback((key: string | null) => {
    setApiKey(key);
    setPrompt(null);
    setGeneration((g) => g + 1);
  }, []);

  useEffect(
    () =>
      onUnauthorized((usedKey) => {
        // A late answer to a request made with an older key says nothing about the current one.
        if (usedKey !== storedApiKey()) return;
        setPrompt((current) => current ?? (usedKey ? 'rejected' : 'missing'));
      }),
    [],
  );

  // Signing in or out in another tab applies here too.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === API_KEY_STORAGE || event.key === null) applyKey(storedApiKey());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [applyKey]);

  const state = useMemo<AuthState>(
    () => ({
      apiKey,
      prompt,
      generation,
      save: (key) => {
        storeApiKey(key);
        applyKey(key);
      },
      changeKey: () => setPrompt('change'),
      cancel: () => setPrompt(null),
      signOut: () => {
        clearApiKey();
        applyKey(null);
      },
    }),
    [apiKey, prompt, generation, applyKey],
  );
  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>;
}

/** The views, or the sign-in panel instead of them while a key is needed. */
export function AuthGate({ children }: { children: ReactNode }) {
  const { prompt, generation, save, cancel } = useAuth();
  if (prompt) {
    return (
      <main className="page scroll">
        <SignInPanel reason={prompt} onSave={save} onCancel={prompt === 'change' ? cancel : undefined} />
      </main>
    );
  }
  return <Fragment key={generation}>{children}</Fragment>;
}

/** Header control while a key is set: its public id, "Change key" and "Sign out". */
export function KeyControl() {
  const { apiKey, changeKey, signOut } = useAuth();
  if (!apiKey) return null;
  return (
    <span className="key-control" data-testid="key-control">
      <TenantSwitcher key={apiKey} />
      <span className="faint" title="The key id; the secret part is never shown">
        Key <span className="mono">{keyLabel(apiKey)}</span>
      </span>
      <button type="button" className="btn small" onClick={changeKey}>
        Change key
      </button>
      <button type="button" className="btn small" onClick={signOut}>
        Sign out
      </button>
    </span>
  );
}

/** What to tell the user when the server would not take a key, or null when it did. */
function keyProblem(error: unknown): string | null {
  if (error instanceof ApiError && error.status === 401) return `This key was not accepted: ${error.message}`;
  // The key is checked before every route, so any other HTTP answer means it was accepted.
  if (error instanceof ApiError && error.status > 0) return null;
  return `Could not check the key: ${errorMessage(error)}`;
}

function SignInPanel({ reason, onSave, onCancel }: { reason: Prompt; onSave: (key: string) => void; onCancel?: () => void }) {
  const [value, setValue] = useState('');
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState('');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = value.trim();
    if (!key) {
      setProblem('Paste an API key first.');
      return;
    }
    setChecking(true);
    setProblem('');
    const failure = await api.checkKey(key).then(() => null, keyProblem);
    setChecking(false);
    if (failure) {
      setProblem(failure);
      return;
    }
    try {
      onSave(key);
    } catch (error) {
      setProblem(`This browser would not store the key: ${errorMessage(error)}`);
    }
  };

  return (
    <div className="onboarding sign-in" data-testid="sign-in">
      <div>
        <h1>{reason === 'change' ? 'Change API key' : 'Sign in with an API key'}</h1>
        <p className="lead">This Spanhouse server needs an API key to show traces.</p>
      </div>
      {reason === 'rejected' && (
        <Notice kind="warn" small>
          The saved API key was not accepted (it may have been revoked). Paste a valid key.
        </Notice>
      )}
      <section className="panel step">
        <div>
          Ask whoever runs this server for a key, or make one with an admin key:{' '}
          <span className="inline-code">
            npx spanhouse keys create --tenant &lt;name&gt; --url {window.location.origin} --key &lt;admin key&gt;
          </span>{' '}
          (with the collector stopped, <span className="inline-code">npx spanhouse keys create --tenant &lt;name&gt;</span> on its data directory). It prints
          the key once: paste it here. The key is kept in this browser only and sent with each request as an <span className="inline-code">Authorization: Bearer</span> header.
        </div>
        {/* No `name` on the input: even a form submitted without script could not put the key in a URL. */}
        <form className="sign-in-form" onSubmit={submit}>
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            className="input"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="shk_…"
            value={value}
            onChange={(event) => setValue(event.target.value)}
            autoFocus
          />
          <button type="submit" className="btn primary" disabled={checking}>
            {checking ? 'Checking…' : 'Save'}
          </button>
          {onCancel && (
            <button type="button" className="btn" onClick={onCancel}>
              Cancel
            </button>
          )}
        </form>
        {problem && (
          <Notice kind="error" small>
            {problem}
          </Notice>
        )}
      </section>
    </div>
  );
}
