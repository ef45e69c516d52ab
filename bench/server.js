'use strict';
// A fresh beanstalkd per measurement: free loopback port, spawn, wait until it accepts, kill.
const net = require('net');
const { spawn } = require('child_process');
const pin = require('./pin');

const HOST = '127.0.0.1';
const BEANSTALKD = process.env.BEANSTALKD || 'beanstalkd';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, HOST);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Starts beanstalkd on a free port; `maxJobSize` sets -z, `core` pins it elsewhere than core 0. Resolves { port, pid, stop() }. */
async function startServer({ maxJobSize, core } = {}) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const args = ['-l', HOST, '-p', String(port)];
    if (maxJobSize) args.push('-z', String(maxJobSize));
    const command = core === undefined ? pin.server(BEANSTALKD, args) : pin.at(core, BEANSTALKD, args);
    const proc = spawn(...command, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    let exited = false;
    const exit = new Promise((resolve) => proc.once('exit', () => { exited = true; resolve(); }));
    const deadline = Date.now() + 3000;
    while (!exited && Date.now() < deadline) {
      if (await canConnect(port)) {
        return {
          port,
          pid: proc.pid,
          async stop() {
            if (!exited) proc.kill('SIGKILL');
            await exit;
          },
        };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!exited) proc.kill('SIGKILL');
    await exit;
    if (attempt === 4) throw new Error(`beanstalkd did not start on ${port}: ${stderr}`);
  }
  throw new Error('unreachable');
}

/** The server's own `stats`, as a plain object of strings/numbers (keys as on the wire). */
function serverStats(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST);
    let buf = Buffer.alloc(0);
    s.once('error', reject);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const head = buf.toString('latin1', 0, nl);
      const m = /^OK (\d+)$/.exec(head);
      if (!m) { s.destroy(); reject(new Error(`stats: ${head}`)); return; }
      const len = Number(m[1]);
      if (buf.length < nl + 2 + len + 2) return;
      s.end('quit\r\n');
      const out = {};
      for (const line of buf.toString('utf8', nl + 2, nl + 2 + len).split('\n')) {
        const kv = /^([\w-]+): (.*)$/.exec(line);
        if (kv) out[kv[1]] = /^\d+(\.\d+)?$/.test(kv[2]) ? Number(kv[2]) : kv[2];
      }
      resolve(out);
    });
    s.write('stats\r\n');
  });
}

/** Byte length of the body of the job `peek-ready` shows in the default tube, or null. */
function peekReadySize(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST);
    let buf = Buffer.alloc(0);
    s.once('error', reject);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const head = buf.toString('latin1', 0, nl);
      const m = /^FOUND \d+ (\d+)$/.exec(head);
      s.destroy();
      resolve(m ? Number(m[1]) : null);
    });
    s.write('peek-ready\r\n');
  });
}

/** The `beanstalkd -v` line. */
function serverVersion() {
  return new Promise((resolve) => {
    const p = spawn(BEANSTALKD, ['-v']);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('error', () => resolve('unknown'));
    p.on('close', () => resolve(out.trim()));
  });
}

module.exports = { HOST, startServer, serverStats, peekReadySize, serverVersion };
