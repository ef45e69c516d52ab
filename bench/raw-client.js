'use strict';
// The ceiling: a hand-written raw-socket beanstalkd client. Commands are pre-encoded
// buffers; replies are counted by scanning for '\n', bodies are skipped by length.
const net = require('net');
const { HOST } = require('./server');
const progress = require('./progress');

const I = 0x49; // INSERTED <id>
const R = 0x52; // RESERVED <id> <bytes>
const F = 0x46; // FOUND <id> <bytes>
const O = 0x4f; // OK <bytes>
const D = 0x44; // DELETED

/** Incremental reply scanner: calls onReply(firstByte, id) per reply, once its body (skipped by length) is all in. */
class ReplyScanner {
  constructor(onReply) {
    this.onReply = onReply;
    this.skip = 0;        // body bytes (+ CRLF) still to skip
    this.partial = null;  // an incomplete header line
    this.waiting = null;  // [firstByte, id] of a reply whose body is still arriving
  }

  feed(chunk) {
    let i = 0;
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      i = n;
      if (this.skip > 0) return;
      // A reply is complete only with its whole body: a real consumer needs the body
      // before it can act on the job, so the ceiling must wait for it too.
      const [c, id] = this.waiting;
      this.waiting = null;
      this.onReply(c, id);
    }
    if (this.partial !== null) {
      chunk = Buffer.concat([this.partial, chunk.subarray(i)]);
      this.partial = null;
      i = 0;
    }
    const len = chunk.length;
    while (i < len) {
      const nl = chunk.indexOf(10, i);
      if (nl < 0) { this.partial = Buffer.from(chunk.subarray(i)); return; }
      const c = chunk[i];
      let id = 0;
      if (c === I || c === R || c === F) {
        let p = chunk.indexOf(32, i) + 1;
        for (let d = chunk[p]; d >= 48 && d <= 57; d = chunk[++p]) id = id * 10 + (d - 48);
        if (c !== I) {
          let bytes = 0;
          for (let d = chunk[++p]; d >= 48 && d <= 57; d = chunk[++p]) bytes = bytes * 10 + (d - 48);
          this.skip = bytes + 2;
        }
      } else if (c === O && chunk[i + 1] === 0x4b) {
        let bytes = 0;
        for (let p = i + 3, d = chunk[p]; d >= 48 && d <= 57; d = chunk[++p]) bytes = bytes * 10 + (d - 48);
        this.skip = bytes + 2;
      }
      i = nl + 1;
      if (this.skip > 0) {
        const n = Math.min(this.skip, len - i);
        this.skip -= n;
        i += n;
        if (this.skip > 0) { this.waiting = [c, id]; return; }
      }
      this.onReply(c, id);
    }
  }
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST);
    s.setNoDelay(true);
    s.once('error', reject);
    s.once('connect', () => { s.removeListener('error', reject); resolve(s); });
  });
}

function putCommand(body, { priority = 0, delay = 0, ttr = 60 } = {}) {
  return Buffer.concat([Buffer.from(`put ${priority} ${delay} ${ttr} ${body.length}\r\n`), body, Buffer.from('\r\n')]);
}

// By default a refill goes out on every chunk of replies (the minimal client). With
// BENCH_RAW_REFILL_DIV=d it waits until window/d slots are free (fewer, larger writes).
const REFILL_DIV = Number(process.env.BENCH_RAW_REFILL_DIV || 0);

/** `n` puts on one socket with at most `window` outstanding. Resolves { inserted, errors }. */
async function putWindow(port, n, window, body, sock) {
  const s = sock || await connect(port);
  const cmd = putCommand(body);
  const max = Math.min(window, n);
  const minRefill = REFILL_DIV > 0 ? Math.max(1, Math.floor(window / REFILL_DIV)) : 1;
  const batch = Buffer.alloc(cmd.length * max);
  for (let k = 0; k < max; k++) cmd.copy(batch, k * cmd.length);
  let sent = 0, done = 0, inserted = 0, errors = 0;
  await new Promise((resolve, reject) => {
    const scanner = new ReplyScanner((c) => { done++; progress.done++; if (c === I) inserted++; else errors++; });
    const onData = (chunk) => {
      scanner.feed(chunk);
      if (done === n) { s.removeListener('data', onData); s.removeListener('error', reject); resolve(); return; }
      const k = Math.min(window - (sent - done), n - sent);
      if (k >= minRefill || (k > 0 && k === n - sent)) { sent += k; s.write(k === 1 ? cmd : batch.subarray(0, k * cmd.length)); }
    };
    s.on('data', onData);
    s.once('error', reject);
    sent = max;
    s.write(batch.subarray(0, max * cmd.length));
  });
  if (!sock) s.destroy();
  return { inserted, errors };
}

