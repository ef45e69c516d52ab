import * as commands from '../../src/protocol/commands.js';
import type { Command } from '../../src/protocol/commands.js';
import { BadReplyError, CommandTimeoutError, ConnectionError } from '../../src/protocol/errors.js';
import { sortLost } from '../../src/connection/lost.js';
import type { Loss } from '../../src/connection/lost.js';
import { Pending } from '../../src/connection/pending.js';
import { Queue } from '../../src/connection/queue.js';

// The rules that decide, after a socket loss, which commands in flight are resent and how the
// others fail (README: "What happens when things go wrong").

const sink = { next: () => undefined, error: () => undefined, complete: () => undefined };

function inflight(...list: Command<unknown>[]): { queue: Queue<Pending>; pendings: Pending[] } {
  const queue = new Queue<Pending>();
  const pendings = list.map((command) => new Pending(command, sink));
  for (const pending of pendings) queue.push(pending);
  return { queue, pendings };
}

function sort(queue: Queue<Pending>, loss: Partial<Loss>) {
  const failed = new Map<Pending, Error>();
  const resend = sortLost(
    queue,
    { error: undefined, culprit: undefined, reconnecting: true, maxResends: 3, ...loss },
    (pending, error) => failed.set(pending, error),
    (pending) => ({ connection: 'c', command: pending.command.line }),
  );
  expect(queue.length).toBe(0);
  return { resend, failed };
}

test('safe commands are resent, oldest first; the rest fail saying they may have reached the server', () => {
  const { queue, pendings } = inflight(commands.stats(), commands.put('t', 'x'), commands.peek(1));
  const { resend, failed } = sort(queue, { error: new Error('read ECONNRESET') });
  expect(resend).toEqual([pendings[0], pendings[2]]);
  const error = failed.get(pendings[1]) as ConnectionError;
  expect(error).toBeInstanceOf(ConnectionError);
  expect(error).not.toBeInstanceOf(CommandTimeoutError);
  expect(error.reason).toBe('connection lost before the reply: read ECONNRESET');
  expect(error.connection).toBe('c');
  expect(error.command).toBe('put 1024 0 60 1');
  expect(error.mayHaveReachedServer).toBe(true);
  expect(failed.size).toBe(1);
});

test('a loss with no error says only that the connection was lost', () => {
  const { queue, pendings } = inflight(commands.deleteJob(5));
  const { failed } = sort(queue, {});
  expect((failed.get(pendings[0]) as ConnectionError).reason).toBe('connection lost before the reply');
});

test('a BeanstalkError cause is quoted without its context suffix', () => {
  const { queue, pendings } = inflight(commands.deleteJob(5));
  const { failed } = sort(queue, {
    error: new ConnectionError('the server closed the connection', { connection: 'x' }),
  });
  expect((failed.get(pendings[0]) as ConnectionError).reason).toBe(
    'connection lost before the reply: the server closed the connection',
  );
});

test('nothing is resent when the connection will not reconnect', () => {
  const { queue, pendings } = inflight(commands.stats(), commands.reserve(['t']));
  const { resend, failed } = sort(queue, { reconnecting: false });
  expect(resend).toEqual([]);
  expect([...failed.keys()]).toEqual(pendings);
});

test('a safe command is resent while it has resends left', () => {
  const { queue, pendings } = inflight(commands.stats(), commands.stats());
  pendings[0].resends = 2;
  pendings[1].resends = 3;
  const { resend, failed } = sort(queue, { maxResends: 3 });
  expect(resend).toEqual([pendings[0]]);
  expect(failed.get(pendings[1])).toBeInstanceOf(ConnectionError);
});

test('a blocking reserve is resent for ever, even after a command timeout; a reserve with a timeout is not', () => {
  const { queue, pendings } = inflight(
    commands.reserve(['t']),
    commands.reserveWithTimeout(['t'], 5),
    commands.stats(),
  );
  pendings[0].resends = 1000;
  const timeout = new CommandTimeoutError('no reply within 100 ms', { connection: 'c' });
  const { resend, failed } = sort(queue, { error: timeout, maxResends: 3 });
  expect(resend).toEqual([pendings[0]]);
  for (const pending of pendings.slice(1)) {
    const error = failed.get(pending) as CommandTimeoutError;
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(error.reason).toBe('connection lost before the reply: no reply within 100 ms');
    expect(error.mayHaveReachedServer).toBe(true);
  }
});

test('the command whose reply was unreadable gets the BadReplyError, with its own command line', () => {
  const { queue, pendings } = inflight(commands.stats(), commands.listTubes(), commands.put('t', 'x'));
  const bad = new BadReplyError('unknown reply', { connection: 'c', reply: 'BOGUS' });
  const { resend, failed } = sort(queue, { error: bad, culprit: pendings[1] });
  expect(resend).toEqual([pendings[0]]); // a safe command before it is resent
  const error = failed.get(pendings[1]) as BadReplyError;
  expect(error).toBeInstanceOf(BadReplyError);
  expect(error.reason).toBe('unknown reply');
  expect(error.command).toBe('list-tubes');
  expect(error.connection).toBe('c');
  expect(error.reply).toBe('BOGUS');
  const other = failed.get(pendings[2]) as ConnectionError;
  expect(other).toBeInstanceOf(ConnectionError);
  expect(other).not.toBeInstanceOf(BadReplyError);
  expect(other.reason).toBe('connection lost before the reply: unknown reply');
});

test('a culprit is only blamed for a BadReplyError; after another error it is sorted like the rest', () => {
  const { queue, pendings } = inflight(commands.stats());
  const { resend, failed } = sort(queue, { error: new Error('EPIPE'), culprit: pendings[0] });
  expect(resend).toEqual([pendings[0]]);
  expect(failed.size).toBe(0);
});

test("commands given up, and the library's own tube commands, are dropped without a word", () => {
  const queue = new Queue<Pending>();
  const given = new Pending(commands.put('t', 'x'), sink);
  given.unsubscribe();
  const own = new Pending(commands.watch('t'), undefined);
  const live = new Pending(commands.put('t', 'y'), sink);
  for (const pending of [given, own, live]) queue.push(pending);
  const { resend, failed } = sort(queue, { culprit: given, error: new BadReplyError('x') });
  expect(resend).toEqual([]);
  expect([...failed.keys()]).toEqual([live]);
});
