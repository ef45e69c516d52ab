const CRLF_LENGTH = 2;
const CR = 13;
const LF = 10;

/** What the encoder needs of a command: its line and, for put, its body. */
export interface Encodable {
  readonly line: string;
  readonly body?: Buffer | undefined;
}

/** Bytes one command takes on the wire. Lines are validated ASCII, so characters are bytes. */
export function encodedLength(command: Encodable): number {
  const body = command.body;
  return command.line.length + CRLF_LENGTH + (body ? body.length + CRLF_LENGTH : 0);
}

/** Writes one command at `offset` and returns the offset after it. */
export function encodeInto(target: Buffer, offset: number, command: Encodable): number {
  const line = command.line;
  // Lines are short validated ASCII: a loop beats a call into Buffer#write here.
  for (let i = 0; i < line.length; i++) target[offset++] = line.charCodeAt(i);
  target[offset++] = CR;
  target[offset++] = LF;
  const body = command.body;
  if (body) {
    offset += body.copy(target, offset);
    target[offset++] = CR;
    target[offset++] = LF;
  }
  return offset;
}

/** Encodes commands into one buffer, so a batch leaves in a single socket write. */
export function encode(commands: readonly Encodable[]): Buffer {
  let total = 0;
  for (const command of commands) total += encodedLength(command);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const command of commands) offset = encodeInto(out, offset, command);
  return out;
}

/**
 * Bodies at least this long are written by reference (one writev), not copied into the
 * batch buffer: copying a 60 KB body costs more than the extra iovec entry.
 */
export const INLINE_BODY_LIMIT = 16 * 1024;

/**
 * Encodes a batch as few buffers as possible for one vectored write: lines and small
 * bodies packed together, large bodies passed through as they are (no copy). The
 * buffers, concatenated, are exactly `encode(commands)`.
 */
export function encodeSegments(commands: readonly Encodable[], inlineBodyLimit = INLINE_BODY_LIMIT): Buffer[] {
  let packed = 0;
  for (const command of commands) {
    const body = command.body;
    packed += body && body.length >= inlineBodyLimit ? command.line.length + 2 * CRLF_LENGTH : encodedLength(command);
  }
  const out = Buffer.allocUnsafe(packed);
  const segments: Buffer[] = [];
  let start = 0;
  let offset = 0;
  for (const command of commands) {
    const body = command.body;
    if (!body || body.length < inlineBodyLimit) {
      offset = encodeInto(out, offset, command);
      continue;
    }
    offset = encodeInto(out, offset, { line: command.line });
    segments.push(out.subarray(start, offset), body);
    start = offset;
    out[offset++] = CR;
    out[offset++] = LF;
  }
  // The bytes after the last body passed by reference; with none, the one buffer is the batch.
  if (offset > start) segments.push(start === 0 ? out : out.subarray(start, offset));
  return segments;
}
