'use strict';
// Puts of a small body with a fixed number outstanding on one connection (1 = sequential
// round trips). An untimed warm-up (common.warmUp) runs first on the same connection.
const { env, body, warmUp, putWindow, now, secondsSince, raw } = require('./common');

function make({ id, title, window, sizeVar, size, requiresPipelining }) {
  return {
    id,
    title,
    unit: 'puts/s',
    better: 'higher',
    size: () => env(sizeVar, size),
    supports: () => null,
    note: (adapter) => (requiresPipelining && !adapter.pipelines ? 'no pipelining: one in flight' : null),
    async measure(adapter, port) {
      const n = this.size();
      const warm = warmUp(n);
      const payload = body(env('BENCH_BODY', 100));
      let w, r, seconds;
      if (adapter.raw) {
        const s = await raw.connect(port);
        w = await raw.putWindow(port, warm, window, payload, s);
        const t0 = now();
        r = await raw.putWindow(port, n, window, payload, s);
        seconds = secondsSince(t0);
        s.destroy();
      } else {
        const conn = await adapter.open(port);
        w = await putWindow(conn, warm, window, payload);
        const t0 = now();
        r = await putWindow(conn, n, window, payload);
        seconds = secondsSince(t0);
        await conn.close();
      }
      return {
        value: n / seconds,
        extra: { n, seconds, errors: r.errors, firstError: r.firstError ? String(r.firstError) : undefined },
        claims: { put: w.inserted + r.inserted, delete: 0, bodySize: payload.length },
      };
    },
  };
}

module.exports = { make };
