import type { ParserOptions, ReadPlanner as PlannerForParser, ReplyParser } from '../protocol/parser.js';
import { readsIntoGivenBuffers } from './address.js';
import type { ResolvedOptions } from './options.js';

/** Bytes a plain socket reads at a time into its reused buffer. */
const READ_BUFFER_BYTES = 64 * 1024;
/**
 * Where every connection's first read lands. A connection that never reads (a lane closed
 * before its first reply) then costs no read buffer of its own; sharing is safe because the
 * parser copies whatever it keeps from a reused buffer, and reads never interleave.
 */
const FIRST_READ = Buffer.allocUnsafe(4 * 1024);
/**
 * A body at least this long that arrives whole in one read keeps that read's buffer (at
 * most twice its size) instead of being copied out; the socket gets a fresh buffer.
 */
export const KEEP_CHUNK_MIN_BYTES = READ_BUFFER_BYTES / 2;
/**
 * The rest of a body is read straight into the body's buffer when at least this much is
 * still to come. Below it, copying is cheaper than the extra read a short target causes
 * when more replies wait behind the body.
 */
const DIRECT_READ_MIN_BYTES = 16 * 1024;

/**
 * Chooses where each read of one socket lands, so that a large body is not copied: the rest
 * of a body that spans reads goes straight into the body's own buffer, and a large body that
 * came whole in one read stays a view of that read's buffer, which is then replaced rather
 * than refilled. Everything else is read into one reused buffer, and short bodies are copied
 * out of it. The socket asks `buffer()` before each read; parseReplies() hands it its parser
 * and asks `isTarget` for each chunk.
 */
export class ReadPlanner implements PlannerForParser {
  private parser: ReplyParser | undefined;
  /** Allocated on the first read, not at creation (Node asks for a buffer when the socket is made). */
  private readBuffer: Buffer | undefined;
  private asked = false;
  /** The body region handed out for the current read, if that is where it goes. */
  private direct: Buffer | undefined;

  attach(parser: ReplyParser | undefined): void {
    this.parser = parser;
    this.direct = undefined;
  }

  /** The buffer the socket's next read fills. */
  buffer(): Buffer {
    this.direct = this.parser?.readTarget(DIRECT_READ_MIN_BYTES);
    if (this.direct) return this.direct;
    if (!this.asked) {
      this.asked = true;
      return FIRST_READ;
    }
    if (this.parser?.takeKeptChunk() || !this.readBuffer) this.readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    return this.readBuffer;
  }

  isTarget(chunk: Uint8Array): boolean {
    const direct = this.direct;
    if (direct === undefined || chunk.buffer !== direct.buffer || chunk.byteOffset !== direct.byteOffset) return false;
    this.direct = undefined;
    return true;
  }
}

/** The reply parser's options for a connection's socket, whose reads a ReadPlanner places. */
export function parserOptionsFor(options: ResolvedOptions): ParserOptions {
  return {
    maxBodyBytes: options.maxReplyBodyBytes,
    reusesChunks: readsIntoGivenBuffers(options.address),
    keepChunkMinBytes: KEEP_CHUNK_MIN_BYTES,
  };
}
