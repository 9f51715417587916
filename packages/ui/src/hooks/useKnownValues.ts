import { api } from '../api/client.ts';
import { useApi } from './useApi.ts';

/** Known values of a filter field (GET /api/values, last 7 days), for autocomplete; empty until loaded or on an older server. */
export function useKnownValues(field: 'model' | 'provider' | 'service' | 'name'): string[] {
  const answer = useApi(`values-${field}`, (signal) => api.values(field, signal));
  return answer.data?.data ?? [];
}
