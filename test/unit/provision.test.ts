import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvisionError, provisionTemporal } from '../../lib/provision';
import { tempDir } from '../helpers/temporal';

describe('provisioning the Temporal binaries', () => {
  it('when both paths are given, then they are used as they are and nothing is installed', () => {
    const dir = tempDir('bins');
    for (const name of ['temporal', 'temporal-test-server']) {
      writeFileSync(join(dir, name), '#!/bin/sh\n');
      chmodSync(join(dir, name), 0o755);
    }
    const env = { TEMPORAL_CLI_PATH: join(dir, 'temporal'), TEMPORAL_TEST_SERVER_PATH: join(dir, 'temporal-test-server') };
    assert.deepEqual(provisionTemporal(env, () => assert.fail('nothing should be installed')), {
      cli: env.TEMPORAL_CLI_PATH,
      testServer: env.TEMPORAL_TEST_SERVER_PATH,
    });
  });

  it('when a given path is not an executable, then one clear sentence names the variable', () => {
    assert.throws(
      () => provisionTemporal({ TEMPORAL_CLI_PATH: '/nonexistent/temporal' }),
      (err: unknown) => err instanceof ProvisionError && /TEMPORAL_CLI_PATH is set to \/nonexistent\/temporal/.test(err.message),
    );
  });
});
