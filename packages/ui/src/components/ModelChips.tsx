/** Model names as chips, whole (never cut mid-word); past `max`, a "+n" with the rest on hover. */
export function ModelChips({ models, max = 2 }: { models: string[] | undefined; max?: number }) {
  const list = models ?? [];
  return (
    <span className="chips">
      {list.slice(0, max).map((m) => (
        <span key={m} className="chip model" title={m}>
          {m}
        </span>
      ))}
      {list.length > max && (
        <span className="faint" title={list.slice(max).join(', ')}>
          +{list.length - max}
        </span>
      )}
    </span>
  );
}
