import fc from 'fast-check';
import { readJobStatsLayout } from '../../src/protocol/job-stats.js';
import { decodeJobStats } from '../../src/protocol/stats.js';

const KEYS = [
  'id',
  'tube',
  'state',
  'pri',
  'age',
  'delay',
  'ttr',
  'time-left',
  'file',
  'reserves',
  'timeouts',
  'releases',
  'buries',
  'kicks',
];

/** A stats-job body as beanstalkd 1.12 writes it, from values in wire order. */
const wire = (values: readonly (string | number)[], eol = '\n'): Buffer =>
  Buffer.from(`---${eol}` + KEYS.map((key, i) => `${key}: ${values[i]}${eol}`).join(''), 'latin1');

/** The same body with one more empty line: the quick reader refuses it, so the general one reads it. */
const byLines = (body: Buffer): Buffer => Buffer.concat([body, Buffer.from('\n')]);

const sample = [7, 'emails', 'delayed', 1024, 3, 30, 60, 27, 0, 1, 0, 2, 0, 1];

describe('readJobStatsLayout (the quick stats-job reader)', () => {
  it("reads 1.12's layout into the same object as the general reader, key order included", () => {
    const quick = readJobStatsLayout(wire(sample));
    expect(quick).toEqual({
      id: 7,
      tube: 'emails',
      state: 'delayed',
      pri: 1024,
      age: 3,
      delay: 30,
      ttr: 60,
      timeLeft: 27,
      file: 0,
      reserves: 1,
      timeouts: 0,
      releases: 2,
      buries: 0,
      kicks: 1,
    });
    expect(readJobStatsLayout(byLines(wire(sample)))).toBeUndefined();
    const general = decodeJobStats(byLines(wire(sample)));
    expect(general).toEqual(quick);
    expect(Object.keys(general)).toEqual(Object.keys(quick!));
  });

  it('reads CRLF lines and a negative time-left', () => {
    const values = [...sample];
    values[2] = 'reserved';
    values[7] = -1;
    expect(readJobStatsLayout(wire(values, '\r\n'))).toMatchObject({ state: 'reserved', timeLeft: -1 });
  });

  it.each([
    ['a quoted tube (1.13)', 1, '"emails"'],
    ['an unknown state', 2, 'sleeping'],
    ['a fraction', 4, '1.5'],
    ['a number too long for a double', 0, '12345678901234567'],
    ['an empty value', 3, ''],
    ['a space inside a value', 1, 'a b'],
  ])('leaves %s to the general reader', (_, index, value) => {
    const values = [...sample];
    values[index] = value;
    expect(readJobStatsLayout(wire(values))).toBeUndefined();
    expect(() => decodeJobStats(wire(values))).not.toThrow();
  });

  it('leaves another key order and an extra key to the general reader', () => {
    const swapped = Buffer.from(wire(sample).toString('latin1').replace('pri: 1024\nage: 3', 'age: 3\npri: 1024'));
    expect(readJobStatsLayout(swapped)).toBeUndefined();
    expect(decodeJobStats(swapped)).toEqual(decodeJobStats(wire(sample)));
    const extra = Buffer.concat([wire(sample), Buffer.from('colour: blue\n')]);
    expect(readJobStatsLayout(extra)).toBeUndefined();
    expect(decodeJobStats(extra)).toMatchObject({ id: 7, colour: 'blue' });
  });

  it('agrees with the general reader on any 1.12 body, whatever the tube names in turn', () => {
    const tube = fc.stringMatching(/^[A-Za-z0-9+/;.$_()][A-Za-z0-9+/;.$_()-]{0,40}$/);
    const number = fc.integer({ min: -(2 ** 32), max: 2 ** 40 });
    const state = fc.constantFrom('ready', 'delayed', 'reserved', 'buried');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), tube, state, fc.array(number, { minLength: 11, maxLength: 11 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (jobs) => {
          for (const [id, name, st, rest] of jobs) {
            const body = wire([id, name, st, ...rest]);
            const quick = readJobStatsLayout(body);
            expect(quick).toBeDefined();
            expect(quick).toEqual(decodeJobStats(byLines(body)));
          }
        },
      ),
    );
  });
  /** The quick reader either declines or reads exactly what the general one reads. */
  const agrees = (body: Buffer): void => {
    const quick = readJobStatsLayout(body);
    if (quick !== undefined) expect(quick).toEqual(decodeJobStats(byLines(body)));
  };

  it.each([
    ['x12', 'x12', 'x12'],
    ['1x', '1x', '1x'],
    ['-', '-', '-'],
    ['--5', '--5', '--5'],
    ['1.2.3', '1.2.3', '1.2.3'],
    ['a digit then a colon', '5:', '5:'],
    ['16 digits', '1234567890123456', '1234567890123456'],
    ['a space before', ' 5', ' 5'],
    ['a control byte', '\x01', 'a\x01b'],
    ['DEL', '\x7f', 'a\x7fb'],
    ['a state word', 'ready', 'ready'],
  ])('never reads %s in a number or tube field as something else', (_, number, name) => {
    for (let index = 0; index < KEYS.length; index++) {
      const values = [...sample];
      values[index] = index === 1 ? name : number;
      agrees(wire(values));
      agrees(wire(values, '\r\n'));
    }
  });

  it('reads the largest 15-digit values and the printable ASCII edges of a tube name', () => {
    const values = [...sample];
    values[0] = 999999999999999;
    values[1] = '!tube~';
    values[7] = -999999999999999;
    expect(readJobStatsLayout(wire(values))).toMatchObject({
      id: 999999999999999,
      tube: '!tube~',
      timeLeft: -999999999999999,
    });
  });

  it.each(['read', 'readyy', 'buriedx', 'Ready', 'delaye'])('declines the state %j', (state) => {
    const values = [...sample];
    values[2] = state;
    expect(readJobStatsLayout(wire(values))).toBeUndefined();
  });

  it('declines a body cut short anywhere, or with a wrong header line', () => {
    const body = wire(sample);
    for (let end = 0; end < body.length - 1; end++) expect(readJobStatsLayout(body.subarray(0, end))).toBeUndefined();
    expect(readJobStatsLayout(body.subarray(0, body.length - 1))).toEqual(readJobStatsLayout(body)); // no final LF
    for (const head of ['--\n', '---x\n', '---\r', '---\rx', '----\n', '--- \n']) {
      expect(readJobStatsLayout(Buffer.concat([Buffer.from(head), body.subarray(4)]))).toBeUndefined();
    }
  });

  it('a tube name that shares a prefix with the last one read is read whole', () => {
    for (const name of ['emails', 'email', 'emailz', 'emails2', 'e', 'emails']) {
      const values = [...sample];
      values[1] = name;
      expect(readJobStatsLayout(wire(values))?.tube).toBe(name);
    }
  });
});
