import { BadReplyError } from '../../src/protocol/errors.js';
import { ReplyParser } from '../../src/protocol/parser.js';
import type { Reply } from '../../src/protocol/reply.js';

const MIB = 1024 * 1024;
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A parser and the replies it emitted so far. */
function parser(options?: ConstructorParameters<typeof ReplyParser>[0]) {
  const replies: Reply[] = [];
  const p = new ReplyParser(options);
  const emit = (reply: Reply): void => void replies.push(reply);
  return {
    p,
    replies,
    emit,
    feed: (chunk: Buffer | string) => p.feed(typeof chunk === 'string' ? bytes(chunk) : chunk, emit),
  };
}

/** A body of `length` bytes whose every byte depends on its position (a misplaced piece shows). */
function patterned(length: number): Buffer {
  const body = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) body[i] = (i * 7 + (i >> 12)) & 0xff;
  return body;
}

describe('ReplyParser: bodies over 1 MiB that span chunks (gathered in pieces)', () => {
  const body = patterned(MIB + 5000);
  const wire = Buffer.concat([bytes(`RESERVED 3 ${body.length}\r\n`), body, bytes('\r\nDELETED\r\n')]);

  test.each([
    ['64 KiB', 64 * 1024],
    ['uneven 100,003-byte', 100_003],
  ])('%s chunks give the whole body, then the next reply', (_, size) => {
    const { replies, feed, p } = parser();
    for (let pos = 0; pos < wire.length; pos += size) {
      expect(feed(wire.subarray(pos, pos + size))).toBeUndefined();
      if (replies.length === 0) expect(p.bufferedBytes).toBeLessThanOrEqual(body.length);
    }
    expect(replies.map((r) => r.word)).toEqual(['RESERVED', 'DELETED']);
    expect(replies[0].args).toEqual(['3', String(body.length)]);
    expect(replies[0].body?.equals(body)).toBe(true);
    expect(p.bufferedBytes).toBe(0);
  });

  test('the body is not emitted before its last byte and its terminator', () => {
    const { replies, feed, p } = parser();
    const header = `RESERVED 3 ${body.length}\r\n`.length;
    feed(wire.subarray(0, header + MIB));
    expect(p.bufferedBytes).toBe(MIB);
    feed(wire.subarray(header + MIB, header + body.length));
    expect(replies).toHaveLength(0);
    expect(p.bufferedBytes).toBe(0);
    feed(wire.subarray(header + body.length, header + body.length + 1)); // CR
    expect(replies).toHaveLength(0);
    feed(wire.subarray(header + body.length + 1));
    expect(replies).toHaveLength(2);
    expect(replies[0].body?.equals(body)).toBe(true);
  });

  test('with reusesChunks, pieces are copied: overwriting the read buffer after each feed keeps the body', () => {
    const { replies, p, emit } = parser({ reusesChunks: true });
    const reused = Buffer.alloc(64 * 1024);
    for (let pos = 0; pos < wire.length; pos += reused.length) {
      const n = wire.copy(reused, 0, pos, pos + reused.length);
      expect(p.feed(reused.subarray(0, n), emit)).toBeUndefined();
      reused.fill(0x23);
    }
    expect(replies[0].body?.equals(body)).toBe(true);
    expect(replies[1].word).toBe('DELETED');
  });

  test('exactly 1 MiB spanning chunks is gathered into one buffer with room for its CRLF (direct reads possible)', () => {
    const { p, feed } = parser();
    feed(`RESERVED 1 ${MIB}\r\nab`);
    const target = p.readTarget(1);
    expect(target).toBeDefined();
    expect(target?.length).toBe(MIB - 2 + 2);
  });

  test('just over 1 MiB offers no direct read target: its memory grows with what arrives', () => {
    const { p, feed } = parser();
    feed(`RESERVED 1 ${MIB + 1}\r\nab`);
    expect(p.readTarget(1)).toBeUndefined();
    expect(p.bufferedBytes).toBe(2);
  });
});

test('two bodies over 1 MiB in a row, each spanning chunks, are each gathered whole', () => {
  const first = patterned(MIB + 1);
  const second = patterned(MIB + 3).reverse();
  const wire = Buffer.concat([
    bytes(`RESERVED 1 ${first.length}\r\n`),
    first,
    bytes(`\r\nRESERVED 2 ${second.length}\r\n`),
    second,
    bytes('\r\n'),
  ]);
  const { replies, feed } = parser();
  for (let pos = 0; pos < wire.length; pos += 65_536) expect(feed(wire.subarray(pos, pos + 65_536))).toBeUndefined();
  expect(replies.map((r) => r.args[0])).toEqual(['1', '2']);
  expect(replies[0].body!.equals(first)).toBe(true);
  expect(replies[1].body!.equals(second)).toBe(true);
});

