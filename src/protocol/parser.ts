import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { BadReplyError } from './errors.js';
import { replyShapes } from './reply.js';
import type { Reply, ReplyShape, ReplyWord } from './reply.js';
import { MAX_BODY_BYTES } from './validate.js';

export interface ParserOptions {
  /** Longest reply body accepted; a longer announced body is a BadReplyError at once. */
  readonly maxBodyBytes?: number | undefined;
  /** Longest header line; a line without end past this is a BadReplyError (bounded buffering). */
  readonly maxLineBytes?: number | undefined;
}

const LF = 10;
const CR = 13;
const EMPTY = Buffer.alloc(0);
const shapes: Readonly<Record<string, ReplyShape>> = replyShapes;

/**
 * An incremental reply parser: feed it chunks split anywhere, get whole replies.
 * Header lines end with CRLF or LF; a body is read by the byte count its header gives,
 * sliced from the chunk when it lies in one (no copy) and joined once when it spans
 * several (no per-chunk re-concatenation). It never throws: a malformed stream makes
 * `feed` return a BadReplyError, and the parser stays failed.
 */
export class ReplyParser {
  private readonly maxBodyBytes: number;
  private readonly maxLineBytes: number;
  /** A header line cut by a chunk boundary. */
  private partialLine: Buffer[] = [];
  private partialLineBytes = 0;
  /** The reply whose body is being read, its pieces, and bytes still owed (body + terminator). */
  private bodyHeader: { word: ReplyWord; args: string[]; line: string; length: number } | undefined;
  private bodyPieces: Buffer[] = [];
  private bodyBytes = 0;
  /** After the body: 0 = expect CR or LF, 1 = saw CR, expect LF. */
  private terminatorState = 0;
  private failure: BadReplyError | undefined;

  constructor(options: ParserOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.maxLineBytes = options.maxLineBytes ?? 1024;
  }

  /** Bytes held for an unfinished line or body. */
  get bufferedBytes(): number {
    return this.partialLineBytes + this.bodyBytes;
  }

  feed(chunk: Uint8Array, emit: (reply: Reply) => void): BadReplyError | undefined {
    if (this.failure) return this.failure;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let offset = 0;
    while (offset < buffer.length) {
      offset = this.bodyHeader ? this.readBody(buffer, offset, emit) : this.readLine(buffer, offset, emit);
      if (this.failure) return this.failure;
    }
    return undefined;
  }

  private readLine(buffer: Buffer, offset: number, emit: (reply: Reply) => void): number {
    const end = buffer.indexOf(LF, offset);
    if (end < 0) {
      this.partialLine.push(buffer.subarray(offset));
      this.partialLineBytes += buffer.length - offset;
      if (this.partialLineBytes > this.maxLineBytes) {
        this.fail('reply line too long', this.joinPartial(EMPTY).toString('latin1', 0, 200));
      }
      return buffer.length;
    }
    const text = this.partialLineBytes
      ? this.joinPartial(buffer.subarray(offset, end)).toString('latin1')
      : buffer.toString('latin1', offset, end);
    if (text.length > this.maxLineBytes) this.fail('reply line too long', text.slice(0, 200));
    else this.onLine(text, emit);
    return end + 1;
  }

  private joinPartial(last: Buffer): Buffer {
    const joined = Buffer.concat([...this.partialLine, last]);
    this.partialLine = [];
    this.partialLineBytes = 0;
    return joined;
  }

  private onLine(raw: string, emit: (reply: Reply) => void): void {
    const line = raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1).trim() : raw.trim();
    const words = line.split(/ +/);
    const word = words[0] as string;
    const shape = Object.prototype.hasOwnProperty.call(shapes, word) ? shapes[word] : undefined;
    if (!shape) return this.fail('unknown reply', line);
    const args = words.slice(1);
    if (args.length < shape.minArgs || args.length > shape.maxArgs) return this.fail('wrong number of words in reply', line);
    for (const index of shape.numeric) {
      const arg = args[index];
      if (arg !== undefined && !isSafeUnsigned(arg)) return this.fail('malformed number in reply', line);
    }
    if (shape.bodyLengthArg === undefined) {
      emit({ word: word as ReplyWord, args, line });
      return;
    }
    const length = Number(args[shape.bodyLengthArg]);
    if (length > this.maxBodyBytes) return this.fail(`reply body longer than ${this.maxBodyBytes} bytes`, line);
    this.bodyHeader = { word: word as ReplyWord, args, line, length };
    this.terminatorState = 0;
  }

  private readBody(buffer: Buffer, offset: number, emit: (reply: Reply) => void): number {
    const header = this.bodyHeader as NonNullable<ReplyParser['bodyHeader']>;
    const owed = header.length - this.bodyBytes;
    if (owed > 0) {
      const take = Math.min(owed, buffer.length - offset);
      this.bodyPieces.push(buffer.subarray(offset, offset + take));
      this.bodyBytes += take;
      offset += take;
      if (this.bodyBytes < header.length) return offset;
    }
    // The terminator after a body: CRLF, or a bare LF (lenient).
    while (offset < buffer.length) {
      const byte = buffer[offset++];
      if (byte === CR && this.terminatorState === 0) {
        this.terminatorState = 1;
        continue;
      }
      if (byte !== LF) {
        this.fail('reply body not followed by CRLF', header.line);
        return offset;
      }
      const pieces = this.bodyPieces;
      const body = pieces.length === 1 ? (pieces[0] as Buffer) : pieces.length === 0 ? EMPTY : Buffer.concat(pieces, header.length);
      this.bodyHeader = undefined;
      this.bodyPieces = [];
      this.bodyBytes = 0;
      emit({ word: header.word, args: header.args, line: header.line, body });
      return offset;
    }
    return offset;
  }

  private fail(message: string, line: string): void {
    this.failure = new BadReplyError(message, { reply: line.length > 200 ? `${line.slice(0, 200)}…` : line });
    this.partialLine = [];
    this.partialLineBytes = 0;
    this.bodyPieces = [];
    this.bodyBytes = 0;
    this.bodyHeader = undefined;
  }
}

function isSafeUnsigned(text: string): boolean {
  if (text.length === 0 || text.length > 16) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return Number(text) <= Number.MAX_SAFE_INTEGER;
}

/** RxJS operator: byte chunks in, replies out; a malformed stream errors with BadReplyError. */
export function parseReplies(options: ParserOptions = {}): OperatorFunction<Uint8Array, Reply> {
  return (source) =>
    new Observable<Reply>((subscriber) => {
      const parser = new ReplyParser(options);
      const emit = (reply: Reply) => subscriber.next(reply);
      return source.subscribe({
        next: (chunk) => {
          const error = parser.feed(chunk, emit);
          if (error) subscriber.error(error);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
