/** `npm run provision`: installs (once) and prints the Temporal binaries the engine runs on. */
import { ProvisionError, provisionTemporal } from '../lib/provision';

try {
  const binaries = provisionTemporal();
  console.log(`Temporal CLI:         ${binaries.cli}`);
  console.log(`Temporal test server: ${binaries.testServer}`);
} catch (err) {
  console.error(err instanceof ProvisionError ? err.message : err);
  process.exit(1);
}
