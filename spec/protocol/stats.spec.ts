import { errorForReply } from '../../src/protocol/errors.js';
import * as errors from '../../src/protocol/errors.js';
import {
  camelCase,
  decodeJobStats,
  decodeServerStats,
  decodeTubeList,
  decodeTubeStats,
} from '../../src/protocol/stats.js';

/** `stats` on a fresh 1.12 server, byte for byte from the protocol notes (955 bytes). */
const STATS_SAMPLE = [
  '---',
  'current-jobs-urgent: 0',
  'current-jobs-ready: 0',
  'current-jobs-reserved: 0',
  'current-jobs-delayed: 0',
  'current-jobs-buried: 0',
  'cmd-put: 0',
  'cmd-peek: 0',
  'cmd-peek-ready: 0',
  'cmd-peek-delayed: 0',
  'cmd-peek-buried: 0',
  'cmd-reserve: 0',
  'cmd-reserve-with-timeout: 0',
  'cmd-delete: 0',
  'cmd-release: 0',
  'cmd-use: 0',
  'cmd-watch: 0',
  'cmd-ignore: 0',
  'cmd-bury: 0',
  'cmd-kick: 0',
  'cmd-touch: 0',
  'cmd-stats: 1',
  'cmd-stats-job: 0',
  'cmd-stats-tube: 0',
  'cmd-list-tubes: 0',
  'cmd-list-tube-used: 0',
  'cmd-list-tubes-watched: 0',
  'cmd-pause-tube: 0',
  'job-timeouts: 0',
  'total-jobs: 0',
  'max-job-size: 65535',
  'current-tubes: 1',
  'current-connections: 1',
  'current-producers: 0',
  'current-workers: 0',
  'current-waiting: 0',
  'total-connections: 1',
  'pid: 9723',
  'version: "1.12"',
  'rusage-utime: 0.005209',
  'rusage-stime: 0.005209',
  'uptime: 0',
  'binlog-oldest-index: 0',
  'binlog-current-index: 0',
  'binlog-records-migrated: 0',
  'binlog-records-written: 0',
  'binlog-max-size: 10485760',
  'draining: false',
  'id: a58be86d13ddb2d6',
  'hostname: vm',
  'os: #1 SMP PREEMPT_DYNAMIC @0',
  'platform: x86_64',
]
  .map((line) => `${line}\n`)
  .join('');

/** `stats-tube samples` (1.12). */
const TUBE_SAMPLE = [
  '---',
  'name: samples',
  'current-jobs-urgent: 1',
  'current-jobs-ready: 1',
  'current-jobs-reserved: 0',
  'current-jobs-delayed: 0',
  'current-jobs-buried: 0',
  'total-jobs: 1',
  'current-using: 1',
  'current-watching: 0',
  'current-waiting: 0',
  'cmd-delete: 0',
  'cmd-pause-tube: 0',
  'pause: 0',
  'pause-time-left: 0',
]
  .map((line) => `${line}\n`)
  .join('');

/** `stats-job 1` (1.12). */
const JOB_SAMPLE = [
  '---',
  'id: 1',
  'tube: samples',
  'state: ready',
  'pri: 100',
  'age: 0',
  'delay: 0',
  'ttr: 120',
  'time-left: 0',
  'file: 0',
  'reserves: 0',
  'timeouts: 0',
  'releases: 0',
  'buries: 0',
  'kicks: 0',
]
  .map((line) => `${line}\n`)
  .join('');

