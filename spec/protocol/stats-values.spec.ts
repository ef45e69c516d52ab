import {
  camelCase,
  decodeJobStats,
  decodeServerStats,
  decodeTubeList,
  decodeTubeStats,
} from '../../src/protocol/stats.js';

const body = (...lines: string[]): Buffer => Buffer.from(`---\n${lines.join('\n')}\n`);

describe('stats values: what stays a string and what becomes a number', () => {
  test.each([
    ['12', 12],
    ['0', 0],
    ['-3', -3],
    ['1.5', 1.5],
    ['-0.25', -0.25],
    ['x12', 'x12'],
    ['12x', '12x'],
    ['1.2.3', '1.2.3'],
    ['1.', '1.'],
    ['.5', '.5'],
    ['1e3', '1e3'],
    ['0x10', '0x10'],
    ['+1', '+1'],
    [' ', ''],
    ['', ''],
    ['"42"', 42],
    ['"x12"', 'x12'],
  ])('a counter %j reads as %j', (raw, value) => {
    expect(decodeTubeStats(body(`some-counter: ${raw}`)).someCounter).toBe(value);
  });

  test('the string keys stay strings even when they look like numbers', () => {
    const stats = decodeServerStats(
      body('version: 1.12', 'id: 0123', 'hostname: 42', 'os: 5', 'platform: 1.5', 'pid: 77'),
    );
    expect(stats).toMatchObject({ version: '1.12', id: '0123', hostname: '42', os: '5', platform: '1.5', pid: 77 });
    expect(decodeTubeStats(body('name: 123')).name).toBe('123');
    const job = decodeJobStats(body('id: 0123', 'tube: 9', 'state: 1'));
    expect(job).toEqual({ id: 123, tube: '9', state: '1' });
  });

  test('draining is true only for "true"', () => {
    expect(decodeServerStats(body('draining: true')).draining).toBe(true);
    expect(decodeServerStats(body('draining: "true"')).draining).toBe(true);
    expect(decodeServerStats(body('draining: false')).draining).toBe(false);
    expect(decodeServerStats(body('draining: 1')).draining).toBe(false);
  });
});

describe('stats values: 1.13 quoted strings', () => {
  test.each([
    ['"1.13"', '1.13'],
    ['"a \\"quoted\\" word"', 'a "quoted" word'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"\\\\\\""', '\\"'],
    ['"keeps \\n as written"', 'keeps \\n as written'],
    ['""', ''],
    ['"', '"'],
    ['"unclosed', '"unclosed'],
    ['closed"', 'closed"'],
    ['a "middle" quote', 'a "middle" quote'],
    ['"two" "pairs"', 'two" "pairs'],
  ])('%s reads as %j', (raw, value) => {
    expect(decodeServerStats(body(`os: ${raw}`)).os).toBe(value);
  });

  test('quoted tube names in lists, with escapes', () => {
    expect(decodeTubeList(body('- "a\\"b"', '- "c\\\\d"', '- plain', '- "007"'))).toEqual([
      'a"b',
      'c\\d',
      'plain',
      '007',
    ]);
  });
});

describe('stats bodies: lines', () => {
  test('keys are trimmed and camelCased; a value may contain colons; lines without a colon are skipped', () => {
    const stats = decodeServerStats(body('  os  :  Linux 5: x  ', 'garbage line', 'cmd-reserve-with-timeout: 4'));
    expect(stats).toEqual({ os: 'Linux 5: x', cmdReserveWithTimeout: 4 });
  });

  test('CRLF line ends, blank lines and the --- marker are ignored', () => {
    expect(decodeTubeStats(Buffer.from('---\r\n\r\nname: a\r\ntotal-jobs: 3\r\n'))).toEqual({
      name: 'a',
      totalJobs: 3,
    });
  });

  test('a list reads only "- " lines, trimmed', () => {
    expect(decodeTubeList(Buffer.from('---\n-  a \nb\n- c\n\n'))).toEqual(['a', 'c']);
  });

  test('camelCase turns each dash and the letter or digit after it into that letter, upper case', () => {
    expect(camelCase('current-jobs-ready')).toBe('currentJobsReady');
    expect(camelCase('binlog-v1')).toBe('binlogV1');
    expect(camelCase('a-1b')).toBe('a1b');
    expect(camelCase('plain')).toBe('plain');
    expect(camelCase('trailing-')).toBe('trailing-');
  });

  test('a Uint8Array view of a larger buffer reads only its own bytes', () => {
    const whole = Buffer.from('xxxx---\nname: a\nyyyy');
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 4, 'x---\nname: a\n'.length - 1);
    expect(decodeTubeStats(view)).toEqual({ name: 'a' });
  });
});
