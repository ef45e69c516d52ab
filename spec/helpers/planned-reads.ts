import { Subject } from 'rxjs';
import { KEEP_CHUNK_MIN_BYTES, ReadPlanner } from '../../src/connection/read-planner.js';
import { parseReplies } from '../../src/protocol/parser.js';
import type { Reply } from '../../src/protocol/reply.js';

/**
 * The read path of a plain socket without the socket: a ReadPlanner choosing where each
 * read lands and parseReplies() with that planner, as a connection pipes them. `read` hands
 * over what a read put at the start of the buffer `planner.buffer()` gave, as the socket does.
 */
export function plannedReads() {
  const planner = new ReadPlanner();
  const chunks = new Subject<Uint8Array>();
  const replies: Reply[] = [];
  const errors: unknown[] = [];
  chunks.pipe(parseReplies({ reusesChunks: true, keepChunkMinBytes: KEEP_CHUNK_MIN_BYTES, planner })).subscribe({
    next: (reply) => replies.push(reply),
    error: (error: unknown) => errors.push(error),
  });
  const read = (buffer: Buffer, bytes: number): void =>
    chunks.next(bytes === buffer.length ? buffer : buffer.subarray(0, bytes));
  return { planner, replies, errors, read };
}
