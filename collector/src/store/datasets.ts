// Named datasets of input/output pairs copied from spans, for evals and fine-tuning.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Message } from '@spanhouse/model';
import { isoTime } from './query.ts';

export interface DatasetItemInput {
  itemId: string;
  sourceTraceId: string;
  sourceSpanId: string;
  inputMessages: Message[];
  outputMessages: Message[];
  inputText: string;
  outputText: string;
  metadata: Record<string, string>;
}

export interface DatasetRecord {
  name: string;
  description: string;
  created_at: string;
  item_count: number;
}

export interface DatasetItemRecord {
  id: string;
  dataset: string;
  input: Message[];
  output: Message[];
  input_text: string;
  output_text: string;
  metadata: Record<string, string>;
  source_trace_id: string;
  source_span_id: string;
  created_at: string;
}

interface ItemRow {
  dataset: string;
  item_id: string;
  source_trace_id: string;
  source_span_id: string;
  input_messages: string;
  output_messages: string;
  input_text: string;
  output_text: string;
  metadata: Record<string, string>;
  created_at: string | number;
}

/** Where an item stands in a dataset's order (a page's cursor). */
export interface ItemPosition {
  createdUs: number;
  itemId: string;
}

function fromItemRow(row: ItemRow): DatasetItemRecord {
  return {
    id: row.item_id,
    dataset: row.dataset,
    input: JSON.parse(row.input_messages) as Message[],
    output: JSON.parse(row.output_messages) as Message[],
    input_text: row.input_text,
    output_text: row.output_text,
    metadata: row.metadata,
    source_trace_id: row.source_trace_id,
    source_span_id: row.source_span_id,
    created_at: isoTime(row.created_at),
  };
}

export class DatasetStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Creates the dataset unless it exists; returns whether it was created now. */
  async ensure(tenantId: string, name: string, description = ''): Promise<boolean> {
    const found = await this.client.query({
      query: 'SELECT 1 FROM datasets WHERE tenant_id = {tenant:String} AND name = {name:String} LIMIT 1',
      query_params: { tenant: tenantId, name },
      format: 'JSONEachRow',
    });
    if ((await found.json()).length > 0) return false;
    const now = Date.now();
    await this.client.insert({
      table: 'datasets',
      values: [{ tenant_id: tenantId, name, description, created_at: now, version: now }],
      format: 'JSONEachRow',
    });
    return true;
  }

  /** Adds (or replaces, for the same item id) one item. */
  async addItem(tenantId: string, dataset: string, item: DatasetItemInput): Promise<DatasetItemRecord> {
    const nowUs = Date.now() * 1000;
    const row = {
      tenant_id: tenantId,
      dataset,
      item_id: item.itemId,
      source_trace_id: item.sourceTraceId,
      source_span_id: item.sourceSpanId,
      input_messages: JSON.stringify(item.inputMessages),
      output_messages: JSON.stringify(item.outputMessages),
      input_text: item.inputText,
      output_text: item.outputText,
      metadata: item.metadata,
      created_at: nowUs,
      version: nowUs,
    };
    await this.client.insert({ table: 'dataset_items', values: [row], format: 'JSONEachRow' });
    return fromItemRow(row);
  }

  async list(tenantId: string): Promise<DatasetRecord[]> {
    const result = await this.client.query({
      query: `SELECT d.name AS name, d.description AS description, d.created_at AS created_at, ifNull(i.items, 0) AS item_count
              FROM (SELECT name, description, created_at FROM datasets FINAL WHERE tenant_id = {tenant:String}) AS d
              LEFT JOIN (SELECT dataset, count() AS items FROM dataset_items FINAL WHERE tenant_id = {tenant:String} GROUP BY dataset) AS i
              ON d.name = i.dataset
              ORDER BY name`,
      query_params: { tenant: tenantId },
      format: 'JSONEachRow',
    });
    return (await result.json<{ name: string; description: string; created_at: string; item_count: string }>()).map((r) => ({
      name: r.name,
      description: r.description,
      created_at: isoTime(r.created_at),
      item_count: Number(r.item_count),
    }));
  }

  async exists(tenantId: string, name: string): Promise<boolean> {
    const result = await this.client.query({
      query: 'SELECT 1 FROM datasets WHERE tenant_id = {tenant:String} AND name = {name:String} LIMIT 1',
      query_params: { tenant: tenantId, name },
      format: 'JSONEachRow',
    });
    return (await result.json()).length > 0;
  }

  async item(tenantId: string, dataset: string, itemId: string): Promise<DatasetItemRecord | null> {
    const result = await this.client.query({
      query: `SELECT * FROM dataset_items FINAL
              WHERE tenant_id = {tenant:String} AND dataset = {dataset:String} AND item_id = {item:String} LIMIT 1`,
      query_params: { tenant: tenantId, dataset, item: itemId },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<ItemRow>();
    return row ? fromItemRow(row) : null;
  }

  /** Replaces an item's input, output and metadata (a newer version of the same item id). */
  async replaceItem(tenantId: string, current: DatasetItemRecord, changes: Pick<DatasetItemInput, 'inputMessages' | 'outputMessages' | 'inputText' | 'outputText' | 'metadata'>): Promise<DatasetItemRecord> {
    const nowUs = Date.now() * 1000;
    const row = {
      tenant_id: tenantId,
      dataset: current.dataset,
      item_id: current.id,
      source_trace_id: current.source_trace_id,
      source_span_id: current.source_span_id,
      input_messages: JSON.stringify(changes.inputMessages),
      output_messages: JSON.stringify(changes.outputMessages),
      input_text: changes.inputText,
      output_text: changes.outputText,
      metadata: changes.metadata,
      created_at: Date.parse(current.created_at) * 1000,
      version: nowUs,
    };
    await this.client.insert({ table: 'dataset_items', values: [row], format: 'JSONEachRow' });
    return fromItemRow(row);
  }

  /** Deletes an item (every version of it). */
  async deleteItem(tenantId: string, dataset: string, itemId: string): Promise<void> {
    await this.client.command({
      query: 'DELETE FROM dataset_items WHERE tenant_id = {tenant:String} AND dataset = {dataset:String} AND item_id = {item:String}',
      query_params: { tenant: tenantId, dataset, item: itemId },
    });
  }

  /**
   * Items in the order they were added (an edit keeps an item's place), after `after` (keyset:
   * the creation time in microseconds, then the id for items added in the same microsecond).
   */
  async items(tenantId: string, dataset: string, limit: number, after?: ItemPosition): Promise<Array<{ item: DatasetItemRecord; position: ItemPosition }>> {
    const result = await this.client.query({
      query: `SELECT *, toUnixTimestamp64Micro(created_at) AS created_us FROM dataset_items FINAL
              WHERE tenant_id = {tenant:String} AND dataset = {dataset:String}
                AND (created_at, item_id) > (fromUnixTimestamp64Micro({after_us:Int64}), {after_id:String})
              ORDER BY created_at, item_id LIMIT {limit:UInt32}`,
      query_params: { tenant: tenantId, dataset, after_us: after?.createdUs ?? -1, after_id: after?.itemId ?? '', limit },
      format: 'JSONEachRow',
    });
    return (await result.json<ItemRow & { created_us: string | number }>()).map((row) => ({
      item: fromItemRow(row),
      position: { createdUs: Number(row.created_us), itemId: row.item_id },
    }));
  }
}
