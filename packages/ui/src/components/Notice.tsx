import type { ReactNode } from 'react';
import { ApiError, isMissingEndpoint } from '../api/client.ts';

export function Notice({ kind = 'info', small, children }: { kind?: 'info' | 'warn' | 'error' | 'plain'; small?: boolean; children: ReactNode }) {
  return (
    <div className={`notice ${kind} ${small ? 'small' : ''}`} role={kind === 'error' ? 'alert' : 'status'}>
      <div>{children}</div>
    </div>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.status ? `${error.message} (${error.code}, HTTP ${error.status})` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An API failure; `missing` replaces the text when the endpoint is not on this server yet. */
export function ErrorNotice({ error, missing, small }: { error: unknown; missing?: ReactNode; small?: boolean }) {
  if (missing && isMissingEndpoint(error)) {
    return (
      <Notice kind="plain" small={small}>
        {missing}
      </Notice>
    );
  }
  return (
    <Notice kind="error" small={small}>
      {errorMessage(error)}
    </Notice>
  );
}
