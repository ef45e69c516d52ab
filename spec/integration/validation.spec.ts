import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { Beanstalk, InvalidArgumentError, InvalidTubeNameError } from '../../src/index.js';
import type { BeanstalkOptions } from '../../src/index.js';
import { rawStats } from '../helpers/raw.js';
import { failure, freshTube, maybe, useBeanstalkd } from '../helpers/setup.js';

/** Counters that would move if any of our bytes reached the server. */
const COUNTERS = [
  'cmd-put',
  'cmd-use',
  'cmd-watch',
  'cmd-ignore',
  'cmd-reserve-with-timeout',
  'cmd-reserve',
  'cmd-pause-tube',
  'cmd-stats-tube',
  'cmd-kick',
  'cmd-delete',
  'cmd-peek',
  'total-jobs',
  'total-connections',
];

describe('bad input fails before a byte is written', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeAll(async () => {
    bs = Beanstalk.connect(ctx.server.url);
    await firstValueFrom(bs.put('connected'));
  });
  afterAll(() => bs.close());

  const counters = async () => {
    const stats = await rawStats(ctx.server.port);
    return Object.fromEntries(COUNTERS.map((key) => [key, Number(stats[key])]));
  };

  const badTubes = ['a b', 'a\r\nput 0 0 1 1', 'x\n', 'x'.repeat(201), '-leading', '', 'tab\there', 'ünï', 'star*'];
  const cases: [string, () => Observable<unknown>, new (...args: never[]) => Error][] = [
    ...badTubes.flatMap((name): [string, () => Observable<unknown>, typeof InvalidTubeNameError][] => [
      [`put to ${JSON.stringify(name)}`, () => bs.tube(name).put('x'), InvalidTubeNameError],
      [`stats of ${JSON.stringify(name)}`, () => bs.tube(name).stats(), InvalidTubeNameError],
      [`pause ${JSON.stringify(name)}`, () => bs.tube(name).pause(1), InvalidTubeNameError],
      [`watch ${JSON.stringify(name)}`, () => bs.watch('ok', name).reserveOne({ timeout: 0 }), InvalidTubeNameError],
    ]),
    ['priority -1', () => bs.put('x', { priority: -1 }), InvalidArgumentError],
    ['priority 2^32', () => bs.put('x', { priority: 2 ** 32 }), InvalidArgumentError],
    ['priority 1.5', () => bs.put('x', { priority: 1.5 }), InvalidArgumentError],
    ['delay NaN', () => bs.put('x', { delay: NaN }), InvalidArgumentError],
    ['ttr -5', () => bs.put('x', { ttr: -5 }), InvalidArgumentError],
    ['ttr 0 (the server would make it 1)', () => bs.put('x', { ttr: 0 }), InvalidArgumentError],
    ['reserve timeout 2^31', () => bs.watch(freshTube()).reserveOne({ timeout: 2 ** 31 }), InvalidArgumentError],
    ['reserve timeout -1', () => bs.watch(freshTube()).reserveOne({ timeout: -1 }), InvalidArgumentError],
    ['job id 0', () => bs.peek(0), InvalidArgumentError],
    ['job id 2^53', () => bs.delete(2 ** 53), InvalidArgumentError],
    ['kick -1', () => bs.tube('default').kick(-1), InvalidArgumentError],
    ['body of a wrong type', () => bs.put(42 as unknown as string), InvalidArgumentError],
  ];

  test.each(cases)('%s', async (_label, attempt, ErrorClass) => {
    const before = await counters();
    const error = await failure(attempt());
    expect(error).toBeInstanceOf(ErrorClass);
    expect(await counters()).toEqual({ ...before, 'total-connections': before['total-connections'] + 1 });
  });

  test('a body over maxJobSize is refused client-side', async () => {
    const small = Beanstalk.connect(ctx.server.url, { maxJobSize: 10 });
    const before = await counters();
    expect(await failure(small.put('12345678901'))).toBeInstanceOf(InvalidArgumentError);
    expect(await counters()).toEqual({ ...before, 'total-connections': before['total-connections'] + 1 });
    await small.close();
  });

  test('the connection stays usable after refused input', async () => {
    const id = await firstValueFrom(bs.put('still fine'));
    expect((await maybe(bs.peek(id)))?.text()).toBe('still fine');
  });
});

describe('options are checked at connect', () => {
  const bad: [string, BeanstalkOptions][] = [
    ['maxOfflineQueue NaN', { maxOfflineQueue: NaN }],
    ['maxOfflineQueue -1', { maxOfflineQueue: -1 }],
    ["maxJobSize 'abc'", { maxJobSize: 'abc' as unknown as number }],
    ['maxJobSize over 1 GiB', { maxJobSize: 2 ** 31 }],
    ['commandTimeoutMs -1', { commandTimeoutMs: -1 }],
    ['commandTimeoutMs 0', { commandTimeoutMs: 0 }],
    ['commandTimeoutMs NaN', { commandTimeoutMs: NaN }],
    ['connectTimeoutMs Infinity', { connectTimeoutMs: Infinity }],
    ['keepAliveMs -5', { keepAliveMs: -5 }],
    ['maxOfflineWaitMs -1', { maxOfflineWaitMs: -1 }],
    ['maxPendingCommands 0', { maxPendingCommands: 0 }],
    ['maxPendingBytes 1.5', { maxPendingBytes: 1.5 }],
    ['maxReplyBodyBytes 0', { maxReplyBodyBytes: 0 }],
    ['maxResends -1', { maxResends: -1 }],
    ['reconnect true', { reconnect: true as unknown as false }],
    ['reconnect.initialDelayMs -1', { reconnect: { initialDelayMs: -1 } }],
    ['reconnect.maxDelayMs below initialDelayMs', { reconnect: { initialDelayMs: 100, maxDelayMs: 10 } }],
    ['reconnect.maxAttempts 1.5', { reconnect: { maxAttempts: 1.5 } }],
    ['port 70000', { port: 70000 }],
    ["port '11300'", { port: '11300' as unknown as number }],
    ["name ''", { name: '' }],
    ['tls 1', { tls: 1 as unknown as boolean }],
    ['url http://', { url: 'http://127.0.0.1:11300' }],
    ['url redis://', { url: 'redis://127.0.0.1:6379' }],
    ['url that is no URL', { url: 'beanstalk://[::1' }],
  ];

  test.each(bad)('%s: InvalidArgumentError, thrown by connect', (_label, options) => {
    expect(() => Beanstalk.connect(options)).toThrow(InvalidArgumentError);
  });

  test('an unknown URL scheme, given as the first argument, too', () => {
    expect(() => Beanstalk.connect('ftp://127.0.0.1:21')).toThrow(InvalidArgumentError);
  });

  test('close({ timeoutMs }) is checked too', async () => {
    const bs = Beanstalk.connect('beanstalk://127.0.0.1:1');
    await expect(bs.close({ timeoutMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await bs.close({ timeoutMs: 0 });
  });

  test('every documented limit is accepted, Infinity where it means "for ever"', () => {
    const bs = Beanstalk.connect('beanstalk://127.0.0.1:1', {
      commandTimeoutMs: Infinity,
      maxOfflineWaitMs: Infinity,
      maxOfflineQueue: 0,
      maxPendingCommands: Infinity,
      maxPendingBytes: 1,
      maxResends: 0,
      keepAliveMs: 0,
      reconnect: { initialDelayMs: 0, maxDelayMs: 0, maxAttempts: Infinity },
    });
    expect(bs.closed).toBe(false);
    return bs.close();
  });
});
