'use strict';
// The consuming ceiling: one raw socket, reserve-with-timeout 0 + delete fully pipelined.
// Only the reserve+delete scenario runs it, in the same run as everything else there.
const raw = require('../raw-client');

module.exports = {
  name: 'raw 1-socket pipelined',
  notes: 'reserve-with-timeout 0 + delete, up to 256 in flight on one socket',
  pipelines: true,
  consumeOnly: true,
  unavailable: () => null,
  raw,
  consumeRaw: (port, n) => raw.reserveDeletePipelined(port, n, 256),
};
