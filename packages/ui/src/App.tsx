import { Link, Route, Switch, useLocation } from 'wouter';
import { IngestHealthPage } from './pages/IngestHealthPage.tsx';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { PlaygroundPage } from './pages/PlaygroundPage.tsx';
import { TracePage } from './pages/TracePage.tsx';
import { TracesPage } from './pages/TracesPage.tsx';
import { DatasetsPage } from './pages/DatasetsPage.tsx';
import { GenerationsPage } from './pages/GenerationsPage.tsx';
import { SessionPage } from './pages/SessionPage.tsx';
import { SessionsPage } from './pages/SessionsPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';
import { ToastProvider } from './components/Toast.tsx';
import { AuthGate, AuthProvider, KeyControl } from './components/Auth.tsx';

function Logo() {
  return (
    <svg width="20" height="20" viewBox="0 0 16 16" aria-hidden="true">
      <rect x="1" y="2" width="9" height="3" rx="1" fill="#4f46e5" />
      <rect x="4" y="7" width="11" height="3" rx="1" fill="#06b6d4" />
      <rect x="6" y="12" width="6" height="3" rx="1" fill="#10b981" />
    </svg>
  );
}

function NavLink({ href, label, active }: { href: string; label: string; active: boolean }) {
  return (
    <Link href={href} className={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>
      {label}
    </Link>
  );
}

function TopBar() {
  const [location] = useLocation();
  const onTraces = location === '/' || location.startsWith('/traces');
  return (
    <header className="topbar">
      <Link href="/" className="brand">
        <Logo /> Spanhouse
      </Link>
      <nav className="nav">
        <NavLink href="/" label="Traces" active={onTraces} />
        <NavLink href="/sessions" label="Sessions" active={location.startsWith('/sessions')} />
        <NavLink href="/users" label="Users" active={location.startsWith('/users')} />
        <NavLink href="/generations" label="Generations" active={location.startsWith('/generations')} />
        <NavLink href="/datasets" label="Datasets" active={location.startsWith('/datasets')} />
        <NavLink href="/overview" label="Overview" active={location.startsWith('/overview')} />
        <NavLink href="/playground" label="Playground" active={location.startsWith('/playground')} />
        <NavLink href="/ingest-health" label="Ingest health" active={location.startsWith('/ingest-health')} />
      </nav>
      <span className="spacer" />
      <span className="faint otlp-endpoint" style={{ fontSize: 12 }}>
        OTLP endpoint <span className="mono">{window.location.origin}/v1/traces</span>
      </span>
      <KeyControl />
    </header>
  );
}

function NotFound() {
  return (
    <main className="page">
      <h1>Page not found</h1>
      <p>
        <Link href="/">Go to traces</Link>
      </p>
    </main>
  );
}

export function App() {
  return (
    <ToastProvider>
      <AuthProvider>
        <div className="app">
          <TopBar />
          <AuthGate>
            <Switch>
              <Route path="/" component={TracesPage} />
              <Route path="/traces" component={TracesPage} />
              <Route path="/traces/:traceId">{(params) => <TracePage key={params.traceId} traceId={decodeURIComponent(params.traceId)} />}</Route>
              <Route path="/overview" component={OverviewPage} />
              <Route path="/ingest-health" component={IngestHealthPage} />
              <Route path="/sessions" component={SessionsPage} />
              <Route path="/sessions/:sessionId">{(params) => <SessionPage key={params.sessionId} sessionId={decodeURIComponent(params.sessionId)} />}</Route>
              <Route path="/users" component={UsersPage} />
              <Route path="/generations" component={GenerationsPage} />
              <Route path="/datasets">{() => <DatasetsPage />}</Route>
              <Route path="/datasets/:name">{(params) => <DatasetsPage name={decodeURIComponent(params.name)} />}</Route>
              <Route path="/playground" component={PlaygroundPage} />
              <Route component={NotFound} />
            </Switch>
          </AuthGate>
        </div>
      </AuthProvider>
    </ToastProvider>
  );
}
