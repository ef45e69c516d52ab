import * as commands from '../../src/protocol/commands.js';
import type { Command } from '../../src/protocol/commands.js';
import { NOTHING } from '../../src/protocol/commands.js';
import * as errors from '../../src/protocol/errors.js';
import { ReplyParser } from '../../src/protocol/parser.js';
import type { Reply } from '../../src/protocol/reply.js';

type ErrorClass = new (...args: never[]) => errors.BeanstalkError;

/** The one reply the parser reads from `wire` (CRLF added to the header line). */
function reply(wire: string): Reply {
  const replies: Reply[] = [];
  const error = new ReplyParser().feed(Buffer.from(wire.includes('\r\n') ? wire : `${wire}\r\n`), (r) =>
    replies.push(r),
  );
  expect(error).toBeUndefined();
  expect(replies).toHaveLength(1);
  return replies[0];
}

/** What decoding `wire` gives, on connection "conn". */
const decode = (command: Command<unknown>, wire: string): unknown => command.decode(reply(wire), 'conn');

/** The error decoding `wire` throws. */
function failure(command: Command<unknown>, wire: string): errors.BeanstalkError {
  let thrown: unknown;
  try {
    decode(command, wire);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(errors.BeanstalkError);
  return thrown as errors.BeanstalkError;
}

const job = (id: number, body: string) => ({ id, body: Buffer.from(body) });

/**
 * Every command: its line, its success reply and what that decodes to, its expected failure
 * words and their error classes, a word that is wrong for it, and its flags.
 */
interface Case {
  readonly command: Command<unknown>;
  readonly line: string;
  readonly success: readonly [wire: string, value: unknown][];
  /** Replies that legitimately mean "nothing there": the result completes empty. */
  readonly empty?: readonly string[];
  readonly failures?: readonly [wire: string, type: ErrorClass][];
  /**
   * Success words of other commands: requests and replies no longer line up. (A failure
   * word such as NOT_FOUND is always its typed error, whichever command gets it.)
   */
  readonly wrong: readonly string[];
  readonly flags: {
    idempotent?: boolean;
    noReply?: boolean;
    waits?: number;
    use?: string;
    watch?: readonly string[];
  };
}

const statsBody = '---\ncurrent-jobs-ready: 3\nversion: "1.12"\n';
const ok = (body: string) => `OK ${Buffer.byteLength(body)}\r\n${body}\r\n`;

const cases: Record<string, Case> = {
  put: {
    command: commands.put('emails', 'hi', { priority: 5, delay: 6, ttr: 7 }),
    line: 'put 5 6 7 2',
    success: [['INSERTED 42', 42]],
    failures: [
      ['BURIED 42', errors.BuriedError],
      ['EXPECTED_CRLF', errors.ExpectedCrlfError],
      ['JOB_TOO_BIG', errors.JobTooBigError],
      ['DRAINING', errors.DrainingError],
    ],
    wrong: ['DELETED', 'USING emails', 'KICKED 1'],
    flags: { use: 'emails' },
  },
  use: {
    command: commands.use('emails'),
    line: 'use emails',
    success: [['USING emails', 'emails']],
    wrong: ['WATCHING 1', 'INSERTED 1'],
    flags: { idempotent: true },
  },
  watch: {
    command: commands.watch('emails'),
    line: 'watch emails',
    success: [['WATCHING 2', 2]],
    wrong: ['USING emails', 'INSERTED 2'],
    flags: { idempotent: true },
  },
  ignore: {
    command: commands.ignore('emails'),
    line: 'ignore emails',
    success: [['WATCHING 1', 1]],
    failures: [['NOT_IGNORED', errors.NotIgnoredError]],
    wrong: ['USING emails', 'DELETED'],
    flags: { idempotent: true },
  },
  reserve: {
    command: commands.reserve(['a', 'b']),
    line: 'reserve',
    success: [['RESERVED 9 3\r\nabc\r\n', job(9, 'abc')]],
    empty: ['TIMED_OUT'],
    failures: [['DEADLINE_SOON', errors.DeadlineSoonError]],
    wrong: ['FOUND 9 3\r\nabc\r\n', 'OK 1\r\nx\r\n', 'INSERTED 9'],
    flags: { idempotent: true, waits: Infinity, watch: ['a', 'b'] },
  },
  'reserve-with-timeout': {
    command: commands.reserveWithTimeout(['a'], 5),
    line: 'reserve-with-timeout 5',
    success: [['RESERVED 9 0\r\n\r\n', job(9, '')]],
    empty: ['TIMED_OUT'],
    failures: [['DEADLINE_SOON', errors.DeadlineSoonError]],
    wrong: ['FOUND 9 3\r\nabc\r\n', 'DELETED'],
    flags: { idempotent: true, waits: 5, watch: ['a'] },
  },
  'reserve-job': {
    command: commands.reserveJob(9),
    line: 'reserve-job 9',
    success: [['RESERVED 9 3\r\nabc\r\n', job(9, 'abc')]],
    failures: [['NOT_FOUND', errors.NotFoundError]],
    wrong: ['TIMED_OUT', 'FOUND 9 3\r\nabc\r\n'],
    flags: { idempotent: true },
  },
  delete: {
    command: commands.deleteJob(9),
    line: 'delete 9',
    success: [['DELETED', undefined]],
    failures: [['NOT_FOUND', errors.NotFoundError]],
    wrong: ['RELEASED', 'TOUCHED'],
    flags: {},
  },
  release: {
    command: commands.release(9, 10, 11),
    line: 'release 9 10 11',
    success: [['RELEASED', undefined]],
    failures: [
      ['BURIED', errors.BuriedError],
      ['NOT_FOUND', errors.NotFoundError],
    ],
    wrong: ['DELETED', 'TOUCHED'],
    flags: {},
  },
  bury: {
    command: commands.bury(9, 10),
    line: 'bury 9 10',
    success: [['BURIED', undefined]],
    failures: [['NOT_FOUND', errors.NotFoundError]],
    wrong: ['RELEASED', 'DELETED'],
    flags: {},
  },
  touch: {
    command: commands.touch(9),
    line: 'touch 9',
    success: [['TOUCHED', undefined]],
    failures: [['NOT_FOUND', errors.NotFoundError]],
    wrong: ['RELEASED', 'DELETED'],
    flags: {},
  },
  peek: {
    command: commands.peek(9),
    line: 'peek 9',
    success: [['FOUND 9 3\r\nabc\r\n', job(9, 'abc')]],
    empty: ['NOT_FOUND'],
    wrong: ['RESERVED 9 3\r\nabc\r\n', 'TIMED_OUT'],
    flags: { idempotent: true },
  },
  'peek-ready': {
    command: commands.peekReady('a'),
    line: 'peek-ready',
    success: [['FOUND 1 1\r\nx\r\n', job(1, 'x')]],
    empty: ['NOT_FOUND'],
    wrong: ['RESERVED 1 1\r\nx\r\n'],
    flags: { idempotent: true, use: 'a' },
  },
  'peek-delayed': {
    command: commands.peekDelayed('b'),
    line: 'peek-delayed',
    success: [['FOUND 2 1\r\ny\r\n', job(2, 'y')]],
    empty: ['NOT_FOUND'],
    wrong: ['OK 1\r\nx\r\n'],
    flags: { idempotent: true, use: 'b' },
  },
  'peek-buried': {
    command: commands.peekBuried('c'),
    line: 'peek-buried',
    success: [['FOUND 3 1\r\nz\r\n', job(3, 'z')]],
    empty: ['NOT_FOUND'],
    wrong: ['KICKED 3'],
    flags: { idempotent: true, use: 'c' },
  },
  kick: {
    command: commands.kick('a', 100),
    line: 'kick 100',
    success: [['KICKED 7', 7]],
    wrong: ['DELETED', 'INSERTED 7'],
    flags: { use: 'a' },
  },
  'kick-job': {
    command: commands.kickJob(9),
    line: 'kick-job 9',
    success: [['KICKED', undefined]],
    failures: [['NOT_FOUND', errors.NotFoundError]],
    wrong: ['DELETED', 'TOUCHED'],
    flags: {},
  },
  'stats-job': {
    command: commands.statsJob(9),
    line: 'stats-job 9',
    success: [[ok('---\nid: 9\ntube: "a"\nstate: ready\n'), { id: 9, tube: 'a', state: 'ready' }]],
    failures: [['NOT_FOUND', errors.NotFoundError]],
    wrong: ['FOUND 9 1\r\nx\r\n'],
    flags: { idempotent: true },
  },
  'stats-tube': {
    command: commands.statsTube('a'),
    line: 'stats-tube a',
    success: [[ok('---\nname: "007"\ncurrent-jobs-ready: 2\n'), { name: '007', currentJobsReady: 2 }]],
    failures: [['NOT_FOUND', errors.NotFoundError]],
    wrong: ['USING a'],
    flags: { idempotent: true },
  },
  stats: {
    command: commands.stats(),
    line: 'stats',
    success: [[ok(statsBody), { currentJobsReady: 3, version: '1.12' }]],
    wrong: ['FOUND 1 1\r\nx\r\n', 'USING default'],
    flags: { idempotent: true },
  },
  'list-tubes': {
    command: commands.listTubes(),
    line: 'list-tubes',
    success: [
      [ok('---\n- default\n- "123"\n'), ['default', '123']],
      ['OK 0\r\n\r\n', []],
    ],
    wrong: ['USING default'],
    flags: { idempotent: true },
  },
  'list-tube-used': {
    command: commands.listTubeUsed(),
    line: 'list-tube-used',
    success: [['USING emails', 'emails']],
    wrong: ['WATCHING 1'],
    flags: { idempotent: true },
  },
  'list-tubes-watched': {
    command: commands.listTubesWatched(),
    line: 'list-tubes-watched',
    success: [[ok('---\n- a\n- b\n'), ['a', 'b']]],
    wrong: ['WATCHING 2'],
    flags: { idempotent: true },
  },
  'pause-tube': {
    command: commands.pauseTube('a', 30),
    line: 'pause-tube a 30',
    success: [['PAUSED', undefined]],
    failures: [['NOT_FOUND', errors.NotFoundError]],
    wrong: ['DELETED', 'TOUCHED'],
    flags: {},
  },
};

/** Failure words any command can get: the server's own trouble, or a command it could not read. */
const anyCommandFailures: [string, ErrorClass][] = [
  ['OUT_OF_MEMORY', errors.OutOfMemoryError],
  ['INTERNAL_ERROR', errors.InternalError],
  ['BAD_FORMAT', errors.BadFormatError],
  ['UNKNOWN_COMMAND', errors.UnknownCommandError],
];

const table = Object.entries(cases);

describe.each(table)('%s', (name, spec) => {
  const { command } = spec;

  test('its line', () => {
    expect(command.line).toBe(spec.line);
  });

  test.each(spec.success)('success %j', (wire, value) => {
    const decoded = decode(command, wire);
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !('body' in value)) {
      expect(decoded).toEqual(expect.objectContaining(value));
    } else {
      expect(decoded).toEqual(value);
    }
  });

  const empty = spec.empty ?? [];
  if (empty.length > 0) {
    test.each(empty)('%s completes empty', (wire) => {
      expect(decode(command, wire)).toBe(NOTHING);
    });
  }

  test.each([...(spec.failures ?? []), ...anyCommandFailures])('%s is its typed error', (wire, type) => {
    const error = failure(command, wire);
    expect(error).toBeInstanceOf(type);
    expect(error).not.toBeInstanceOf(errors.BadReplyError);
    expect(error.connection).toBe('conn');
    expect(error.command).toBe(spec.line);
    expect(error.reply).toBe(wire.split('\r\n')[0]);
  });

  test.each(spec.wrong)('a wrong word %j is a BadReplyError', (wire) => {
    const error = failure(command, wire);
    expect(error).toBeInstanceOf(errors.BadReplyError);
    expect(error.command).toBe(spec.line);
    expect(error.connection).toBe('conn');
  });

  test('its flags', () => {
    const { options } = command;
    expect(options.idempotent === true).toBe(spec.flags.idempotent === true);
    expect(options.noReply === true).toBe(false);
    expect(options.waits).toBe(spec.flags.waits);
    expect(options.use).toBe(spec.flags.use);
    if (spec.flags.watch) expect([...(options.watch ?? [])]).toEqual(spec.flags.watch);
    else expect(options.watch).toBeUndefined();
    expect(command.body).toBe(name === 'put' ? options.body : undefined);
  });
});

