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
  offset += target.write(command.line, offset, 'latin1');
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
