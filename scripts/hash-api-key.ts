/**
 * `npm run hash-api-key -- --id <id> --name <name> --roles a,b [--applicants c1,c2] [--stdin]`
 *
 * Makes a production API key: prints the key once (it is stored nowhere) and the entry to add to
 * the API key hashes file (API_KEY_HASHES_FILE). With --stdin, hashes a key read from stdin instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KeyHashEntrySchema, type KeyHashEntry } from '../api/credentials';

/** Only a hash protects a stored key, so a key must carry enough randomness not to be guessed. */
const MIN_KEY_LENGTH = 32;

const USAGE =
  'usage: npm run hash-api-key -- --id <id> --name <name> --roles <role,role> [--applicants <code,code>] [--stdin]';

const list = (value: string | undefined) =>
  value === undefined ? undefined : value.split(',').map((v) => v.trim()).filter((v) => v !== '');

function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A random key: 32 bytes (256 bits), base64url, safe in a header. */
function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        id: { type: 'string' },
        name: { type: 'string' },
        roles: { type: 'string' },
        applicants: { type: 'string' },
        stdin: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`);
  }
}

/** Parses the arguments into everything but the hash; throws an Error with every problem. */
export function parseHashKeyArgs(argv: string[]): { entry: Omit<KeyHashEntry, 'sha256'>; stdin: boolean } {
  const values = parseOptions(argv);
  const applicants = list(values.applicants);
  const candidate = {
    id: values.id,
    name: values.name,
    roles: list(values.roles),
    ...(applicants !== undefined ? { applicants } : {}),
    sha256: '0'.repeat(64), // placeholder, so the shared schema checks everything else
  };
  const parsed = KeyHashEntrySchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path[0];
      return `--${String(field ?? 'arguments')}${issue.path.length > 1 ? ` (item ${Number(issue.path[1]) + 1})` : ''} ${
        issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message
      }`;
    });
    throw new Error(`${problems.join('\n')}\n${USAGE}`);
  }
  const { sha256: _placeholder, ...entry } = parsed.data;
  return { entry, stdin: values.stdin ?? false };
}

/** The entry for a key, and the text to print (the key itself only when it was generated here). */
export function makeKeyEntry(entryWithoutHash: Omit<KeyHashEntry, 'sha256'>, given?: string): { key: string; entry: KeyHashEntry; text: string } {
  if (given !== undefined && given.length < MIN_KEY_LENGTH) {
    throw new Error(`the key read from stdin has ${given.length} characters; use at least ${MIN_KEY_LENGTH} random characters`);
  }
  const key = given ?? generateApiKey();
  const entry: KeyHashEntry = { ...entryWithoutHash, sha256: hashApiKey(key) };
  const lines = [
    ...(given === undefined
      ? ['API key (shown this once; hand it to the caller over a secure channel):', `  ${key}`, '']
      : []),
    'Entry for the API key hashes file (API_KEY_HASHES_FILE):',
    JSON.stringify(entry, null, 2),
  ];
  return { key, entry, text: `${lines.join('\n')}\n` };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // Only the line ending: a key with inner or leading spaces is a mistake the length check will not catch.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  try {
    const { entry, stdin } = parseHashKeyArgs(process.argv.slice(2));
    const given = stdin ? await readStdin() : undefined;
    process.stdout.write(makeKeyEntry(entry, given).text);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}

if (require.main === module) void main();
