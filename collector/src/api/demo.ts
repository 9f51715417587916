// POST /api/demo: loads the sample traces into the caller's tenant, through the OTLP path.
import { Router } from 'express';
import { writeTenant } from '../auth/authenticate.ts';
import { buildDemoTraces } from '../demo/sample-traces.ts';
import type { IngestPipeline } from '../pipeline/ingest.ts';
import { decodeTraceRequest } from '../receivers/otlp-codec.ts';

export function demoRoutes({ pipeline }: { pipeline: IngestPipeline }): Router {
  const router = Router();
  router.post('/demo', async (req, res) => {
    const tenantId = writeTenant(req);
    const body = buildDemoTraces(Date.now());
    const request = decodeTraceRequest(Buffer.from(JSON.stringify(body)), 'json');
    const result = await pipeline.ingestTraces(request, tenantId);
    const traces = new Set(request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.traceId))));
    res.status(201).json({ traces: traces.size, spans: result.accepted, rejected: result.rejected });
  });
  return router;
}
