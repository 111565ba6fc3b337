// ESLint, run by `npm test` (`npm run lint`). Type-aware, so a promise nobody awaits is caught,
// and workflow code is held to what the Temporal sandbox replays deterministically.
import tseslint from 'typescript-eslint';

/** Node built-ins, by both spellings: a workflow has no file system, network or process. */
const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'http2',
  'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm',
  'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'test/histories/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it queue their work; the runner awaits them.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no zod (validation
  // belongs at the API's boundary), and activities only through proxies (types are fine). The
  // activities folder is one level up from workflows/ and two from workflows/stages/.
  ...[
    { files: ['workflows/*.ts'], up: '..' },
    { files: ['workflows/stages/**/*.ts'], up: '../..' },
  ].map(({ files, up }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.flatMap((name) => [
              { name, message: 'Workflow code runs in the Temporal sandbox: no Node built-ins.' },
              { name: `node:${name}`, message: 'Workflow code runs in the Temporal sandbox: no Node built-ins.' },
            ]),
            { name: 'zod', message: 'Validation belongs at the API boundary, not in workflow code.' },
          ],
          patterns: [
            {
              group: [`${up}/activities`, `${up}/activities/*`],
              allowTypeImports: true,
              message: 'Call activities through proxyActivities (workflows/activities.ts); import only their types.',
            },
            {
              group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity', '@temporalio/testing'],
              message: 'Workflow code imports only @temporalio/workflow and @temporalio/common.',
            },
          ],
        },
      ],
    },
  })),
);
