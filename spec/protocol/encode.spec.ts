import * as commands from '../../src/protocol/commands.js';
import * as fc from 'fast-check';
import { encode, encodeInto, encodeSegments, encodedLength } from '../../src/protocol/encode.js';

const wire = (buffer: Buffer): string => buffer.toString('latin1');

describe('encode', () => {
  it('writes a put with a text body: line, CRLF, body, CRLF', () => {
    const put = commands.put('default', 'hello', { priority: 5, delay: 2, ttr: 30 });
    expect(wire(encode([put]))).toBe('put 5 2 30 5\r\nhello\r\n');
  });

  it('uses the default priority, delay and ttr', () => {
    const put = commands.put('default', 'x');
    expect(wire(encode([put]))).toBe(`put ${commands.DEFAULT_PRIORITY} 0 ${commands.DEFAULT_TTR} 1\r\nx\r\n`);
  });

  it('counts a string body in UTF-8 bytes and sends those bytes', () => {
    const text = 'héllo ✓ 🚀';
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes.length).toBe(15); // h é(2) l l o ␣ ✓(3) ␣ 🚀(4)
    expect(text.length).toBe(10);
    const put = commands.put('default', text, { priority: 0, delay: 0, ttr: 1 });
    expect(put.line).toBe('put 0 0 1 15');
    expect(encode([put]).equals(Buffer.concat([Buffer.from('put 0 0 1 15\r\n'), bytes, Buffer.from('\r\n')]))).toBe(
      true,
    );
  });

  it('sends binary bodies with NUL, CR, LF and high bytes unchanged', () => {
    const body = Uint8Array.from([0, 13, 10, 0, 255, 13, 10, 128, 0]);
    const put = commands.put('bin', body, { priority: 1, delay: 0, ttr: 10 });
    const out = encode([put]);
    const expected = Buffer.concat([Buffer.from('put 1 0 10 9\r\n'), Buffer.from(body), Buffer.from('\r\n')]);
    expect(out.equals(expected)).toBe(true);
  });

  it('sends an empty body as two CRLFs', () => {
    const put = commands.put('default', '', { priority: 0, delay: 0, ttr: 1 });
    expect(wire(encode([put]))).toBe('put 0 0 1 0\r\n\r\n');
  });

  it('writes commands without bodies as one line each, and a batch as one buffer in order', () => {
    const batch = [
      commands.use('emails'),
      commands.put('emails', 'a\r\nb', { priority: 10, delay: 0, ttr: 60 }),
      commands.watch('emails'),
      commands.ignore('default'),
      commands.reserveWithTimeout(['emails'], 5),
      commands.release(7, 100, 3),
      commands.bury(7, 9),
      commands.touch(7),
      commands.deleteJob(7),
      commands.peek(8),
      commands.kick('emails', 100),
      commands.kickJob(9),
      commands.statsJob(9),
      commands.statsTube('emails'),
      commands.stats(),
      commands.listTubes(),
      commands.listTubeUsed(),
      commands.listTubesWatched(),
      commands.pauseTube('emails', 30),
      commands.reserveJob(11),
      commands.reserve(['emails']),
      commands.peekReady('emails'),
      commands.peekDelayed('emails'),
      commands.peekBuried('emails'),
      commands.quit(),
    ];
    expect(wire(encode(batch))).toBe(
      [
        'use emails\r\n',
        'put 10 0 60 4\r\na\r\nb\r\n',
        'watch emails\r\n',
        'ignore default\r\n',
        'reserve-with-timeout 5\r\n',
        'release 7 100 3\r\n',
        'bury 7 9\r\n',
        'touch 7\r\n',
        'delete 7\r\n',
        'peek 8\r\n',
        'kick 100\r\n',
        'kick-job 9\r\n',
        'stats-job 9\r\n',
        'stats-tube emails\r\n',
        'stats\r\n',
        'list-tubes\r\n',
        'list-tube-used\r\n',
        'list-tubes-watched\r\n',
        'pause-tube emails 30\r\n',
        'reserve-job 11\r\n',
        'reserve\r\n',
        'peek-ready\r\n',
        'peek-delayed\r\n',
        'peek-buried\r\n',
        'quit\r\n',
      ].join(''),
    );
  });

  it('encodes an empty batch as an empty buffer', () => {
    expect(encode([])).toHaveLength(0);
  });

  it('encodedLength is the exact byte count, and encodeInto writes at an offset', () => {
    const put = commands.put('default', 'ü', { priority: 1, delay: 2, ttr: 3 });
    const touch = commands.touch(42);
    expect(encodedLength(put)).toBe('put 1 2 3 2\r\n'.length + 2 + 2);
    expect(encodedLength(touch)).toBe('touch 42\r\n'.length);
    const target = Buffer.alloc(3 + encodedLength(put) + encodedLength(touch), '#');
    let offset = encodeInto(target, 3, put);
    expect(offset).toBe(3 + encodedLength(put));
    offset = encodeInto(target, offset, touch);
    expect(offset).toBe(target.length);
    expect(target.equals(Buffer.concat([Buffer.from('###'), encode([put, touch])]))).toBe(true);
  });

  it('does not copy a Buffer body when the command is made', () => {
    const body = Buffer.from('shared');
    const put = commands.put('default', body);
    expect(put.body).toBe(body);
  });
});

describe('encodeSegments (vectored writes)', () => {
  const big = Buffer.alloc(20000, 7);

  it('packs small commands into one buffer', () => {
    const batch = [commands.put('default', 'a'), commands.stats(), commands.put('default', 'b')];
    const segments = encodeSegments(batch);
    expect(segments).toHaveLength(1);
    expect(segments[0].equals(encode(batch))).toBe(true);
  });

  it('passes a large body through by reference, between the packed parts', () => {
    const batch = [commands.stats(), commands.put('default', big), commands.deleteJob(3)];
    const segments = encodeSegments(batch, 16384);
    expect(segments).toHaveLength(3);
    expect(segments[1]).toBe(big); // the caller's buffer itself: no copy
    expect(wire(segments[0])).toBe('stats\r\nput 1024 0 60 20000\r\n');
    expect(wire(segments[2])).toBe('\r\ndelete 3\r\n');
    expect(Buffer.concat(segments).equals(encode(batch))).toBe(true);
  });

  it('concatenated, equals encode() for any mix of body sizes and limits', () => {
    const command = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => commands.put('t', bytes)),
      fc.nat({ max: 1000 }).map((id) => commands.deleteJob(id + 1)),
      fc.constant(commands.stats()),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 20 }), fc.integer({ min: 0, max: 400 }), (batch, limit) => {
        const segments = encodeSegments(batch, limit);
        expect(Buffer.concat(segments).equals(encode(batch))).toBe(true);
        for (const put of batch) if (put.body && put.body.length >= limit) expect(segments).toContain(put.body);
      }),
    );
  });
});
