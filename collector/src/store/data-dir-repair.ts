// Start-up repair of an embedded data directory. A full disk can leave a metadata file
// empty (ClickHouse then refuses to open the whole directory: "Empty query: while loading
// database …"). The only schema objects Spanhouse makes after its migrations are the
// per-tenant SQL view databases (`sh_tenant_<hex>`, views only, no data), which start-up
// recreates: so a half-written one is removed here, before chDB opens the directory.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** A tenant view database (see tenantDatabase() in sql.ts). */
const TENANT_DATABASE = /^sh_tenant_[0-9a-f]+$/;

const isBlank = (file: string) => statSync(file).size === 0 || readFileSync(file, 'utf8').trim() === '';

/** Metadata files (`*.sql`) in `dir` that hold no statement. */
function blankSqlFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile() && isBlank(file));
}

/**
 * Removes tenant view databases with an empty metadata file (the database's own or a
 * view's) from the data directory at `dataDir`. Returns the databases removed; start-up
 * creates their views again. Objects Spanhouse cannot recreate (its tables) are left alone,
 * and a blank metadata file among them is reported in the error ClickHouse then gives.
 */
export function repairDataDir(dataDir: string): string[] {
  const metadata = join(dataDir, 'metadata');
  if (!existsSync(metadata)) return [];
  const removed: string[] = [];
  const names = new Set(readdirSync(metadata).map((name) => name.replace(/\.sql$/, '')));
  for (const db of names) {
    if (!TENANT_DATABASE.test(db)) continue;
    const definition = join(metadata, `${db}.sql`);
    const link = join(metadata, db);
    const broken = (existsSync(definition) && isBlank(definition)) || blankSqlFiles(link).length > 0;
    if (!broken) continue;
    // Atomic databases keep their tables' metadata in store/<uuid>/, linked from metadata/<db>.
    const linkStat = lstatSync(link, { throwIfNoEntry: false });
    if (linkStat?.isSymbolicLink() && existsSync(link)) {
      const target = realpathSync(link);
      if (!relative(resolve(dataDir), target).startsWith('..')) rmSync(target, { recursive: true, force: true });
    }
    if (linkStat) rmSync(link, { recursive: true, force: true });
    rmSync(definition, { force: true });
    removed.push(db);
  }
  return removed;
}
