import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { BadReplyError } from './errors.js';
import { replyShapes } from './reply.js';
import type { Reply, ReplyShape, ReplyWord } from './reply.js';
import { MAX_BODY_BYTES } from './validate.js';

/** Limits and buffer handling for the reply parser. */
export interface ParserOptions {
  /** Longest reply body accepted (default MAX_BODY_BYTES); a longer announced body fails at its header. */
  readonly maxBodyBytes?: number | undefined;
  /** Longest header line, line end excluded (default 1024); a longer line fails without being buffered. */
  readonly maxLineBytes?: number | undefined;
  /**
   * The caller refills the same chunk buffer after `feed` returns (a socket reading into one
   * reusable buffer): bodies are then copied out instead of being views of the chunk.
   */
  readonly reusesChunks?: boolean | undefined;
  /**
   * With `reusesChunks`: a body at least this long that lies whole in one chunk is a view of
   * the chunk after all, not a copy, and `takeKeptChunk()` then says the caller must give the
   * socket a fresh buffer instead of refilling that one. Default: never.
   */
  readonly keepChunkMinBytes?: number | undefined;
  /**
   * @internal For parseReplies() over a socket whose reads a planner places (a connection's
   * ReadPlanner): it gets the subscription's parser, and chunks read into the parser's own
   * `readTarget` are fed with `feedTarget`. The parser itself ignores it.
   */
  readonly planner?: ReadPlanner | undefined;
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
/** How much of an offending line a BadReplyError quotes. */
const QUOTE_CHARS = 200;
/** A body spanning chunks up to this size gets its final buffer at once (one copy, no pieces). */
const PREALLOCATE_BODY_MAX = 1024 * 1024;
/** That buffer has room for the body's CRLF too, so one read can take the body's rest and its line end. */
const TERMINATOR_ROOM = 2;
/** First size of the buffer that holds a header line cut by a chunk boundary; it grows to the line limit. */
const INITIAL_LINE_BUFFER = 256;
const EMPTY: Buffer = Buffer.alloc(0);

/** Reply words and their shapes; a Map, so `constructor` or `__proto__` on the wire is simply unknown. */
const SHAPES: ReadonlyMap<string, ReplyShape> = new Map(Object.entries(replyShapes));

// Where the parser is in the byte stream (plain numbers: cheap to compare on the hot path).
/** Reading a header line (its start may be kept in `lineBuffer`). */
const LINE = 0;
/** Reading the body whose byte count the header gave. */
const BODY = 1;
/** After the body: expecting CR or LF. */
const TERMINATOR = 2;
/** After the body and a CR: expecting LF. */
const TERMINATOR_LF = 3;
/** A malformed stream was seen; every later feed returns the same error. */
const FAILED = 4;

/**
 * An incremental reply parser: feed it byte chunks split anywhere, get whole replies in order.
 *
 * A header line ends with CRLF or a bare LF; spaces around and between words are tolerated.
 * Every reply with a body (RESERVED, FOUND, OK) says the body's byte count in its header, so
 * the body is read by count: sliced from the chunk without copying when it lies in one chunk,
 * gathered and joined once when it spans several. Memory is bounded: a header line is never
 * buffered past `maxLineBytes`, and a body announced past `maxBodyBytes` fails at its header.
 * It never throws on bad input: `feed` returns a BadReplyError, and the parser stays failed.
 * It is not reentrant: `emit` must not feed the same parser.
 */
export class ReplyParser {
  private readonly maxBodyBytes: number;
  private readonly maxLineBytes: number;
  private readonly reusesChunks: boolean;
  private readonly keepChunkMinBytes: number;
  /** A body became a view of the chunk fed last although chunks are reused: see `takeKeptChunk`. */
  private keptChunk = false;
  private state: number = LINE;
  /** Start of a header line that a chunk boundary cut; allocated on first need. */
  private lineBuffer: Buffer = EMPTY;
  private lineLength = 0;
  /** The reply whose body is being read (state Body and after). */
  private pending: { word: ReplyWord; args: string[]; line: string } | undefined;
  private bodyLength = 0;
  /** Pieces of a body that spans chunks, and their total length. */
  private bodyPieces: Buffer[] = [];
  private bodyReceived = 0;
  /**
   * The final buffer of a spanning body (up to PREALLOCATE_BODY_MAX), filled as its bytes
   * arrive, with TERMINATOR_ROOM bytes to spare: see `readTarget`.
   */
  private bodyTarget: Buffer | undefined;
  /** The complete body, once all its bytes are in, while its terminator is awaited. */
  private body: Buffer = EMPTY;
  private failure: BadReplyError | undefined;

