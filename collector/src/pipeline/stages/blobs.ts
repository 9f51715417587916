// Moves the inline bytes of message blob parts (images, audio) out of the span: the bytes
// go to the span_blobs table, and the part keeps its blob id (sha256), size and mime type.
// A span row then stays small however large the image, and list reads never carry it.
import { createHash } from 'node:crypto';
import type { Message, SpanhouseSpan } from '@spanhouse/model';
import type { BlobRow, BlobStore } from '../../store/blobs.ts';
import type { SpanProcessor } from '../processor.ts';

/** Pure: the span with blob contents replaced by their ids, and the blobs to store. */
export function extractBlobs(span: SpanhouseSpan): { span: SpanhouseSpan; blobs: BlobRow[] } {
  const blobs = new Map<string, BlobRow>();
  const strip = (messages: Message[]): Message[] => {
    if (!messages.some((m) => m.parts?.some((p) => p.content !== undefined))) return messages;
    return messages.map((message) => {
      if (!message.parts) return message;
      const parts = message.parts.map((part) => {
        if (part.content === undefined) return part;
        const { content, ...rest } = part;
        if (content === '') return rest;
        const blobId = createHash('sha256').update(content).digest('hex');
        blobs.set(blobId, {
          tenant_id: span.tenant_id,
          trace_id: span.trace_id,
          span_id: span.span_id,
          blob_id: blobId,
          mime_type: part.mime_type ?? 'application/octet-stream',
          size: part.size ?? 0,
          data: content,
          time_us: span.start_time_us,
          retention_days: span.retention_days,
          content_retention_days: span.content_retention_days,
        });
        return { ...rest, blob_id: blobId };
      });
      return { ...message, parts };
    });
  };
  const input = strip(span.input_messages);
  const output = strip(span.output_messages);
  if (blobs.size === 0) return { span, blobs: [] };
  return { span: { ...span, input_messages: input, output_messages: output }, blobs: [...blobs.values()] };
}

export class BlobStage implements SpanProcessor {
  readonly name = 'blobs';
  constructor(private readonly store: BlobStore) {}

  /** The blobs are durable before the spans that point at them are written. */
  async process(spans: SpanhouseSpan[]): Promise<SpanhouseSpan[]> {
    const out: SpanhouseSpan[] = [];
    const blobs: BlobRow[] = [];
    for (const span of spans) {
      const extracted = extractBlobs(span);
      out.push(extracted.span);
      blobs.push(...extracted.blobs);
    }
    await this.store.insert(blobs);
    return out;
  }
}
