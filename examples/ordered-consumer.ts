/**
 * Ordered consumer: applies ledger entries strictly one after another with `concatMap`, on one
 * lane. beanstalkd hands out jobs of equal priority oldest first, so entries are applied in the
 * order they were put (a job that is released or times out goes to the back, though).
 *
 *   npx tsx examples/ordered-consumer.ts [beanstalk://127.0.0.1:11300]
 */
import { Beanstalk } from 'rx-beanstalk';
import { concatMap, defer, lastValueFrom, map, tap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { runFromCommandLine, stopSignal } from './run.js';

export const TUBE = 'ledger';

export interface Entry {
  readonly account: string;
  readonly amount: number;
}

/** Applies each entry, deletes its job, and emits the account's balance after it. */
export function applyInOrder(bs: Beanstalk, until?: Observable<unknown>): Observable<number> {
  const balances = new Map<string, number>();
  return bs
    .watch(TUBE)
    .reserve({ until }) // one lane: the next job is reserved only after this one is deleted
    .pipe(
      concatMap((job) =>
        defer(async () => {
          const entry = job.json<Entry>();
          await new Promise((resolve) => setTimeout(resolve, 2)); // an update that must not interleave
          const balance = (balances.get(entry.account) ?? 0) + entry.amount;
          balances.set(entry.account, balance);
          return balance;
        }).pipe(concatMap((balance) => job.delete().pipe(map(() => balance)))),
      ),
    );
}

/** Applies entries until `until` emits (default: SIGTERM or SIGINT); resolves with the balances seen. */
export async function main(
  url: string,
  until: Observable<unknown> = stopSignal(),
  log: (line: string) => void = console.log,
): Promise<number[]> {
  const bs = Beanstalk.connect(url, { name: 'ledger' });
  try {
    return await lastValueFrom(
      applyInOrder(bs, until).pipe(
        tap((balance) => log(`balance: ${balance}`)),
        toArray(),
      ),
    );
  } finally {
    await bs.close();
  }
}

if (require.main === module) {
  runFromCommandLine(main, (balances) => console.log(`applied ${balances.length} entries`));
}
