// For admin keys: which tenant the UI reads (every GET carries `tenant=`; the key's own
// tenant when none is chosen). Traces sent before keys were switched on are in `default`.
import { selectTenant, selectedTenant } from '../api/auth.ts';
import { api } from '../api/client.ts';
import { useApi } from '../hooks/useApi.ts';

export function TenantSwitcher() {
  const me = useApi('me', (signal) => api.me(signal));
  const isAdmin = me.data?.admin === true && me.data.keys_required;
  const tenants = useApi(isAdmin ? 'tenants' : null, (signal) => api.tenants(signal));
  if (!isAdmin || !tenants.data) return null;
  const own = me.data!.tenant_id;
  const current = selectedTenant() ?? own;
  const ids = [...new Set([own, current, ...tenants.data.data.map((t) => t.tenant_id)])].sort();
  return (
    <label className="faint tenant-switcher" title="Admin keys can read every tenant">
      Tenant{' '}
      <select
        aria-label="Tenant"
        value={current}
        onChange={(event) => {
          selectTenant(event.target.value === own ? null : event.target.value);
          window.location.reload();
        }}
      >
        {ids.map((id) => (
          <option key={id} value={id}>
            {id}
            {id === own ? ' (this key)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
