import { NOTHING } from '../protocol/commands.js';
import { BadReplyError, BeanstalkError } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import type { Pending } from './pending.js';

/**
 * Hands a reply to the command it answers (or only checks it, for a command given up).
 * Returns the error that must reset the connection, if any: a reply word wrong for its
 * command (the command itself gets the BadReplyError), or a failed use/watch/ignore (the
 * tracked tube state is then unknown).
 */
export function deliver(pending: Pending, reply: Reply, connection: string): Error | undefined {
  const subscriber = pending.subscriber;
  let value: unknown;
  try {
    value = pending.command.decode(reply, connection);
  } catch (error) {
    // The library's own use/watch/ignore: the tube state it tracks is now unknown.
    if (!subscriber) return error as Error;
    // A command given up is still checked: a wrong word means the replies no longer line up.
    if (!pending.cancelled) subscriber.error(error);
    return error instanceof BadReplyError ? error : undefined;
  }
  if (subscriber && !pending.cancelled) {
    if (value !== NOTHING) subscriber.next(value);
    subscriber.complete();
  }
  return undefined;
}

/** An error's message without the context suffix, to quote it inside another error. */
export function reasonOf(error: Error): string {
  return error instanceof BeanstalkError ? error.reason : error.message;
}
