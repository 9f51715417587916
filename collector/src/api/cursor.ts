// Opaque page cursors: the position as JSON, signed with HMAC-SHA256 over the route
// kind, the tenant and the position. A cursor is useless to another tenant or route,
// and cannot be forged or edited.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.ts';

export class CursorCodec {
  constructor(private readonly secret: Buffer) {}

  private sign(kind: string, tenantId: string, payload: string): Buffer {
    return createHmac('sha256', this.secret).update(`${kind}\n${tenantId}\n${payload}`).digest();
  }

  encode(kind: string, tenantId: string, position: unknown): string {
    const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${payload}.${this.sign(kind, tenantId, payload).toString('base64url')}`;
  }

  decode<T>(kind: string, tenantId: string, cursor: string): T {
    const [payload, mac, extra] = cursor.split('.');
    const invalid = new ApiError(400, 'bad_request', 'cursor: not a cursor this API returned for this request');
    if (!payload || !mac || extra !== undefined) throw invalid;
    const expected = this.sign(kind, tenantId, payload);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
    } catch {
      throw invalid;
    }
  }
}
