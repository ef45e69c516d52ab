// Mutation testing with StrykerJS, one layer at a time. Not part of `npm test` or CI's default run.
//
//   npm run mutation -- protocol                  src/protocol/** against spec/protocol/** (~15 min on 2 loaded cores)
//   npm run mutation -- connection-unit           the connection's pure pieces against spec/connection/**
//   npm run mutation -- connection src/connection/connection.ts --ignore-static
//                                                 one file against the connection scope's specs (~15 min)
//   npm run mutation -- connection                all of src/connection/** (937 mutants: over an hour on
//                                                 2 loaded cores; run it per file, as above, to stay under 30 min)
//
// MUTATION_CONCURRENCY (default 2) sets the number of parallel jest processes. The parser's
// property specs run a fifth of their cases with a fixed seed (PROPERTY_RUNS_SCALE,
// PROPERTY_SEED): a static mutant runs every spec of the scope, and they dominate that time.
// Runs are incremental: a rerun only tests mutants whose code or covering specs changed
// (delete reports/mutation/<scope>/incremental.json, or pass --force, to start over). Reports
// land in reports/mutation/<scope>/ (git-ignored): index.html, mutation.json, and the table
// on stdout.
import { fileURLToPath } from 'node:url';
import { Stryker } from '@stryker-mutator/core';

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
  // The connection layer against a real beanstalkd, through the fault proxy and the hostile
  // server: its unit specs and the integration specs that drive it, fastest first. The slow
  // end-to-end specs (chaos, workers, reserve-many-per-lane, ...) exercise the same paths
  // through the client and would put the run at hours; they stay out.
  connection: {
    mutate: ['src/connection/**/*.ts'],
    specs: [
      'spec/connection/**/*.spec.ts',
      'spec/integration/{commands,pipelining,bodies,transports,validation,reconnect,hostile,reserve-stream-faults,outage,faults}.spec.ts',
    ],
    order: [
      'spec/connection/queue',
      'spec/connection/tube-state',
      'spec/connection/backoff',
      'spec/connection/admission',
      'spec/connection/lost',
      'spec/connection/offline',
      'spec/connection/watchdog',
      'spec/connection/reply-reader',
      'spec/integration/commands',
      'spec/integration/pipelining',
      'spec/integration/bodies',
      'spec/integration/transports',
      'spec/integration/validation',
      'spec/connection/losses',
      'spec/integration/reconnect',
      'spec/integration/reserve-stream-faults',
      'spec/integration/hostile',
      'spec/integration/outage',
      'spec/integration/faults',
    ],
    // Two tests of 12 s each that wait out the default bounds (commandTimeoutMs, maxOfflineWaitMs):
    // the same paths are driven with short bounds by losses, reconnect, hostile and the rest of outage.
    skip: 'settle within commandTimeoutMs; close\\(\\) within its bound|by default a queued put or stats waits a bounded time',
  },
  // The connection layer's pure pieces (the loss rules, reply matching, the read planner) against spec/connection alone.
  'connection-unit': {
    mutate: ['src/connection/{queue,tube-state,backoff,lost,admission,offline,watchdog,matching,read-planner}.ts'],
    specs: ['spec/connection/**/*.spec.ts'],
  },
  // The pure pieces of the client layer and their unit specs.
  client: {
    mutate: ['src/client/lane-pool.ts'],
    specs: ['spec/client/**/*.spec.ts'],
  },
};

const args = process.argv.slice(2);
const force = args.includes('--force');
// Static mutants (code also run outside any test: module load, beforeAll/afterAll, timers
// that fire between tests) run every spec of the scope; --ignore-static leaves them out of
// the run and the score (Stryker reports them as Ignored).
const ignoreStatic = args.includes('--ignore-static');
const [scopeName, ...files] = args.filter((arg) => !arg.startsWith('--'));
const scope = scopes[scopeName];
if (!scope) {
  console.error(
    `usage: npm run mutation -- <${Object.keys(scopes).join('|')}> [files to mutate...] [--force] [--ignore-static]`,
  );
  process.exit(2);
}

// Inherited by Stryker's jest workers.
process.env.PROPERTY_RUNS_SCALE ??= '0.2';
process.env.PROPERTY_SEED ??= '16';
process.env.MUTATION_SPEC_ORDER = JSON.stringify(scope.order ?? []);
if (scope.skip) process.env.MUTATION_SKIP_TESTS = scope.skip;

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
