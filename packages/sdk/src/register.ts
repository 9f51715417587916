// `node --import @spanhouse/sdk/register app.js`: init() from the environment before the app
// loads, with the loader hook that lets instrumentations patch ES modules (`import OpenAI from
// 'openai'`). CommonJS apps can use `node --require @spanhouse/sdk/register app.js`.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { init } from './init.ts';
import { resolveFrom } from './optional.ts';

// The hook must be import-in-the-middle's copy that the instrumentations use: resolve it from theirs.
if (typeof register === 'function' && process.env.SPANHOUSE_ESM_HOOK !== 'false') {
  const hook = resolveFrom('@opentelemetry/instrumentation-openai', '@opentelemetry/instrumentation/hook.mjs');
  register(pathToFileURL(hook).href);
}
init();
