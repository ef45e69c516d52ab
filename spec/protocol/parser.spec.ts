import { from, lastValueFrom, Subject, toArray } from 'rxjs';
import { BadReplyError } from '../../src/protocol/errors.js';
import { ReplyParser, parseReplies } from '../../src/protocol/parser.js';
import type { ParserOptions } from '../../src/protocol/parser.js';
import { replyShapes } from '../../src/protocol/reply.js';
import type { Reply } from '../../src/protocol/reply.js';
import { MAX_BODY_BYTES } from '../../src/protocol/validate.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Feeds the chunks in order; returns what was emitted and the first error. */
function parse(
  chunks: readonly (string | Uint8Array)[],
  options?: ParserOptions,
): { replies: Reply[]; error: BadReplyError | undefined; parser: ReplyParser } {
  const parser = new ReplyParser(options);
  const replies: Reply[] = [];
  let error: BadReplyError | undefined;
  for (const chunk of chunks) {
    const result = parser.feed(typeof chunk === 'string' ? bytes(chunk) : chunk, (reply) => replies.push(reply));
    if (result && !error) error = result;
  }
  return { replies, error, parser };
}

/** The one reply a whole line gives. */
function one(text: string): Reply {
  const { replies, error } = parse([text]);
  expect(error).toBeUndefined();
  expect(replies).toHaveLength(1);
  return replies[0];
}

function failure(chunks: readonly (string | Uint8Array)[], options?: ParserOptions): BadReplyError {
  const { error } = parse(chunks, options);
  expect(error).toBeInstanceOf(BadReplyError);
  return error as BadReplyError;
}

/** A simple view of a reply for toEqual: body as text. */
const plain = (reply: Reply) => ({
  word: reply.word,
  args: [...reply.args],
  line: reply.line,
  body: reply.body === undefined ? undefined : reply.body.toString('latin1'),
});

describe('ReplyParser: every reply word', () => {
  const withoutBody: [string, string, string[]][] = [
    ['INSERTED 123\r\n', 'INSERTED', ['123']],
    ['BURIED 7\r\n', 'BURIED', ['7']],
    ['BURIED\r\n', 'BURIED', []],
    ['EXPECTED_CRLF\r\n', 'EXPECTED_CRLF', []],
    ['JOB_TOO_BIG\r\n', 'JOB_TOO_BIG', []],
    ['DRAINING\r\n', 'DRAINING', []],
    ['USING emails\r\n', 'USING', ['emails']],
    ['USING a+/;.$_()\r\n', 'USING', ['a+/;.$_()']],
    ['DEADLINE_SOON\r\n', 'DEADLINE_SOON', []],
    ['TIMED_OUT\r\n', 'TIMED_OUT', []],
    ['DELETED\r\n', 'DELETED', []],
    ['NOT_FOUND\r\n', 'NOT_FOUND', []],
    ['RELEASED\r\n', 'RELEASED', []],
    ['TOUCHED\r\n', 'TOUCHED', []],
    ['WATCHING 3\r\n', 'WATCHING', ['3']],
    ['NOT_IGNORED\r\n', 'NOT_IGNORED', []],
    ['KICKED 12\r\n', 'KICKED', ['12']],
    ['KICKED\r\n', 'KICKED', []],
    ['PAUSED\r\n', 'PAUSED', []],
    ['OUT_OF_MEMORY\r\n', 'OUT_OF_MEMORY', []],
    ['INTERNAL_ERROR\r\n', 'INTERNAL_ERROR', []],
    ['BAD_FORMAT\r\n', 'BAD_FORMAT', []],
    ['UNKNOWN_COMMAND\r\n', 'UNKNOWN_COMMAND', []],
  ];

  it.each(withoutBody)('%j', (text, word, args) => {
    const reply = one(text);
    expect(reply.word).toBe(word);
    expect(reply.args).toEqual(args);
    expect(reply.line).toBe(text.slice(0, -2));
    expect(reply.body).toBeUndefined();
  });

  it('RESERVED, FOUND and OK carry their bodies as Buffers', () => {
    const { replies, error } = parse([
      'RESERVED 5 5\r\nhello\r\nFOUND 6 3\r\nabc\r\nOK 24\r\n---\n- default\n- samples\n\r\n',
    ]);
    expect(error).toBeUndefined();
    expect(replies.map(plain)).toEqual([
      { word: 'RESERVED', args: ['5', '5'], line: 'RESERVED 5 5', body: 'hello' },
      { word: 'FOUND', args: ['6', '3'], line: 'FOUND 6 3', body: 'abc' },
      { word: 'OK', args: ['24'], line: 'OK 24', body: '---\n- default\n- samples\n' },
    ]);
    for (const reply of replies) expect(Buffer.isBuffer(reply.body)).toBe(true);
  });

  it('covers every word of the reply table', () => {
    const tested = new Set(['RESERVED', 'FOUND', 'OK', ...withoutBody.map(([, word]) => word)]);
    expect([...tested].sort()).toEqual(Object.keys(replyShapes).sort());
  });

  it('emits replies in order, several per chunk', () => {
    const { replies } = parse(['INSERTED 1\r\nDELETED\r\nWATCHING 2\r\nINSERTED 2\r\n']);
    expect(replies.map((reply) => reply.line)).toEqual(['INSERTED 1', 'DELETED', 'WATCHING 2', 'INSERTED 2']);
  });

  it('accepts leading zeros and the largest safe integer', () => {
    expect(one('INSERTED 0007\r\n').args).toEqual(['0007']);
    expect(one('INSERTED 00000000000000000000001\r\n').args).toEqual(['00000000000000000000001']);
    expect(one(`INSERTED ${Number.MAX_SAFE_INTEGER}\r\n`).args).toEqual([String(Number.MAX_SAFE_INTEGER)]);
  });
});