describe('ReplyParser: direct reads into the body buffer (readTarget / feedTarget)', () => {
  const body = patterned(300_000);
  const header = `RESERVED 8 ${body.length}\r\n`;

  /** A parser that has read the header and the first `first` body bytes. */
  function started(first: number) {
    const state = parser();
    expect(state.feed(Buffer.concat([bytes(header), body.subarray(0, first)]))).toBeUndefined();
    return state;
  }

  /** Reads `data` into the parser's read target, as a socket would, and reports it. */
  function readInto(state: ReturnType<typeof parser>, data: Buffer) {
    const target = state.p.readTarget(1) as Buffer;
    expect(target).toBeDefined();
    expect(target.length).toBeGreaterThanOrEqual(data.length);
    data.copy(target);
    return state.p.feedTarget(data.length, state.emit);
  }

  test('no target while reading a header, or before a body spans chunks', () => {
    const { p, feed } = parser();
    expect(p.readTarget(1)).toBeUndefined();
    feed('RESERVED 8 10\r\n');
    expect(p.readTarget(1)).toBeUndefined(); // no body byte yet: nothing preallocated
    expect(() => p.feedTarget(1, () => undefined)).toThrow('feedTarget without a readTarget');
  });

  test('the target is the rest of the body plus 2 bytes for its CRLF, only while enough is missing', () => {
    const { p } = started(1000);
    const rest = body.length - 1000;
    expect(p.readTarget(rest)?.length).toBe(rest + 2);
    expect(p.readTarget(rest + 1)).toBeUndefined();
  });

  test('a direct read of part of the body, then the rest with CRLF and the next reply', () => {
    const state = started(1000);
    expect(readInto(state, body.subarray(1000, 200_000))).toBeUndefined();
    expect(state.p.bufferedBytes).toBe(200_000);
    expect(state.replies).toHaveLength(0);
    const rest = Buffer.concat([body.subarray(200_000), bytes('\r\nDELETED\r\n')]);
    // The target holds the body's rest and 2 bytes; what follows comes in a normal chunk.
    expect(readInto(state, rest.subarray(0, body.length - 200_000 + 2))).toBeUndefined();
    expect(state.feed(rest.subarray(body.length - 200_000 + 2))).toBeUndefined();
    expect(state.replies.map((r) => r.word)).toEqual(['RESERVED', 'DELETED']);
    expect(state.replies[0].body?.equals(body)).toBe(true);
  });

  test('a direct read ending right after the body: the CRLF comes in the next chunk', () => {
    const state = started(1000);
    expect(readInto(state, body.subarray(1000))).toBeUndefined();
    expect(state.replies).toHaveLength(0);
    expect(state.p.readTarget(1)).toBeUndefined();
    expect(state.feed('\r\n')).toBeUndefined();
    expect(state.replies).toHaveLength(1);
    expect(state.replies[0].body?.equals(body)).toBe(true);
  });

  test("a direct read ending right after the body's CR: the LF alone completes it", () => {
    const state = started(1000);
    expect(readInto(state, Buffer.concat([body.subarray(1000), bytes('\r')]))).toBeUndefined();
    expect(state.replies).toHaveLength(0);
    expect(state.feed('\n')).toBeUndefined();
    expect(state.replies).toHaveLength(1);
    expect(state.replies[0].body?.equals(body)).toBe(true);
    expect(state.replies[0].body?.length).toBe(body.length);
    expect(state.feed('DELETED\r\n')).toBeUndefined();
    expect(state.replies[1].word).toBe('DELETED');
  });

  test("a direct read ending after the body's CR, then a wrong byte: BadReplyError", () => {
    const state = started(1000);
    readInto(state, Buffer.concat([body.subarray(1000), bytes('\r')]));
    const error = state.feed('X');
    expect(error).toBeInstanceOf(BadReplyError);
    expect(error?.message).toMatch(/CRLF/);
    expect(error?.reply).toBe(header.trim());
  });

  test('a direct read with the body and a bad terminator fails at once', () => {
    const state = started(10);
    const error = readInto(state, Buffer.concat([body.subarray(10), bytes('XY')]));
    expect(error).toBeInstanceOf(BadReplyError);
    expect(state.replies).toHaveLength(0);
  });

  test('a direct read ending with a bare LF after the body completes it', () => {
    const state = started(10);
    expect(readInto(state, Buffer.concat([body.subarray(10), bytes('\n')]))).toBeUndefined();
    expect(state.replies).toHaveLength(1);
    expect(state.replies[0].body?.equals(body)).toBe(true);
  });
});

