// Datasets: copy a span's input and output (and metadata) into a named dataset, list
// datasets and items, export a dataset as JSONL.
import { Router } from 'express';
import { z } from 'zod';
import { readTenant, writeTenant } from '../auth/authenticate.ts';
import type { DatasetStore, ItemPosition } from '../store/datasets.ts';
import type { SpanStore } from '../store/span-store.ts';
import type { CursorCodec } from './cursor.ts';
import { ApiError, notFound } from './errors.ts';
import { content } from './span-input.ts';
import { spanIdParam } from './traces.ts';
import { messagesText, toMessages } from '@spanhouse/model';

export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const EXPORT_PAGE = 1000;

const metadata = z.record(z.string().max(200), z.union([z.string().max(10_000), z.number(), z.boolean()]));
const itemBody = z.union([
  z.object({ span_id: z.string(), metadata: metadata.optional(), tenant_id: z.string().max(63).optional() }).strict(),
  z
    .object({ id: z.string().min(1).max(200).optional(), input: content, output: content.optional(), metadata: metadata.optional(), tenant_id: z.string().max(63).optional() })
    .strict(),
]);

function datasetName(raw: string): string {
  if (!DATASET_NAME.test(raw)) throw new ApiError(400, 'bad_request', 'name: letters, digits, ".", "_" and "-", at most 128, starting with a letter or digit');
  return raw;
}

const asStrings = (m: Record<string, string | number | boolean> | undefined) => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, String(v)]));
const messagesOf = (value: unknown, role: string) => toMessages(JSON.stringify(typeof value === 'string' ? [{ role, content: value }] : value ?? []), role);

