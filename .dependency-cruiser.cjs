/**
 * Which way dependencies point (`npm run deps`, part of `npm test`):
 * - no import cycle anywhere;
 * - domain/ holds the pure rules: it imports only domain/ and libraries, never Node built-ins or
 *   another folder of the project;
 * - workflows/ import domain/ and their own runtime (activities only as types, called through
 *   proxies);
 * - api/ imports domain/ and the workflows' public message module (workflows/messages.ts), never
 *   activities or workflow internals;
 * - deploy/ (the local cluster) is imported only by deploy/, scripts/ and test/.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the modules cannot be understood, tested or loaded one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ holds the pure rules: it imports only domain/ and libraries.',
      from: { path: '^domain/' },
      to: { pathNot: ['^domain/', 'node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-no-node-builtins',
      severity: 'error',
      comment: 'domain/ holds the pure rules: no file system, network or process.',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'workflows-import-domain-and-their-runtime',
      severity: 'error',
      comment: 'Workflow code imports domain/ and workflows/ (and the Temporal workflow runtime); nothing else of the project.',
      from: { path: '^workflows/' },
      to: { pathNot: ['^workflows/', '^domain/', '^activities/', 'node_modules/'] },
    },
    {
      name: 'workflows-use-activities-as-types-only',
      severity: 'error',
      comment: 'Activities are called through proxyActivities: workflow code imports only their types.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'api-uses-the-public-message-module',
      severity: 'error',
      comment: 'The API talks to workflows through workflows/messages.ts only, and never imports activities.',
      from: { path: '^api/' },
      to: { path: ['^workflows/', '^activities/'], pathNot: '^workflows/messages\\.ts$' },
    },
    {
      name: 'deploy-is-tooling',
      comment: 'deploy/ brings up a local cluster (npm run cluster): the engine never depends on it; only deploy/, scripts/ and test/ import it.',
      severity: 'error',
      from: { pathNot: ['^deploy/', '^scripts/', '^test/'] },
      to: { path: '^deploy/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
