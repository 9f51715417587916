// GET /api/sessions and /api/users: traces of a time window grouped by session or user,
// with filters, sort and cursors. Thin: validate, call the store.
import { Router } from 'express';
import { z } from 'zod';
import { readTenant } from '../auth/authenticate.ts';
import type { GroupCursor, GroupKind, SessionStore } from '../store/sessions.ts';
import type { CursorCodec } from './cursor.ts';
import { ApiError } from './errors.ts';
import { timeParam } from './filters.ts';

/** Without `since`, a page reads the last 7 days: the window bounds the work. */
export const DEFAULT_WINDOW_MS = 7 * 86_400_000;

const text = z.string().min(1).max(1000);
const groupQuery = {
  since: timeParam.optional(),
  until: timeParam.optional(),
  search: text.optional(),
  model: text.optional(),
  service: text.optional(),
  errors_only: z.enum(['true', 'false']).optional(),
  sort: z.enum(['last', 'first', 'traces', 'cost', 'tokens', 'errors']).default('last'),
  order: z.enum(['desc', 'asc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(2000).optional(),
  /** Admin keys only: read another tenant. */
  tenant: text.optional(),
};
export const sessionListQuery = z.object({ ...groupQuery, user_id: text.optional() }).strict();
export const userListQuery = z.object(groupQuery).strict();

export function sessionRoutes({ sessions, cursors }: { sessions: SessionStore; cursors: CursorCodec }): Router {
  const router = Router();

  const searchOf = (kind: GroupKind, q: z.infer<typeof sessionListQuery>, tenantId: string) => {
    let cursor: GroupCursor | undefined;
    if (q.cursor !== undefined) {
      cursor = cursors.decode<GroupCursor>(kind, tenantId, q.cursor);
      if (cursor.sort !== q.sort || cursor.order !== q.order) throw new ApiError(400, 'bad_request', 'cursor: it belongs to another sort order');
    }
    const until = q.until;
    const since = q.since ?? new Date((until?.getTime() ?? Date.now()) - DEFAULT_WINDOW_MS);
    if (until && since > until) throw new ApiError(400, 'bad_request', 'since: must not be after until');
    return {
      tenantId,
      since,
      until,
      search: q.search,
      userId: q.user_id,
      model: q.model,
      service: q.service,
      errorsOnly: q.errors_only === 'true',
      sort: q.sort,
      order: q.order,
      limit: q.limit,
      cursor,
    };
  };

  router.get('/sessions', async (req, res) => {
    const q = sessionListQuery.parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    const page = await sessions.sessions(searchOf('session', q, tenantId));
    res.json({ data: page.data, next_cursor: page.nextCursor ? cursors.encode('session', tenantId, page.nextCursor) : null });
  });

  router.get('/users', async (req, res) => {
    const q = userListQuery.parse(req.query);
    const tenantId = readTenant(req, q.tenant);
    const page = await sessions.users(searchOf('user', q, tenantId));
    res.json({ data: page.data, next_cursor: page.nextCursor ? cursors.encode('user', tenantId, page.nextCursor) : null });
  });

  return router;
}
