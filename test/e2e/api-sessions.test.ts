// GET /api/sessions and /api/users on a real collector with embedded ClickHouse: traces
// grouped by session and by user, totals over each trace's newest version only, the
// window, filters, every sort with cursor pages, tenant isolation and bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningCollector } from '@spanhouse/collector';
import { apiClient, iso } from '../support/api.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('api-sessions');
let collector: RunningCollector;
let api: ReturnType<typeof apiClient>;

const T0 = Date.now() - 2 * 3600_000;
const at = (minutes: number) => iso(T0 + minutes * 60_000);

// Three sessions of two users, and one session nine days old (outside the default window).
const CALLS = [
  { session_id: 's-alpha', user_id: 'ann', model: 'gpt-4o', cost_usd: 0.01, input_tokens: 100, output_tokens: 10, start_time: at(0), latency_ms: 500 },
  { session_id: 's-alpha', user_id: 'ann', model: 'gpt-4o-mini', cost_usd: 0.02, input_tokens: 200, output_tokens: 20, start_time: at(5), latency_ms: 500 },
  { session_id: 's-beta', user_id: 'ann', model: 'claude-sonnet-4', cost_usd: 0.5, input_tokens: 1000, output_tokens: 100, start_time: at(10), latency_ms: 500, status: 'error', error: 'overloaded' },
  { session_id: 's-gamma', user_id: 'bob', model: 'gpt-4o', cost_usd: 0.001, input_tokens: 10, output_tokens: 1, start_time: at(20), latency_ms: 500 },
  { session_id: 's-old', user_id: 'bob', model: 'gpt-4o', cost_usd: 9, input_tokens: 1, output_tokens: 1, start_time: iso(Date.now() - 9 * 86_400_000), latency_ms: 500 },
];

interface SessionRow { session_id: string; user_id: string; first_time: string; last_time: string; trace_count: number; error_count: number; cost_usd: number; total_tokens: number; models: string[] }
interface UserRow { user_id: string; session_count: number; trace_count: number; error_count: number; cost_usd: number; last_seen: string }

const sessions = async (query = '') => {
  const res = await api<{ data: SessionRow[]; next_cursor: string | null }>('GET', `/api/sessions${query}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
};

before(async () => {
  collector = await startTestCollector(data.dir);
  api = apiClient(collector.url);
  for (const call of CALLS) {
    const res = await api('POST', '/api/traces', { ...call, input: `question for ${call.session_id}`, output: 'answer' });
    assert.equal(res.status, 201, res.text);
  }
  // A trace of s-gamma whose spans arrive in two requests: two stored versions, counted once.
  const root = await api('POST', '/api/spans', { name: 'agent', type: 'agent', session_id: 's-gamma', user_id: 'bob', start_time: at(30), end_time: at(31) });
  assert.equal(root.status, 201, root.text);
  const child = await api('POST', '/api/spans', {
    name: 'llm', type: 'generation', trace_id: root.body.trace_id, parent_span_id: root.body.span_id, model: 'gpt-4o', cost_usd: 0.004, input_tokens: 40, output_tokens: 4,
    session_id: 's-gamma', user_id: 'bob', start_time: at(30.5), end_time: at(30.9),
  });
  assert.equal(child.status, 201, child.text);
});
after(async () => {
  await collector?.close();
  data.remove();
});

describe('GET /api/sessions', () => {
  test('one row per session in the last 7 days, newest activity first, totals over newest trace versions', async () => {
    const { data: rows, next_cursor } = await sessions();
    assert.equal(next_cursor, null);
    assert.deepEqual(rows.map((r) => r.session_id), ['s-gamma', 's-beta', 's-alpha'], 's-old is outside the default window');
    const alpha = rows.find((r) => r.session_id === 's-alpha')!;
    assert.equal(alpha.user_id, 'ann');
    assert.equal(alpha.trace_count, 2);
    assert.equal(alpha.error_count, 0);
    assert.ok(Math.abs(alpha.cost_usd - 0.03) < 1e-9, String(alpha.cost_usd));
    assert.equal(alpha.total_tokens, 330);
    assert.deepEqual([...alpha.models].sort(), ['gpt-4o', 'gpt-4o-mini']);
    assert.equal(alpha.first_time, at(0));
    const gamma = rows.find((r) => r.session_id === 's-gamma')!;
    assert.equal(gamma.trace_count, 2, 'the two-request trace counts once');
    assert.ok(Math.abs(gamma.cost_usd - 0.005) < 1e-9, `cost of the newest versions only: ${gamma.cost_usd}`);
    assert.equal(rows.find((r) => r.session_id === 's-beta')!.error_count, 1);
  });

  test('the window, user, search, model and errors filters', async () => {
    const all = await sessions(`?since=${encodeURIComponent(iso(Date.now() - 30 * 86_400_000))}`);
    assert.ok(all.data.some((r) => r.session_id === 's-old'));
    assert.deepEqual((await sessions('?user_id=ann')).data.map((r) => r.session_id), ['s-beta', 's-alpha']);
    assert.deepEqual((await sessions('?search=ALP')).data.map((r) => r.session_id), ['s-alpha']);
    assert.deepEqual((await sessions('?model=gpt-4o-mini')).data.map((r) => r.session_id), ['s-alpha']);
    assert.deepEqual((await sessions('?errors_only=true')).data.map((r) => r.session_id), ['s-beta']);
  });

  test('a window that starts or ends inside a day counts exactly the traces inside it', async () => {
    const since = (await sessions(`?since=${encodeURIComponent(at(3))}`)).data;
    const alpha = since.find((r) => r.session_id === 's-alpha')!;
    assert.deepEqual([alpha.trace_count, alpha.total_tokens, alpha.first_time], [1, 220, at(5)], 'only the trace after `since`');
    assert.ok(Math.abs(alpha.cost_usd - 0.02) < 1e-9, String(alpha.cost_usd));
    const both = (await sessions(`?since=${encodeURIComponent(at(-1))}&until=${encodeURIComponent(at(7))}`)).data;
    assert.deepEqual(both.map((r) => [r.session_id, r.trace_count]), [['s-alpha', 2]], 'only the traces before `until`');
    const users = await api<{ data: UserRow[] }>('GET', `/api/users?since=${encodeURIComponent(at(3))}&until=${encodeURIComponent(at(15))}`);
    assert.deepEqual(users.body.data.map((u) => [u.user_id, u.session_count, u.trace_count]), [['ann', 2, 2]]);
  });

  test('every sort pages by cursor without gaps or repeats', async () => {
    for (const sort of ['last', 'first', 'traces', 'cost', 'tokens', 'errors']) {
      for (const order of ['desc', 'asc']) {
        const whole = (await sessions(`?sort=${sort}&order=${order}&limit=10`)).data.map((r) => r.session_id);
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { data: SessionRow[]; next_cursor: string | null } = await sessions(`?sort=${sort}&order=${order}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          paged.push(...page.data.map((r) => r.session_id));
          cursor = page.next_cursor;
        } while (cursor);
        assert.deepEqual(paged, whole, `${sort} ${order}`);
      }
    }
    const byCost = (await sessions('?sort=cost')).data.map((r) => r.session_id);
    assert.deepEqual(byCost, ['s-beta', 's-alpha', 's-gamma']);
  });

  test('bad input is a 400 with a message', async () => {
    for (const query of ['?sort=nope', '?limit=0', '?since=yesterday', '?cursor=forged.cursor', '?unknown=1']) {
      const res = await api<{ error: { message: string } }>('GET', `/api/sessions${query}`);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.ok(res.body.error.message.length > 0);
    }
    const first = await sessions('?limit=1&sort=cost');
    const res = await api('GET', `/api/sessions?limit=1&sort=last&cursor=${encodeURIComponent(first.next_cursor!)}`);
    assert.equal(res.status, 400, 'a cursor of another sort order is refused');
  });
});

