// Files the collector reads at run time: the ClickHouse migrations, the OTLP proto, the
// OpenAPI document and the built web UI. In this repository they are the shared
// schemas/ and packages/ui/dist; the published package carries copies (collector/schemas,
// collector/ui, made by its build). Resolved from the collector's root, which is one
// level above both src/ (run from source) and dist/ (built).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const collectorRoot = fileURLToPath(new URL('../', import.meta.url));

/** The first of the repository's and the package's copies that exists (the package's when neither does). */
function located(inRepository: string, inPackage: string): string {
  const repo = collectorRoot + inRepository;
  return existsSync(repo) ? repo : collectorRoot + inPackage;
}

export const SCHEMAS_DIR = located('../schemas', 'schemas');
export const BUILT_UI_DIR = located('../packages/ui/dist', 'ui');
