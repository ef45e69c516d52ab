'use strict';
// beanstalkd (npm) 2.2: bluebird promises; each command waits for the previous reply
// (a promise-chained write queue), so no pipelining.
const Beanstalkd = require('beanstalkd').default;
const { HOST } = require('../server');

async function connectClient(port) {
  return new Beanstalkd(HOST, port).connect();
}

const wrap = (c) => ({
  put: (body, cb) => c.put(0, 0, 60, body).then((id) => cb(null, id), cb),
  reserve: (cb) => c.reserve().then(([id, payload]) => cb(null, id, payload), cb),
  del: (id, cb) => c.delete(id).then(() => cb(null), cb),
  close: async () => {
    const sock = c.connection;
    await c.quit();
    if (sock && !sock.destroyed) await new Promise((resolve) => sock.once('close', resolve));
  },
});

module.exports = {
  name: 'beanstalkd(npm)',
  notes: 'bluebird promises; no pipelining (write queue waits for each reply)',
  pipelines: false,
  unavailable: () => null,
  open: async (port) => wrap(await connectClient(port)),
  openWorker: async (port) => wrap(await connectClient(port)),
};
