/**
 * Producer: puts jobs into a tube, pipelined on one connection, and prints their ids.
 *
 *   npx tsx examples/producer.ts [beanstalk://127.0.0.1:11300] [count]
 */
import { Beanstalk } from 'rx-beanstalk';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';

export const TUBE = 'greetings';

/** Puts `count` jobs into the "greetings" tube and resolves with their ids, in order. */
export async function main(url: string, count = 10): Promise<number[]> {
  const bs = Beanstalk.connect(url, { name: 'producer' });
  const greetings = bs.tube(TUBE);
  try {
    return await lastValueFrom(
      from(Array.from({ length: count }, (_, i) => `hello #${i + 1}`)).pipe(
        // Up to 100 puts in flight: they leave in as few socket writes as possible,
        // and replies come back in order, so the ids are in order too.
        mergeMap((body) => greetings.put(body, { priority: 100, ttr: 30 }), 100),
        toArray(),
      ),
    );
  } finally {
    await bs.close(); // lets the last puts finish, then closes the socket
  }
}

if (require.main === module) {
  const [url = process.env.BEANSTALKD_URL ?? 'beanstalk://127.0.0.1:11300', count = '10'] = process.argv.slice(2);
  main(url, Number(count)).then(
    (ids) => console.log(`put ${ids.length} jobs into "${TUBE}": ${ids.join(', ')}`),
    (error: unknown) => {
      console.error(String(error));
      process.exitCode = 1;
    },
  );
}
