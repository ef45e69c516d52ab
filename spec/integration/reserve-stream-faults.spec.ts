import { concatMap, filter, lastValueFrom, map, take, toArray } from 'rxjs';
import { BadReplyError, Beanstalk, ConnectionError, InvalidArgumentError, work } from '../../src/index.js';
import type { BeanstalkOptions, LaneEvent, ReserveStreamOptions } from '../../src/index.js';
import { startHostileServer } from '../support/hostile-server.js';
import type { HostileServer, HostileServerOptions } from '../support/hostile-server.js';
import { eventually } from '../support/raw-socket.js';
import { settleWithin, within } from '../helpers/bounded.js';
import { failure, freshTube, useBeanstalkd } from '../helpers/setup.js';

/**
 * Reserve streams against faults on one lane: an unreadable reply resets that lane only,
 * retries follow the client's `reconnect` policy, garbage for ever ends the stream with a
 * typed error, and bad options or a closed client fail through the Observable.
 */

const servers: HostileServer[] = [];
const clients: Beanstalk[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => within(client.close(), 5000, 'client close')));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function badReserveServer(options: HostileServerOptions): Promise<HostileServer> {
  const server = await startHostileServer('bad-reserve', options);
  servers.push(server);
  return server;
}

function client(url: string, options: BeanstalkOptions = {}): Beanstalk {
  const bs = Beanstalk.connect(url, { name: 'faults', ...options });
  clients.push(bs);
  return bs;
}

const reserves = (server: HostileServer) => server.commands.filter((line) => line.startsWith('reserve')).length;
/** Fast retries, so a spec that goes through many of them stays short. */
const fast = { initialDelayMs: 5, maxDelayMs: 20 };

describe('an unreadable reply on one lane', () => {
  test.each([
    ['BOGUS', 'BOGUS'],
    ['RESERVED abc 2', 'RESERVED abc 2'],
    ['RESERVED 1 2 3', 'RESERVED 1 2 3'],
    ['a 2,000-byte line', 'RESERVED '.padEnd(2000, '1')],
  ])('%s: that lane is reset and the stream goes on', async (_, badReply) => {
    const server = await badReserveServer({ badReply, badReserves: 1 });
    const bs = client(server.url, { reconnect: fast });
    const events: LaneEvent[] = [];
    bs.laneEvents.subscribe((event) => events.push(event));
    const ids = await within(
      lastValueFrom(
        bs
          .watch('jobs')
          .reserve()
          .pipe(
            concatMap((job) => job.delete().pipe(map(() => job.id))),
            take(20),
            toArray(),
          ),
      ),
      5000,
      'twenty jobs',
    );
    expect(new Set(ids).size).toBe(20);
    const errors = events.filter((event) => event.type === 'reserve-error');
    expect(errors).toHaveLength(1);
    expect((errors[0] as { error: unknown }).error).toBeInstanceOf(BadReplyError);
    // The lane that got the bad reply was reset and came back on a new connection.
    expect(server.connections).toBe(2);
  });

  test('work() keeps running handlers after one lane got an unreadable reply', async () => {
    const server = await badReserveServer({ badReply: 'RESERVED abc 2', badReserves: 1 });
    const bs = client(server.url, { reconnect: fast });
    const succeeded = await within(
      lastValueFrom(
        work({ client: bs, tubes: { jobs: (job) => job.text() }, concurrency: 2, autoTouch: false }).pipe(
          filter((event) => event.type === 'succeeded'),
          take(10),
          toArray(),
        ),
      ),
      5000,
      'ten jobs worked',
    );
    expect(succeeded).toHaveLength(10);
    // Ten deletes at least (the other lane may have been finishing one more when take() stopped).
    expect(server.commands.filter((line) => line.startsWith('delete')).length).toBeGreaterThanOrEqual(10);
  });

  test('a server that only ever sends garbage ends the stream with BadReplyError, after a bounded number of tries', async () => {
    const server = await badReserveServer({ badReply: 'BOGUS' });
    const bs = client(server.url, { reconnect: fast });
    const outcome = await settleWithin(bs.watch('jobs').reserve({ concurrency: 2 }), 5000);
    expect(outcome.kind).toBe('error');
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(BadReplyError);
    expect((error as BadReplyError).message).toMatch(/10 unreadable replies in a row/);
    // 10 per lane at most; the other lane may have been between two tries.
    expect(reserves(server)).toBeGreaterThanOrEqual(10);
    expect(reserves(server)).toBeLessThanOrEqual(20);
    await eventually(() => server.live === 0, 2000, 'lanes closed');
  });
});

