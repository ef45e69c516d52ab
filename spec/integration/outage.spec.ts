import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstValueFrom, retry, timeout } from 'rxjs';
import { Beanstalk, ConnectionError } from '../../src/index.js';
import type { BeanstalkOptions } from '../../src/index.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';
import { settleWithin, within } from '../helpers/bounded.js';
import type { Outcome } from '../helpers/bounded.js';
import { rawCounter } from '../helpers/raw.js';
import { failure, freshTube, sleep } from '../helpers/setup.js';

/**
 * Outages with the default reconnect policy (issue 15): a server killed by SIGKILL and started
 * again on the same port with its binlog. Commands queued meanwhile wait a bounded time,
 * commands given up do not count, and nothing issued after the server's process exited is
 * reported as "may have reached the server".
 */

/** The documented default (README, "Faults: what happens to each command"). */
const MAX_OFFLINE_WAIT_MS = 10000;
/** The offline sweep ticks at an eighth of its bound, and the machine is loaded. */
const SLACK_MS = 4000;

const clients: Beanstalk[] = [];
function client(url: string, options: BeanstalkOptions = {}): Beanstalk {
  const bs = Beanstalk.connect(url, { name: 'outage', ...options });
  clients.push(bs);
  return bs;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((bs) => within(bs.close({ timeoutMs: 1000 }), 5000, 'client close')));
});

const errorOf = (outcome: Outcome<unknown>): unknown => (outcome.kind === 'error' ? outcome.error : outcome);

describe('an outage (server killed, default reconnect policy)', () => {
  let server: RunningBeanstalkd;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rxb-faults-'));
    server = await startBeanstalkd({ binlogDir: dir });
  });
  afterEach(async () => {
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const restart = async () => {
    server = await startBeanstalkd({ binlogDir: dir, port: server.port });
  };

  test('by default a queued put or stats waits a bounded time, then fails with mayHaveReachedServer: false', async () => {
    const bs = client(server.url);
    await firstValueFrom(bs.put('connect'));
    await server.stop('SIGKILL');
    await sleep(50);
    const bound = MAX_OFFLINE_WAIT_MS + SLACK_MS;
    const [put, stats] = await Promise.all([settleWithin(bs.put('queued'), bound), settleWithin(bs.stats(), bound)]);
    for (const outcome of [put, stats]) {
      expect(errorOf(outcome)).toBeInstanceOf(ConnectionError);
      expect((errorOf(outcome) as ConnectionError).mayHaveReachedServer).toBe(false);
      expect(outcome.ms).toBeGreaterThanOrEqual(MAX_OFFLINE_WAIT_MS - 100);
    }
    // The client is not closed: once the server is back, commands go through.
    await restart();
    expect(typeof (await firstValueFrom(bs.put('after')))).toBe('number');
  }, 40000);

  test('maxOfflineWaitMs bounds the wait; Infinity waits for the server however long it takes', async () => {
    const quick = client(server.url, { maxOfflineWaitMs: 300 });
    const patient = client(server.url, { maxOfflineWaitMs: Infinity });
    await Promise.all([firstValueFrom(quick.put('connect')), firstValueFrom(patient.put('connect'))]);
    await server.stop('SIGKILL');
    await sleep(50);
    const tube = freshTube('patient');
    const waiting = settleWithin(patient.tube(tube).put('waits'), 20000);
    const quickPut = await settleWithin(quick.put('gives up'), 3000);
    expect(errorOf(quickPut)).toBeInstanceOf(ConnectionError);
    expect((errorOf(quickPut) as ConnectionError).mayHaveReachedServer).toBe(false);
    expect(quickPut.ms).toBeGreaterThanOrEqual(250);
    expect(quickPut.ms).toBeLessThan(2000);
    await sleep(1500);
    await restart();
    const outcome = await waiting;
    expect(outcome.kind).toBe('value');
    expect((await firstValueFrom(patient.tube(tube).stats())).currentJobsReady).toBe(1);
  }, 30000);

  test('puts given up by timeout() do not fill the offline queue; put().pipe(timeout(), retry()) keeps working', async () => {
    const bs = client(server.url, { maxOfflineQueue: 100, maxOfflineWaitMs: Infinity });
    const tube = bs.tube(freshTube('cancelled'));
    await firstValueFrom(tube.put('connect'));
    await server.stop('SIGKILL');
    await sleep(50);
    // Ten rounds of 100 (the queue's size), each given up after 100 ms: 1,000 dead entries.
    const givenUp: unknown[] = [];
    for (let round = 0; round < 10; round++) {
      givenUp.push(
        ...(await Promise.all(Array.from({ length: 100 }, () => failure(tube.put('given up').pipe(timeout(100)))))),
      );
    }
    expect(givenUp.map((error) => (error as Error).name).filter((name) => name !== 'TimeoutError')).toEqual([]);
    // Nothing live is queued: a new put waits for the server instead of "offline queue is full".
    const queued = settleWithin(tube.put('queued'), 20000);
    const retried = settleWithin(tube.put('retried').pipe(timeout(300), retry()), 20000);
    await sleep(500);
    await restart();
    expect((await queued).kind).toBe('value');
    expect((await retried).kind).toBe('value');
    // Given-up puts were never written: the tube holds the first put, "queued" and "retried"
    // (more than one "retried" if a reply took over 300 ms on a loaded machine), not 1,000 more.
    const ready = (await firstValueFrom(tube.stats())).currentJobsReady;
    expect(ready).toBeGreaterThanOrEqual(3);
    expect(ready).toBeLessThan(50);
  }, 40000);

  test('FIN: puts issued after the server process exited are never "may have reached the server"', async () => {
    const bs = client(server.url, { reconnect: false });
    await firstValueFrom(bs.put('connect'));
    await server.stop('SIGKILL');
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => settleWithin(bs.put('after exit'), 5000)));
    const errors = outcomes.map(errorOf);
    expect(errors.every((error) => error instanceof ConnectionError)).toBe(true);
    expect(errors.filter((error) => (error as ConnectionError).mayHaveReachedServer)).toEqual([]);
  });

  test('FIN with reconnect on: puts issued after the server process exited are stored once it is back', async () => {
    const bs = client(server.url, { maxOfflineWaitMs: Infinity });
    const tube = bs.tube(freshTube('fin'));
    await firstValueFrom(tube.put('connect'));
    await server.stop('SIGKILL');
    const puts = Promise.all(Array.from({ length: 1000 }, () => settleWithin(tube.put('after exit'), 20000)));
    await sleep(300);
    await restart();
    const outcomes = await puts;
    expect(outcomes.filter((outcome) => outcome.kind !== 'value').map(errorOf)).toEqual([]);
    expect((await firstValueFrom(tube.stats())).currentJobsReady).toBe(1001); // the binlog kept the first
    expect(await rawCounter(server.port, 'cmd-put')).toBe(1000); // each sent once, to the new server
  }, 40000);
});
