import type { ReactNode } from 'react';
import { copyText } from '../lib/clipboard.ts';
import { useToast } from './Toast.tsx';

export function CopyButton({ text, label = 'Copy', done = 'Copied to clipboard', className = 'btn small', title, children }: {
  text: string | (() => string);
  label?: string;
  done?: string;
  className?: string;
  title?: string;
  children?: ReactNode;
}) {
  const toast = useToast();
  const onClick = async () => {
    const ok = await copyText(typeof text === 'function' ? text() : text);
    toast(ok ? done : 'Copy failed: your browser blocked clipboard access');
  };
  return (
    <button type="button" className={className} onClick={onClick} title={title ?? label}>
      {children ?? label}
    </button>
  );
}
