import { useEffect, useRef, useState, type InputHTMLAttributes } from 'react';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'> & {
  value: string;
  /** Called after typing pauses, on Enter and on blur (only when the value changed). */
  onCommit: (value: string) => void;
  delayMs?: number;
};

/** A text input that edits locally and writes to the URL when the user pauses. */
export function FilterInput({ value, onCommit, delayMs = 400, className = 'input', ...rest }: Props) {
  const [draft, setDraft] = useState(value);
  const committed = useRef(value);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => {
    committed.current = value;
    setDraft(value);
  }, [value]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const commit = (next: string) => {
    clearTimeout(timer.current);
    let trimmed = next.trim();
    // a number input with a lower bound never sends less (typing "-5" in a min=0 box gives 0)
    if (rest.type === 'number' && rest.min !== undefined && trimmed !== '' && Number(trimmed) < Number(rest.min)) {
      trimmed = String(rest.min);
      setDraft(trimmed);
    }
    if (trimmed === committed.current) return;
    committed.current = trimmed;
    onCommit(trimmed);
  };

  return (
    <input
      {...rest}
      className={className}
      value={draft}
      onChange={(e) => {
        const next = e.target.value;
        setDraft(next);
        clearTimeout(timer.current);
        timer.current = setTimeout(() => commit(next), delayMs);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit(draft);
        if (e.key === 'Escape' && draft) {
          setDraft('');
          commit('');
        }
      }}
      onBlur={() => commit(draft)}
    />
  );
}
