import type { Message } from '../api/types.ts';
import { prettyIfJson } from '../lib/json.ts';

const ROLE_CLASSES = new Set(['system', 'user', 'assistant', 'tool']);

function MessageCard({ message }: { message: Message }) {
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
      {content && <div className="msg-body">{content}</div>}
      {message.tool_calls?.map((call, i) => (
        <div className="tool-call" key={call.id || i}>
          <div className="tc-head">
            <span>⚒ {call.name || 'tool call'}</span>
            {call.id && <span className="mono faint">{call.id}</span>}
          </div>
          <pre className="mono">{prettyIfJson(call.arguments ?? '')}</pre>
        </div>
      ))}
    </div>
  );
}

/** Messages as chat turns. All text goes through React text nodes, so markup in prompts stays text. */
export function ChatView({ messages }: { messages: Message[] }) {
  return (
    <div className="chat">
      {messages.map((message, i) => (
        <MessageCard key={i} message={message} />
      ))}
    </div>
  );
}
