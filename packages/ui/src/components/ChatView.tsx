import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { Message, MessagePart } from '../api/types.ts';
import { formatBytes } from '../lib/format.ts';
import { prettyIfJson } from '../lib/json.ts';
import { FoldedText } from './FoldedText.tsx';

const ROLE_CLASSES = new Set(['system', 'user', 'assistant', 'tool']);

/** An inline image stored apart from the span: fetched with the API key, shown from an object URL. */
function BlobImage({ spanId, part }: { spanId: string; part: MessagePart }) {
  const [url, setUrl] = useState<string>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!part.blob_id) return;
    const controller = new AbortController();
    let objectUrl: string | undefined;
    api.blob(spanId, part.blob_id, controller.signal).then(
      (blob) => {
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      () => !controller.signal.aborted && setFailed(true),
    );
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [spanId, part.blob_id]);
  const label = `${part.mime_type ?? 'image'}${part.size ? `, ${formatBytes(part.size)}` : ''}`;
  if (url) return <img className="msg-image" src={url} alt={label} title={label} />;
  return <span className="part-chip">{failed ? `image not available (${label})` : part.blob_id ? `loading image (${label})…` : `image (${label}, not captured)`}</span>;
}

/** Media and reasoning parts of a message: images inline, everything else as a labelled chip. */
function Part({ part, spanId }: { part: MessagePart; spanId?: string }) {
  if (part.type === 'reasoning') {
    return (
      <details className="part-reasoning">
        <summary>reasoning</summary>
        <div className="msg-body">{part.text && <FoldedText text={part.text} />}</div>
      </details>
    );
  }
  const isImage = part.modality === 'image' || (part.mime_type ?? '').startsWith('image/');
  if (part.type === 'blob' && isImage && spanId) return <BlobImage spanId={spanId} part={part} />;
  // remote links are shown, never loaded: a prompt's URL should not be fetched by whoever views it
  if (part.type === 'uri') return <span className="part-chip mono">{part.modality ?? 'link'}: {part.uri}</span>;
  if (part.type === 'file') return <span className="part-chip mono">{part.modality ?? 'file'}: {part.file_id}</span>;
  return <span className="part-chip">{part.modality ?? 'blob'} ({part.mime_type ?? 'unknown type'}{part.size ? `, ${formatBytes(part.size)}` : ''})</span>;
}

function MessageCard({ message, spanId }: { message: Message; spanId?: string }) {
  const role = message.role || 'message';
  const roleClass = ROLE_CLASSES.has(role) ? role : role === 'developer' ? 'system' : '';
  const content = role === 'tool' ? prettyIfJson(message.content) : message.content;
  return (
    <div className={`msg ${roleClass}`} data-role={role}>
      <div className="msg-head">
        <span>{role}</span>
        {message.name && <span className="meta">{message.name}</span>}
        {message.tool_call_id && <span className="meta mono">↩ {message.tool_call_id}</span>}
        {message.finish_reason && <span className="meta" style={{ marginLeft: 'auto' }}>finish: {message.finish_reason}</span>}
      </div>
      {content && (
        <div className="msg-body">
          <FoldedText text={content} />
        </div>
      )}
      {message.parts && message.parts.length > 0 && (
        <div className="msg-parts">
          {message.parts.map((part, i) => (
            <Part key={i} part={part} spanId={spanId} />
          ))}
        </div>
      )}
      {message.tool_calls?.map((call, i) => (
        <div className="tool-call" key={call.id || i}>
          <div className="tc-head">
            <span>⚒ {call.name || 'tool call'}</span>
            {call.kind === 'server' && <span className="faint">server tool</span>}
            {call.id && <span className="mono faint">{call.id}</span>}
          </div>
          <pre className="mono">
            <FoldedText text={prettyIfJson(call.arguments ?? '')} />
          </pre>
        </div>
      ))}
    </div>
  );
}

/** Messages as chat turns. All text goes through React text nodes, so markup in prompts stays text. */
export function ChatView({ messages, spanId }: { messages: Message[]; spanId?: string }) {
  return (
    <div className="chat">
      {messages.map((message, i) => (
        <MessageCard key={i} message={message} spanId={spanId} />
      ))}
    </div>
  );
}
