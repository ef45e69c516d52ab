'use strict';
// The raw-socket ceiling, as an adapter: scenarios call its batch functions directly.
const raw = require('../raw-client');

module.exports = {
  name: 'raw',
  notes: 'hand-written net.Socket client: pre-encoded commands, replies counted by scanning',
  pipelines: true,
  unavailable: () => null,
  raw,
};
