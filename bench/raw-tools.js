'use strict';
// Raw-socket references for the rxbs tool scenarios (drain, move): the same way of finding a
// tube's jobs as rxbs (peek the head, then stats-job for ids upwards, nothing reserved), but
// hand-written on net.Socket with everything pipelined: a stream of stats-job kept `window`
// deep, each matching job's commands written as soon as the reply that calls for them arrives.
const net = require('net');
const { HOST } = require('./server');
const progress = require('./progress');

/** One socket: commands queued with a callback (header line, body) and written once per tick. */
function rawConnection(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST);
    s.setNoDelay(true);
    const pending = [];
    let head = 0;
    let out = [];
    let scheduled = false;
    let buffer = Buffer.alloc(0);
    const flush = () => { scheduled = false; if (out.length) { s.write(out.length === 1 ? out[0] : Buffer.concat(out)); out = []; } };
    const conn = {
      send(command, cb) {
        out.push(typeof command === 'string' ? Buffer.from(command) : command);
        pending.push(cb);
        if (!scheduled) { scheduled = true; process.nextTick(flush); }
      },
      close: () => s.destroy(),
    };
    s.on('data', (chunk) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      let i = 0;
      for (;;) {
        const nl = buffer.indexOf(10, i);
        if (nl < 0) break;
        const line = buffer.toString('latin1', i, nl - 1);
        let body = null;
        let end = nl + 1;
        const c = line.charCodeAt(0);
        if (c === 0x4f /* OK */ || c === 0x46 /* FOUND */ || c === 0x52 /* RESERVED */) {
          const bytes = Number(line.slice(line.lastIndexOf(' ') + 1));
          if (buffer.length < end + bytes + 2) break;
          body = buffer.subarray(end, end + bytes);
          end += bytes + 2;
        }
        i = end;
        const cb = pending[head];
        pending[head++] = undefined;
        if (head > 4096 && head * 2 > pending.length) { pending.splice(0, head); head = 0; }
        cb(line, body);
      }
      buffer = i >= buffer.length ? Buffer.alloc(0) : buffer.subarray(i);
      flush();
    });
    s.once('error', reject);
    s.once('connect', () => { s.removeListener('error', reject); resolve(conn); });
  });
}

/** `tube: X` and `state: Y` out of a stats-job body, without a YAML reader. */
function tubeAndState(body) {
  const text = body.toString('latin1');
  const t = text.indexOf('\ntube: ') + 7;
  const s = text.indexOf('\nstate: ') + 8;
  return [text.slice(t, text.indexOf('\n', t)), text.slice(s, text.indexOf('\n', s))];
}

/**
 * Streams stats-job from the tube's ready head upwards, `window` in flight, calling
 * `onJob(id)` for each ready job of `tube`; stops after `gap` ids in a row with no job.
 * Resolves when every reply is in and every onJob's promise has settled.
 */
async function scanReady(conn, tube, onJob, { window = 4096, gap = 256 } = {}) {
  const headId = await new Promise((resolve) => {
    conn.send(`use ${tube}\r\n`, () => undefined);
    conn.send('peek-ready\r\n', (line) => resolve(line.startsWith('FOUND') ? Number(line.split(' ')[1]) : 0));
  });
  if (!headId) return;
  const work = [];
  await new Promise((resolve) => {
    let next = headId, inFlight = 0, misses = 0, stopping = false;
    const ask = () => {
      while (!stopping && inFlight < window) {
        const id = next++;
        inFlight++;
        conn.send(`stats-job ${id}\r\n`, (line, body) => {
          inFlight--;
          if (body) {
            misses = 0;
            const [t, state] = tubeAndState(body);
            if (t === tube && state === 'ready') work.push(onJob(id));
          } else if (++misses >= gap) stopping = true;
          if (stopping && inFlight === 0) resolve();
          else ask();
        });
      }
    };
    ask();
  });
  await Promise.all(work);
}

/** Deletes every ready job of `tube`. Resolves { deleted, errors }. */
async function drain(port, tube) {
  const conn = await rawConnection(port);
  let deleted = 0, errors = 0;
  await scanReady(conn, tube, (id) => new Promise((resolve) => conn.send(`delete ${id}\r\n`, (line) => {
    if (line === 'DELETED') { deleted++; progress.done++; } else errors++;
    resolve();
  })));
  conn.close();
  return { deleted, errors };
}

/** Moves every ready job of `tube` to `toTube` on the same server: peek, put (same pri/ttr), then delete. */
async function move(port, tube, toTube) {
  const [source, target] = await Promise.all([rawConnection(port), rawConnection(port)]);
  target.send(`use ${toTube}\r\n`, () => undefined);
  let moved = 0, errors = 0;
  await scanReady(source, tube, (id) => new Promise((resolve) => {
    source.send(`peek ${id}\r\n`, (line, body) => {
      if (!body) { errors++; resolve(); return; }
      // The CLI reads pri and ttr from stats-job; the scan above read that reply already.
      const put = Buffer.concat([Buffer.from(`put 1024 0 60 ${body.length}\r\n`), body, Buffer.from('\r\n')]);
      target.send(put, (inserted) => {
        if (!inserted.startsWith('INSERTED')) { errors++; resolve(); return; }
        source.send(`delete ${id}\r\n`, (deleted) => {
          if (deleted === 'DELETED') { moved++; progress.done++; } else errors++;
          resolve();
        });
      });
    });
  }));
  source.close();
  target.close();
  return { moved, errors };
}

module.exports = { drain, move };
