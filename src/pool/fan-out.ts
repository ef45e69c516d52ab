import { Observable, catchError, defaultIfEmpty, forkJoin, map, merge, of, throwError, toArray } from 'rxjs';
import type { Beanstalk } from '../client/beanstalk.js';
import { ConnectionError, NotFoundError } from '../protocol/errors.js';
import type { ServerLink } from './server-link.js';
import { sumStats } from './stats-sum.js';
import type { PooledStats, ServerAnswer } from './stats-sum.js';

/** Asks every server at once; each answer or error is kept with its server, none fails the whole. */
export function askAll<T>(
  servers: readonly ServerLink[],
  ask: (client: Beanstalk, server: ServerLink) => Observable<T>,
): Observable<ServerAnswer<T>[]> {
  return forkJoin(
    servers.map((server) =>
      server
        .withClient((client) => ask(client, server))
        .pipe(
          map((value): ServerAnswer<T> => ({ server: server.server, state: server.state, value })),
          defaultIfEmpty<ServerAnswer<T>, ServerAnswer<T>>({ server: server.server, state: server.state }),
          catchError((error: unknown) => of<ServerAnswer<T>>({ server: server.server, state: server.state, error })),
        ),
    ),
  );
}

/**
 * Stats summed over the servers that answered, with every server's part. Fails only when
 * none answered: with NotFoundError when the tube exists nowhere, else the first error.
 */
export function pooledStats<T extends Readonly<Record<string, number | string | boolean>>>(
  servers: readonly ServerLink[],
  ask: (client: Beanstalk) => Observable<T>,
): Observable<PooledStats<T>> {
  return askAll(servers, ask).pipe(
    map((answers) => {
      const values = answers.flatMap((answer) => (answer.value === undefined ? [] : [answer.value]));
      if (values.length === 0) {
        const errors = answers.map((answer) => answer.error);
        throw errors.find((error) => error instanceof NotFoundError) ?? errors[0];
      }
      return { total: sumStats(values), servers: answers };
    }),
  );
}

/** Every job a query finds on the servers that are up (at most one per server for peeks), tagged with its server. */
export function findOnEvery<J>(
  servers: readonly ServerLink[],
  find: (client: Beanstalk, server: ServerLink) => Observable<J>,
): Observable<J> {
  return merge(
    ...servers.map((server) =>
      server
        .withClient((client) => find(client, server))
        .pipe(
          catchError((error: unknown) => (error instanceof ConnectionError ? of<never>() : throwError(() => error))),
        ),
    ),
  );
}

/**
 * A command that changes state on every server (pause, kick): sent to all that are up;
 * emits each server's result once all answered, or fails with a ConnectionError naming
 * the servers it could not reach (the others did act on it).
 */
export function onEvery<T>(
  servers: readonly ServerLink[],
  command: (client: Beanstalk, server: ServerLink) => Observable<T>,
): Observable<ServerAnswer<T>[]> {
  return askAll(servers, (client, server) => command(client, server).pipe(toArray())).pipe(
    map((answers) => {
      const failed = answers.filter((answer) => answer.error !== undefined);
      const other = failed.find((answer) => !(answer.error instanceof ConnectionError));
      if (other) throw other.error;
      if (failed.length > 0) {
        const names = failed.map((answer) => answer.server.name).join(', ');
        const reached = failed.some((answer) => (answer.error as ConnectionError).mayHaveReachedServer);
        throw new ConnectionError(`not done on ${names}: ${String(failed[0].error)}`, {}, reached);
      }
      return answers.map((answer) => ({ ...answer, value: answer.value?.[answer.value.length - 1] }));
    }),
  );
}
