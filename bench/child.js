'use strict';
// Runs one measurement in a fresh process: node child.js <scenario-id> <client-key> <port>.
// Prints one line "RESULT <json>" and exits.
const scenarios = require('./scenarios');
const clients = require('./clients');
const progress = require('./progress');

const STALL_MS = Number(process.env.BENCH_STALL || 15) * 1000;

/** Fails the measurement when no reply has completed for STALL_MS (a hung client). */
function watchdog() {
  let last = -1;
  const timer = setInterval(() => {
    if (progress.done === last) {
      process.stdout.write(`ERROR ${JSON.stringify(`stalled: no reply completed for ${STALL_MS / 1000}s (after ${last} replies)`)}\n`, () => process.exit(2));
    }
    last = progress.done;
  }, STALL_MS);
  timer.unref();
}

async function main() {
  const [scenarioId, clientKey, portArg] = process.argv.slice(2);
  const scenario = scenarios.find((s) => s.id === scenarioId);
  const adapter = clients[clientKey];
  if (!scenario || !adapter) throw new Error(`unknown scenario/client ${scenarioId}/${clientKey}`);
  watchdog();
  const result = await scenario.measure(adapter, Number(portArg));
  await new Promise((resolve) => process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, resolve));
  process.exit(0);
}

main().catch((err) => {
  process.stdout.write(`ERROR ${JSON.stringify(String((err && err.stack) || err))}\n`, () => process.exit(1));
});
