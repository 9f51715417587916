import { Notice } from './Notice.tsx';

const NAMES: Record<string, string> = { q: 'full-text search', metadata: 'the metadata filter', group_by: 'grouping' };

/** Says which filters the server ignored because it does not support them yet. */
export function IgnoredFilters({ keys }: { keys: string[] }) {
  if (keys.length === 0) return null;
  const names = [...new Set(keys.map((k) => (k.startsWith('metadata.') ? 'metadata' : k)))];
  return (
    <Notice kind="warn" small>
      This server does not support {names.map((k) => NAMES[k] ?? k).join(' or ')} yet; results are shown without {names.length > 1 ? 'them' : 'it'}.
    </Notice>
  );
}
