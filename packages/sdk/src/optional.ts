// Optional peer packages (gRPC exporters, instrumentations for other clients) are loaded only
// when asked for and installed, so the SDK itself stays small. Loading is synchronous: an
// instrumentation must hook `require` before the app's next line loads the client library.
import { createRequire } from 'node:module';

let requireHere: NodeJS.Require | undefined;
const here = () => (requireHere ??= createRequire(import.meta.url));

/** The package's exports, or undefined when it is not installed. Other load errors are thrown. */
export function loadOptional<T = any>(name: string): T | undefined {
  try {
    return here()(name) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(name)) return undefined;
    throw err;
  }
}

/** Where a package resolves from here (for files a package ships, like a loader hook). */
export function resolveFrom(fromPackage: string, request: string): string {
  return createRequire(here().resolve(fromPackage)).resolve(request);
}