/** Sequential puts, timing each round trip. Resolves Float64Array of microseconds. */
async function putLatencies(port, n, body, sock) {
  const s = sock || await connect(port);
  const cmd = putCommand(body);
  const samples = new Float64Array(n);
  let done = 0, t0 = 0n, errors = 0;
  await new Promise((resolve) => {
    const scanner = new ReplyScanner((c) => {
      samples[done++] = Number(process.hrtime.bigint() - t0) / 1000;
      progress.done++;
      if (c !== I) errors++;
      if (done === n) { s.removeListener('data', onData); resolve(); return; }
      t0 = process.hrtime.bigint();
      s.write(cmd);
    });
    const onData = (chunk) => scanner.feed(chunk);
    s.on('data', onData);
    t0 = process.hrtime.bigint();
    s.write(cmd);
  });
  if (!sock) s.destroy();
  return { samples, inserted: n - errors, errors };
}

const RESERVE = Buffer.from('reserve\r\n');
const RESERVE_POLL = Buffer.from('reserve-with-timeout 0\r\n');

/**
 * One worker socket: reserve -> delete, sequentially, while claim() says there is work.
 * `chained`: the next reserve leaves in the same write as the delete (one round trip a job).
 */
async function reserveDeleteWorker(port, claim, chained = false) {
  const s = await connect(port);
  let deleted = 0, errors = 0, reserving = 0;
  await new Promise((resolve) => {
    const scanner = new ReplyScanner((c, id) => {
      if (c === R) {
        reserving--;
        if (chained && claim()) { reserving++; s.write(`delete ${id}\r\nreserve\r\n`); } else s.write(`delete ${id}\r\n`);
        return;
      }
      progress.done++;
      if (c === D) deleted++; else errors++;
      if (c !== D && c !== 0x4e) reserving--; // a failed reserve (not DELETED / NOT_FOUND)
      if (reserving > 0) return;
      if (claim()) { reserving++; s.write(RESERVE); } else resolve();
    });
    s.on('data', (chunk) => scanner.feed(chunk));
    if (claim()) { reserving++; s.write(RESERVE); } else resolve();
  });
  s.destroy();
  return { deleted, errors };
}

/**
 * `workers` sockets, each reserve -> delete sequentially, until `n` jobs are deleted;
 * `chained` as in reserveDeleteWorker.
 */
async function reserveDelete(port, n, workers, chained = false) {
  let claimed = 0;
  const claim = () => (claimed < n ? (claimed++, true) : false);
  const results = await Promise.all(Array.from({ length: workers }, () => reserveDeleteWorker(port, claim, chained)));
  return results.reduce((a, r) => ({ deleted: a.deleted + r.deleted, errors: a.errors + r.errors }), { deleted: 0, errors: 0 });
}

/**
 * One socket fully pipelined: `window` reserve-with-timeout 0 in flight; every RESERVED
 * reply queues its delete and (while work remains) the next reserve; one write per chunk.
 */
async function reserveDeletePipelined(port, n, window = 256) {
  const s = await connect(port);
  let reserves = 0, deleted = 0, errors = 0, out = [];
  await new Promise((resolve) => {
    const scanner = new ReplyScanner((c, id) => {
      if (c === R) {
        out.push(`delete ${id}\r\n`);
        if (reserves < n) { reserves++; out.push('reserve-with-timeout 0\r\n'); }
      } else if (c === D) { deleted++; progress.done++; } else errors++;
    });
    s.on('data', (chunk) => {
      scanner.feed(chunk);
      if (out.length) { s.write(out.join('')); out = []; }
      if (deleted + errors >= n) resolve();
    });
    const k = Math.min(window, n);
    reserves = k;
    s.write(Buffer.concat(Array.from({ length: k }, () => RESERVE_POLL)));
  });
  s.destroy();
  return { deleted, errors };
}

module.exports = {
  ReplyScanner, connect, putCommand, putWindow, putLatencies, reserveDelete, reserveDeleteWorker, reserveDeletePipelined,
};
