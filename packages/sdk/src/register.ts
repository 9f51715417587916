// `node --import @spanhouse/sdk/register app.js`: the loader hook for ES modules, then init()
// from the environment, before the app loads. CommonJS apps can use `--require` the same way.
import { init } from './init.ts';
import { registerLoaderHook } from './loader-hook.ts';

registerLoaderHook();
init();
