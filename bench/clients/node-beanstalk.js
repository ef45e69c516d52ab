'use strict';
// node-beanstalk 1.6: promise API over a per-connection queue: one command on the wire at
// a time (no pipelining; concurrent calls wait their turn).
const { Client } = require('node-beanstalk');
const { HOST } = require('../server');

const identity = { serialize: (b) => b, deserialize: (b) => b };

async function connectClient(port) {
  const c = new Client({ host: HOST, port, serializer: identity, maxPayloadSize: 1 << 20 });
  await c.connect();
  return c;
}

const wrap = (c) => ({
  put: (body, cb) => c.put(body, 60, 0, 0).then((r) => cb(null, r.id), cb),
  reserve: (cb) => c.reserve().then((job) => cb(null, job.id, job.payload), cb),
  del: (id, cb) => c.delete(id).then(() => cb(null), cb),
  close: () => c.disconnect(),
});

module.exports = {
  name: 'node-beanstalk',
  notes: 'promises; no pipelining (one command in flight per connection)',
  pipelines: false,
  unavailable: () => null,
  open: async (port) => wrap(await connectClient(port)),
  openWorker: async (port) => wrap(await connectClient(port)),
};
