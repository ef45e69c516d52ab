'use strict';
// Coalescing at work: socket writes per command at 256 outstanding puts. Wraps
// net.Socket.prototype.write in this child process while the client runs (not timed).
const net = require('net');
const { env, body, putWindow, raw } = require('./common');

const WINDOW = 256;

module.exports = {
  id: 'writes-256',
  title: 'commands per socket write, 256 outstanding puts',
  unit: 'cmds/write',
  better: 'higher',
  runs: () => 1,
  size: () => env('BENCH_N_WRITES', 20000),
  supports: () => null,
  async measure(adapter, port) {
    const n = this.size();
    const payload = body(env('BENCH_BODY', 100));
    let writes = 0;
    const original = net.Socket.prototype.write;
    let r;
    if (adapter.raw) {
      const s = await raw.connect(port);
      net.Socket.prototype.write = function countedWrite(...args) { writes++; return original.apply(this, args); };
      r = await raw.putWindow(port, n, WINDOW, payload, s);
      net.Socket.prototype.write = original;
      s.destroy();
    } else {
      const conn = await adapter.open(port);
      await putWindow(conn, 10, 1, payload); // connect (lazy clients) before counting
      net.Socket.prototype.write = function countedWrite(...args) { writes++; return original.apply(this, args); };
      r = await putWindow(conn, n, WINDOW, payload);
      net.Socket.prototype.write = original;
      await conn.close();
      r.inserted += 10;
    }
    return { value: n / writes, extra: { n, writes, errors: r.errors }, claims: { put: r.inserted, delete: 0, bodySize: payload.length } };
  },
};