  constructor(options: ParserOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.maxLineBytes = options.maxLineBytes ?? 1024;
    this.reusesChunks = options.reusesChunks ?? false;
    this.keepChunkMinBytes = options.keepChunkMinBytes ?? Infinity;
  }

  /** Bytes held for an unfinished header line or body. */
  get bufferedBytes(): number {
    return this.lineLength + this.bodyReceived;
  }

  /**
   * Feeds one chunk and calls `emit` for each reply it completes, in order. Returns a
   * BadReplyError if the stream is malformed (then, and on every later call, nothing more
   * is emitted); never throws on bad input. The chunk must not be modified afterwards: bodies
   * that fit in it are views of its bytes.
   */
  feed(chunk: Uint8Array, emit: (reply: Reply) => void): BadReplyError | undefined {
    if (this.state === FAILED) return this.failure;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const length = buffer.length;
    let offset = 0;
    while (offset < length) {
      switch (this.state) {
        case LINE: {
          const end = buffer.indexOf(LF, offset);
          if (end < 0) {
            this.keepPartialLine(buffer, offset);
            offset = length;
          } else {
            this.onLineEnd(buffer, offset, end, emit);
            offset = end + 1;
          }
          break;
        }
        case BODY:
          offset = this.readBody(buffer, offset);
          break;
        case TERMINATOR: {
          const byte = buffer[offset++];
          if (byte === CR) this.state = TERMINATOR_LF;
          else if (byte === LF) this.finishBody(emit);
          else this.fail('reply body not followed by CRLF', (this.pending as { line: string }).line);
          break;
        }
        case TERMINATOR_LF:
          if (buffer[offset++] === LF) this.finishBody(emit);
          else this.fail('reply body not followed by CRLF', (this.pending as { line: string }).line);
          break;
        default:
          return this.failure;
      }
    }
    return this.state === FAILED ? this.failure : undefined;
  }

  /** Keeps the start of a header line whose LF is in a later chunk, within the line limit. */
  private keepPartialLine(buffer: Buffer, offset: number): void {
    const add = buffer.length - offset;
    const total = this.lineLength + add;
    // One byte of slack: the line's CR may be here while its LF is still to come.
    if (total > this.maxLineBytes + 1) {
      this.failLongLine(buffer, offset, buffer.length);
      return;
    }
    if (total > this.lineBuffer.length) {
      const size = Math.max(total, 2 * this.lineBuffer.length, INITIAL_LINE_BUFFER);
      const grown = Buffer.allocUnsafe(Math.min(size, this.maxLineBytes + 1));
      this.lineBuffer.copy(grown, 0, 0, this.lineLength);
      this.lineBuffer = grown;
    }
    buffer.copy(this.lineBuffer, this.lineLength, offset);
    this.lineLength = total;
  }

  /** A header line ends at `end` (its LF) in `buffer`, possibly with its start kept from earlier chunks. */
  private onLineEnd(buffer: Buffer, offset: number, end: number, emit: (reply: Reply) => void): void {
    let text: string;
    let size = this.lineLength + end - offset;
    const lastByte = end > offset ? buffer[end - 1] : this.lineLength > 0 ? this.lineBuffer[this.lineLength - 1] : -1;
    if (lastByte === CR) size--;
    if (size > this.maxLineBytes) {
      this.failLongLine(buffer, offset, end);
      return;
    }
    if (this.lineLength === 0) {
      text = buffer.toString('latin1', offset, lastByte === CR ? end - 1 : end);
    } else {
      // The rare path: the line's start was kept from earlier chunks.
      text = this.lineBuffer.toString('latin1', 0, this.lineLength) + buffer.toString('latin1', offset, end);
      if (lastByte === CR) text = text.slice(0, -1);
      this.lineLength = 0;
    }
    this.onLine(text, emit);
  }

