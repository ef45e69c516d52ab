import { firstValueFrom } from 'rxjs';
import { builtCli, runCli } from '../helpers/cli.js';
import { useBeanstalkd } from '../helpers/setup.js';
import { openRaw } from '../support/raw-socket.js';
import { startTurnProxy } from '../support/turn-proxy.js';
import { Beanstalk } from '../../src/index.js';

describe('rxbs stats on a server with 1,000 tubes', () => {
  const env = useBeanstalkd();
  beforeAll(() => void builtCli(), 180000);

  it('reads every tube with one pipelined round trip of stats-tube', async () => {
    const tubes = Array.from({ length: 1000 }, (_, i) => `many-${String(i).padStart(4, '0')}`);
    // One connection watching them all keeps the 1,000 tubes alive.
    const watcher = await openRaw(env.server.port);
    watcher.send(tubes.map((tube) => `watch ${tube}\r\n`).join(''));
    await watcher.waitFor((text) => text.split('WATCHING').length - 1 === tubes.length, 10000);
    const bs = Beanstalk.connect(env.server.url);
    await firstValueFrom(bs.tube('many-0500').put('x'));
    await bs.close();
    const proxy = await startTurnProxy(env.server.port);
    try {
      const { code, stdout } = await runCli(['--url', proxy.url, 'stats']);
      expect(code).toBe(0);
      const rows = stdout.split('\n').filter((line) => line.startsWith('many-'));
      expect(rows).toHaveLength(1000);
      expect(rows[500]).toMatch(/^many-0500\s+1\s+0\s+0\s+0\s+0\s+0\s+1\s+-$/);
      expect(proxy.linesMatching(/^stats-tube /)).toBe(1001); // and "default"
      expect(proxy.roundTripsFor(/^stats-tube /)).toBe(1);
      // list-tubes, then stats with all the stats-tubes: two round trips in all.
      expect(proxy.roundTripsFor(/^(list-tubes|stats|stats-tube .*)$/)).toBe(2);
    } finally {
      await proxy.close();
      watcher.destroy();
    }
  });
});
