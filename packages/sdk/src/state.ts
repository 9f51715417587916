// Process-wide SDK state. Kept on globalThis under a registered symbol so the ESM and CommonJS
// builds (an app may load both through its dependencies) share one init.
import type { SpanhouseConfig } from './config.ts';

export interface SdkState {
  /** The running init() instance (typed in init.ts). */
  instance?: unknown;
  /** The config of the running init(), if any. */
  config?: SpanhouseConfig;
  /** Exports what has ended so far (set by init). */
  flush?: () => Promise<void>;
}

const KEY = Symbol.for('spanhouse.sdk.state');
const holder = globalThis as unknown as Record<symbol, SdkState | undefined>;
export const state: SdkState = (holder[KEY] ??= {});

export const SDK_NAME = '@spanhouse/sdk';
export const SDK_VERSION = '0.1.0';