  /** Splits and checks one header line (line end removed) and emits it, or starts reading its body. */
  private onLine(text: string, emit: (reply: Reply) => void): void {
    // Trim spaces, then split on runs of spaces. By hand: this runs once per reply.
    let start = 0;
    let stop = text.length;
    while (start < stop && text.charCodeAt(start) === SPACE) start++;
    while (stop > start && text.charCodeAt(stop - 1) === SPACE) stop--;
    const line = start === 0 && stop === text.length ? text : text.slice(start, stop);
    const n = line.length;
    let i = 0;
    while (i < n && line.charCodeAt(i) !== SPACE) i++;
    const word = i === n ? line : line.slice(0, i);
    const shape = SHAPES.get(word);
    if (shape === undefined) return this.fail('unknown reply', line);
    const args: string[] = [];
    while (i < n) {
      while (line.charCodeAt(i) === SPACE) i++;
      const from = i;
      while (i < n && line.charCodeAt(i) !== SPACE) i++;
      if (args.length === shape.maxArgs) return this.fail('too many words in reply', line);
      args.push(line.slice(from, i));
    }
    if (args.length < shape.minArgs) return this.fail('too few words in reply', line);
    const numeric = shape.numeric;
    for (let k = 0; k < numeric.length; k++) {
      const arg = args[numeric[k]];
      if (arg !== undefined && !isSafeUnsigned(arg)) return this.fail('malformed number in reply', line);
    }
    const lengthArg = shape.bodyLengthArg;
    if (lengthArg === undefined) {
      emit({ word: word as ReplyWord, args, line });
      return;
    }
    const length = Number(args[lengthArg]);
    if (length > this.maxBodyBytes) return this.fail(`reply body longer than ${this.maxBodyBytes} bytes`, line);
    this.pending = { word: word as ReplyWord, args, line };
    this.bodyLength = length;
    this.state = BODY;
  }

  /** Takes body bytes from `buffer` at `offset`; returns the offset after them. */
  private readBody(buffer: Buffer, offset: number): number {
    const available = buffer.length - offset;
    if (this.bodyReceived === 0 && available >= this.bodyLength) {
      // The whole body is in this chunk: a view, no copy (unless the chunk will be reused,
      // and the body is too short to be worth a fresh chunk buffer).
      const end = offset + this.bodyLength;
      if (!this.reusesChunks) this.body = buffer.subarray(offset, end);
      else if (this.bodyLength >= this.keepChunkMinBytes) {
        this.body = buffer.subarray(offset, end);
        this.keptChunk = true;
      } else this.body = copyOf(buffer, offset, end);
      this.state = TERMINATOR;
      return end;
    }
    const take = Math.min(this.bodyLength - this.bodyReceived, available);
    if (this.bodyReceived === 0 && this.bodyLength <= PREALLOCATE_BODY_MAX) {
      this.bodyTarget = Buffer.allocUnsafe(this.bodyLength + TERMINATOR_ROOM);
    }
    if (this.bodyTarget) buffer.copy(this.bodyTarget, this.bodyReceived, offset, offset + take);
    else {
      // A very large body: its memory grows only as bytes really arrive.
      const piece = buffer.subarray(offset, offset + take);
      this.bodyPieces.push(this.reusesChunks ? copyOf(piece, 0, take) : piece);
    }
    this.bodyReceived += take;
    if (this.bodyReceived === this.bodyLength) {
      this.body = this.bodyTarget
        ? this.bodyTarget.subarray(0, this.bodyLength)
        : Buffer.concat(this.bodyPieces, this.bodyLength);
      this.endBody();
    }
    return offset + take;
  }

  /** All of the body's bytes are in (`body` is set): its terminator comes next. */
  private endBody(): void {
    this.bodyTarget = undefined;
    this.bodyPieces = [];
    this.bodyReceived = 0;
    this.state = TERMINATOR;
  }

  /**
   * True once after a `feed` that made a body a view of its (reused) chunk: that chunk's
   * buffer now belongs to the body, so the next read needs a fresh one.
   */
  takeKeptChunk(): boolean {
    const kept = this.keptChunk;
    this.keptChunk = false;
    return kept;
  }

  /**
   * Where the next read from the socket may land directly: the unfilled rest of a body that
   * spans chunks, plus room for its CRLF, when at least `minBytes` of the body are still to
   * come; otherwise undefined (read into your own buffer and `feed` it). Report what such a
   * read brought with `feedTarget`. A large body is then never copied after its first chunk.
   */
  readTarget(minBytes: number): Buffer | undefined {
    const target = this.bodyTarget;
    if (this.state !== BODY || target === undefined || this.bodyLength - this.bodyReceived < minBytes) return undefined;
    return target.subarray(this.bodyReceived);
  }