describe('ReplyParser: leniency', () => {
  it('accepts a bare LF as line end', () => {
    const { replies, error } = parse(['INSERTED 1\nDELETED\nFOUND 2 3\nabc\n']);
    expect(error).toBeUndefined();
    expect(replies.map(plain)).toEqual([
      { word: 'INSERTED', args: ['1'], line: 'INSERTED 1', body: undefined },
      { word: 'DELETED', args: [], line: 'DELETED', body: undefined },
      { word: 'FOUND', args: ['2', '3'], line: 'FOUND 2 3', body: 'abc' },
    ]);
  });

  it('trims spaces around words and splits on runs of spaces', () => {
    const reply = one('   RESERVED   12    3  \r\nxyz\r\n');
    expect(reply.word).toBe('RESERVED');
    expect(reply.args).toEqual(['12', '3']);
    expect(reply.line).toBe('RESERVED   12    3');
    expect(reply.body?.toString()).toBe('xyz');
    expect(one(' DELETED \n').line).toBe('DELETED');
  });
});

describe('ReplyParser: bodies', () => {
  it('reads an empty body (FOUND 2 0)', () => {
    const reply = one('FOUND 2 0\r\n\r\n');
    expect(reply.args).toEqual(['2', '0']);
    expect(reply.body).toBeInstanceOf(Buffer);
    expect(reply.body).toHaveLength(0);
  });

  it('reads an empty body whose terminator comes in a later chunk', () => {
    const { replies, error } = parse(['FOUND 2 0\r\n', '\r', '\nDELETED\r\n']);
    expect(error).toBeUndefined();
    expect(replies.map(plain)).toEqual([
      { word: 'FOUND', args: ['2', '0'], line: 'FOUND 2 0', body: '' },
      { word: 'DELETED', args: [], line: 'DELETED', body: undefined },
    ]);
  });

  it('reads a body containing CRLF, LF and header-like text by its byte count', () => {
    const body = '\r\nINSERTED 1\r\n\n\rDELETED\r\n';
    const reply = one(`RESERVED 9 ${body.length}\r\n${body}\r\n`);
    expect(reply.body?.toString('latin1')).toBe(body);
  });

  it('keeps every byte value in a body', () => {
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const { replies } = parse([Buffer.concat([bytes('FOUND 1 256\r\n'), body, bytes('\r\n')])]);
    expect(replies[0]?.body?.equals(body)).toBe(true);
  });

  it('measures bodies in bytes, not characters', () => {
    const body = Buffer.from('héllo ✓ 🚀', 'utf8');
    const { replies } = parse([Buffer.concat([bytes(`RESERVED 1 ${body.length}\r\n`), body, bytes('\r\n')])]);
    expect(replies[0]?.body?.toString('utf8')).toBe('héllo ✓ 🚀');
  });

  it('handles a split inside the CRLF after the header and after the body', () => {
    const { replies, error } = parse(['RESERVED 1 4\r', '\nab\r\n', '\r', '\nINSERTED 2\r', '\n']);
    expect(error).toBeUndefined();
    expect(replies.map(plain)).toEqual([
      { word: 'RESERVED', args: ['1', '4'], line: 'RESERVED 1 4', body: 'ab\r\n' },
      { word: 'INSERTED', args: ['2'], line: 'INSERTED 2', body: undefined },
    ]);
  });

  it('handles a split inside the header word and inside the body', () => {
    const { replies } = parse(['RESER', 'VED 4', '2 10\r\n01234', '56', '789\r\nDEL', 'ETED\r\n']);
    expect(replies.map(plain)).toEqual([
      { word: 'RESERVED', args: ['42', '10'], line: 'RESERVED 42 10', body: '0123456789' },
      { word: 'DELETED', args: [], line: 'DELETED', body: undefined },
    ]);
  });

  it('gives byte-at-a-time input the same replies as one chunk', () => {
    const stream = 'USING foo\r\nRESERVED 3 7\r\na\r\nb\nc\r\r\nOK 0\n\nKICKED 4\r\n';
    const whole = parse([stream]).replies.map(plain);
    const split = parse([...stream]).replies.map(plain);
    expect(whole).toHaveLength(4);
    expect(split).toEqual(whole);
  });

  it('does not emit a body reply before its terminator arrives', () => {
    const parser = new ReplyParser();
    const seen: Reply[] = [];
    expect(parser.feed(bytes('FOUND 1 3\r\nabc'), (r) => seen.push(r))).toBeUndefined();
    expect(seen).toHaveLength(0);
    parser.feed(bytes('\r'), (r) => seen.push(r));
    expect(seen).toHaveLength(0);
    parser.feed(bytes('\n'), (r) => seen.push(r));
    expect(seen).toHaveLength(1);
  });

  it('slices a body that lies in one chunk without copying it', () => {
    const chunk = bytes('RESERVED 1 5\r\nhello\r\n');
    const { replies } = parse([chunk]);
    const body = replies[0]?.body as Buffer;
    expect(body.buffer).toBe(chunk.buffer);
    expect(body.byteOffset).toBe(chunk.byteOffset + 'RESERVED 1 5\r\n'.length);
    // A view: it shares the chunk's bytes.
    chunk.write('J', 'RESERVED 1 5\r\n'.length, 'latin1');
    expect(body.toString()).toBe('Jello');
  });

  it('joins a body that spans chunks into one new Buffer', () => {
    const first = bytes('RESERVED 1 6\r\nabc');
    const second = bytes('def\r\n');
    const { replies } = parse([first, second]);
    const body = replies[0]?.body as Buffer;
    expect(body.toString()).toBe('abcdef');
    // A copy: changing the chunks afterwards does not change the body.
    first.fill(0);
    second.fill(0);
    expect(body.toString()).toBe('abcdef');
  });

  it('accepts plain Uint8Array chunks', () => {
    const chunk = new Uint8Array(bytes('FOUND 1 2\r\nhi\r\n'));
    const { replies } = parse([chunk]);
    expect(Buffer.isBuffer(replies[0]?.body)).toBe(true);
    expect(replies[0]?.body?.toString()).toBe('hi');
  });

  it('counts buffered body bytes while a body is in progress', () => {
    const parser = new ReplyParser();
    parser.feed(bytes('RESERVED 1 10\r\n0123'), () => undefined);
    expect(parser.bufferedBytes).toBe(4);
    parser.feed(bytes('456'), () => undefined);
    expect(parser.bufferedBytes).toBe(7);
    parser.feed(bytes('789\r\n'), () => undefined);
    expect(parser.bufferedBytes).toBe(0);
  });
});