export function datasetRoutes({ store, datasets, cursors }: { store: SpanStore; datasets: DatasetStore; cursors: CursorCodec }): Router {
  const router = Router();

  router.get('/datasets', async (req, res) => {
    const q = z.object({ tenant: z.string().min(1).optional() }).strict().parse(req.query);
    res.json({ data: await datasets.list(readTenant(req, q.tenant)), next_cursor: null });
  });

  router.post('/datasets', async (req, res) => {
    const input = z.object({ name: z.string(), description: z.string().max(10_000).optional(), tenant_id: z.string().max(63).optional() }).strict().parse(req.body ?? {});
    const tenantId = writeTenant(req, input.tenant_id);
    const created = await datasets.ensure(tenantId, datasetName(input.name), input.description);
    res.status(created ? 201 : 200).json({ name: input.name, created });
  });

  router.post('/datasets/:name/items', async (req, res) => {
    const name = datasetName(req.params.name);
    const input = itemBody.parse(req.body ?? {});
    const tenantId = writeTenant(req, input.tenant_id);
    let item;
    if ('span_id' in input) {
      const spanId = spanIdParam(input.span_id);
      const span = await store.getSpan(tenantId, spanId);
      if (!span) throw notFound(`span ${spanId}`);
      await datasets.ensure(tenantId, name);
      item = await datasets.addItem(tenantId, name, {
        itemId: spanId,
        sourceTraceId: span.trace_id,
        sourceSpanId: spanId,
        inputMessages: span.input_messages ?? [],
        outputMessages: span.output_messages ?? [],
        inputText: span.input_text,
        outputText: span.output_text,
        metadata: { ...span.metadata, ...asStrings(input.metadata) },
      });
    } else {
      const inputMessages = messagesOf(input.input, 'user');
      const outputMessages = messagesOf(input.output, 'assistant');
      await datasets.ensure(tenantId, name);
      item = await datasets.addItem(tenantId, name, {
        itemId: input.id ?? crypto.randomUUID(),
        sourceTraceId: '',
        sourceSpanId: '',
        inputMessages,
        outputMessages,
        inputText: messagesText(inputMessages),
        outputText: messagesText(outputMessages),
        metadata: asStrings(input.metadata),
      });
    }
    res.status(201).json(item);
  });

  router.get('/datasets/:name/items', async (req, res) => {
    const name = datasetName(req.params.name);
    const q = z
      .object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().min(1).max(2000).optional(), tenant: z.string().min(1).optional() })
      .strict()
      .parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    if (!(await datasets.exists(tenantId, name))) throw notFound(`dataset ${name}`);
    const after = q.cursor ? cursors.decode<{ dataset: string; after: ItemPosition }>('dataset-items', tenantId, q.cursor) : undefined;
    if (after && after.dataset !== name) throw new ApiError(400, 'bad_request', 'cursor: it belongs to another dataset');
    if (after && (typeof after.after?.createdUs !== 'number' || typeof after.after?.itemId !== 'string')) throw new ApiError(400, 'bad_request', 'cursor: not a cursor this API returned for this request');
    const rows = await datasets.items(tenantId, name, q.limit + 1, after?.after);
    const page = rows.slice(0, q.limit);
    const next = rows.length > q.limit ? cursors.encode('dataset-items', tenantId, { dataset: name, after: page[page.length - 1].position }) : null;
    res.json({ data: page.map((r) => r.item), next_cursor: next });
  });

  const itemEdit = z
    .object({ input: content.optional(), output: content.optional(), metadata: metadata.optional(), tenant_id: z.string().max(63).optional() })
    .strict();
  const itemIdParam = (raw: string) => {
    if (raw.length === 0 || raw.length > 200) throw new ApiError(400, 'bad_request', 'itemId: 1 to 200 characters');
    return raw;
  };

  router.patch('/datasets/:name/items/:itemId', async (req, res) => {
    const name = datasetName(req.params.name);
    const itemId = itemIdParam(req.params.itemId);
    const input = itemEdit.parse(req.body ?? {});
    const tenantId = writeTenant(req, input.tenant_id);
    const current = await datasets.item(tenantId, name, itemId);
    if (!current) throw notFound(`item ${itemId} of dataset ${name}`);
    const inputMessages = input.input === undefined ? current.input : messagesOf(input.input, 'user');
    const outputMessages = input.output === undefined ? current.output : messagesOf(input.output, 'assistant');
    const item = await datasets.replaceItem(tenantId, current, {
      inputMessages,
      outputMessages,
      inputText: input.input === undefined ? current.input_text : messagesText(inputMessages),
      outputText: input.output === undefined ? current.output_text : messagesText(outputMessages),
      metadata: input.metadata === undefined ? current.metadata : asStrings(input.metadata),
    });
    res.json(item);
  });

  router.delete('/datasets/:name/items/:itemId', async (req, res) => {
    const name = datasetName(req.params.name);
    const itemId = itemIdParam(req.params.itemId);
    const q = z.object({ tenant_id: z.string().max(63).optional() }).strict().parse(req.query);
    const tenantId = writeTenant(req, q.tenant_id);
    if (!(await datasets.item(tenantId, name, itemId))) throw notFound(`item ${itemId} of dataset ${name}`);
    await datasets.deleteItem(tenantId, name, itemId);
    res.status(204).end();
  });

  router.get('/datasets/:name/export', async (req, res) => {
    const name = datasetName(req.params.name);
    const q = z.object({ tenant: z.string().min(1).optional() }).strict().parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    if (!(await datasets.exists(tenantId, name))) throw notFound(`dataset ${name}`);
    res.attachment(`${name}.jsonl`).type('application/x-ndjson');
    // Page through the items so a large dataset never sits in memory at once.
    let after: ItemPosition | undefined;
    for (;;) {
      const rows = await datasets.items(tenantId, name, EXPORT_PAGE, after);
      for (const { item } of rows) {
        res.write(`${JSON.stringify({ id: item.id, input: item.input, output: item.output, metadata: item.metadata, source: { trace_id: item.source_trace_id, span_id: item.source_span_id } })}\n`);
      }
      if (rows.length < EXPORT_PAGE) break;
      after = rows[rows.length - 1].position;
    }
    res.end();
  });

  return router;
}
