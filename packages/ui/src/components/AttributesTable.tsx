import { prettyIfJson } from '../lib/json.ts';

/** Key/value pairs in a compact table; `highlight` marks keys (e.g. unmapped attributes). */
export function AttributesTable({ values, highlight }: { values: Record<string, unknown>; highlight?: ReadonlySet<string> }) {
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <div className="faint">None</div>;
  return (
    <table className="attr-table">
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key} className={highlight?.has(key) ? 'unmapped' : undefined} title={highlight?.has(key) ? 'Not understood by any dialect' : undefined}>
            <td>{key}</td>
            <td className="value">{typeof value === 'string' ? prettyIfJson(value) : JSON.stringify(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
