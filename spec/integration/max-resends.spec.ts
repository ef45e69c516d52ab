import { Beanstalk, ConnectionError } from '../../src/index.js';
import { settleWithin, within } from '../helpers/bounded.js';
import { startHostileServer } from '../support/hostile-server.js';

// `maxResends` is a BeanstalkOptions field (README, "Faults and limits"): a safe command is
// resent that many times after connection losses, then fails. The hostile server closes
// every connection in the middle of the reply's body, so each send is lost.
test.each([0, 1, 5])(
  'maxResends %i: stats is sent once plus that many times, then fails with ConnectionError',
  async (n) => {
    const server = await startHostileServer('close-mid-body', { seed: 7 });
    const bs = Beanstalk.connect(server.url, {
      name: 'resends',
      maxResends: n,
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    try {
      const stats = await settleWithin(bs.stats(), 5000);
      expect(stats.kind === 'error' && stats.error).toBeInstanceOf(ConnectionError);
      expect(stats.kind === 'error' && (stats.error as ConnectionError).connection).toBe('resends');
      expect(server.commands.filter((command) => command === 'stats')).toHaveLength(1 + n);
    } finally {
      await within(bs.close(), 5000, 'client close');
      await server.close();
    }
  },
);
