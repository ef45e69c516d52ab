import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Beanstalk, Job } from '../../client/index.js';
import { InvalidArgumentError, InvalidTubeNameError, NotFoundError } from '../../protocol/errors.js';
import { checkInteger, checkTubeName } from '../../protocol/validate.js';
import { viewBody } from './body-view.js';
import { drainTube, moveBuried, peek, unlessGone } from './bulk.js';

/** One beanstalkd the console shows, and the client that talks to it. */
export interface ConsoleServer {
  readonly url: string;
  readonly client: Beanstalk;
}

/** What the page posts: the action's name comes from the path, its arguments from the JSON body. */
export type ActionInput = Readonly<Record<string, unknown>>;

type Action = (servers: readonly ConsoleServer[], input: ActionInput) => Promise<unknown>;

const UINT32 = 4294967295;
const maybe = <T>(source: Observable<T>): Promise<T | undefined> => firstValueFrom(source, { defaultValue: undefined });

function server(servers: readonly ConsoleServer[], input: ActionInput, key = 'server'): ConsoleServer {
  const index = checkInteger(key, input[key] ?? 0, 0, servers.length - 1);
  return servers[index];
}

const id = (input: ActionInput) => checkInteger('id', input.id, 1, Number.MAX_SAFE_INTEGER);
const tube = (input: ActionInput, key = 'tube') => checkTubeName(input[key]);

/** A job as the page shows it: id, the server's stats, and the body made safe to display. */
async function describe(client: Beanstalk, job: Job | undefined): Promise<unknown> {
  if (job === undefined) return { job: null };
  const stats = await unlessGone(firstValueFrom(client.statsJob(job.id)));
  return { job: { id: job.id, stats: stats ?? null, body: viewBody(job.body) } };
}

/** Every action the page can ask for, by name. All are POSTs; each validates its input first. */
export const ACTIONS: Readonly<Record<string, Action>> = {
  async peek(servers, input) {
    const { client } = server(servers, input);
    const state = input.state;
    if (state !== 'ready' && state !== 'delayed' && state !== 'buried') {
      throw new InvalidArgumentError('state must be ready, delayed or buried');
    }
    return describe(client, await maybe(peek(client, tube(input), state)));
  },
  async 'peek-job'(servers, input) {
    const { client } = server(servers, input);
    return describe(client, await maybe(client.peek(id(input))));
  },
  async 'job-stats'(servers, input) {
    const { client } = server(servers, input);
    return { stats: await firstValueFrom(client.statsJob(id(input))) };
  },
  async delete(servers, input) {
    const { client } = server(servers, input);
    await lastValueFrom(client.delete(id(input)), { defaultValue: undefined });
    return { deleted: 1 };
  },
  async 'kick-job'(servers, input) {
    const { client } = server(servers, input);
    await lastValueFrom(client.kickJob(id(input)), { defaultValue: undefined });
    return { kicked: 1 };
  },
  async kick(servers, input) {
    const { client } = server(servers, input);
    const bound = checkInteger('n', input.n, 1, UINT32);
    return { kicked: await firstValueFrom(client.tube(tube(input)).kick(bound)) };
  },
  async pause(servers, input) {
    const { client } = server(servers, input);
    const seconds = checkInteger('seconds', input.seconds, 0, UINT32);
    await lastValueFrom(client.tube(tube(input)).pause(seconds), { defaultValue: undefined });
    return { paused: seconds };
  },
  async drain(servers, input) {
    const { client } = server(servers, input);
    const name = tube(input);
    // The page asks the operator to type the tube's name; the server checks it again.
    if (input.confirm !== name) throw new InvalidArgumentError('confirm must repeat the tube name exactly');
    return { deleted: await drainTube(client, name) };
  },
  async move(servers, input) {
    const from = server(servers, input);
    const to = server(servers, input, 'toServer');
    const source = tube(input);
    const target = tube(input, 'to');
    if (from === to && source === target) throw new InvalidArgumentError('the target tube is the source tube');
    const limit = input.n === undefined ? Infinity : checkInteger('n', input.n, 1, Number.MAX_SAFE_INTEGER);
    return moveBuried(from.client, source, to.client, target, limit);
  },
};

/** The HTTP status for an action's failure: bad input 400, missing job or tube 404, the rest 502. */
export function statusOf(error: unknown): number {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof InvalidArgumentError || error instanceof InvalidTubeNameError) return 400;
  return 502;
}