describe('ReplyParser: malformed streams', () => {
  it.each([
    ['unknown word', 'HELLO 1\r\n'],
    ['lower-case word', 'inserted 1\r\n'],
    ['prototype key', 'constructor\r\n'],
    ['empty line', '\r\n'],
    ['blank line', '   \r\n'],
    ['tab as separator', 'INSERTED\t1\r\n'],
  ])('rejects %s', (_, text) => {
    const error = failure([text]);
    expect(error.reply).toBe(text.replace(/\r?\n$/, '').trim());
  });

  it.each([
    'INSERTED 12a',
    'INSERTED -1',
    'INSERTED +1',
    'INSERTED 1.5',
    'INSERTED 0x10',
    'OK -1',
    'OK 1e3',
    'RESERVED 1 ab',
    'RESERVED x 1',
    'FOUND x 1',
    'WATCHING one',
    'KICKED 2,',
    'BURIED 9007199254740992',
    'INSERTED 99999999999999999999999',
  ])('rejects the malformed number in %j', (line) => {
    const error = failure([`${line}\r\n`]);
    expect(error.message).toMatch(/number/);
    expect(error.reply).toBe(line);
  });

  it.each([
    'INSERTED',
    'INSERTED 1 2',
    'USING',
    'USING a b',
    'RESERVED 1',
    'RESERVED 1 2 3',
    'FOUND',
    'OK',
    'OK 1 2',
    'DELETED 1',
    'TIMED_OUT x',
    'KICKED 1 2',
    'BURIED 1 2',
  ])('rejects the wrong number of words in %j', (line) => {
    const error = failure([`${line}\r\n`]);
    expect(error.message).toMatch(/words/);
    expect(error.reply).toBe(line);
  });

  it('quotes a reply line of exactly 200 characters whole, and cuts a longer one with an ellipsis', () => {
    const line = 'X'.repeat(200);
    expect(failure([`${line}\r\n`], { maxLineBytes: 1024 }).reply).toBe(line);
    expect(failure([`${line}Y\r\n`], { maxLineBytes: 1024 }).reply).toBe(`${line}…`);
  });

  it('says which rule a reply broke, in words', () => {
    expect(failure(['BOGUS 1\r\n']).reason).toBe('unknown reply');
    expect(failure(['INSERTED\r\n']).reason).toBe('too few words in reply');
    expect(failure(['INSERTED 1 2\r\n']).reason).toBe('too many words in reply');
    expect(failure(['INSERTED x\r\n']).reason).toBe('malformed number in reply');
    expect(failure(['OK 101\r\n'], { maxBodyBytes: 100 }).reason).toBe('reply body longer than 100 bytes');
    expect(failure(['OK 100\r\n', 'x'.repeat(100), 'xx'], { maxBodyBytes: 100 }).reason).toMatch(/CRLF|body/);
  });

  it('rejects a body longer than maxBodyBytes at its header, without waiting for it', () => {
    const { error, parser, replies } = parse(['RESERVED 1 1000000000000\r\n', 'abc']);
    expect(error).toBeInstanceOf(BadReplyError);
    expect(error?.reply).toBe('RESERVED 1 1000000000000');
    expect(parser.bufferedBytes).toBe(0);
    expect(replies).toHaveLength(0);
  });

  it('uses MAX_BODY_BYTES as the default limit and honours a smaller one', () => {
    expect(parse([`OK ${MAX_BODY_BYTES + 1}\r\n`]).error).toBeInstanceOf(BadReplyError);
    const atLimit = parse([`OK ${MAX_BODY_BYTES}\r\n`]);
    expect(atLimit.error).toBeUndefined();
    expect(atLimit.parser.bufferedBytes).toBe(0);

    expect(parse(['FOUND 1 11\r\n'], { maxBodyBytes: 10 }).error).toBeInstanceOf(BadReplyError);
    expect(parse(['FOUND 1 10\r\n0123456789\r\n'], { maxBodyBytes: 10 }).replies).toHaveLength(1);
  });

  it('rejects a 2 MB line without LF at once, without buffering it', () => {
    const parser = new ReplyParser();
    const huge = Buffer.alloc(2 * 1024 * 1024, 'A');
    const error = parser.feed(huge, () => undefined);
    expect(error).toBeInstanceOf(BadReplyError);
    expect(error?.message).toMatch(/longer than 1024/);
    expect(error?.reply).toBe(`${'A'.repeat(200)}…`);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('keeps buffering bounded when a line without end trickles in', () => {
    const parser = new ReplyParser({ maxLineBytes: 100 });
    let error: BadReplyError | undefined;
    let most = 0;
    for (let i = 0; i < 1000 && !error; i++) {
      error = parser.feed(bytes('INSERTED '), () => undefined);
      most = Math.max(most, parser.bufferedBytes);
    }
    expect(error).toBeInstanceOf(BadReplyError);
    expect(most).toBeLessThanOrEqual(101);
    expect(error?.reply).toMatch(/^INSERTED INSERTED /);
  });

  it('rejects a line over maxLineBytes even when its LF is in the same chunk', () => {
    const line = `USING ${'a'.repeat(120)}`;
    const error = failure([`${line}\r\n`], { maxLineBytes: 100 });
    expect(error.reply?.startsWith('USING aaa')).toBe(true);
    expect(parse([`${line}\r\n`], { maxLineBytes: line.length }).replies).toHaveLength(1);
    expect(parse([line, '\r', '\n'], { maxLineBytes: line.length }).replies).toHaveLength(1);
    expect(parse([`${line}x`, '\r\n'], { maxLineBytes: line.length }).error).toBeInstanceOf(BadReplyError);
  });

  it('truncates the quoted line in the error', () => {
    const line = `USING ${'b'.repeat(600)} extra`;
    const error = failure([`${line}\r\n`]);
    expect(error.reply?.length).toBeLessThanOrEqual(201);
    expect(error.reply?.startsWith('USING bbb')).toBe(true);
  });

  it.each([
    ['two other bytes', 'FOUND 1 3\r\nabcXY'],
    ['CR then another byte', 'FOUND 1 3\r\nabc\rX'],
    ['CR CR LF', 'FOUND 1 3\r\nabc\r\r\n'],
    ['one byte too many in the body', 'FOUND 1 3\r\nabcd\r\n'],
  ])('rejects a body followed by %s instead of CRLF', (_, text) => {
    const error = failure([text]);
    expect(error.message).toMatch(/CRLF/);
    expect(error.reply).toBe('FOUND 1 3');
  });

  it('rejects a bad terminator split across chunks', () => {
    expect(parse(['FOUND 1 3\r\nabc\r', 'x']).error).toBeInstanceOf(BadReplyError);
  });

  it('stays failed: later feeds return the same error and emit nothing', () => {
    const parser = new ReplyParser();
    const seen: Reply[] = [];
    const first = parser.feed(bytes('INSERTED 1\r\nBOGUS\r\nINSERTED 2\r\n'), (r) => seen.push(r));
    expect(first).toBeInstanceOf(BadReplyError);
    expect(seen.map((r) => r.line)).toEqual(['INSERTED 1']);
    const again = parser.feed(bytes('INSERTED 3\r\n'), (r) => seen.push(r));
    expect(again).toBe(first);
    expect(seen).toHaveLength(1);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('never throws on a malformed stream', () => {
    const parser = new ReplyParser();
    expect(() => parser.feed(Buffer.from([0, 255, 13, 10, 1]), () => undefined)).not.toThrow();
  });
});

describe('parseReplies operator', () => {
  it('turns byte chunks into replies', async () => {
    const chunks = ['INSERTED 1\r\nRES', 'ERVED 1 2\r\nhi', '\r\nDELETED\r\n'].map(bytes);
    const replies = await lastValueFrom(from(chunks).pipe(parseReplies(), toArray()));
    expect(replies.map(plain)).toEqual([
      { word: 'INSERTED', args: ['1'], line: 'INSERTED 1', body: undefined },
      { word: 'RESERVED', args: ['1', '2'], line: 'RESERVED 1 2', body: 'hi' },
      { word: 'DELETED', args: [], line: 'DELETED', body: undefined },
    ]);
  });

  it('errors with BadReplyError through the error channel, after the good replies', () => {
    const chunks = ['INSERTED 1\r\n', 'INSERTED x\r\n', 'INSERTED 2\r\n'].map(bytes);
    const seen: string[] = [];
    let error: unknown;
    let completed = false;
    expect(() =>
      from(chunks)
        .pipe(parseReplies())
        .subscribe({
          next: (r) => seen.push(r.line),
          error: (e: unknown) => void (error = e),
          complete: () => (completed = true),
        }),
    ).not.toThrow();
    expect(seen).toEqual(['INSERTED 1']);
    expect(error).toBeInstanceOf(BadReplyError);
    expect((error as BadReplyError).reply).toBe('INSERTED x');
    expect(completed).toBe(false);
  });

  it('rejects lastValueFrom with BadReplyError', async () => {
    await expect(lastValueFrom(from([bytes('NOPE\r\n')]).pipe(parseReplies()))).rejects.toBeInstanceOf(BadReplyError);
  });

  it('passes options through', async () => {
    const source = from([bytes('FOUND 1 5\r\n')]).pipe(parseReplies({ maxBodyBytes: 4 }));
    await expect(lastValueFrom(source)).rejects.toBeInstanceOf(BadReplyError);
  });

  it('passes source errors and completion through, and unsubscribes from the source on failure', () => {
    const source = new Subject<Uint8Array>();
    const seen: unknown[] = [];
    source.pipe(parseReplies()).subscribe({ next: (r) => seen.push(r.word), error: (e) => seen.push(e) });
    source.next(bytes('DELETED\r\n'));
    source.next(bytes('???\r\n'));
    expect(seen[0]).toBe('DELETED');
    expect(seen[1]).toBeInstanceOf(BadReplyError);
    expect(source.observed).toBe(false);

    const upstream = new Subject<Uint8Array>();
    const events: unknown[] = [];
    upstream.pipe(parseReplies()).subscribe({ error: (e) => events.push(e), complete: () => events.push('done') });
    const cause = new Error('socket closed');
    upstream.error(cause);
    expect(events).toEqual([cause]);

    const finished = new Subject<Uint8Array>();
    const ends: unknown[] = [];
    finished.pipe(parseReplies()).subscribe({ complete: () => ends.push('done') });
    finished.complete();
    expect(ends).toEqual(['done']);
  });

  it('gives each subscription its own parser state', async () => {
    const source = from([bytes('INSERTED 1\r\nINS'), bytes('ERTED 2\r\n')]);
    const parsed = source.pipe(parseReplies());
    const a = await lastValueFrom(parsed.pipe(toArray()));
    const b = await lastValueFrom(parsed.pipe(toArray()));
    expect(a.map((r) => r.line)).toEqual(['INSERTED 1', 'INSERTED 2']);
    expect(b.map((r) => r.line)).toEqual(['INSERTED 1', 'INSERTED 2']);
  });
});