const body = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('decodeServerStats', () => {
  const stats = decodeServerStats(body(STATS_SAMPLE));

  it('reads the exact 955-byte sample', () => {
    expect(Buffer.byteLength(STATS_SAMPLE)).toBe(955);
    expect(Object.keys(stats)).toHaveLength(51);
  });

  it('turns counters into numbers under camelCase keys', () => {
    expect(stats.currentJobsUrgent).toBe(0);
    expect(stats.cmdStats).toBe(1);
    expect(stats.cmdReserveWithTimeout).toBe(0);
    expect(stats.cmdListTubesWatched).toBe(0);
    expect(stats.maxJobSize).toBe(65535);
    expect(stats.currentConnections).toBe(1);
    expect(stats.totalConnections).toBe(1);
    expect(stats.pid).toBe(9723);
    expect(stats.binlogMaxSize).toBe(10485760);
    expect(stats.uptime).toBe(0);
  });

  it('keeps the string fields strings', () => {
    expect(stats.version).toBe('1.12');
    expect(stats.id).toBe('a58be86d13ddb2d6');
    expect(stats.hostname).toBe('vm');
    expect(stats.os).toBe('#1 SMP PREEMPT_DYNAMIC @0');
    expect(stats.platform).toBe('x86_64');
  });

  it('reads rusage as decimal seconds and draining as a boolean', () => {
    expect(stats.rusageUtime).toBeCloseTo(0.005209, 9);
    expect(stats.rusageStime).toBeCloseTo(0.005209, 9);
    expect(stats.draining).toBe(false);
    const draining = decodeServerStats(body(STATS_SAMPLE.replace('draining: false', 'draining: true')));
    expect(draining.draining).toBe(true);
  });

  it('keeps a server id that happens to be all digits a string', () => {
    const digits = decodeServerStats(body('---\nid: 1234567890123456\nhostname: 123\nversion: 1.12\n'));
    expect(digits.id).toBe('1234567890123456');
    expect(digits.hostname).toBe('123');
    expect(digits.version).toBe('1.12');
  });

  it('reads 1.13-style quoted strings', () => {
    const quoted = decodeServerStats(
      body('---\nversion: "1.13"\nhostname: "vm"\nos: "#1 SMP PREEMPT_DYNAMIC"\nplatform: "x86_64"\npid: 7\n'),
    );
    expect(quoted).toEqual({
      version: '1.13',
      hostname: 'vm',
      os: '#1 SMP PREEMPT_DYNAMIC',
      platform: 'x86_64',
      pid: 7,
    });
  });

  it('accepts a Uint8Array view and CRLF line ends', () => {
    const bytes = new Uint8Array(body(`xx---\r\npid: 5\r\nversion: "1.12"\r\n`)).subarray(2);
    expect(decodeServerStats(bytes)).toEqual({ pid: 5, version: '1.12' });
  });
});

describe('decodeTubeStats', () => {
  it('reads the sample', () => {
    expect(decodeTubeStats(body(TUBE_SAMPLE))).toEqual({
      name: 'samples',
      currentJobsUrgent: 1,
      currentJobsReady: 1,
      currentJobsReserved: 0,
      currentJobsDelayed: 0,
      currentJobsBuried: 0,
      totalJobs: 1,
      currentUsing: 1,
      currentWatching: 0,
      currentWaiting: 0,
      cmdDelete: 0,
      cmdPauseTube: 0,
      pause: 0,
      pauseTimeLeft: 0,
    });
  });

  it.each(['null', 'true', '123', '0x1F', '1.5'])('keeps the tube name %s a string, quoted or not', (name) => {
    expect(decodeTubeStats(body(`---\nname: ${name}\npause: 3\n`)).name).toBe(name);
    expect(decodeTubeStats(body(`---\nname: "${name}"\npause: 3\n`)).name).toBe(name);
  });
});

describe('decodeJobStats', () => {
  it('reads the sample, with a numeric id', () => {
    expect(decodeJobStats(body(JOB_SAMPLE))).toEqual({
      id: 1,
      tube: 'samples',
      state: 'ready',
      pri: 100,
      age: 0,
      delay: 0,
      ttr: 120,
      timeLeft: 0,
      file: 0,
      reserves: 0,
      timeouts: 0,
      releases: 0,
      buries: 0,
      kicks: 0,
    });
  });

  it('reads a negative time-left (the missed-TTR server bug)', () => {
    const stats = decodeJobStats(
      body(JOB_SAMPLE.replace('time-left: 0', 'time-left: -1').replace('state: ready', 'state: reserved')),
    );
    expect(stats.timeLeft).toBe(-1);
    expect(stats.state).toBe('reserved');
  });

  it('reads 1.13-style quoted tube names, keeping YAML-looking ones strings', () => {
    expect(decodeJobStats(body('---\nid: 9\ntube: "null"\nstate: buried\n'))).toEqual({
      id: 9,
      tube: 'null',
      state: 'buried',
    });
    expect(decodeJobStats(body('---\nid: 10\ntube: 123\n')).tube).toBe('123');
    expect(decodeJobStats(body('---\nid: 10\ntube: true\n')).tube).toBe('true');
  });
});

