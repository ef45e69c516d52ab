'use strict';
// 1,000,000 puts streamed from one connection with at most 1,000 outstanding: peak RSS of
// the whole client process (value, MB, from process.resourceUsage().maxRSS) and CPU
// seconds per 100k puts (process.cpuUsage over the put phase). Each measurement already
// runs in its own child process.
const { env, body, putWindow, now, secondsSince, raw } = require('./common');

const WINDOW = 1000;

module.exports = {
  id: 'million',
  title: 'puts streamed, 1,000 outstanding: peak RSS MB (CPU s/100k puts)',
  unit: 'MB',
  better: 'lower',
  // Three runs, not one: a single run put rx-beanstalk's CPU a put 4% behind fivebeans',
  // where three alternating pairs measured by hand had it 5-7% ahead.
  runs: () => env('BENCH_MILLION_RUNS', 3),
  size: (adapter) => (adapter && !adapter.pipelines
    ? env('BENCH_MILLION_SLOW', 200000)
    : env('BENCH_MILLION', 1000000)),
  supports: () => null,
  async measure(adapter, port) {
    const n = this.size(adapter);
    const payload = body(env('BENCH_BODY', 100));
    const rssBefore = process.resourceUsage().maxRSS / 1024;
    let r, seconds, cpu;
    if (adapter.raw) {
      const s = await raw.connect(port);
      const c0 = process.cpuUsage();
      const t0 = now();
      r = await raw.putWindow(port, n, WINDOW, payload, s);
      seconds = secondsSince(t0);
      cpu = process.cpuUsage(c0);
      s.destroy();
    } else {
      const conn = await adapter.open(port);
      const c0 = process.cpuUsage();
      const t0 = now();
      r = await putWindow(conn, n, WINDOW, payload);
      seconds = secondsSince(t0);
      cpu = process.cpuUsage(c0);
      await conn.close();
    }
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      value: process.resourceUsage().maxRSS / 1024,
      extra: { n, seconds, putsPerSec: n / seconds, cpuPer100k: (cpuSeconds / n) * 1e5, rssBeforeMB: rssBefore, errors: r.errors },
      claims: { put: r.inserted, delete: 0, bodySize: payload.length },
    };
  },
};
