/** Where an error happened: the connection's name, the command line sent and the reply line. */
export interface ErrorContext {
  readonly connection?: string;
  readonly command?: string;
  readonly reply?: string;
}

/** Base of every error this library raises; says which connection, command and reply. */
export class BeanstalkError extends Error {
  /** The message without the context suffix, to re-raise the error with more context. */
  readonly reason: string;
  readonly connection: string | undefined;
  readonly command: string | undefined;
  readonly reply: string | undefined;

  constructor(message: string, context: ErrorContext = {}) {
    super(describe(message, context));
    this.name = new.target.name;
    this.reason = message;
    this.connection = context.connection;
    this.command = context.command;
    this.reply = context.reply;
  }
}

function describe(message: string, { connection, command, reply }: ErrorContext): string {
  const where = [
    connection === undefined ? '' : `[${connection}]`,
    command === undefined ? '' : `command "${command}"`,
    reply === undefined ? '' : `reply "${reply}"`,
  ].filter(Boolean);
  return where.length ? `${message} (${where.join(', ')})` : message;
}

/** The server replied OUT_OF_MEMORY. */
export class OutOfMemoryError extends BeanstalkError {}
/** The server replied INTERNAL_ERROR. */
export class InternalError extends BeanstalkError {}
/** The server is in drain mode and refuses new jobs. */
export class DrainingError extends BeanstalkError {}
/** The job exists but was buried by the server (it could not grow a queue). */
export class BuriedError extends BeanstalkError {
  constructor(
    message: string,
    context: ErrorContext,
    readonly id: number | undefined,
  ) {
    super(message, context);
  }
}
/** The body is longer than the server's max-job-size. */
export class JobTooBigError extends BeanstalkError {}
/** A job reserved on this connection is inside its TTR safety margin. */
export class DeadlineSoonError extends BeanstalkError {}
/** The job or tube does not exist, or is reserved by another connection. */
export class NotFoundError extends BeanstalkError {}
/** The tube is the last one watched and cannot be ignored. */
export class NotIgnoredError extends BeanstalkError {}
/** The server found the command malformed. */
export class BadFormatError extends BeanstalkError {}
/** The server did not know the command. */
export class UnknownCommandError extends BeanstalkError {}
/** The server did not find CRLF after a job body. */
export class ExpectedCrlfError extends BeanstalkError {}
/** The server sent something this client cannot read; the connection is reset. */
export class BadReplyError extends BeanstalkError {}
/** A tube name that the server would refuse (or that would inject protocol). */
export class InvalidTubeNameError extends BeanstalkError {}
/** An argument outside what the protocol allows; nothing was sent. */
export class InvalidArgumentError extends BeanstalkError {}
/** A job was used after it was deleted, released or buried; nothing was sent. */
export class JobSettledError extends BeanstalkError {}

/** The connection failed, closed or timed out before the command got its reply. */
export class ConnectionError extends BeanstalkError {
  /** True when the command was written, so the server may have acted on it. */
  readonly mayHaveReachedServer: boolean;
  constructor(message: string, context: ErrorContext = {}, mayHaveReachedServer = false) {
    super(message, context);
    this.mayHaveReachedServer = mayHaveReachedServer;
  }
}

/** A command got no reply within the configured command timeout. */
export class CommandTimeoutError extends ConnectionError {}

/** Too many commands (or bytes) already wait on the connection, or its offline queue is full; nothing was sent. */
export class QueueFullError extends ConnectionError {}

/** Server reply words that mean failure, and the error class each becomes. */
const failureClasses = {
  OUT_OF_MEMORY: OutOfMemoryError,
  INTERNAL_ERROR: InternalError,
  DRAINING: DrainingError,
  JOB_TOO_BIG: JobTooBigError,
  DEADLINE_SOON: DeadlineSoonError,
  NOT_FOUND: NotFoundError,
  NOT_IGNORED: NotIgnoredError,
  BAD_FORMAT: BadFormatError,
  UNKNOWN_COMMAND: UnknownCommandError,
  EXPECTED_CRLF: ExpectedCrlfError,
} as const;

/**
 * The typed error for a reply that the command did not expect as success.
 * A known failure word maps to its class; anything else is a BadReplyError,
 * because it means requests and replies no longer line up.
 */
export function errorForReply(word: string, context: ErrorContext, id?: number): BeanstalkError {
  if (word === 'BURIED') return new BuriedError('job was buried by the server', context, id);
  const Failure = Object.hasOwn(failureClasses, word)
    ? (failureClasses as Record<string, typeof BeanstalkError>)[word]
    : undefined;
  if (Failure) return new Failure(word.toLowerCase().replace(/_/g, ' '), context);
  return new BadReplyError('unexpected reply for this command', context);
}
