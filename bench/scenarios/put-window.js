'use strict';
// Puts of a small body with a fixed number outstanding on one connection (1 = sequential
// round trips). Untimed warm-up rounds (common.warmUpRounds) run first on the same
// connection.
const { env, body, warmUpRounds, total, putWindow, now, secondsSince, raw } = require('./common');

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
      const payload = body(env('BENCH_BODY', 100));
      const w = [];
      let r, seconds;
      if (adapter.raw) {
        const s = await raw.connect(port);
        for (const count of warmUpRounds(n)) w.push(await raw.putWindow(port, count, window, payload, s));
        const t0 = now();
        r = await raw.putWindow(port, n, window, payload, s);
        seconds = secondsSince(t0);
        s.destroy();
      } else {
        const conn = await adapter.open(port);
        for (const count of warmUpRounds(n)) w.push(await putWindow(conn, count, window, payload));
        const t0 = now();
        r = await putWindow(conn, n, window, payload);
        seconds = secondsSince(t0);
        await conn.close();
      }
      return {
        value: n / seconds,
        extra: { n, seconds, errors: r.errors, firstError: r.firstError ? String(r.firstError) : undefined },
        claims: { put: total([...w, r], 'inserted'), delete: 0, bodySize: payload.length },
      };
    },
  };
}

module.exports = { make };
