#!/usr/bin/env node
// package-lock.json must carry the native optional packages (chDB's library, Rollup's and
// esbuild's binaries) of every platform Spanhouse supports, or `npm ci` there installs
// none (npm keeps only the platforms of the machine that wrote the lock:
// https://github.com/npm/cli/issues/4828). This fails, naming what is missing; with
// --fix it adds the missing entries from the registry (`npm view`), as npm would write them.
// Packages a dependency declares but nobody published (the registry answers 404) cannot
// be in a lock: they are listed in NOT_PUBLISHED, pinned to their version, so an upgrade
// makes this check look again.
//
// Usage: node scripts/check-lock-platforms.mjs [--fix] [--lock <path>]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** The platforms Spanhouse runs on: those chDB publishes a library for. */
export const PLATFORMS = [
  { os: 'linux', cpu: 'x64' },
  { os: 'linux', cpu: 'arm64' },
  { os: 'darwin', cpu: 'x64' },
  { os: 'darwin', cpu: 'arm64' },
];

/** Declared by chdb 3.4.0 but not on registry.npmjs.org (404 on 2026-11-30): no embedded ClickHouse there yet. */
export const NOT_PUBLISHED = new Set(['@chdb/lib-darwin-arm64@26.7.3-stable.1', '@chdb/lib-darwin-x64@26.7.3-stable.1', '@chdb/lib-linux-arm64-gnu@26.7.3-stable.1']);

/** The optional dependency of a package that serves `platform` (glibc on Linux), e.g. @rollup/rollup-linux-x64-gnu. */
export function platformPackage(optionalDependencies, { os, cpu }) {
  const pattern = new RegExp(`(^|[-/])${os}-${cpu}(-gnu)?$`);
  return Object.keys(optionalDependencies).find((name) => pattern.test(name));
}

/** Where npm would look for `dep` of the package at `path` in the lock: beside it, then up the tree. */
function lockPathOf(packages, path, dep) {
  for (let base = path; ; ) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    const at = base.lastIndexOf('/node_modules/');
    if (at >= 0) base = base.slice(0, at);
    else if (base !== '') base = '';
    else return null;
  }
}

/** Every [package path, platform, optional package, version] the lock lacks. */
export function missingPlatformPackages(lock) {
  const packages = lock.packages;
  const missing = [];
  for (const [path, meta] of Object.entries(packages)) {
    const optional = meta.optionalDependencies;
    if (!optional || path === '' || !path.includes('node_modules/')) continue;
    // only packages that ship per-platform binaries as optional dependencies
    if (!PLATFORMS.some((p) => platformPackage(optional, p))) continue;
    for (const platform of PLATFORMS) {
      const dep = platformPackage(optional, platform);
      if (dep && !lockPathOf(packages, path, dep) && !NOT_PUBLISHED.has(`${dep}@${optional[dep]}`)) missing.push({ path, platform, dep, version: optional[dep], dev: meta.dev === true });
    }
  }
  return missing;
}

/** A lock entry for `dep@version` from the registry, in npm's shape; null when it is not published. */
function lockEntry(dep, version, dev) {
  let meta;
  try {
    meta = JSON.parse(execFileSync('npm', ['view', `${dep}@${version}`, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (error) {
    if (/E404/.test(String(error.stdout))) return null;
    throw error;
  }
  const entry = { version: meta.version, integrity: meta.dist.integrity };
  const rest = { cpu: meta.cpu, dev: dev || undefined, engines: meta.engines, libc: meta.libc, license: meta.license, optional: true, os: meta.os };
  for (const key of Object.keys(rest).sort()) if (rest[key] !== undefined) entry[key] = rest[key];
  return entry;
}

function main() {
  const { values } = parseArgs({ options: { fix: { type: 'boolean', default: false }, lock: { type: 'string', default: 'package-lock.json' } } });
  const text = readFileSync(values.lock, 'utf8');
  const lock = JSON.parse(text);
  const missing = missingPlatformPackages(lock);
  if (missing.length === 0) {
    console.log(`${values.lock}: native packages present for ${PLATFORMS.map((p) => `${p.os}-${p.cpu}`).join(', ')}`);
    return 0;
  }
  if (!values.fix) {
    console.error(`${values.lock} lacks native packages, so \`npm ci\` on these platforms would install none:`);
    for (const m of missing) console.error(`  ${m.platform.os}-${m.platform.cpu}: ${m.dep}@${m.version} (optional dependency of ${m.path})`);
    console.error('Run `node scripts/check-lock-platforms.mjs --fix` and commit package-lock.json.');
    return 1;
  }
  const added = new Map();
  const unpublished = [];
  for (const m of missing) {
    const at = m.path.slice(0, m.path.lastIndexOf('node_modules/'));
    const entry = lockEntry(m.dep, m.version, m.dev);
    if (entry) added.set(`${at}node_modules/${m.dep}`, entry);
    else unpublished.push(`${m.dep}@${m.version}`);
  }
  if (unpublished.length > 0) {
    console.error(`not published (the registry answers 404), add to NOT_PUBLISHED in this script and to the README's platforms: ${unpublished.join(', ')}`);
  }
  // npm keeps packages in path order
  const entries = [...Object.entries(lock.packages), ...added];
  const [root, ...others] = entries;
  others.sort(([a], [b]) => a.localeCompare(b, 'en'));
  lock.packages = Object.fromEntries([root, ...others]);
  writeFileSync(values.lock, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`added ${[...added.keys()].join(', ') || 'nothing'}`);
  return unpublished.length > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
