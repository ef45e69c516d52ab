'use strict';
// rxbs drain and rxbs move (the command line's own code, run in-process through its
// main(), as the bin does, without node's start-up) against raw-socket references that
// find jobs the same way (bench/raw-tools.js). Only raw and rx-beanstalk take part.
const path = require('path');
const { env, body, warmUpRounds, prefill, now, secondsSince } = require('./common');
const rawTools = require('../raw-tools');
const raw = require('../raw-client');

const DIST = path.dirname(path.resolve(process.env.BENCH_RX_DIST || path.join(__dirname, '../../dist/cjs/index.js')));

/** Runs `rxbs args...` in this process; resolves its JSON output. */
async function rxbs(port, args) {
  const { main } = require(path.join(DIST, 'cli/program.js'));
  let out = '';
  let err = '';
  const sink = (add) => ({ isTTY: false, write: (text) => { add(String(text)); return true; } });
  const io = {
    stdout: sink((t) => (out += t)),
    stderr: sink((t) => (err += t)),
    stdin: process.stdin,
    env: {},
  };
  const code = await main(['--url', `beanstalk://127.0.0.1:${port}`, ...args, '--json'], io);
  if (code !== 0) throw new Error(`rxbs ${args.join(' ')} exited ${code}: ${err.trim()}`);
  return JSON.parse(out);
}

function supports(adapter) {
  if (adapter.raw) return null;
  if (adapter.name !== 'rx-beanstalk') return 'an rxbs command: raw reference and rx-beanstalk only';
  try {
    require.resolve(path.join(DIST, 'cli/program.js'));
    return null;
  } catch {
    return 'not built: no dist/cjs/cli (run `npm run build` at the root)';
  }
}

/** Fills `tube` with `count` jobs (untimed, raw). */
async function fill(port, tube, count, payload) {
  if (count === 0) return;
  const conn = await raw.connect(port);
  await new Promise((resolve) => { conn.write(`use ${tube}\r\n`); conn.once('data', resolve); });
  const r = await raw.putWindow(port, count, 1000, payload, conn);
  conn.destroy();
  if (r.inserted !== count) throw new Error(`fill inserted ${r.inserted}/${count}`);
}

const drain = {
  id: 'drain',
  title: 'rxbs drain: delete 100,000 ready jobs of a tube',
  unit: 'jobs/s',
  better: 'higher',
  size: () => env('BENCH_N_DRAIN', 100000),
  supports,
  async measure(adapter, port) {
    const n = this.size();
    const payload = body(env('BENCH_BODY', 100));
    const run = async (tube, count) => {
      if (adapter.raw) return (await rawTools.drain(port, tube)).deleted;
      return (await rxbs(port, ['drain', tube, '--ready', '--yes'])).deleted;
    };
    const rounds = warmUpRounds(n);
    let done = 0;
    for (const [k, count] of rounds.entries()) {
      await fill(port, `warm-${k}`, count, payload);
      done += await run(`warm-${k}`, count);
    }
    await fill(port, 'drained', n, payload);
    const t0 = now();
    const deleted = await run('drained', n);
    const seconds = secondsSince(t0);
    const warm = rounds.reduce((a, b) => a + b, 0);
    return {
      value: deleted / seconds,
      extra: { n: deleted, seconds, errors: deleted === n && done === warm ? 0 : n - deleted + warm - done },
      claims: { put: warm + n, delete: warm + n },
    };
  },
};

const move = {
  id: 'move',
  title: 'rxbs move: 100,000 ready jobs to another tube',
  unit: 'jobs/s',
  better: 'higher',
  size: () => env('BENCH_N_MOVE', 100000),
  supports,
  async measure(adapter, port) {
    const n = this.size();
    const payload = body(env('BENCH_BODY', 100));
    const run = async (from, to) => {
      if (adapter.raw) return (await rawTools.move(port, from, to)).moved;
      return (await rxbs(port, ['move', '--tube', from, '--to-tube', to, '--yes'])).moved;
    };
    const rounds = warmUpRounds(n);
    let done = 0;
    for (const [k, count] of rounds.entries()) {
      await fill(port, `warm-${k}`, count, payload);
      done += await run(`warm-${k}`, `warm-${k}-moved`);
    }
    await fill(port, 'source', n, payload);
    const t0 = now();
    const moved = await run('source', 'target');
    const seconds = secondsSince(t0);
    const warm = rounds.reduce((a, b) => a + b, 0);
    return {
      value: moved / seconds,
      extra: { n: moved, seconds, errors: moved === n && done === warm ? 0 : n - moved + warm - done },
      // Every job put twice (filled, then moved) and deleted once: all still ready, in the targets.
      claims: { put: 2 * (warm + n), delete: warm + n },
    };
  },
};

module.exports = { drain, move };
