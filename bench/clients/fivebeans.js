'use strict';
// fivebeans 1.5: callback API, pipelines (a FIFO of response handlers per connection).
const FiveBeans = require('fivebeans').client;
const { HOST } = require('../server');

function connectClient(port) {
  return new Promise((resolve, reject) => {
    const c = new FiveBeans(HOST, port);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
    c.connect();
  });
}

const wrap = (c) => ({
  put: (body, cb) => c.put(0, 0, 60, body, (err, id) => cb(err, id)),
  reserve: (cb) => c.reserve((err, id, payload) => cb(err, id, payload)),
  del: (id, cb) => c.destroy(id, (err) => cb(err)),
  close: () => new Promise((resolve) => { c.once('close', resolve); c.end(); }),
});

module.exports = {
  name: 'fivebeans',
  notes: 'callbacks; pipelines',
  pipelines: true,
  unavailable: () => null,
  open: async (port) => wrap(await connectClient(port)),
  openWorker: async (port) => wrap(await connectClient(port)),
};
