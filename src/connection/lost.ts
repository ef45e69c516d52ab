import { BadReplyError, CommandTimeoutError, ConnectionError } from '../protocol/errors.js';
import type { ErrorContext } from '../protocol/errors.js';
import { reasonOf } from './deliver.js';
import type { Pending } from './pending.js';
import type { Queue } from './queue.js';

/** Why a socket was lost, and what the connection will do next. */
export interface Loss {
  readonly error: Error | undefined;
  /** The command whose reply was unreadable (it gets the BadReplyError). */
  readonly culprit: Pending | undefined;
  readonly reconnecting: boolean;
  readonly maxResends: number;
}

/**
 * Empties `inflight` after a socket loss, per the README's fault table: the command whose
 * reply was unreadable fails with BadReplyError; safe commands are resent (a blocking
 * reserve for as long as the connection reconnects, others up to `maxResends` times, none
 * after a command timeout: the server was silent for the whole bound); the rest fail with
 * ConnectionError (CommandTimeoutError after a timeout), `mayHaveReachedServer: true`.
 * One pass, O(n). Returns the commands to resend, oldest first.
 */
export function sortLost(
  inflight: Queue<Pending>,
  loss: Loss,
  fail: (pending: Pending, error: Error) => void,
  context: (pending: Pending) => ErrorContext,
): Pending[] {
  const { error, culprit } = loss;
  const timedOut = error instanceof CommandTimeoutError;
  const reason = `connection lost before the reply${error ? `: ${reasonOf(error)}` : ''}`;
  const resend: Pending[] = [];
  for (let pending = inflight.shift(); pending; pending = inflight.shift()) {
    if (!pending.subscriber || pending.cancelled) continue;
    if (pending === culprit && error instanceof BadReplyError) {
      // The parser knew the reply; the connection knows which command it answered.
      fail(pending, new BadReplyError(error.reason, { ...context(pending), reply: error.reply }));
    } else if (loss.reconnecting && mayResend(pending, timedOut, loss.maxResends)) {
      resend.push(pending);
    } else {
      const Failure = timedOut ? CommandTimeoutError : ConnectionError;
      fail(pending, new Failure(reason, context(pending), true));
    }
  }
  return resend;
}

function mayResend(pending: Pending, timedOut: boolean, maxResends: number): boolean {
  const options = pending.command.options;
  if (!options.idempotent) return false;
  if (options.waits === Infinity) return true;
  return !timedOut && pending.resends < maxResends;
}
