'use strict';
// CPU pinning: beanstalkd on core 0, the measured client on core 1. On a 2-core machine the
// scheduler otherwise sometimes puts both on one core and sometimes not, and that placement
// swings a run by 2-3x, more than any difference between clients. BENCH_PIN=0 turns it off.
const { spawnSync } = require('child_process');
const os = require('os');

const wanted = process.env.BENCH_PIN !== '0';
const available = wanted && os.cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** [command, args] that run `command args` pinned to `core` when pinning is on. */
function pinned(core, command, args) {
  return available ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

module.exports = {
  pinning: available,
  describe: () => (available ? 'beanstalkd pinned to core 0, client to core 1 (taskset)' : 'no pinning'),
  server: (command, args) => pinned(0, command, args),
  client: (command, args) => pinned(1, command, args),
  /** `command args` pinned to a given core (extra servers of the pool scenarios). */
  at: (core, command, args) => pinned(core, command, args),
};