describe('ReplyParser: reused chunks and bodies kept as views (keepChunkMinBytes)', () => {
  test('without reusesChunks a whole body is a view of the chunk', () => {
    const { replies, feed, p } = parser();
    const chunk = bytes('FOUND 1 5\r\nhello\r\n');
    feed(chunk);
    expect(replies[0].body?.buffer).toBe(chunk.buffer);
    expect(p.takeKeptChunk()).toBe(false);
  });

  test('with reusesChunks a short body is copied out of the chunk', () => {
    const { replies, feed, p } = parser({ reusesChunks: true });
    const chunk = bytes('FOUND 1 5\r\nhello\r\n');
    feed(chunk);
    chunk.fill(0);
    expect(replies[0].body?.toString()).toBe('hello');
    expect(p.takeKeptChunk()).toBe(false);
  });

  test('with reusesChunks a body of at least keepChunkMinBytes stays a view, and takeKeptChunk says so once', () => {
    const { replies, feed, p } = parser({ reusesChunks: true, keepChunkMinBytes: 5 });
    const chunk = bytes('FOUND 1 5\r\nhello\r\nFOUND 2 4\r\nbyes\r\n');
    feed(chunk);
    chunk.fill(0x23);
    expect(replies[0].body?.toString()).toBe('#####'); // a view of the chunk
    expect(replies[1].body?.toString()).toBe('byes'); // 4 bytes: copied
    expect(p.takeKeptChunk()).toBe(true);
    expect(p.takeKeptChunk()).toBe(false);
  });

  test('a body that spans chunks is never kept as a view', () => {
    const { replies, feed, p } = parser({ reusesChunks: true, keepChunkMinBytes: 1 });
    feed('FOUND 1 5\r\nhe');
    feed('llo\r\n');
    expect(replies[0].body?.toString()).toBe('hello');
    expect(p.takeKeptChunk()).toBe(false);
  });
});

describe('ReplyParser: the header line limit, byte for byte', () => {
  const limit = 40;
  const line = (length: number): string => `USING ${'t'.repeat(length - 6)}`;

  test.each([
    ['CRLF, in one chunk', (l: string) => [`${l}\r\n`]],
    ['bare LF, in one chunk', (l: string) => [`${l}\n`]],
    ['CRLF, the line cut before its CR', (l: string) => [l, '\r\n']],
    ['CRLF, the line cut between CR and LF', (l: string) => [`${l}\r`, '\n']],
    ['bare LF, the line cut before its LF', (l: string) => [l, '\n']],
    ['bare LF, the line in three pieces', (l: string) => [l.slice(0, 10), l.slice(10), '\n']],
  ])('%s: a line of exactly the limit passes, one byte over fails', (_, wire) => {
    const exact = parser({ maxLineBytes: limit });
    for (const chunk of wire(line(limit))) expect(exact.feed(chunk)).toBeUndefined();
    expect(exact.replies).toHaveLength(1);
    expect(exact.replies[0].args[0]).toHaveLength(limit - 6);

    const over = parser({ maxLineBytes: limit });
    const errors = wire(line(limit + 1)).map((chunk) => over.feed(chunk));
    const error = errors.find((e) => e !== undefined);
    expect(error).toBeInstanceOf(BadReplyError);
    expect(error?.reason).toBe(`reply line longer than ${limit} bytes`);
    // The quote may keep the line's CR; never more of the stream than the line.
    expect(error?.reply?.replace(/\r$/, '')).toBe(line(limit + 1));
    expect(over.replies).toHaveLength(0);
  });

  test('a bare-LF line one byte over the limit, kept across chunks, fails when its LF arrives', () => {
    const over = parser({ maxLineBytes: limit });
    // limit + 1 bytes kept: within the one byte of slack a CR might take.
    expect(over.feed(line(limit + 1))).toBeUndefined();
    expect(over.p.bufferedBytes).toBe(limit + 1);
    expect(over.feed('\n')).toBeInstanceOf(BadReplyError);
    expect(over.p.bufferedBytes).toBe(0);
  });

  test('a kept line two bytes over the limit fails before its end arrives', () => {
    const over = parser({ maxLineBytes: limit });
    expect(over.feed(line(limit + 1))).toBeUndefined();
    const error = over.feed('t');
    expect(error).toBeInstanceOf(BadReplyError);
    expect(error?.reply).toBe(`${line(limit + 1)}t`);
  });

  test('a kept line grows its buffer past 256 bytes and keeps every byte', () => {
    const long = line(1000);
    const { feed, replies } = parser();
    for (let i = 0; i < long.length; i += 37) expect(feed(long.slice(i, i + 37))).toBeUndefined();
    expect(feed('\r\n')).toBeUndefined();
    expect(replies[0].line).toBe(long);
  });

  test('a long line is quoted with its first 200 characters and an ellipsis, kept bytes first', () => {
    const long = line(600);
    const over = parser({ maxLineBytes: 500 });
    over.feed(long.slice(0, 150));
    const error = over.feed(`${long.slice(150)}\n`);
    expect(error?.reply).toBe(`${long.slice(0, 200)}…`);
  });

  test('the default limit is 1024 bytes', () => {
    expect(parser().feed(`${line(1024)}\n`)).toBeUndefined();
    expect(parser().feed(`${line(1025)}\n`)).toBeInstanceOf(BadReplyError);
  });
});
