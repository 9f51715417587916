// The ES-module loader hook that lets instrumentations patch `import`ed libraries. It must be
// registered before the app's modules load, so from a file given to `node --import`.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { resolveFrom } from './optional.ts';

let registered = false;

/** Registers import-in-the-middle's hook (once; `SPANHOUSE_ESM_HOOK=false` skips it). */
export function registerLoaderHook(): void {
  if (registered || process.env.SPANHOUSE_ESM_HOOK === 'false') return;
  registered = true;
  // The hook must be the import-in-the-middle copy the instrumentations use: resolve it from theirs.
  const hook = resolveFrom('@opentelemetry/instrumentation-openai', '@opentelemetry/instrumentation/hook.mjs');
  register(pathToFileURL(hook).href);
}
