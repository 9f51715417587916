// GET /api/openapi.json: the API's OpenAPI document (schemas/openapi.json), with this
// collector as its server; GET /api/docs: an API reference page rendering it with Redoc,
// whose browser bundle the UI build ships (vendor/redoc.standalone.js; no CDN). Both need
// no key: they describe the API, they hold no data.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';
import { SCHEMAS_DIR } from '../assets.ts';

export const OPENAPI_PATH = join(SCHEMAS_DIR, 'openapi.json');
export const REDOC_BUNDLE = 'vendor/redoc.standalone.js';

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spanhouse API reference</title>
<style>body { margin: 0; }</style>
</head>
<body>
<redoc spec-url="/api/openapi.json"></redoc>
<script src="/${REDOC_BUNDLE}"></script>
</body>
</html>
`;

/**
 * Everything from this collector: Redoc's sidebar otherwise loads its logo from its CDN.
 * Inline styles are Redoc's (styled-components); its search runs in a blob: worker.
 */
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'";

export function openapiRoutes({ uiDir }: { uiDir: string }): Router {
  const router = Router();
  const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Record<string, unknown>;
  router.get('/api/openapi.json', (req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json({ ...doc, servers: [{ url: `${req.protocol}://${req.get('host')}` }] });
  });
  router.get('/api/docs', (_req, res) => {
    if (!existsSync(join(uiDir, REDOC_BUNDLE))) {
      res.status(404).type('text/plain').send('The API reference page comes with the built web UI: run `npm run build`. The document itself is at /api/openapi.json.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.type('html').send(DOCS_PAGE);
  });
  return router;
}
