// Inline media of messages (blob parts), stored apart from the span rows: a span keeps a
// placeholder (blob id, size, mime type) and GET /api/spans/:id/blobs/:blobId serves the bytes.
import type { ClickHouseClient } from '@clickhouse/client';
import { ONE_OFF_BY_ID, insertRows, queryRows } from './query.ts';

export interface BlobRow {
  tenant_id: string;
  trace_id: string;
  span_id: string;
  /** sha256 of the bytes, hex. */
  blob_id: string;
  mime_type: string;
  size: number;
  /** The bytes as base64 (ClickHouse strings travel as JSON text). */
  data: string;
  time_us: number;
  retention_days?: number;
  content_retention_days?: number;
}

const COLUMNS = ['tenant_id', 'trace_id', 'span_id', 'blob_id', 'mime_type', 'size', 'data', 'time', 'retention_days', 'content_retention_days'];

export class BlobStore {
  constructor(private readonly client: ClickHouseClient) {}

  async insert(blobs: BlobRow[]): Promise<void> {
    if (blobs.length === 0) return;
    await insertRows(
      this.client,
      'span_blobs',
      COLUMNS,
      blobs.map((b) => [b.tenant_id, b.trace_id, b.span_id, b.blob_id, b.mime_type, b.size, b.data, b.time_us, b.retention_days ?? null, b.content_retention_days ?? null]),
    );
  }

  /** One blob of one span of the tenant, or null. */
  async get(tenantId: string, spanId: string, blobId: string): Promise<{ mime_type: string; bytes: Buffer } | null> {
    const [row] = await queryRows<{ mime_type: string; data: string }>(this.client, {
      query: `SELECT mime_type, data FROM span_blobs
              WHERE tenant_id = {tenant:String} AND span_id = {span:String} AND blob_id = {blob:String} LIMIT 1`,
      query_params: { tenant: tenantId, span: spanId, blob: blobId },
      clickhouse_settings: ONE_OFF_BY_ID,
    });
    return row ? { mime_type: row.mime_type, bytes: Buffer.from(row.data, 'base64') } : null;
  }
}
