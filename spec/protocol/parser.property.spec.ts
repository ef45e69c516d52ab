import fc from 'fast-check';
import { BadReplyError } from '../../src/protocol/errors.js';
import { ReplyParser } from '../../src/protocol/parser.js';
import { plannedReads } from '../helpers/planned-reads.js';
import type { ParserOptions } from '../../src/protocol/parser.js';
import { replyShapes } from '../../src/protocol/reply.js';
import type { Reply, ReplyShape, ReplyWord } from '../../src/protocol/reply.js';

/** What a generated reply should parse to. */
interface Model {
  readonly word: ReplyWord;
  readonly args: string[];
  readonly line: string;
  readonly body: Uint8Array | undefined;
}

/** A generated reply and its wire bytes. */
interface Generated {
  readonly model: Model;
  readonly wire: Buffer;
}

/**
 * fast-check settings for `n` runs. `npm run mutation` scales them down (PROPERTY_RUNS_SCALE)
 * and fixes the seed, so a run over hundreds of mutants stays short and gives the same verdicts.
 */
function runs(n: number): fc.Parameters<unknown> {
  const scale = Number(process.env.PROPERTY_RUNS_SCALE ?? 1);
  const seed = process.env.PROPERTY_SEED;
  return { numRuns: Math.max(10, Math.round(n * scale)), ...(seed ? { seed: Number(seed) } : {}) };
}

const shapes: Record<string, ReplyShape> = replyShapes;
const words = Object.keys(replyShapes) as ReplyWord[];

// ---- arbitraries ----

/** A decimal number as the server might write it: safe integer, sometimes with leading zeros. */
const numberText = fc
  .tuple(
    fc.oneof(fc.nat({ max: 1000 }), fc.nat(), fc.maxSafeNat()),
    fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 3 }) }),
  )
  .map(([value, zeros]) => '0'.repeat(zeros) + String(value));

const tubeChars = 'ABCXYZabcxyz0189-+/;.$_()'.split('');
const tubeName = fc
  .tuple(
    fc.constantFrom(...tubeChars.filter((c) => c !== '-')),
    fc.string({ unit: fc.constantFrom(...tubeChars), maxLength: 40 }),
  )
  .map(([first, rest]) => first + rest);

/** A body of pseudo-random bytes with many CR and LF, `min`..`max` bytes long, built cheaply from a seed. */
const pseudoRandomBody = (min: number, max: number) =>
  fc.record({ size: fc.integer({ min, max }), seed: fc.nat() }).map(({ size, seed }) => {
    const body = Buffer.allocUnsafe(size);
    let x = seed | 1;
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const r = x & 0xff;
      body[i] = r < 24 ? 13 : r < 48 ? 10 : r;
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  });

/** A large body, about 60 KB. */
const largeBody = pseudoRandomBody(50_000, 65_535);

const body = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  {
    weight: 3,
    arbitrary: fc.array(fc.constantFrom(13, 10, 32, 48, 79, 75), { maxLength: 40 }).map((a) => Uint8Array.from(a)),
  },
  { weight: 2, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 1, arbitrary: largeBody },
);

/** Spaces between words: usually one, sometimes a run. */
const gap = fc.oneof(
  { weight: 4, arbitrary: fc.constant(' ') },
  { weight: 1, arbitrary: fc.constantFrom('  ', '   ') },
);
const edge = fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '  ') });
const lineEnd = fc.oneof({ weight: 4, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constant('\n') });

/** Replies with `word`, spaced and ended in the ways the parser tolerates; a body from `bodies` if it has one. */
const replyWith = (word: ReplyWord, bodies: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Generated> => {
  const shape = shapes[word];
  const hasBody = shape.bodyLengthArg !== undefined;
  return fc
    .record({
      count: fc.integer({ min: shape.minArgs, max: shape.maxArgs }),
      values: fc.array(word === 'USING' ? tubeName : numberText, {
        minLength: shape.maxArgs,
        maxLength: shape.maxArgs,
      }),
      gaps: fc.array(gap, { minLength: shape.maxArgs, maxLength: shape.maxArgs }),
      lead: edge,
      trail: edge,
      end: lineEnd,
      bodyEnd: lineEnd,
      body: hasBody ? bodies : fc.constant(undefined),
    })
    .map(({ count, values, gaps, lead, trail, end, bodyEnd, body: bytes }): Generated => {
      const args = values.slice(0, count);
      if (bytes !== undefined) args[shape.bodyLengthArg as number] = String(bytes.length);
      const line = word + args.map((arg, i) => (gaps[i] as string) + arg).join('');
      const head = Buffer.from(lead + line + trail + end, 'latin1');
      const wire = bytes === undefined ? head : Buffer.concat([head, bytes, Buffer.from(bodyEnd, 'latin1')]);
      return { model: { word, args, line, body: bytes }, wire };
    });
};

const reply: fc.Arbitrary<Generated> = fc.constantFrom(...words).chain((word) => replyWith(word, body));

const stream = fc.array(reply, { maxLength: 25 });

/** RESERVED with a body of 32-60 KB: one that a socket read often holds whole (see ReadPlanner). */
const bigReserved = replyWith('RESERVED', pseudoRandomBody(32 * 1024, 60_000));

/** Where to cut a stream: random points (as fractions of its length), or after every byte. */
const splitting = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('bytewise' as const) },
);