describe('commands: details of decoding and flags', () => {
  test('every command of the protocol is in the table', () => {
    expect(table).toHaveLength(24);
  });

  test('only put, delete, release, bury, touch, kick, kick-job and pause-tube are unsafe to resend', () => {
    const unsafe = table.filter(([, spec]) => spec.command.options.idempotent !== true).map(([name]) => name);
    expect(unsafe.sort()).toEqual(['bury', 'delete', 'kick', 'kick-job', 'pause-tube', 'put', 'release', 'touch']);
  });

  test('put: body bytes, default priority 1024, delay 0, ttr 60; ttr 0 is refused', () => {
    const put = commands.put('t', 'héllo');
    expect(put.line).toBe('put 1024 0 60 6');
    expect(put.body).toEqual(Buffer.from('héllo'));
    expect(commands.DEFAULT_PRIORITY).toBe(1024);
    expect(commands.DEFAULT_TTR).toBe(60);
    expect(commands.put('t', 'x', { ttr: 1 }).line).toBe('put 1024 0 1 1');
    expect(() => commands.put('t', 'x', { ttr: 0 })).toThrow(errors.InvalidArgumentError);
    expect(() => commands.put('t', 'abcd', {}, 4)).not.toThrow();
    expect(() => commands.put('t', 'abcde', {}, 4)).toThrow(errors.InvalidArgumentError);
  });

  test('quit: no reply expected; any reply is a BadReplyError', () => {
    const quit = commands.quit();
    expect(quit.line).toBe('quit');
    expect(quit.options.noReply).toBe(true);
    expect(quit.options.idempotent).toBeUndefined();
    const error = failure(quit, 'DELETED');
    expect(error).toBeInstanceOf(errors.BadReplyError);
    expect(error.reason).toBe('quit expects no reply');
    expect(error.command).toBe('quit');
    expect(error.reply).toBe('DELETED');
    expect(error.connection).toBe('conn');
  });

  test('BURIED on put carries the new job id; on release there is none', () => {
    const onPut = failure(commands.put('t', 'x'), 'BURIED 42') as errors.BuriedError;
    expect(onPut.id).toBe(42);
    const onRelease = failure(commands.release(5, 0, 0), 'BURIED') as errors.BuriedError;
    expect(onRelease).toBeInstanceOf(errors.BuriedError);
    expect(onRelease.id).toBeUndefined();
  });

  test('a failure message names the word in words, and the context', () => {
    const error = failure(commands.deleteJob(5), 'OUT_OF_MEMORY');
    expect(error.reason).toBe('out of memory');
    expect(error.message).toBe('out of memory ([conn], command "delete 5", reply "OUT_OF_MEMORY")');
    expect(failure(commands.deleteJob(5), 'INSERTED 5').reason).toBe('unexpected reply for this command');
  });

  test('a job reply without a body (built by hand) is an empty body, not undefined', () => {
    const bare: Reply = { word: 'RESERVED', args: ['4', '0'], line: 'RESERVED 4 0' };
    expect(commands.reserve(['a']).decode(bare, 'c')).toEqual({ id: 4, body: Buffer.alloc(0) });
    expect(commands.reserveJob(4).decode(bare, 'c')).toEqual({ id: 4, body: Buffer.alloc(0) });
    expect(commands.peek(4).decode({ ...bare, word: 'FOUND' }, 'c')).toEqual({ id: 4, body: Buffer.alloc(0) });
    const ok: Reply = { word: 'OK', args: ['0'], line: 'OK 0' };
    expect(commands.listTubes().decode(ok, 'c')).toEqual([]);
  });

  test('a job body is the reply body itself, not a copy', () => {
    const got = reply('RESERVED 1 3\r\nabc\r\n');
    const decoded = commands.reserve(['a']).decode(got, 'c') as commands.JobData;
    expect(decoded.body).toBe(got.body);
  });

  test('a command built by hand with no options has none', () => {
    const command = new commands.Command('stats', () => 1);
    expect(command.options).toEqual({});
    expect(command.body).toBeUndefined();
    expect(command.decode(reply('DELETED'), 'c')).toBe(1);
  });

  test('a command line the server would cut is refused when the command is built', () => {
    expect(() => new commands.Command('x'.repeat(222), () => 1)).not.toThrow();
    expect(() => new commands.Command('x'.repeat(223), () => 1)).toThrow(errors.InvalidArgumentError);
  });
});

