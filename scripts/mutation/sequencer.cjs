// Runs a mutant's spec files in the order the scope lists them (fast, focused specs first,
// see scripts/mutation.mjs), so that with the bail environment a mutant is usually killed
// before the slow integration specs start.
const Sequencer = require('@jest/test-sequencer').default;

const order = JSON.parse(process.env.MUTATION_SPEC_ORDER ?? '[]');
const rank = (path) => {
  const index = order.findIndex((fragment) => path.includes(fragment));
  return index === -1 ? order.length : index;
};

class ScopeOrder extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = ScopeOrder;
