'use strict';
// rx-beanstalk (this project), loaded from the root build: dist/cjs (run `npm run build`
// at the root first). Puts are cold Observables subscribed once; consuming is the
// reserve stream on `concurrency` lanes with job.delete() per job.
const path = require('path');
const progress = require('../progress');

// BENCH_RX_DIST points at another build (e.g. a checkout of an older commit) to compare.
const DIST = path.resolve(process.env.BENCH_RX_DIST || path.join(__dirname, '../../dist/cjs/index.js'));

/** The build of rx-beanstalk at `dist` (its dist/cjs/index.js), or null when it does not load. */
function loader(dist) {
  return () => {
    try {
      return require(dist);
    } catch (err) {
      return null;
    }
  };
}

/**
 * put/consume/close over a connected client (a Beanstalk or a pool), shared by every
 * rx-beanstalk adapter so they differ only in how the client is made. `idOf` turns what
 * put() emits into the job id; `reserveOptions` go to every reserve stream.
 */
function clientAdapter(client, { reserveOptions = {}, idOf = (id) => id } = {}) {
  const putOptions = { priority: 0, delay: 0, ttr: 60 };
  return {
    put: (body, cb) => {
      client.put(body, putOptions).subscribe({ next: (value) => cb(null, idOf(value)), error: (err) => cb(err) });
    },
    /**
     * Reserve+delete `n` jobs on `concurrency` lanes; resolves { deleted, errors } once the
     * stream has stopped gracefully (`until`): deletes still in flight then finish, not fail.
     */
    consume: (n, concurrency) => new Promise((resolve) => {
      const { Subject } = require('rxjs');
      const stop = new Subject();
      let deleted = 0, errors = 0, stopped = false;
      const check = () => {
        if (!stopped && deleted + errors >= n) { stopped = true; stop.next(); }
      };
      client.watch('default').reserve({ concurrency, ...reserveOptions, until: stop }).subscribe({
        next: (job) => job.delete().subscribe({
          complete: () => { deleted++; progress.done++; check(); },
          error: () => { errors++; check(); },
        }),
        error: () => { errors = Math.max(errors, n - deleted); resolve({ deleted, errors }); },
        complete: () => resolve({ deleted, errors }),
      });
    }),
    close: () => client.close(),
  };
}

/** The adapter for the build at `dist`: the root build, or another one for an A/B (./rx-beanstalk-base). */
function adapterFor(dist, name, notes) {
  const load = loader(dist);
  function unavailable() {
    const lib = load();
    if (!lib) return `not built: ${DIST} missing or failing to load (run \`npm run build\` at the root)`;
    if (!lib.Beanstalk || typeof lib.Beanstalk.connect !== 'function') return 'not built: dist/cjs has no Beanstalk.connect';
    return null;
  }

  /** Why consuming cannot be measured, or null (checked without opening a socket). */
  function reserveUnavailable() {
    const lib = load();
    const proto = lib && lib.Beanstalk && lib.Beanstalk.prototype;
    if (!proto || typeof proto.watch !== 'function') return 'no watch()/reserve stream in dist yet';
    return null;
  }

  /** `reserveOptions` go to every reserve stream (e.g. `{ connections: 1 }`). */
  async function open(port, reserveOptions = {}) {
    const { Beanstalk } = load();
    const bs = Beanstalk.connect(`beanstalk://127.0.0.1:${port}`);
    return { bs, ...clientAdapter(bs, { reserveOptions }) };
  }

  /**
   * A pool over several servers, with the same put/consume shape as open(). `servers` tells
   * on which server each put landed (index into `ports`), for the per-server checks.
   */
  async function openPool(ports) {
    const { Beanstalk } = load();
    const pool = Beanstalk.pool(ports.map((port) => `beanstalk://127.0.0.1:${port}`));
    const perServer = ports.map(() => 0);
    const idOf = (ref) => { perServer[ref.server.index]++; return ref.id; };
    return { pool, perServer, ...clientAdapter(pool, { idOf }) };
  }

  return { name, notes, pipelines: true, unavailable, reserveUnavailable, open, openPool, clientAdapter };
}

module.exports = { ...adapterFor(DIST, 'rx-beanstalk', 'this project (dist/cjs)'), adapterFor };
