import {
  BeanstalkError,
  ConnectionError,
  DrainingError,
  InvalidArgumentError,
  InvalidTubeNameError,
  JobTooBigError,
  NotFoundError,
} from '../protocol/errors.js';

/** rxbs exit codes; the README's "Command line: rxbs" section lists them. */
export const ExitCode = {
  ok: 0,
  /** The server refused the command, or something unexpected failed. */
  failed: 1,
  /** Bad arguments or input: nothing was sent. */
  usage: 2,
  /** No such job or tube, or nothing to peek or reserve. */
  notFound: 3,
  /** Could not connect, or the connection was lost or timed out. */
  connection: 4,
  /** Not confirmed: the answer was no, or there was no terminal to ask and no --yes. */
  cancelled: 5,
  /** Stopped by Ctrl-C (SIGINT) before the work was done. */
  interrupted: 130,
} as const;

/** An error meant for the person at the terminal: its message is the whole story. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Bad arguments or input: exit code 2. */
export const usageError = (message: string): CliError => new CliError(message, ExitCode.usage);
/** No such job or tube: exit code 3. */
export const notFound = (message: string): CliError => new CliError(message, ExitCode.notFound);

/** For `.catch()`: the server's NOT_FOUND becomes `message` with the not-found exit code. */
export const rethrowNotFound =
  (message: string) =>
  (error: unknown): never => {
    throw error instanceof NotFoundError ? notFound(message) : error;
  };

/** Socket error codes in a connection error's text, and what to tell the user. */
const SOCKET_HINTS: ReadonlyArray<readonly [string, string]> = [
  ['ECONNREFUSED', 'connection refused; is beanstalkd running there?'],
  ['ENOENT', 'no such UNIX socket'],
  ['EACCES', 'permission denied'],
  ['ENOTFOUND', 'unknown host'],
  ['EAI_AGAIN', 'host name lookup failed'],
  ['ETIMEDOUT', 'timed out'],
  ['ECONNRESET', 'the server reset the connection'],
  ['EHOSTUNREACH', 'host unreachable'],
];

/** Turns any error into one line and an exit code; no stack trace unless RXBS_DEBUG is set. */
export function explain(error: unknown, url: string): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof InvalidArgumentError || error instanceof InvalidTubeNameError) {
    return { message: error.reason, exitCode: ExitCode.usage };
  }
  if (error instanceof NotFoundError) {
    return { message: `not found (${error.command ?? 'command'})`, exitCode: ExitCode.notFound };
  }
  if (error instanceof ConnectionError) {
    const hint = SOCKET_HINTS.find(([code]) => error.reason.includes(code));
    const what = hint ? `cannot connect to ${url}: ${hint[1]}` : `connection to ${url} failed: ${error.reason}`;
    return { message: `${what} (set --url or BEANSTALKD_URL)`, exitCode: ExitCode.connection };
  }
  if (error instanceof DrainingError) {
    return { message: 'the server is in drain mode and takes no new jobs', exitCode: ExitCode.failed };
  }
  if (error instanceof JobTooBigError) {
    return { message: "the job body is larger than the server's max-job-size", exitCode: ExitCode.failed };
  }
  if (error instanceof BeanstalkError) {
    return { message: `the server refused: ${error.reply ?? error.reason} (${error.command ?? ''})`, exitCode: 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: ExitCode.failed };
}