describe('decodeTubeList', () => {
  it('reads the exact list-tubes body', () => {
    const wire = '---\n- default\n- samples\n';
    expect(Buffer.byteLength(wire)).toBe(24);
    expect(decodeTubeList(body(wire))).toEqual(['default', 'samples']);
  });

  it('keeps names that YAML would convert as strings', () => {
    expect(decodeTubeList(body('---\n- null\n- true\n- 123\n- 0x1F\n- a+/;.$_()\n'))).toEqual([
      'null',
      'true',
      '123',
      '0x1F',
      'a+/;.$_()',
    ]);
  });

  it('reads quoted names and an empty list', () => {
    expect(decodeTubeList(body('---\n- "null"\n- "default"\n'))).toEqual(['null', 'default']);
    expect(decodeTubeList(body('---\n'))).toEqual([]);
  });

  it('reads a last line without its line end, and CRLF lines', () => {
    expect(decodeTubeList(body('---\n- default\n- samples'))).toEqual(['default', 'samples']);
    expect(decodeTubeList(body('---\r\n- default\r\n- samples\r\n'))).toEqual(['default', 'samples']);
    expect(decodeTubeStats(body('---\nname: x\ncurrent-jobs-ready: 5'))).toMatchObject({
      name: 'x',
      currentJobsReady: 5,
    });
  });
});

describe('camelCase', () => {
  it('converts wire keys mechanically', () => {
    expect(camelCase('current-jobs-ready')).toBe('currentJobsReady');
    expect(camelCase('pri')).toBe('pri');
    expect(camelCase('rusage-utime')).toBe('rusageUtime');
    expect(camelCase('binlog-records-written')).toBe('binlogRecordsWritten');
  });
});

describe('errorForReply', () => {
  const context = { connection: 'mailer', command: 'delete 5', reply: 'NOT_FOUND' };
  const table: [string, new (...args: never[]) => errors.BeanstalkError][] = [
    ['OUT_OF_MEMORY', errors.OutOfMemoryError],
    ['INTERNAL_ERROR', errors.InternalError],
    ['DRAINING', errors.DrainingError],
    ['JOB_TOO_BIG', errors.JobTooBigError],
    ['DEADLINE_SOON', errors.DeadlineSoonError],
    ['NOT_FOUND', errors.NotFoundError],
    ['NOT_IGNORED', errors.NotIgnoredError],
    ['BAD_FORMAT', errors.BadFormatError],
    ['UNKNOWN_COMMAND', errors.UnknownCommandError],
    ['EXPECTED_CRLF', errors.ExpectedCrlfError],
    ['BURIED', errors.BuriedError],
  ];

  it.each(table)('maps %s to its class, carrying the context', (word, ErrorClass) => {
    const error = errorForReply(word, { ...context, reply: word });
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(errors.BeanstalkError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(ErrorClass.name);
    expect(error.connection).toBe('mailer');
    expect(error.command).toBe('delete 5');
    expect(error.reply).toBe(word);
    expect(error.message).toContain('[mailer]');
    expect(error.message).toContain('command "delete 5"');
    expect(error.message).toContain(`reply "${word}"`);
  });

  it('gives each failure word a distinct class', () => {
    expect(new Set(table.map(([, ErrorClass]) => ErrorClass)).size).toBe(table.length);
  });

  it('BURIED carries the job id', () => {
    const error = errorForReply('BURIED', { reply: 'BURIED 42' }, 42);
    expect(error).toBeInstanceOf(errors.BuriedError);
    expect((error as errors.BuriedError).id).toBe(42);
    expect((errorForReply('BURIED', {}) as errors.BuriedError).id).toBeUndefined();
  });

  it.each(['INSERTED', 'USING', 'WHATEVER', ''])('an unexpected word %j is a BadReplyError', (word) => {
    const error = errorForReply(word, context);
    expect(error).toBeInstanceOf(errors.BadReplyError);
    expect(error.reply).toBe('NOT_FOUND');
  });

  it('does not treat prototype keys as failure words', () => {
    expect(errorForReply('constructor', {})).toBeInstanceOf(errors.BadReplyError);
    expect(errorForReply('toString', {})).toBeInstanceOf(errors.BadReplyError);
  });

  it('reads well without context', () => {
    const error = errorForReply('NOT_FOUND', {});
    expect(error.message).toBe('not found');
    expect(error.connection).toBeUndefined();
  });

  it('ConnectionError says whether the command may have reached the server', () => {
    expect(new errors.ConnectionError('closed').mayHaveReachedServer).toBe(false);
    expect(new errors.ConnectionError('closed', {}, true).mayHaveReachedServer).toBe(true);
    expect(new errors.CommandTimeoutError('slow')).toBeInstanceOf(errors.ConnectionError);
  });
});
