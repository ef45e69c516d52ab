import { BadReplyError, InvalidArgumentError, errorForReply } from './errors.js';
import type { Reply, ReplyWord } from './reply.js';
import { decodeJobStats, decodeServerStats, decodeTubeList, decodeTubeStats } from './stats.js';
import type { JobStats, ServerStats, TubeStats } from './stats.js';
import {
  MAX_BODY_BYTES,
  MAX_UINT32,
  checkInteger,
  checkJobId,
  checkLine,
  checkReserveTimeout,
  checkTubeName,
  checkUint32,
  toBodyBytes,
} from './validate.js';

/** Returned by a decoder when the query legitimately found nothing: the Observable completes empty. */
export const NOTHING: unique symbol = Symbol('nothing');
export type Decoded<T> = T | typeof NOTHING;

/** A job as the server hands it out (reserve, peek). */
export interface JobData {
  readonly id: number;
  readonly body: Buffer;
}

/** What a decoder needs of its command: the typed error for an unexpected reply. */
interface FailureSource {
  readonly line: string;
  failure(reply: Reply, connection: string): Error;
}

type Decoder<T> = (reply: Reply, command: FailureSource, connection: string) => Decoded<T>;

/**
 * One command, encoded and validated, with what it needs from the connection
 * (a used tube, a watch set) and how to read its reply. Creating one validates
 * every argument, so a bad argument throws before anything reaches a socket.
 */
export class Command<T> {
  constructor(
    /** The command line without CRLF; at most 222 bytes. */
    readonly line: string,
    readonly decoder: Decoder<T>,
    readonly options: {
      readonly body?: Buffer;
      /** The tube that must be in use when this command runs. */
      readonly use?: string;
      /** The exact watch set this command needs. */
      readonly watch?: readonly string[];
      /** Seconds the server may legitimately hold the reply: a number, or Infinity for reserve. */
      readonly waits?: number;
      /** Safe to send again after a connection loss (it changes nothing on the server). */
      readonly idempotent?: boolean;
      /** The server sends no reply (quit). */
      readonly noReply?: boolean;
    } = {},
  ) {
    checkLine(line);
  }

  get body(): Buffer | undefined {
    return this.options.body;
  }

  decode(reply: Reply, connection: string): Decoded<T> {
    return this.decoder(reply, this, connection);
  }

  /** The typed error for a reply that is not this command's success. */
  failure(reply: Reply, connection: string): Error {
    const id = reply.args[0] === undefined ? undefined : Number(reply.args[0]);
    return errorForReply(reply.word, { connection, command: this.line, reply: reply.line }, id);
  }
}

// ---- reply decoders: module-level functions, so a command allocates no closure ----

function expecting<T>(word: ReplyWord, value: (reply: Reply) => Decoded<T>): Decoder<T> {
  return (reply, command, connection) => {
    if (reply.word === word) return value(reply);
    throw command.failure(reply, connection);
  };
}

const firstNumber = (reply: Reply): number => Number(reply.args[0]);
const nothing = (): undefined => undefined;
const jobData = (reply: Reply): JobData => ({ id: Number(reply.args[0]), body: reply.body ?? Buffer.alloc(0) });

const insertedId = expecting('INSERTED', firstNumber);
const done = (word: ReplyWord): Decoder<void> => expecting<void>(word, nothing);
const deleted = done('DELETED');
const released = done('RELEASED');
const buried = done('BURIED');
const touched = done('TOUCHED');
const kickedJob = done('KICKED');
const paused = done('PAUSED');
const watching = expecting('WATCHING', firstNumber);
const kicked = expecting('KICKED', firstNumber);
const using = expecting('USING', (reply) => reply.args[0]);
const okBody = <T>(decode: (body: Buffer) => T): Decoder<T> =>
  expecting('OK', (reply) => decode(reply.body ?? Buffer.alloc(0)));

/** FOUND gives the job; NOT_FOUND means nothing there, which is not an error for peeks. */
const found: Decoder<JobData> = (reply, command, connection) => {
  if (reply.word === 'FOUND') return jobData(reply);
  if (reply.word === 'NOT_FOUND') return NOTHING;
  throw command.failure(reply, connection);
};

/** RESERVED gives the job; TIMED_OUT completes empty; DEADLINE_SOON is a typed error. */
const reserved: Decoder<JobData> = (reply, command, connection) => {
  if (reply.word === 'RESERVED') return jobData(reply);
  if (reply.word === 'TIMED_OUT') return NOTHING;
  throw command.failure(reply, connection);
};

const reservedJob: Decoder<JobData> = (reply, command, connection) => {
  if (reply.word === 'RESERVED') return jobData(reply);
  throw command.failure(reply, connection);
};

const serverStats = okBody(decodeServerStats);
const tubeStats = okBody(decodeTubeStats);
const jobStats = okBody(decodeJobStats);
const tubeList = okBody(decodeTubeList);
const noReply: Decoder<void> = (reply, command, connection) => {
  throw new BadReplyError('quit expects no reply', { connection, command: command.line, reply: reply.line });
};

// ---- command factories ----

export interface PutOptions {
  /** 0 (most urgent) .. 4294967295. Default 1024. */
  readonly priority?: number;
  /** Seconds before the job becomes ready. Default 0. */
  readonly delay?: number;
  /** Seconds a worker may hold the job before it is handed out again: 1 or more (0 is refused). Default 60. */
  readonly ttr?: number;
}

