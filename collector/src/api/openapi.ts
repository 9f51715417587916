// GET /api/openapi.json: the API's OpenAPI document (schemas/openapi.json), with this
// collector as its server. Needs no key: it describes the API, it holds no data.
import { readFileSync } from 'node:fs';
import { Router } from 'express';

export const OPENAPI_PATH = new URL('../../../schemas/openapi.json', import.meta.url);

export function openapiRoutes(): Router {
  const router = Router();
  const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Record<string, unknown>;
  router.get('/api/openapi.json', (req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json({ ...doc, servers: [{ url: `${req.protocol}://${req.get('host')}` }] });
  });
  return router;
}
