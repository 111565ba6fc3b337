import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseSettings, PROJECT_ROOT, SettingsError, temporalAddressOf } from '../../lib/settings';

describe('settings from the environment', () => {
  it('when nothing is set, then the embedded defaults apply', () => {
    const s = parseSettings({});
    assert.equal(s.port, 3000);
    assert.equal(s.dataDir, join(PROJECT_ROOT, '.data'));
    assert.equal(s.apiKeysFile, join(PROJECT_ROOT, '.data', 'dev-keys.json'));
    assert.equal(s.temporalAddress, undefined);
    assert.equal(temporalAddressOf(s), '127.0.0.1:7233');
    assert.equal(s.uiPort, 8233);
    assert.equal(s.namespace, 'default');
    assert.equal(s.taskQueue, 'subsidy-applications');
    assert.equal(s.tls, undefined);
  });

  it('when TEMPORAL_ADDRESS is set, then clients use it', () => {
    const s = parseSettings({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'subsidy-prod' });
    assert.equal(temporalAddressOf(s), 'temporal.internal:7233');
    assert.equal(s.namespace, 'subsidy-prod');
  });

  it('when values are wrong, then every bad variable is named with the value it had', () => {
    assert.throws(
      () => parseSettings({ PORT: 'eighty', TEMPORAL_ADDRESS: 'no-port', TEMPORAL_NAMESPACE: 'bad name' }),
      (err: unknown) => {
        assert.ok(err instanceof SettingsError);
        assert.equal(err.problems.length, 3);
        assert.match(err.problems.join('\n'), /PORT .*"eighty"/);
        assert.match(err.problems.join('\n'), /TEMPORAL_ADDRESS must be host:port/);
        assert.match(err.problems.join('\n'), /TEMPORAL_NAMESPACE/);
        return true;
      },
    );
    assert.throws(() => parseSettings({ PORT: '70000' }), /PORT must be between 1 and 65535/);
  });

  it('when a client certificate comes without its key, then start-up stops naming the missing one', () => {
    assert.throws(() => parseSettings({ TEMPORAL_TLS_CERT_PATH: '/c.pem' }), /TEMPORAL_TLS_KEY_PATH/);
  });

  it('when TLS is switched off but an API key is given, then start-up stops', () => {
    assert.throws(() => parseSettings({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }), /TEMPORAL_TLS/);
  });

  it('when an API key or certificate is given, then TLS is on', () => {
    assert.deepEqual(parseSettings({ TEMPORAL_API_KEY: 'k' }).tls, {
      certPath: undefined,
      keyPath: undefined,
      caPath: undefined,
      serverName: undefined,
    });
    assert.equal(parseSettings({ TEMPORAL_TLS: 'true' }).tls !== undefined, true);
  });
});
