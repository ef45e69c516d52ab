'use strict';
// jackd 2.2: promise API; each command is written at once, so commands pipeline.
const Jackd = require('jackd');
const { HOST } = require('../server');

async function connectClient(port) {
  const c = new Jackd();
  await c.connect({ host: HOST, port });
  return c;
}

// jackd JSON.stringify()s any object payload, Buffers included (a 100 B Buffer would go
// out as ~330 B of JSON), so it is given the body as a string, converted once.
let lastBuffer = null, lastString = '';
const asString = (body) => {
  if (body !== lastBuffer) { lastBuffer = body; lastString = body.toString('latin1'); }
  return lastString;
};

const wrap = (c) => ({
  put: (body, cb) => c.put(asString(body), { priority: 0, delay: 0, ttr: 60 }).then((id) => cb(null, id), cb),
  reserve: (cb) => c.reserve().then((job) => cb(null, job.id, job.payload), cb),
  del: (id, cb) => c.delete(id).then(() => cb(null), cb),
  close: async () => {
    await c.quit();
    if (!c.socket.destroyed) await new Promise((resolve) => c.socket.once('close', resolve));
  },
});

module.exports = {
  name: 'jackd',
  notes: 'promises; pipelines',
  pipelines: true,
  unavailable: () => null,
  open: async (port) => wrap(await connectClient(port)),
  openWorker: async (port) => wrap(await connectClient(port)),
};