describe('GET /api/users', () => {
  test('one row per user: sessions, traces, cost, errors, last seen', async () => {
    const res = await api<{ data: UserRow[]; next_cursor: string | null }>('GET', '/api/users');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data.map((u) => u.user_id), ['bob', 'ann']);
    const ann = res.body.data.find((u) => u.user_id === 'ann')!;
    assert.deepEqual([ann.session_count, ann.trace_count, ann.error_count], [2, 3, 1]);
    assert.ok(Math.abs(ann.cost_usd - 0.53) < 1e-9);
    const bob = res.body.data.find((u) => u.user_id === 'bob')!;
    assert.deepEqual([bob.session_count, bob.trace_count], [1, 2], "bob's old session is outside the window");
    assert.equal(bob.last_seen, at(31));
    const page = await api<{ data: UserRow[]; next_cursor: string | null }>('GET', '/api/users?sort=cost&limit=1');
    assert.deepEqual(page.body.data.map((u) => u.user_id), ['ann']);
    const next = await api<{ data: UserRow[]; next_cursor: string | null }>('GET', `/api/users?sort=cost&limit=1&cursor=${encodeURIComponent(page.body.next_cursor!)}`);
    assert.deepEqual(next.body.data.map((u) => u.user_id), ['bob']);
    assert.equal(next.body.next_cursor, null);
  });

  test('another tenant sees none of these users', async () => {
    const res = await api<{ data: UserRow[] }>('GET', '/api/users?tenant=someone-else');
    // keyless loopback use reads the default tenant only: another tenant is refused or empty
    if (res.status === 200) assert.deepEqual(res.body.data, []);
    else assert.equal(res.status, 403, res.text);
  });
});

describe('rewrites', () => {
  test("a revised span's cost and status reach its session's and user's totals", async () => {
    const created = await api<{ trace_id: string; span_id: string }>('POST', '/api/traces', {
      session_id: 's-rev', user_id: 'cy', model: 'gpt-4o', cost_usd: 0.1, input_tokens: 10, output_tokens: 1, start_time: at(40), latency_ms: 100, input: 'q', output: 'a',
    });
    assert.equal(created.status, 201, created.text);
    const revised = await api('PATCH', `/api/spans/${created.body.span_id}`, { cost_usd: 0.4, status: 'error', error: { message: 'bad answer' } });
    assert.equal(revised.status, 200, revised.text);
    const [session] = (await sessions('?search=s-rev')).data;
    assert.deepEqual([session.session_id, session.trace_count, session.error_count], ['s-rev', 1, 1]);
    assert.ok(Math.abs(session.cost_usd - 0.4) < 1e-9, `the revised cost only: ${session.cost_usd}`);
    const users = await api<{ data: UserRow[] }>('GET', '/api/users?search=cy');
    assert.deepEqual(users.body.data.map((u) => [u.user_id, u.trace_count, u.error_count, u.session_count]), [['cy', 1, 1, 1]]);
    assert.ok(Math.abs(users.body.data[0].cost_usd - 0.4) < 1e-9);
  });
});
