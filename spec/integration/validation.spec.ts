import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { Beanstalk, InvalidArgumentError, InvalidTubeNameError } from '../../src/index.js';
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