describe('a bad argument is named in its error', () => {
  test.each([
    ['priority', () => commands.put('t', 'x', { priority: -1 })],
    ['delay', () => commands.put('t', 'x', { delay: -1 })],
    ['ttr', () => commands.put('t', 'x', { ttr: 0 })],
    ['priority', () => commands.release(1, -1, 0)],
    ['delay', () => commands.release(1, 0, -1)],
    ['priority', () => commands.bury(1, -1)],
    ['kick bound', () => commands.kick('t', -1)],
    ['pause seconds', () => commands.pauseTube('t', -1)],
  ])('%s', (what, build) => {
    expect(build).toThrow(new RegExp(`^${what} must be an integer from`));
  });
});

describe('watch sets', () => {
  test('duplicates are dropped, order kept, and the set is frozen', () => {
    const watch = commands.reserve(['b', 'a', 'b']).options.watch;
    expect(watch).toEqual(['b', 'a']);
    expect(Object.isFrozen(watch)).toBe(true);
  });

  test('a frozen set is checked once: every reserve with it gets the very same array', () => {
    const tubes = Object.freeze(['x', 'y', 'x']);
    const first = commands.reserve(tubes).options.watch;
    expect(first).toEqual(['x', 'y']);
    expect(commands.reserve(tubes).options.watch).toBe(first);
    expect(commands.reserveWithTimeout(tubes, 1).options.watch).toBe(first);
    // The checked array itself is known too.
    expect(commands.reserve(first as readonly string[]).options.watch).toBe(first);
  });

  test('an array that can still change is checked every time', () => {
    const tubes = ['a'];
    expect(commands.reserve(tubes).options.watch).toEqual(['a']);
    tubes.push('b');
    expect(commands.reserve(tubes).options.watch).toEqual(['a', 'b']);
    tubes.push('bad tube');
    expect(() => commands.reserve(tubes)).toThrow(errors.InvalidTubeNameError);
  });

  test('an empty set is refused with InvalidArgumentError, frozen or not', () => {
    expect(() => commands.reserve([])).toThrow('a watch set needs at least one tube');
    expect(() => commands.reserveWithTimeout(Object.freeze([]), 1)).toThrow(errors.InvalidArgumentError);
  });
});
