'use strict';
// Beanstalk.pool with 1, 2 and 3 servers: puts (256 outstanding, round robin over the
// servers) and reserve+delete of pre-filled jobs (8 lanes spread over the servers).
// rx-beanstalk only; raw is the usual reference: the same work on ONE server, so the ratio
// says how much a pool of k servers gets out of this machine compared with one server.
//
// Placement on 2 cores: the harness starts server 1 pinned to core 0 and runs the client
// pinned to core 1. The extra servers started here go, by default (BENCH_POOL_CORES=shared),
// to core 0 too: all servers share the one server core, so the rows show the pool's own
// client-side cost and whether a single server left part of its core idle (waiting on the
// client round trips), not the scaling of separate machines, which 2 cores cannot show.
// BENCH_POOL_CORES=spread puts server k on core (k - 1) % 2, i.e. server 2 on the client's
// core: more server CPU, at the price of the client's. Either way the limit is where the
// throughput stops growing from 2 to 3 servers.
const { env, body, warmUpRounds, total, putWindow, now, secondsSince, raw } = require('./common');
const { startServer, serverStats } = require('../server');
const { checkStats } = require('../check');

const WINDOW = 256;
const LANES = 8;
const spread = process.env.BENCH_POOL_CORES === 'spread';

const supports = (adapter) =>
  adapter.raw || adapter.openPool ? null : 'a pool of servers is an rx-beanstalk feature';

/** The extra servers of a pool of `k`, started and stopped around `work(ports, extra)`. */
async function withServers(port, k, work) {
  const extra = [];
  try {
    for (let i = 1; i < k; i++) extra.push(await startServer(spread ? { core: (i - 1) % 2 } : {}));
    return await work([port, ...extra.map((s) => s.port)], extra);
  } finally {
    await Promise.all(extra.map((s) => s.stop()));
  }
}

/** Throws when an extra server's own stats disagree with what the pool put/deleted there. */
async function checkExtra(extra, claims) {
  for (let i = 0; i < extra.length; i++) {
    const mismatch = checkStats(claims[i + 1], await serverStats(extra[i].port));
    if (mismatch.length) throw new Error(`server ${i + 2} of the pool: ${mismatch.join('; ')}`);
  }
}

function put(k) {
  return {
    id: `pool-put-${k}`,
    title: `put 100 B, ${WINDOW} outstanding, pool of ${k} server${k > 1 ? 's' : ''}`,
    unit: 'puts/s',
    better: 'higher',
    size: () => env('BENCH_N_POOL', 50000),
    supports,
    async measure(adapter, port) {
      const n = this.size();
      const payload = body(env('BENCH_BODY', 100));
      if (adapter.raw) {
        const s = await raw.connect(port);
        const w = [];
        for (const count of warmUpRounds(n)) w.push(await raw.putWindow(port, count, WINDOW, payload, s));
        const t0 = now();
        const r = await raw.putWindow(port, n, WINDOW, payload, s);
        const seconds = secondsSince(t0);
        s.destroy();
        return { value: n / seconds, extra: { n, seconds, errors: r.errors }, claims: { put: total([...w, r], 'inserted'), delete: 0 } };
      }
      return withServers(port, k, async (ports, extra) => {
        const conn = await adapter.openPool(ports);
        const w = [];
        for (const count of warmUpRounds(n)) w.push(await putWindow(conn, count, WINDOW, payload));
        const t0 = now();
        const r = await putWindow(conn, n, WINDOW, payload);
        const seconds = secondsSince(t0);
        await conn.close();
        await checkExtra(extra, conn.perServer.map((puts) => ({ put: puts, delete: 0 })));
        return {
          value: n / seconds,
          extra: { n, seconds, errors: total([...w, r], 'errors'), perServer: conn.perServer },
          claims: { put: conn.perServer[0], delete: 0 },
        };
      });
    },
  };
}

function reserveDelete(k) {
  return {
    id: `pool-reserve-delete-${k}`,
    title: `reserve+delete, ${LANES} lanes, pool of ${k} server${k > 1 ? 's' : ''}`,
    unit: 'jobs/s',
    better: 'higher',
    size: () => env('BENCH_N_POOL_RESERVE', 60000),
    supports,
    async measure(adapter, port) {
      const n = this.size();
      const payload = body(env('BENCH_BODY', 100));
      const rounds = warmUpRounds(n);
      const all = n + rounds.reduce((a, b) => a + b, 0);
      if (adapter.raw) {
        await raw.putWindow(port, all, 1000, payload);
        for (const count of rounds) await raw.reserveDelete(port, count, LANES);
        const t0 = now();
        const r = await raw.reserveDelete(port, n, LANES);
        const seconds = secondsSince(t0);
        return { value: n / seconds, extra: { n, seconds, errors: r.errors }, claims: { put: all, delete: all } };
      }
      return withServers(port, k, async (ports, extra) => {
        // An even split over the servers, each drained completely in the end.
        const share = ports.map((_, i) => Math.floor(all / k) + (i < all % k ? 1 : 0));
        await Promise.all(ports.map((p, i) => raw.putWindow(p, share[i], 1000, payload)));
        const conn = await adapter.openPool(ports);
        for (const count of rounds) await conn.consume(count, LANES);
        // Lanes of a stopped round hand unsettled jobs back: take whatever is left.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const ready = await Promise.all(ports.map(async (p) => Number((await serverStats(p))['current-jobs-ready'])));
        const left = ready.reduce((a, b) => a + b, 0);
        const t0 = now();
        const r = await conn.consume(left, LANES);
        const seconds = secondsSince(t0);
        await conn.close();
        await checkExtra(extra, share.map((jobs) => ({ put: jobs, delete: jobs })));
        return {
          value: left / seconds,
          extra: { n: left, seconds, errors: r.errors },
          claims: { put: share[0], delete: share[0] },
        };
      });
    },
  };
}

module.exports = [put(1), put(2), put(3), reserveDelete(1), reserveDelete(2), reserveDelete(3)];
