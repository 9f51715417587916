// SPANHOUSE_ADMIN_KEY, the container's first key: a collector listening on 0.0.0.0 (which
// refuses to start without keys) starts with the key from `spanhouse keys generate`,
// registered once as an admin key of tenant `default`.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { configFromEnv } from '../../collector/src/config.ts';
import { apiClient } from '../support/api.ts';
import { runCli } from '../support/cli.ts';
import { startTestCollector, tempDataDir } from '../support/collector.ts';

const data = tempDataDir('admin-env');
after(() => data.remove());

test('SPANHOUSE_ADMIN_KEY: a collector on 0.0.0.0 starts with it as its first admin key', async () => {
  const generated = await runCli(['keys', 'generate'], { SPANHOUSE_URL: undefined });
  assert.equal(generated.code, 0, generated.stderr);
  const key = generated.stdout.trim();
  const fromEnv = configFromEnv({ SPANHOUSE_ADMIN_KEY: key });
  assert.equal(fromEnv.adminKey, key);
  assert.throws(() => configFromEnv({ SPANHOUSE_ADMIN_KEY: 'letmein' }), /spanhouse keys generate/);

  const open = await startTestCollector(data.dir, { host: '0.0.0.0', ...fromEnv });
  try {
    const url = open.url.replace('0.0.0.0', '127.0.0.1');
    assert.equal((await apiClient(url)('GET', '/api/traces')).status, 401);
    assert.deepEqual((await apiClient(url, key)('GET', '/api/me')).body, { tenant_id: 'default', key_id: key.slice(4, 20), admin: true, keys_required: true });
  } finally {
    await open.close();
  }
  // registered once: a restart with the same key finds it
  const again = await startTestCollector(data.dir, { adminKey: key });
  try {
    assert.equal((await apiClient(again.url, key)('GET', '/api/admin/keys')).body.data.length, 1);
  } finally {
    await again.close();
  }
});