function split(wire: Buffer, how: readonly number[] | 'bytewise'): Buffer[] {
  if (how === 'bytewise') {
    const pieces: Buffer[] = [];
    for (let i = 0; i < wire.length; i++) pieces.push(wire.subarray(i, i + 1));
    return pieces;
  }
  const cuts = [...new Set(how.map((f) => Math.floor(f * wire.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(wire.subarray(from, cut)); // empty pieces included: feeding nothing must be harmless
    from = cut;
  }
  pieces.push(wire.subarray(from));
  return pieces;
}

interface Outcome {
  replies: Reply[];
  error: BadReplyError | undefined;
  /** The largest bufferedBytes seen after any feed. */
  mostBuffered: number;
}

/** Feeds the pieces, checking that feed never throws and that a failed parser stays failed. */
function run(pieces: readonly Uint8Array[], options?: ParserOptions): Outcome {
  const parser = new ReplyParser(options);
  const replies: Reply[] = [];
  let error: BadReplyError | undefined;
  let mostBuffered = 0;
  for (const piece of pieces) {
    const before = replies.length;
    const result = parser.feed(piece, (r) => replies.push(r));
    if (error) {
      expect(result).toBe(error);
      expect(replies.length).toBe(before);
    } else if (result !== undefined) {
      expect(result).toBeInstanceOf(BadReplyError);
      error = result;
    }
    mostBuffered = Math.max(mostBuffered, parser.bufferedBytes);
  }
  return { replies, error, mostBuffered };
}

const view = (r: Reply) => ({
  word: r.word,
  args: [...r.args],
  line: r.line,
  body: r.body === undefined ? undefined : Buffer.from(r.body).toString('hex'),
});
const modelView = (m: Model) => ({
  word: m.word,
  args: m.args,
  line: m.line,
  body: m.body === undefined ? undefined : Buffer.from(m.body).toString('hex'),
});

describe('ReplyParser properties', () => {
  it('parses valid streams the same however they are split, matching the model', () => {
    fc.assert(
      fc.property(stream, splitting, (generated, how) => {
        const wire = Buffer.concat(generated.map((g) => g.wire));
        const whole = run([wire]);
        const pieces = run(split(wire, how));
        expect(whole.error).toBeUndefined();
        expect(pieces.error).toBeUndefined();
        const expected = generated.map((g) => modelView(g.model));
        expect(whole.replies.map(view)).toEqual(expected);
        expect(pieces.replies.map(view)).toEqual(expected);
        for (const r of pieces.replies) if (r.body !== undefined) expect(Buffer.isBuffer(r.body)).toBe(true);
      }),
      runs(150),
    );
  });

  it('with reusesChunks, replies stay intact when the one read buffer is overwritten after each feed', () => {
    fc.assert(
      fc.property(stream, splitting, (generated, how) => {
        const wire = Buffer.concat(generated.map((g) => g.wire));
        // Like a socket with `onread`: every piece arrives in the same buffer, scribbled over afterwards.
        const reused = Buffer.alloc(wire.length + 1);
        const parser = new ReplyParser({ reusesChunks: true });
        const replies: Reply[] = [];
        for (const piece of split(wire, how)) {
          reused.set(piece, 0);
          expect(parser.feed(reused.subarray(0, piece.length), (r) => replies.push(r))).toBeUndefined();
          reused.fill(0x23);
        }
        expect(replies.map(view)).toEqual(generated.map((g) => modelView(g.model)));
      }),
      runs(150),
    );
  });

  it('read the way a socket reads through ReadPlanner and parseReplies() (bodies kept as views, or read in place), replies stay intact', () => {
    // Often as much as the buffer takes, as a socket with data waiting reads: large bodies then
    // arrive whole and keep their buffer.
    const readSize = fc.oneof(fc.integer({ min: 1, max: 70_000 }), fc.constant(Infinity));
    const readSizes = fc.array(readSize, { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(fc.array(fc.oneof(reply, bigReserved), { maxLength: 12 }), readSizes, (generated, sizes) => {
        const wire = Buffer.concat(generated.map((g) => g.wire));
        const { planner, replies, errors, read } = plannedReads();
        for (let pos = 0, i = 0; pos < wire.length; i++) {
          const buffer = planner.buffer();
          // Like the kernel: the buffer the reader chose is overwritten, up to the read's size.
          const bytes = Math.min(sizes[i % sizes.length], buffer.length, wire.length - pos);
          buffer.fill(0x23);
          wire.copy(buffer, 0, pos, pos + bytes);
          pos += bytes;
          read(buffer, bytes);
        }
        expect(errors).toEqual([]);
        expect(replies.map(view)).toEqual(generated.map((g) => modelView(g.model)));
      }),
      runs(150),
    );
  });

  const options = { maxLineBytes: 64, maxBodyBytes: 100 };
  /** Nothing is ever held beyond a line (plus its CR) or a body, whichever limit is larger. */
  const bound = Math.max(options.maxLineBytes + 1, options.maxBodyBytes);

  /** Bytes that look like the protocol, so garbage often gets past the first word. */
  const fragment = fc.oneof(
    fc
      .constantFrom(
        'INSERTED ',
        'RESERVED ',
        'FOUND ',
        'OK ',
        'USING ',
        'DELETED',
        'KICKED',
        ' ',
        '  ',
        '\r',
        '\n',
        '\r\n',
        '0',
        '7',
        '42',
        '99999999999999999',
        '-',
        'x',
      )
      .map((s) => Buffer.from(s, 'latin1')),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a)),
    fc.constant(Buffer.alloc(90, 'A')),
  );
  const garbage = fc.array(fragment, { maxLength: 40 }).map((parts) => Buffer.concat(parts));

  it('never throws on garbage, stays bounded, and agrees with itself however it is split', () => {
    fc.assert(
      fc.property(garbage, splitting, (wire, how) => {
        const whole = run([wire], options);
        const pieces = run(split(wire, how), options);
        expect(whole.mostBuffered).toBeLessThanOrEqual(bound);
        expect(pieces.mostBuffered).toBeLessThanOrEqual(bound);
        expect(pieces.replies.map(view)).toEqual(whole.replies.map(view));
        // Same verdict (the quoted line may be cut differently, so compare the reason only).
        const reason = (e: BadReplyError | undefined) => e?.message.split(' (reply')[0];
        expect(reason(pieces.error)).toEqual(reason(whole.error));
      }),
      runs(300),
    );
  });

  it('parses every reply before injected garbage exactly, and never throws after it', () => {
    const small = fc.array(
      reply.filter((g) => g.wire.length < 400),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(small, garbage, fc.nat(), splitting, (generated, junk, at, how) => {
        const valid = Buffer.concat(generated.map((g) => g.wire));
        const position = valid.length === 0 ? 0 : at % (valid.length + 1);
        const wire = Buffer.concat([valid.subarray(0, position), junk, valid.subarray(position)]);
        const outcome = run(split(wire, how), { maxLineBytes: 1024, maxBodyBytes: 400 });
        expect(outcome.mostBuffered).toBeLessThanOrEqual(1025);
        // Replies wholly before the injection point parse exactly as generated.
        let end = 0;
        const before: Model[] = [];
        for (const g of generated) {
          end += g.wire.length;
          if (end > position) break;
          before.push(g.model);
        }
        expect(outcome.replies.slice(0, before.length).map(view)).toEqual(before.map(modelView));
      }),
      runs(200),
    );
  });

  it('fails at the header of any over-limit body, buffering none of it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('RESERVED 1', 'FOUND 9', 'OK'),
        fc.integer({ min: 101, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ maxLength: 50 }),
        (head, length, rest) => {
          const outcome = run([Buffer.from(`${head} ${length}\r\n`), rest], { maxBodyBytes: 100 });
          expect(outcome.error).toBeInstanceOf(BadReplyError);
          expect(outcome.replies).toHaveLength(0);
          expect(outcome.mostBuffered).toBe(0);
        },
      ),
      runs(100),
    );
  });
});