describe("reserve streams follow the client's reconnect option", () => {
  test('retries are spaced by its delays and end after its maxAttempts', async () => {
    const server = await badReserveServer({ badReply: 'BOGUS' });
    const bs = client(server.url, { reconnect: { initialDelayMs: 300, maxDelayMs: 300, maxAttempts: 2 } });
    const started = Date.now();
    const outcome = await settleWithin(bs.watch('jobs').reserve(), 5000);
    const elapsed = Date.now() - started;
    expect(outcome.kind).toBe('error');
    expect((outcome as { error: unknown }).error).toBeInstanceOf(BadReplyError);
    expect(reserves(server)).toBe(3); // the first try and maxAttempts retries
    // Two retries of at least 150 ms each (300 ms with equal jitter), not the default 25-50 ms.
    expect(elapsed).toBeGreaterThanOrEqual(300);
  });

  test('reconnect: false ends the stream at the first lost lane', async () => {
    const server = await badReserveServer({ badReply: 'BOGUS' });
    const bs = client(server.url, { reconnect: false });
    const outcome = await settleWithin(bs.watch('jobs').reserve({ concurrency: 2 }), 5000);
    expect(outcome.kind).toBe('error');
    expect((outcome as { error: unknown }).error).toBeInstanceOf(BadReplyError);
    expect(server.connections).toBe(2);
  });
});

describe('reserve streams and a real server', () => {
  const ctx = useBeanstalkd();

  test('a reserve stream subscribed after close() fails with ConnectionError, like reserveOne', async () => {
    const bs = Beanstalk.connect(ctx.server.url, { name: 'closed' });
    await bs.close();
    const fromStream = await within(failure(bs.watch(freshTube()).reserve()), 2000, 'stream');
    const fromOne = await within(failure(bs.watch(freshTube()).reserveOne()), 2000, 'reserveOne');
    expect(fromStream).toBeInstanceOf(ConnectionError);
    expect(fromOne).toBeInstanceOf(ConnectionError);
  });
});

describe('bad reserve stream options', () => {
  test.each([0, -1, 1.5, NaN, Infinity, '2'])(
    'concurrency %p fails with InvalidArgumentError through the Observable, nothing sent',
    async (concurrency) => {
      const server = await badReserveServer({});
      const bs = client(server.url);
      const stream = bs.watch('jobs').reserve({ concurrency } as unknown as ReserveStreamOptions);
      const error = await failure(stream);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/concurrency/);
      expect(server.connections).toBe(0);
    },
  );

  test.each([0, 1.5, NaN, '2'])('connections %p fails with InvalidArgumentError', async (connections) => {
    const bs = client('beanstalk://127.0.0.1:1');
    const error = await failure(bs.watch('jobs').reserve({ connections } as unknown as ReserveStreamOptions));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/connections/);
  });

  test('onDeadlineSoon other than touch or leave fails with InvalidArgumentError', async () => {
    const bs = client('beanstalk://127.0.0.1:1');
    const options = { onDeadlineSoon: 'ignore' } as unknown as ReserveStreamOptions;
    expect(await failure(bs.watch('jobs').reserve(options))).toBeInstanceOf(InvalidArgumentError);
  });
});
