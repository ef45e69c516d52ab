'use strict';
// rx-beanstalk with `telemetry: openTelemetry()` (rx-beanstalk/otel) and no OpenTelemetry
// SDK registered: what the instrumentation costs when it is switched on but nobody listens.
// Only the otel-* scenarios run it, each run paired with plain rx-beanstalk. Its put and
// consume are those of ./rx-beanstalk.js (its clientAdapter), so the pair differs only in telemetry.
//
// BENCH_RX_OTEL_DIST picks the build with the otel entry point (default: the root's
// dist/cjs); BENCH_RX_DIST may point plain rx-beanstalk at an older build, so the pair then
// compares that build without telemetry with this one with it.
const path = require('path');
const { clientAdapter } = require('./rx-beanstalk');

const DIST = path.resolve(process.env.BENCH_RX_OTEL_DIST || path.join(__dirname, '../../dist/cjs/index.js'));
const OTEL = path.join(path.dirname(DIST), 'otel/index.js');

function unavailable() {
  try {
    require(DIST);
    require(OTEL);
    return null;
  } catch (err) {
    return `not built or no @opentelemetry/api: ${String(err.message).split('\n')[0]} (run \`npm run build\` at the root)`;
  }
}

async function open(port) {
  const { Beanstalk } = require(DIST);
  const telemetry = require(OTEL).openTelemetry();
  const bs = Beanstalk.connect(`beanstalk://127.0.0.1:${port}`, { telemetry });
  return { bs, ...clientAdapter(bs) };
}

module.exports = {
  name: 'rx-beanstalk + otel, no SDK',
  notes: 'this project with telemetry: openTelemetry() and no SDK registered',
  pipelines: true,
  pairedOnly: true,
  unavailable,
  open,
};