export const DEFAULT_PRIORITY = 1024;
export const DEFAULT_TTR = 60;

export function put(tube: string, body: unknown, options: PutOptions = {}, maxBytes = MAX_BODY_BYTES): Command<number> {
  checkTubeName(tube);
  const priority = checkUint32('priority', options.priority ?? DEFAULT_PRIORITY);
  const delay = checkUint32('delay', options.delay ?? 0);
  // The server turns 0 into 1; refused here so that the job gets what the caller asked for.
  const ttr = checkInteger('ttr', options.ttr ?? DEFAULT_TTR, 1, MAX_UINT32);
  const bytes = toBodyBytes(body, maxBytes);
  return new Command(`put ${priority} ${delay} ${ttr} ${bytes.length}`, insertedId, { body: bytes, use: tube });
}

export const use = (tube: string): Command<string> =>
  new Command(`use ${checkTubeName(tube)}`, using, { idempotent: true });

export const watch = (tube: string): Command<number> =>
  new Command(`watch ${checkTubeName(tube)}`, watching, { idempotent: true });

export const ignore = (tube: string): Command<number> =>
  new Command(`ignore ${checkTubeName(tube)}`, watching, { idempotent: true });

/**
 * Frozen watch sets already checked, mapped to their checked form: a reserve stream sends
 * the same set for every job, so it is validated once, and the connection sees the very
 * same array each time (no set comparison). Only frozen arrays: they cannot change later.
 */
const checkedWatchSets = new WeakMap<readonly string[], readonly string[]>();

function checkWatchSet(tubes: readonly string[]): readonly string[] {
  const known = checkedWatchSets.get(tubes);
  if (known) return known;
  if (tubes.length === 0) throw new InvalidArgumentError('a watch set needs at least one tube');
  const checked = Object.freeze([...new Set(tubes.map(checkTubeName))]);
  checkedWatchSets.set(checked, checked);
  if (Object.isFrozen(tubes)) checkedWatchSets.set(tubes, checked);
  return checked;
}

/** Blocking reserve on the given watch set. A dropped connection hands its job back, so resending is safe. */
export const reserve = (tubes: readonly string[]): Command<JobData> =>
  new Command('reserve', reserved, { watch: checkWatchSet(tubes), waits: Infinity, idempotent: true });

export function reserveWithTimeout(tubes: readonly string[], seconds: number): Command<JobData> {
  const timeout = checkReserveTimeout(seconds);
  return new Command(`reserve-with-timeout ${timeout}`, reserved, {
    watch: checkWatchSet(tubes),
    waits: timeout,
    idempotent: true,
  });
}

export const reserveJob = (id: number): Command<JobData> =>
  new Command(`reserve-job ${checkJobId(id)}`, reservedJob, { idempotent: true });

export const deleteJob = (id: number): Command<void> => new Command(`delete ${checkJobId(id)}`, deleted);

export const release = (id: number, priority: number, delay: number): Command<void> =>
  new Command(
    `release ${checkJobId(id)} ${checkUint32('priority', priority)} ${checkUint32('delay', delay)}`,
    released,
  );

export const bury = (id: number, priority: number): Command<void> =>
  new Command(`bury ${checkJobId(id)} ${checkUint32('priority', priority)}`, buried);

export const touch = (id: number): Command<void> => new Command(`touch ${checkJobId(id)}`, touched);

export const peek = (id: number): Command<JobData> =>
  new Command(`peek ${checkJobId(id)}`, found, { idempotent: true });

export const peekReady = (tube: string): Command<JobData> =>
  new Command('peek-ready', found, { use: checkTubeName(tube), idempotent: true });

export const peekDelayed = (tube: string): Command<JobData> =>
  new Command('peek-delayed', found, { use: checkTubeName(tube), idempotent: true });

export const peekBuried = (tube: string): Command<JobData> =>
  new Command('peek-buried', found, { use: checkTubeName(tube), idempotent: true });

export const kick = (tube: string, bound: number): Command<number> =>
  new Command(`kick ${checkUint32('kick bound', bound)}`, kicked, { use: checkTubeName(tube) });

export const kickJob = (id: number): Command<void> => new Command(`kick-job ${checkJobId(id)}`, kickedJob);

export const statsJob = (id: number): Command<JobStats> =>
  new Command(`stats-job ${checkJobId(id)}`, jobStats, { idempotent: true });

export const statsTube = (tube: string): Command<TubeStats> =>
  new Command(`stats-tube ${checkTubeName(tube)}`, tubeStats, { idempotent: true });

export const stats = (): Command<ServerStats> => new Command('stats', serverStats, { idempotent: true });

export const listTubes = (): Command<string[]> => new Command('list-tubes', tubeList, { idempotent: true });

export const listTubeUsed = (): Command<string> => new Command('list-tube-used', using, { idempotent: true });

export const listTubesWatched = (): Command<string[]> =>
  new Command('list-tubes-watched', tubeList, { idempotent: true });

export const pauseTube = (tube: string, seconds: number): Command<void> =>
  new Command(`pause-tube ${checkTubeName(tube)} ${checkUint32('pause seconds', seconds)}`, paused);

export const quit = (): Command<void> => new Command('quit', noReply, { noReply: true });
