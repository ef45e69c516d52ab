import * as commands from '../../src/protocol/commands.js';
import { BeanstalkError, InvalidArgumentError, InvalidTubeNameError } from '../../src/protocol/errors.js';
import {
  MAX_LINE_BYTES,
  MAX_RESERVE_TIMEOUT,
  MAX_UINT32,
  checkInteger,
  checkJobId,
  checkLine,
  checkReserveTimeout,
  checkTubeName,
  checkUint32,
  toBodyBytes,
} from '../../src/protocol/validate.js';

describe('checkTubeName', () => {
  it.each([
    ['a single letter', 'a'],
    ['digits first', '123'],
    ['allowed punctuation', 'a+/;.$_()'],
    ['a dash after the first character', 'a-bc'],
    ['punctuation first', '(x)'],
    ['200 bytes', 'n'.repeat(200)],
    ['YAML-looking names', 'null'],
  ])('accepts %s', (_, name) => {
    expect(checkTubeName(name)).toBe(name);
  });

  it.each([
    ['empty', ''],
    ['a space', 'a b'],
    ['a trailing space', 'ab '],
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['a trailing LF', 'ab\n'],
    ['CRLF injection', 'x\r\nput 0 0 1 1'],
    ['a tab', 'a\tb'],
    ['201 bytes', 'n'.repeat(201)],
    ['a leading dash', '-abc'],
    ['non-ASCII', 'tübe'],
    ['*', '*'],
    [':', 'a:b'],
    ['#', '#a'],
    ['@', 'a@b'],
    ['NUL', 'a\0b'],
  ])('rejects %s', (_, name) => {
    expect(() => checkTubeName(name)).toThrow(InvalidTubeNameError);
  });

  it('rejects non-strings', () => {
    expect(() => checkTubeName(undefined)).toThrow(InvalidTubeNameError);
    expect(() => checkTubeName(42)).toThrow(InvalidTubeNameError);
  });

  it('is a BeanstalkError that names the offending tube', () => {
    try {
      checkTubeName('bad name');
      throw new Error('not rejected');
    } catch (error) {
      expect(error).toBeInstanceOf(BeanstalkError);
      expect((error as Error).message).toContain('"bad name"');
    }
  });

  it('quotes at most 60 characters of a bad name, and states the rule', () => {
    expect(() => checkTubeName('-' + 'x'.repeat(300))).toThrow(
      `invalid tube name ${JSON.stringify('-' + 'x'.repeat(59))}: use 1..200 of A-Z a-z 0-9 - + / ; . $ _ ( ), not starting with "-"`,
    );
    expect(() => checkTubeName(42)).toThrow('invalid tube name 42: use 1..200');
  });
});

describe('integer arguments', () => {
  it('priorities are uint32', () => {
    expect(checkUint32('priority', 0)).toBe(0);
    expect(checkUint32('priority', 4294967295)).toBe(4294967295);
    expect(MAX_UINT32).toBe(4294967295);
    for (const bad of [-1, 2 ** 32, 1.5, NaN, Infinity, -Infinity, '1', null, undefined, 10n]) {
      expect(() => checkUint32('priority', bad)).toThrow(InvalidArgumentError);
    }
  });

  it('reserve timeouts stop at 2^31 - 1 (1.12 reads them into a C int)', () => {
    expect(checkReserveTimeout(0)).toBe(0);
    expect(checkReserveTimeout(2147483647)).toBe(2147483647);
    expect(MAX_RESERVE_TIMEOUT).toBe(2147483647);
    expect(() => checkReserveTimeout(2 ** 31)).toThrow(InvalidArgumentError);
    expect(() => checkReserveTimeout(-1)).toThrow(InvalidArgumentError);
    expect(() => checkReserveTimeout(0.5)).toThrow(InvalidArgumentError);
  });

  it('job ids are positive safe integers', () => {
    expect(checkJobId(1)).toBe(1);
    expect(checkJobId(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of [0, -1, 2 ** 53, 1.5, NaN, '7']) {
      expect(() => checkJobId(bad)).toThrow(InvalidArgumentError);
    }
  });

  it('names the argument and the range in the message', () => {
    expect(() => checkInteger('delay', -3, 0, 10)).toThrow('delay must be an integer from 0 to 10, got -3');
  });
});

describe('toBodyBytes', () => {
  it('encodes strings as UTF-8 and keeps Buffers as they are', () => {
    expect(toBodyBytes('é').equals(Buffer.from([0xc3, 0xa9]))).toBe(true);
    const buffer = Buffer.from('abc');
    expect(toBodyBytes(buffer)).toBe(buffer);
  });

  it('wraps a Uint8Array view without copying', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    const view = backing.subarray(1, 4);
    const bytes = toBodyBytes(view);
    expect([...bytes]).toEqual([2, 3, 4]);
    backing[2] = 9;
    expect(bytes[1]).toBe(9);
  });

  it('rejects other types and bodies over the limit, counting bytes', () => {
    expect(() => toBodyBytes(42)).toThrow(InvalidArgumentError);
    expect(() => toBodyBytes({})).toThrow(InvalidArgumentError);
    expect(toBodyBytes('ab', 2)).toHaveLength(2);
    expect(() => toBodyBytes('é', 1)).toThrow(InvalidArgumentError);
    expect(toBodyBytes(Buffer.alloc(2), 2)).toHaveLength(2);
    expect(() => toBodyBytes(Buffer.alloc(3), 2)).toThrow('job body is 3 bytes, more than the limit of 2');
    expect(() => toBodyBytes(new Uint8Array(3), 2)).toThrow('job body is 3 bytes, more than the limit of 2');
    expect(() => toBodyBytes(42)).toThrow('job body must be a string or Uint8Array, got number');
  });

  it('refuses a string over the limit by its byte length, before encoding it', () => {
    const from = jest.spyOn(Buffer, 'from');
    try {
      const long = 'x'.repeat(8 * 1024 * 1024);
      expect(() => toBodyBytes(long, 1024)).toThrow(/at least 8388608 bytes, more than the limit of 1024/);
      // Short enough in UTF-16 units, too long in bytes: measured, still not encoded.
      const wide = '€'.repeat(1000); // 3,000 bytes
      expect(() => toBodyBytes(wide, 2999)).toThrow(/3000 bytes, more than the limit of 2999/);
      expect(from).not.toHaveBeenCalled();
      expect(toBodyBytes(wide, 3000)).toHaveLength(3000);
    } finally {
      from.mockRestore();
    }
  });
});

