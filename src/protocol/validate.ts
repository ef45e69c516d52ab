import { InvalidArgumentError, InvalidTubeNameError } from './errors.js';

/** Longest command line the server reads, CRLF included (beanstalkd's LINE_BUF_SIZE). */
export const MAX_LINE_BYTES = 224;
/** The largest max-job-size a server can be started with (`-z` is clamped to this). */
export const MAX_BODY_BYTES = 1073741824;
export const MAX_UINT32 = 4294967295;
/** reserve-with-timeout is read into a C int by beanstalkd 1.12; larger values wait forever. */
export const MAX_RESERVE_TIMEOUT = 2147483647;

const TUBE_NAME = /^[A-Za-z0-9+/;.$_()][A-Za-z0-9\-+/;.$_()]{0,199}$/;

/** Names already checked: producers name the same few tubes on every put. Bounded. */
const knownTubeNames = new Set<string>();
const KNOWN_TUBE_NAMES_MAX = 1024;

/** Checks a tube name against the server's rules: 1..200 bytes of `A-Za-z0-9-+/;.$_()`, no leading `-`. */
export function checkTubeName(name: unknown): string {
  if (typeof name === 'string' && knownTubeNames.has(name)) return name;
  if (typeof name !== 'string' || !TUBE_NAME.test(name)) {
    throw new InvalidTubeNameError(
      `invalid tube name ${JSON.stringify(typeof name === 'string' ? name.slice(0, 60) : name)}: ` +
        'use 1..200 of A-Z a-z 0-9 - + / ; . $ _ ( ), not starting with "-"',
    );
  }
  if (knownTubeNames.size < KNOWN_TUBE_NAMES_MAX) knownTubeNames.add(name);
  return name;
}

/** Checks an integer argument lies in [min, max]; `what` names it in the error. */
export function checkInteger(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

export const checkUint32 = (what: string, value: unknown): number => checkInteger(what, value, 0, MAX_UINT32);

/** Job ids are positive safe integers; the server's ids beyond 2^53 are not supported. */
export const checkJobId = (id: unknown): number => checkInteger('job id', id, 1, Number.MAX_SAFE_INTEGER);

export const checkReserveTimeout = (seconds: unknown): number =>
  checkInteger('reserve timeout', seconds, 0, MAX_RESERVE_TIMEOUT);

/**
 * A body as bytes: strings are UTF-8, byte arrays are used without copying. A string is
 * measured before it is encoded, so one over the limit costs no copy (each UTF-16 unit is 1
 * to 3 bytes: only a string between a third of the limit and the limit needs counting).
 */
export function toBodyBytes(body: unknown, maxBytes: number = MAX_BODY_BYTES): Buffer {
  let bytes: Buffer;
  if (typeof body === 'string') {
    // Every UTF-16 unit is at least one byte: a string longer than the limit is refused unmeasured.
    if (body.length > maxBytes) throw tooBig(`at least ${body.length}`, maxBytes);
    const length = body.length * 3 > maxBytes ? Buffer.byteLength(body, 'utf8') : 0;
    if (length > maxBytes) throw tooBig(String(length), maxBytes);
    bytes = Buffer.from(body, 'utf8');
  } else if (body instanceof Uint8Array) {
    bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else throw new InvalidArgumentError(`job body must be a string or Uint8Array, got ${typeof body}`);
  if (bytes.length > maxBytes) throw tooBig(String(bytes.length), maxBytes);
  return bytes;
}

const tooBig = (length: string, maxBytes: number): InvalidArgumentError =>
  new InvalidArgumentError(`job body is ${length} bytes, more than the limit of ${maxBytes}`);

/** Refuses a line the server would misread (see protocol gotcha 1: long lines eat the next command). */
export function checkLine(line: string): string {
  if (line.length + 2 > MAX_LINE_BYTES) {
    throw new InvalidArgumentError(`command line is ${line.length + 2} bytes, over the server's ${MAX_LINE_BYTES}`);
  }
  return line;
}
