'use strict';
// The one-job-per-connection ceiling: 8 raw sockets, each sending a job's delete together
// with its next reserve (one write and one round trip a job), as rx-beanstalk's lanes do.
// Only the reserve+delete scenario runs it, beside the 1-socket pipelined ceiling.
const raw = require('../raw-client');

module.exports = {
  name: 'raw 8 sockets, chained',
  notes: 'each worker socket writes `delete <id>` and the next `reserve` together',
  pipelines: true,
  consumeOnly: true,
  unavailable: () => null,
  raw,
  consumeRaw: (port, n, workers) => raw.reserveDelete(port, n, workers, true),
};
