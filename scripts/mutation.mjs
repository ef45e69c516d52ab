// Mutation testing with StrykerJS, one layer at a time. Not part of `npm test` or CI's default run.
//
//   npm run mutation -- protocol             src/protocol/** against spec/protocol/** (~8 min on 2 cores)
//   npm run mutation -- connection           all of src/connection/**, in three scopes run one after
//                                            the other (connection-unit, -session, -core; each under
//                                            30 min on 2 cores), then one score over them
//   npm run mutation -- connection-core      one of those scopes
//   npm run mutation -- connection-core src/connection/inflight.ts
//                                            one file against its scope's specs
//   npm run mutation -- summary connection   the score over the last reports, without a run
//
// MUTATION_CONCURRENCY (default 2) sets the number of parallel jest processes. The parser's
// property specs run a fifth of their cases with a fixed seed (PROPERTY_RUNS_SCALE,
// PROPERTY_SEED): a static mutant runs every spec of the scope, and they dominate that time.
// Runs are incremental: a rerun only tests mutants whose code or covering specs changed
// (delete reports/mutation/<scope>/incremental.json, or pass --force, to start over). Reports
// land in reports/mutation/<scope>/ (git-ignored): index.html, mutation.json, and the table
// on stdout.
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Stryker } from '@stryker-mutator/core';
import { summarize } from './mutation/summary.mjs';

// spec/connection's files, fastest first: with the bail environment most mutants die in the
// unit specs, before the ones that drive a real beanstalkd through the fault proxy.
const connectionOrder = [
  'queue',
  'tube-state',
  'backoff',
  'admission',
  'lost',
  'offline',
  'watchdog',
  'inflight',
  'matching',
  'options',
  'session',
  'address',
  'read-planner',
  'socket-chunks',
  'outbound',
  'connection.spec',
  'connection-faults',
  'losses',
].map((name) => `spec/connection/${name}`);

/** What each scope mutates, and the only specs that run against its mutants. */
const scopes = {
  protocol: {
    mutate: ['src/protocol/**/*.ts'],
    specs: ['spec/protocol/**/*.spec.ts'],
    // The property specs last: with the bail environment most mutants die before them.
    order: [
      'spec/protocol/errors',
      'spec/protocol/encode',
      'spec/protocol/validate',
      'spec/protocol/commands',
      'spec/protocol/stats',
      'spec/protocol/job-stats',
      'spec/protocol/parser.spec',
      'spec/protocol/parser-reads',
      'spec/protocol/parser.property',
    ],
  },
  // The connection layer in three groups, each under 30 minutes on 2 cores, all against
  // spec/connection, whose specs open each connection inside the test (a real beanstalkd, the
  // fault proxy, the hostile server). The integration specs drive the same code, but what
  // they run in beforeAll/afterAll counts as static for Stryker, and each static mutant runs
  // every spec of the scope: with them, the layer takes well over an hour. Leaving them out
  // makes the score a lower bound. `connection` runs the three and prints one score.
  'connection-unit': {
    mutate: ['src/connection/{queue,tube-state,backoff,lost,admission,offline,watchdog,matching,read-planner}.ts'],
    specs: ['spec/connection/**/*.spec.ts'],
    order: connectionOrder,
  },
  // The socket session (connect, reconnect, backoff, close), the socket itself, the writer,
  // addresses and options.
  'connection-session': {
    mutate: ['src/connection/{session,socket-chunks,writer,pending,address,options}.ts'],
    specs: ['spec/connection/**/*.spec.ts'],
    order: connectionOrder,
  },
  // The connection itself, its outbound queue and reply delivery.
  'connection-core': {
    mutate: ['src/connection/{connection,inflight,outbound,deliver,observer}.ts'],
    specs: ['spec/connection/**/*.spec.ts'],
    order: connectionOrder,
  },
  // The pure pieces of the client layer and their unit specs.
  client: {
    mutate: ['src/client/lane-pool.ts'],
    specs: ['spec/client/**/*.spec.ts'],
  },
};

/** Scopes that run one after the other, then report one score over their files. */
const groups = {
  connection: ['connection-unit', 'connection-session', 'connection-core'],
};

const args = process.argv.slice(2);
const force = args.includes('--force');
// Static mutants (code also run outside any test: module load, beforeAll/afterAll, timers
// that fire between tests) run every spec of the scope; --ignore-static leaves them out of
// the run and the score (Stryker reports them as Ignored).
const ignoreStatic = args.includes('--ignore-static');
const [scopeName, ...files] = args.filter((arg) => !arg.startsWith('--'));

// A group runs its scopes one after the other, then prints one score; `summary <group>` only prints it.
const groupName = scopeName === 'summary' ? files[0] : scopeName;
if (scopeName === 'summary' || groups[groupName]) {
  const group = groups[groupName];
  if (!group) usage();
  const options = args.filter((arg) => arg.startsWith('--'));
  for (const member of scopeName === 'summary' ? [] : group) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), member, ...options], { stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  summarize(groupName, group);
  process.exit(0);
}

const scope = scopes[scopeName];
if (!scope) usage();

function usage() {
  const names = [...Object.keys(scopes), ...Object.keys(groups), 'summary <group>'];
  console.error(`usage: npm run mutation -- <${names.join('|')}> [files to mutate...] [--force] [--ignore-static]`);
  process.exit(2);
}

// Inherited by Stryker's jest workers.
process.env.PROPERTY_RUNS_SCALE ??= '0.2';
process.env.PROPERTY_SEED ??= '16';
process.env.MUTATION_SPEC_ORDER = JSON.stringify(scope.order ?? []);

const reports = `reports/mutation/${scopeName}`;
const stryker = new Stryker({
  packageManager: 'npm',
  testRunner: 'jest',
  plugins: ['@stryker-mutator/jest-runner'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // Run only the scope's specs; every mutated file still needs its whole module graph.
    // A mutant's run stops at its first failing test (jest itself cannot bail), files in
    // the scope's order.
    config: {
      testMatch: scope.specs.map((glob) => `<rootDir>/${glob}`),
      testEnvironment: fileURLToPath(new URL('mutation/bail-environment.cjs', import.meta.url)),
      testSequencer: fileURLToPath(new URL('mutation/sequencer.cjs', import.meta.url)),
    },
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  mutate: files.length > 0 ? files : scope.mutate,
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  // The machine is shared and the integration specs wait on real sockets: generous timeouts.
  timeoutMS: 10000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  ignoreStatic,
  incremental: true,
  force,
  incrementalFile: `${reports}/incremental.json`,
  ignorePatterns: ['dist', 'bench', 'reports', 'coverage', 'docs', 'examples', '.stryker-tmp'],
  // Per scope, so two scopes can run at once; inside the git- and lint-ignored reports folder.
  tempDirName: `${reports}/tmp`,
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${reports}/index.html` },
  jsonReporter: { fileName: `${reports}/mutation.json` },
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 85, low: 70, break: null },
});
await stryker.runMutationTest();
