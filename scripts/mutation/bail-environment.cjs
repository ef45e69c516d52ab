// Jest cannot bail programmatically, so under Stryker a mutant ran every covering spec even
// after one had already killed it. This test environment skips the rest of a mutant's run
// once a test failed: later tests in the file are skipped, and later files skip every test
// (so their beforeAll hooks, e.g. starting a beanstalkd, do not run either). Outside a
// mutant run (the dry run measures coverage, `npm test`) it does nothing.
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
/** The mutant a test already failed for (shared by every file of the run: jest runs in band). */
let killed;

function skipAll(block) {
  for (const child of block.children) {
    if (child.type === 'describeBlock') skipAll(child);
    else child.mode = 'skip';
  }
}

class BailEnvironment extends NodeEnvironment {
  handleTestEvent(event, state) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) return;
    if (event.name === 'run_start' && killed === mutant) skipAll(state.rootDescribeBlock);
    if (event.name === 'test_start' && killed === mutant) event.test.mode = 'skip';
    if (event.name === 'test_done' && event.test.errors.length > 0) killed = mutant;
  }
}

module.exports = BailEnvironment;
