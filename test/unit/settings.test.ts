import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseSettings, PROJECT_ROOT, SettingsError, temporalAddressOf } from '../../lib/settings';

/** Production credentials need payload keys configured (test/unit/payload-codec.test.ts); a made-up one here. */
const PAYLOAD_CODEC_KEYS = `prod-1:${Buffer.alloc(32, 7).toString('base64')}`;

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

  it('when nothing about effects or the list is set, then the outbox and the list in the engine database are used', () => {
    const s = parseSettings({ DATA_DIR: '/srv/subsidy' });
    assert.deepEqual(s.effects, { kind: 'outbox' });
    assert.deepEqual(s.dishonestyList, { kind: 'database' });
  });

  it('when a webhook URL and secret are set, then effects go to the webhook, 10 s timeout unless told', () => {
    const env = { EFFECTS_WEBHOOK_URL: 'https://gw.example.gov.cn/effects', EFFECTS_WEBHOOK_SECRET: 's'.repeat(16) };
    assert.deepEqual(parseSettings(env).effects, { kind: 'webhook', url: env.EFFECTS_WEBHOOK_URL, secret: env.EFFECTS_WEBHOOK_SECRET, timeoutMs: 10_000 });
    assert.deepEqual(parseSettings({ ...env, EFFECTS_WEBHOOK_TIMEOUT_MS: '2500' }).effects, { kind: 'webhook', url: env.EFFECTS_WEBHOOK_URL, secret: env.EFFECTS_WEBHOOK_SECRET, timeoutMs: 2500 });
  });

  it('when the webhook URL comes without a secret, then start-up stops saying the secret is required', () => {
    assert.throws(() => parseSettings({ EFFECTS_WEBHOOK_URL: 'https://gw.example.gov.cn/effects' }), /EFFECTS_WEBHOOK_SECRET is required when EFFECTS_WEBHOOK_URL is set/);
  });

  it('when the webhook secret is short, then start-up stops without printing it', () => {
    assert.throws(
      () => parseSettings({ EFFECTS_WEBHOOK_URL: 'https://gw.example.gov.cn/effects', EFFECTS_WEBHOOK_SECRET: 'hunter2' }),
      (err: unknown) => {
        assert.ok(err instanceof SettingsError);
        assert.match(err.message, /EFFECTS_WEBHOOK_SECRET must be at least 16 characters \(got 7 characters\)/);
        assert.equal(err.message.includes('hunter2'), false);
        return true;
      },
    );
  });

  it('when a secret is set without its URL, then start-up stops naming the missing URL', () => {
    assert.throws(() => parseSettings({ EFFECTS_WEBHOOK_SECRET: 's'.repeat(16) }), /EFFECTS_WEBHOOK_URL is not set/);
    assert.throws(() => parseSettings({ DISHONESTY_LIST_SECRET: 'k' }), /DISHONESTY_LIST_URL is not set/);
  });

  it('when a URL or the timeout is wrong, then start-up stops naming the variable', () => {
    assert.throws(() => parseSettings({ EFFECTS_WEBHOOK_URL: 'gw.example.gov.cn', EFFECTS_WEBHOOK_SECRET: 's'.repeat(16) }), /EFFECTS_WEBHOOK_URL must be an http/);
    assert.throws(() => parseSettings({ DISHONESTY_LIST_URL: 'ftp://list.example.gov.cn' }), /DISHONESTY_LIST_URL must be an http/);
    assert.throws(() => parseSettings({ EFFECTS_WEBHOOK_TIMEOUT_MS: 'soon' }), /EFFECTS_WEBHOOK_TIMEOUT_MS must be a number/);
    assert.throws(() => parseSettings({ EFFECTS_WEBHOOK_TIMEOUT_MS: '120000' }), /EFFECTS_WEBHOOK_TIMEOUT_MS must be between 100 and 60000/);
  });

  it('when a dishonesty-list URL is set, then the list is looked up there, signed when a secret is given', () => {
    assert.deepEqual(parseSettings({ DISHONESTY_LIST_URL: 'https://list.example.gov.cn/lookup' }).dishonestyList, {
      kind: 'http',
      url: 'https://list.example.gov.cn/lookup',
    });
    assert.deepEqual(parseSettings({ DISHONESTY_LIST_URL: 'https://list.example.gov.cn/lookup', DISHONESTY_LIST_SECRET: 'k' }).dishonestyList, {
      kind: 'http',
      url: 'https://list.example.gov.cn/lookup',
      secret: 'k',
    });
  });

  it('when no production credential is configured, then development keys are on; with one, off unless asked', () => {
    assert.equal(parseSettings({}).auth.devKeys, true);
    assert.equal(parseSettings({}).auth.rateLimitPerMinute, 600);
    const prod = parseSettings({ API_KEY_HASHES_FILE: 'keys.json', PAYLOAD_CODEC_KEYS });
    assert.equal(prod.auth.devKeys, false);
    assert.equal(prod.auth.keyHashesFile, join(PROJECT_ROOT, '.data', 'keys.json'));
    assert.equal(parseSettings({ API_KEY_HASHES_FILE: 'keys.json', DEV_API_KEYS: 'true' }).auth.devKeys, true);
    assert.equal(parseSettings({ DEV_API_KEYS: 'false', PAYLOAD_CODEC_KEYS }).auth.devKeys, false);
  });

  it('when bearer tokens are configured, then issuer, audience and JWKS come together, with claim names', () => {
    const s = parseSettings({ JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'subsidy', JWT_JWKS_URL: 'https://idp.example/certs', JWT_ROLES_CLAIM: 'realm_access.roles', PAYLOAD_CODEC_KEYS });
    assert.deepEqual(s.auth.jwt, {
      issuer: 'https://idp.example',
      audience: 'subsidy',
      jwksUrl: 'https://idp.example/certs',
      rolesClaim: 'realm_access.roles',
      idClaim: 'sub',
      nameClaim: 'name',
      applicantsClaim: 'applicants',
    });
    assert.equal(s.auth.devKeys, false);
    assert.throws(
      () => parseSettings({ JWT_ISSUER: 'https://idp.example', JWT_JWKS_URL: 'https://idp.example/certs' }),
      (err: unknown) => err instanceof SettingsError && /JWT_AUDIENCE is not set/.test(err.message),
    );
    assert.throws(() => parseSettings({ RATE_LIMIT_PER_MINUTE: '0' }), /RATE_LIMIT_PER_MINUTE must be at least 1/);
    assert.throws(() => parseSettings({ INBOX_DETAIL_TIMEOUT_MS: 'soon' }), /INBOX_DETAIL_TIMEOUT_MS must be a number of milliseconds/);
  });

  it('when TRUST_PROXY is unset, then no proxy is believed; a hop count or the proxies\' addresses are taken as Express takes them', () => {
    assert.equal(parseSettings({}).auth.trustProxy, false);
    for (const off of ['', 'false', '0']) assert.equal(parseSettings({ TRUST_PROXY: off }).auth.trustProxy, false, off);
    assert.equal(parseSettings({ TRUST_PROXY: '1' }).auth.trustProxy, 1);
    assert.deepEqual(parseSettings({ TRUST_PROXY: '10.0.0.0/8, loopback,fd00::/8' }).auth.trustProxy, ['10.0.0.0/8', 'loopback', 'fd00::/8']);
    assert.deepEqual(parseSettings({ TRUST_PROXY: '192.168.1.10,10.0.0.0/255.0.0.0' }).auth.trustProxy, ['192.168.1.10', '10.0.0.0/255.0.0.0']);
  });

  it('when TRUST_PROXY would believe anyone, or names no address, then start-up stops naming it', () => {
    assert.throws(() => parseSettings({ TRUST_PROXY: 'true' }), /TRUST_PROXY must not be true: that believes any X-Forwarded-For a client makes up/);
    assert.throws(() => parseSettings({ TRUST_PROXY: '11' }), /TRUST_PROXY must be at most 10 proxies/);
    assert.throws(() => parseSettings({ TRUST_PROXY: 'proxy.example' }), /TRUST_PROXY must be false, a number of proxies or their addresses: "proxy.example" is not an address/);
    assert.throws(() => parseSettings({ TRUST_PROXY: '10.0.0.0/33' }), /"10.0.0.0\/33" has a range that is not \/0-\/32 or a netmask/);
    assert.throws(() => parseSettings({ TRUST_PROXY: '::1/129' }), /not \/0-\/128/);
  });
});
