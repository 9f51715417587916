// Keys and tenants while the collector runs: GET/POST /api/admin/keys,
// DELETE /api/admin/keys/:keyId, GET /api/admin/tenants (admin keys; or anyone on a
// loopback collector that has no keys yet, as `spanhouse keys` on the data directory
// would be, whose first key must then be an admin key), and GET /api/me: who the caller
// is, for the UI.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { createKey, listTenants, publicKey } from '../auth/admin.ts';
import { authOf, type Authenticator } from '../auth/authenticate.ts';
import { TENANT_ID_PATTERN } from '../auth/keys.ts';
import type { KeyStore } from '../store/keys.ts';
import { ApiError, notFound, storageWrite } from './errors.ts';

const tenantId = z.string().regex(TENANT_ID_PATTERN, 'lower-case letters, digits, "-" and "_" (at most 63)');

const newKeyBody = z
  .object({
    tenant: tenantId,
    name: z.string().max(200).optional(),
    admin: z.boolean().optional(),
    trusted_relay: z.boolean().optional(),
  })
  .strict();

const keyListQuery = z.object({ tenant: tenantId.optional() }).strict();

function requireAdmin(req: Request): void {
  const auth = authOf(req);
  if (!auth.admin && auth.keyId !== null) throw new ApiError(403, 'forbidden', 'this needs an admin key (spanhouse keys create --admin)');
}

export function adminRoutes({ keys, auth }: { keys: KeyStore; auth: Authenticator }): Router {
  const router = Router();
  router.get('/me', (req, res) => {
    const me = authOf(req);
    res.json({ tenant_id: me.tenantId, key_id: me.keyId, admin: me.admin || me.keyId === null, keys_required: me.keyId !== null });
  });
  router.use('/admin', (req, _res, next) => {
    requireAdmin(req);
    next();
  });
  router.get('/admin/tenants', async (_req, res) => {
    res.json({ data: await listTenants(keys) });
  });
  router.get('/admin/keys', async (req, res) => {
    const q = keyListQuery.parse(req.query);
    res.json({ data: (await keys.keys(q.tenant)).map(publicKey) });
  });
  router.post('/admin/keys', async (req, res) => {
    const body = newKeyBody.parse(req.body ?? {});
    // Keyless (no key exists yet): the first key switches keys on, and a non-admin one would
    // leave no key that may use this API (nor the UI's tenant switcher) until a restart.
    if (authOf(req).keyId === null && body.admin !== true) {
      throw new ApiError(
        409,
        'first_key_not_admin',
        'the first key made through the admin API must be an admin key ("admin": true; spanhouse keys create --admin): it switches keys on, ' +
          'and a non-admin key could not use this API. Make an admin key first, then this one with it (--key)',
      );
    }
    const created = await storageWrite(() => createKey(keys, { tenant: body.tenant, name: body.name, admin: body.admin, trustedRelay: body.trusted_relay }));
    // the first key ends keyless access at once, here; other collectors within their cache time
    auth.invalidate();
    res.status(201).json({ key: created.key, ...created.record, ...(created.warning ? { warning: created.warning } : {}) });
  });
  router.delete('/admin/keys/:keyId', async (req, res) => {
    const keyId = String(req.params.keyId);
    if (!/^[0-9a-f]{16}$/.test(keyId)) throw new ApiError(400, 'bad_request', 'key id: 16 hex characters (from GET /api/admin/keys)');
    const revoked = await storageWrite(() => keys.revokeKey(keyId));
    if (!revoked) throw notFound(`active key ${keyId}`);
    auth.invalidate();
    res.json({ key_id: keyId, revoked: true });
  });
  return router;
}