  /**
   * `bytes` bytes were read into the buffer that `readTarget` returned last (with no `feed`
   * in between): takes them as body, and whatever came after the body (line end, the next
   * reply's first byte) as `feed` would. Returns what `feed` returns.
   */
  feedTarget(bytes: number, emit: (reply: Reply) => void): BadReplyError | undefined {
    const target = this.bodyTarget;
    if (this.state !== BODY || target === undefined) throw new Error('feedTarget without a readTarget');
    const missing = this.bodyLength - this.bodyReceived;
    if (bytes < missing) {
      this.bodyReceived += bytes;
      return undefined;
    }
    const end = this.bodyLength;
    this.body = target.subarray(0, end);
    this.endBody();
    return bytes > missing ? this.feed(target.subarray(end, end + bytes - missing), emit) : undefined;
  }

  private finishBody(emit: (reply: Reply) => void): void {
    const { word, args, line } = this.pending as NonNullable<ReplyParser['pending']>;
    const body = this.body;
    this.pending = undefined;
    this.body = EMPTY;
    this.state = LINE;
    emit({ word, args, line, body });
  }

  /** Fails on a header line over the limit, quoting its start (kept bytes, then `buffer[offset..end)`). */
  private failLongLine(buffer: Buffer, offset: number, end: number): void {
    // One character more than is quoted, so the quote shows it was cut.
    const kept = this.lineBuffer.toString('latin1', 0, Math.min(this.lineLength, QUOTE_CHARS + 1));
    const rest = buffer.toString('latin1', offset, Math.min(end, offset + QUOTE_CHARS + 1 - kept.length));
    this.fail(`reply line longer than ${this.maxLineBytes} bytes`, kept + rest);
  }

  private fail(message: string, line: string): void {
    this.failure = new BadReplyError(message, {
      reply: line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line,
    });
    this.state = FAILED;
    this.lineBuffer = EMPTY;
    this.lineLength = 0;
    this.pending = undefined;
    this.bodyPieces = [];
    this.bodyTarget = undefined;
    this.bodyReceived = 0;
    this.body = EMPTY;
  }
}

/** A copy of `buffer[start..end)` that owns its bytes (small ones come from Node's pool). */
function copyOf(buffer: Buffer, start: number, end: number): Buffer {
  const copy = Buffer.allocUnsafe(end - start);
  buffer.copy(copy, 0, start, end);
  return copy;
}

/** ASCII digits only (leading zeros allowed), with a value no larger than Number.MAX_SAFE_INTEGER. */
function isSafeUnsigned(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code < DIGIT_0 || code > DIGIT_9) return false;
  }
  // Up to 15 digits are always safe; a longer run may still be (leading zeros), so compare its value.
  return n <= 15 || Number(text) <= Number.MAX_SAFE_INTEGER;
}

/**
 * @internal Chooses where a socket's next read lands for a parseReplies() subscription (the socket asks
 * it before each read): it is handed that subscription's parser, so it can read the rest of a
 * large body straight into the body (`readTarget`) or give the socket a fresh buffer after a
 * body kept a view of the last one (`takeKeptChunk`). It does no I/O itself.
 */
export interface ReadPlanner {
  /** The parser of the subscription that starts, or undefined once it ends. */
  attach(parser: ReplyParser | undefined): void;
  /** True when `chunk` was read into the parser's own `readTarget`: it is fed with `feedTarget`. */
  isTarget(chunk: Uint8Array): boolean;
}

/**
 * RxJS operator: byte chunks in, replies out, in order. A malformed stream errors the
 * Observable with a BadReplyError (never a synchronous throw) after the replies before the
 * fault were emitted; source errors and completion pass through.
 */
export function parseReplies(options: ParserOptions = {}): OperatorFunction<Uint8Array, Reply> {
  const planner = options.planner;
  return (source) =>
    new Observable<Reply>((subscriber) => {
      const parser = new ReplyParser(options);
      const emit = (reply: Reply): void => subscriber.next(reply);
      planner?.attach(parser);
      const subscription = source.subscribe({
        next: (chunk) => {
          const error =
            planner !== undefined && planner.isTarget(chunk)
              ? parser.feedTarget(chunk.length, emit)
              : parser.feed(chunk, emit);
          if (error) subscriber.error(error);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        planner?.attach(undefined);
      };
    });
}