describe('checkLine', () => {
  it('accepts lines up to 224 bytes with CRLF and rejects longer ones', () => {
    expect(MAX_LINE_BYTES).toBe(224);
    expect(checkLine('x'.repeat(222))).toHaveLength(222);
    expect(() => checkLine('x'.repeat(223))).toThrow("command line is 225 bytes, over the server's 224");
  });
});

describe('command factories validate before anything is encoded', () => {
  const longest = 'n'.repeat(200);

  it('accepts the longest legal command line: pause-tube <200 chars> 4294967295 (224 bytes)', () => {
    const command = commands.pauseTube(longest, 4294967295);
    expect(command.line.length + 2).toBe(224);
  });

  it('accepts the edges of every range', () => {
    expect(commands.put(longest, '', { priority: MAX_UINT32, delay: MAX_UINT32, ttr: MAX_UINT32 }).line).toBe(
      'put 4294967295 4294967295 4294967295 0',
    );
    expect(commands.release(Number.MAX_SAFE_INTEGER, MAX_UINT32, MAX_UINT32).line).toBe(
      `release ${Number.MAX_SAFE_INTEGER} 4294967295 4294967295`,
    );
    expect(commands.reserveWithTimeout([longest], MAX_RESERVE_TIMEOUT).line).toBe('reserve-with-timeout 2147483647');
    expect(commands.kick(longest, 0).line).toBe('kick 0');
  });

  const badTube = 'bad tube';
  const cases: [string, () => unknown, typeof BeanstalkError][] = [
    ['put: bad tube', () => commands.put(badTube, 'x'), InvalidTubeNameError],
    ['put: negative priority', () => commands.put('t', 'x', { priority: -1 }), InvalidArgumentError],
    ['put: priority 2^32', () => commands.put('t', 'x', { priority: 2 ** 32 }), InvalidArgumentError],
    ['put: fractional delay', () => commands.put('t', 'x', { delay: 1.5 }), InvalidArgumentError],
    ['put: NaN ttr', () => commands.put('t', 'x', { ttr: NaN }), InvalidArgumentError],
    ['put: body not bytes', () => commands.put('t', 42), InvalidArgumentError],
    ['put: body over the limit', () => commands.put('t', 'abcd', {}, 3), InvalidArgumentError],
    ['use', () => commands.use(badTube), InvalidTubeNameError],
    ['watch', () => commands.watch('-x'), InvalidTubeNameError],
    ['ignore', () => commands.ignore(''), InvalidTubeNameError],
    ['reserve: bad tube', () => commands.reserve(['ok', badTube]), InvalidTubeNameError],
    ['reserve: empty watch set', () => commands.reserve([]), InvalidArgumentError],
    ['reserve-with-timeout: 2^31', () => commands.reserveWithTimeout(['t'], 2 ** 31), InvalidArgumentError],
    ['reserve-with-timeout: bad tube', () => commands.reserveWithTimeout(['*'], 1), InvalidTubeNameError],
    ['reserve-job', () => commands.reserveJob(0), InvalidArgumentError],
    ['delete', () => commands.deleteJob(-1), InvalidArgumentError],
    ['release: id', () => commands.release(2 ** 53, 0, 0), InvalidArgumentError],
    ['release: priority', () => commands.release(1, -1, 0), InvalidArgumentError],
    ['release: delay', () => commands.release(1, 0, 2 ** 32), InvalidArgumentError],
    ['bury: id', () => commands.bury(1.5, 0), InvalidArgumentError],
    ['bury: priority', () => commands.bury(1, NaN), InvalidArgumentError],
    ['touch', () => commands.touch(0), InvalidArgumentError],
    ['peek', () => commands.peek(-5), InvalidArgumentError],
    ['peek-ready', () => commands.peekReady(badTube), InvalidTubeNameError],
    ['peek-delayed', () => commands.peekDelayed('a\r\nb'), InvalidTubeNameError],
    ['peek-buried', () => commands.peekBuried('n'.repeat(201)), InvalidTubeNameError],
    ['kick: bound', () => commands.kick('t', -1), InvalidArgumentError],
    ['kick: tube', () => commands.kick('ü', 1), InvalidTubeNameError],
    ['kick-job', () => commands.kickJob(0), InvalidArgumentError],
    ['stats-job', () => commands.statsJob(2 ** 53), InvalidArgumentError],
    ['stats-tube', () => commands.statsTube('a\tb'), InvalidTubeNameError],
    ['pause-tube: seconds', () => commands.pauseTube('t', 2 ** 32), InvalidArgumentError],
    ['pause-tube: tube', () => commands.pauseTube('n'.repeat(201), 1), InvalidTubeNameError],
  ];

  it.each(cases)('%s throws the typed error', (_, make, ErrorClass) => {
    expect(make).toThrow(ErrorClass);
  });
});
