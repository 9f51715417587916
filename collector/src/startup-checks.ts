// What `spanhouse serve` checks before it opens anything, so a start-up problem is one
// plain line saying what to do (never a stack or a client log): ports in use, a data
// directory another process holds or this user cannot write, an unreachable ClickHouse.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

/** A start-up problem in plain words; the CLI prints the message alone and exits 1. */
export class StartupError extends Error {}

/** Fails when `port` cannot be listened on at `host` (0 always can). */
export async function checkPortFree(host: string, port: number, what: string, howToChange: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((done, fail) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => fail(portError(error, host, port, what, howToChange)));
    probe.listen(port, host, () => probe.close(() => done()));
  });
}

/** The plain message for a listen error, or the error itself when it is something else. */
export function portError(error: NodeJS.ErrnoException, host: string, port: number, what: string, howToChange: string): Error {
  if (error.code === 'EADDRINUSE') {
    return new StartupError(`${what} port ${port} on ${host} is already in use (another Spanhouse?): stop that program, or choose another port with ${howToChange}`);
  }
  if (error.code === 'EACCES') return new StartupError(`${what} port ${port} needs privileges this user lacks: choose a port above 1023 with ${howToChange}`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new StartupError(`cannot listen on ${host}: not an address of this machine; use --host 127.0.0.1 (or 0.0.0.0 for every interface)`);
  }
  return error;
}

/** Fails when the embedded data directory cannot be created or written, or another process holds it. */
export function checkDataDir(dir: string): void {
  const path = resolve(dir);
  const holder = dataDirHolder(path);
  if (holder !== null) {
    throw new StartupError(
      `data directory ${path} is in use by another process (pid ${holder}, a running collector or spanhouse command): stop it, or use another --data directory`,
    );
  }
  // A real write, not access(): root passes access() on read-only file systems too.
  const probe = join(path, `.spanhouse-write-check-${process.pid}`);
  try {
    makeDirs(path);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StartupError(`data directory ${path} cannot be created or written (${code}): fix its permissions, or choose another with --data <dir> (env SPANHOUSE_DATA_DIR)`);
  }
}

/** mkdir -p one level at a time (Node's recursive mkdir can loop on special file systems). */
function makeDirs(path: string): void {
  const missing: string[] = [];
  for (let p = path; !existsSync(p) && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  for (const p of missing) mkdirSync(p);
}

/**
 * The pid of the live process that holds an embedded ClickHouse data directory, from
 * the `status` file ClickHouse writes there (removed on a clean stop), or null.
 */
export function dataDirHolder(dir: string): number | null {
  let status: string;
  try {
    status = readFileSync(join(dir, 'status'), 'utf8');
  } catch {
    return null;
  }
  const pid = Number(/^PID:\s*(\d+)/m.exec(status)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive, owned by another user
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** True when `dir` holds a Spanhouse store (its migrations table), so a read need not create one. */
export function holdsStore(dir: string): boolean {
  return existsSync(join(dir, 'metadata', 'default', 'schema_migrations.sql'));
}

/** Where `spanhouse serve` leaves its address in the embedded data directory it holds. */
const COLLECTOR_FILE = 'spanhouse-collector.json';

/**
 * Notes the running collector's URL in its data directory, so a key command refused the
 * directory can point at the collector itself (collectorUrlOf). Best effort.
 */
export function recordCollectorUrl(dir: string, url: string): void {
  // a collector on every interface is reached on loopback from this machine
  const local = url.replace(/^http:\/\/0\.0\.0\.0:/, 'http://127.0.0.1:').replace(/^http:\/\/\[::\]:/, 'http://[::1]:');
  try {
    writeFileSync(join(dir, COLLECTOR_FILE), `${JSON.stringify({ pid: process.pid, url: local })}\n`);
  } catch {
    // the hint falls back to "the collector's URL"
  }
}

export function forgetCollectorUrl(dir: string): void {
  rmSync(join(dir, COLLECTOR_FILE), { force: true });
}

/** The URL the collector with process id `pid` noted in `dir`, or null (another process, or none noted). */
export function collectorUrlOf(dir: string, pid: number): string | null {
  try {
    const noted = JSON.parse(readFileSync(join(dir, COLLECTOR_FILE), 'utf8')) as { pid?: unknown; url?: unknown };
    return noted.pid === pid && typeof noted.url === 'string' ? noted.url : null;
  } catch {
    return null;
  }
}

/** Fails when a ClickHouse server does not answer its /ping. */
export async function checkClickHouse(url: string, timeoutMs = 5_000): Promise<void> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new StartupError(`--clickhouse-url "${url}" is not a URL: give one like http://localhost:8123 (env CLICKHOUSE_URL)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new StartupError(`--clickhouse-url "${url}" must start with http:// or https:// (ClickHouse's HTTP interface, port 8123 by default)`);
  }
  const reason = await fetch(new URL('/ping', base), { signal: AbortSignal.timeout(timeoutMs) }).then(
    (res) => (res.ok ? null : `it answered HTTP ${res.status}`),
    (error: Error & { cause?: { code?: string; message?: string } }) => error.cause?.code ?? error.cause?.message ?? error.message,
  );
  if (reason !== null) {
    throw new StartupError(`cannot reach ClickHouse at ${url} (${reason}): start the server or fix --clickhouse-url (env CLICKHOUSE_URL); or leave it unset to use the embedded one`);
  }
}
