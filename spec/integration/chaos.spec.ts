import { firstValueFrom, forkJoin, take, toArray, mergeMap, map, lastValueFrom } from 'rxjs';
import { Beanstalk, ConnectionError, work } from '../../src/index.js';
import type { Job, WorkerEvent } from '../../src/index.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { createRandom, randomSeed } from '../support/random.js';
import { rawTubeStats, settleWithin, within } from '../helpers/bounded.js';
import { rawCounter } from '../helpers/raw.js';
import { freshTube, maybe, sleep, useBeanstalkd } from '../helpers/setup.js';

/**
 * Fault tolerance against a real beanstalkd behind a fault-injecting proxy.
 *
 * CHAOS_JOBS sets how many jobs the first test puts (default 3,000: about 8-9 s, as producing
 * is paced to last at least 8 s so that even a short run lives through ~300 connection cuts).
 * The issue asks for 20,000: `CHAOS_JOBS=20000 npx jest spec/integration/chaos.spec.ts -t jobs`
 * passed 3 runs out of 3 on a 2-core VM, taking 18-24 s (19-25 s wall), with 700-920
 * connections cut, 1,128-1,536 puts failed with ConnectionError (all mayHaveReachedServer;
 * 215-270 of those jobs had been stored anyway and were processed), 234-368 duplicates
 * (jobs worked again after their delete was cut off), nothing lost, nothing hung.
 * CHAOS_SEED replays a proxy fault schedule (the seed is printed; socket timing still varies).
 */
const JOBS = Number(process.env.CHAOS_JOBS ?? 3000);
const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : randomSeed();
/** Producer loops, each with one put in flight at a time. */
const PUT_WINDOW = 24;
/** Producing is paced to last at least this long. */
const MIN_PRODUCE_MS = 8000;
/** How long one put may take before it counts as hung (the client must answer or fail long before). */
const PUT_BOUND_MS = 20000;
const fastReconnect = { initialDelayMs: 10, maxDelayMs: 200 };

const beanstalkd = useBeanstalkd();

/** A body for sequence number `seq`: "<seq>|" then 0..1500 seeded bytes of every value, CR, LF and NUL included. */
function bodyFor(seq: number): Buffer {
  const random = createRandom(seq * 2654435761);
  const payload = Buffer.alloc(random.int(0, 1500));
  for (let i = 0; i < payload.length; i++) payload[i] = random.int(0, 255);
  return Buffer.concat([Buffer.from(`${seq}|`, 'latin1'), payload]);
}

function seqOf(body: Buffer): number {
  const bar = body.indexOf(0x7c);
  return bar > 0 ? Number(body.subarray(0, bar).toString('latin1')) : NaN;
}

describe('chaos: connections cut every few hundred ms', () => {
  let server: typeof beanstalkd.server;
  beforeAll(() => {
    server = beanstalkd.server;
  });
  let proxy: FaultProxy | undefined;
  let abruptCuts: NodeJS.Timeout | undefined;
  const clients: Beanstalk[] = [];

  afterEach(async () => {
    clearTimeout(abruptCuts);
    await Promise.all(clients.splice(0).map((client) => within(client.close(), 5000, 'client close')));
    await proxy?.close();
    proxy = undefined;
  });

  test(
    `${JOBS} jobs: every put is answered, every acknowledged job is processed at least once`,
    async () => {
      const started = Date.now();
      const tube = freshTube('chaos');
      // The tube itself may vanish and come back while every connection to it is cut (beanstalkd
      // drops an empty tube nobody uses), so count stored jobs with the server-wide counter.
      const totalJobsBefore = await rawCounter(server.port, 'total-jobs');
      const random = createRandom(SEED);
      // Timed cuts land at a random byte of whatever moves next; extra abrupt cuts come between them.
      proxy = await startFaultProxy({
        target: { host: server.host, port: server.port },
        cutEveryMs: [200, 400],
        cutAtRandomByte: true,
        seed: SEED,
      });
      let abruptCount = 0;
      const scheduleAbrupt = () => {
        abruptCuts = setTimeout(
          () => {
            abruptCount++;
            proxy?.cutAll();
            scheduleAbrupt();
          },
          random.int(500, 1000),
        );
      };
      scheduleAbrupt();

      const producer = Beanstalk.connect(proxy.url, { name: 'producer', reconnect: fastReconnect });
      const consumer = Beanstalk.connect(proxy.url, { name: 'consumer', reconnect: fastReconnect });
      clients.push(producer, consumer);

      // ---- consumer: the worker runner, on lanes through the proxy ----
      const handled = new Map<number, number>(); // seq → times handled
      const idOfSeq = new Map<number, number>(); // seq → job id seen by the worker
      const handledIds = new Set<number>();
      const corrupt: string[] = [];
      let handlerCalls = 0;
      let settleFailures = 0;
      let workerFailure: unknown;
      const worker = work({
        client: consumer,
        concurrency: 8,
        tubes: {
          [tube]: (job: Job) => {
            handlerCalls++;
            const seq = seqOf(job.body);
            if (!Number.isInteger(seq) || !job.body.equals(bodyFor(seq))) {
              corrupt.push(`job ${job.id}: ${JSON.stringify(job.body.subarray(0, 40).toString('latin1'))}`);
              return;
            }
            const known = idOfSeq.get(seq);
            if (known !== undefined && known !== job.id)
              corrupt.push(`seq ${seq} came as job ${known} and as job ${job.id}`);
            idOfSeq.set(seq, job.id);
            handledIds.add(job.id);
            handled.set(seq, (handled.get(seq) ?? 0) + 1);
          },
        },
      }).subscribe({
        next: (event: WorkerEvent) => {
          if (event.type === 'settle-failed') settleFailures++;
        },
        error: (error: unknown) => (workerFailure = error),
      });

      // ---- producer: every put ends in an id or an error, within a bound ----
      const ackedId = new Map<number, number>(); // seq → id the put returned
      const erroredMaybeStored = new Set<number>(); // seq of puts that failed after being written
      const erroredNotSent = new Set<number>(); // seq of puts that failed before a byte was written
      const unexpected: string[] = [];
      const hung: number[] = [];
      let nextSeq = 0;
      const producerLoop = async () => {
        for (let seq = nextSeq++; seq < JOBS; seq = nextSeq++) {
          // Paced so that producing takes at least MIN_PRODUCE_MS: a short run still lives through dozens of cuts.
          const due = started + (seq * MIN_PRODUCE_MS) / JOBS - Date.now();
          if (due > 0) await sleep(due);
          const outcome = await settleWithin(producer.tube(tube).put(bodyFor(seq)), PUT_BOUND_MS);
          if (outcome.kind === 'hung') hung.push(seq);
          else if (outcome.kind === 'value') ackedId.set(seq, outcome.value as number);
          else if (!(outcome.error instanceof ConnectionError)) unexpected.push(`put ${seq}: ${String(outcome.error)}`);
          else if (outcome.error.mayHaveReachedServer) erroredMaybeStored.add(seq);
          else erroredNotSent.add(seq);
        }
      };
      await Promise.all(Array.from({ length: PUT_WINDOW }, producerLoop));
      const putsDoneAt = Date.now();

      // ---- until every acknowledged job is handled and the server's tube is empty (bounded) ----
      const missing = () => [...ackedId.values()].filter((id) => !handledIds.has(id));
      const deadline = Date.now() + 30000 + JOBS * 2;
      let tubeStats: Record<string, number> | undefined;
      for (;;) {
        tubeStats = await rawTubeStats(server.port, tube);
        const empty =
          tubeStats !== undefined &&
          tubeStats['current-jobs-ready'] === 0 &&
          tubeStats['current-jobs-reserved'] === 0 &&
          tubeStats['current-jobs-delayed'] === 0 &&
          tubeStats['current-jobs-buried'] === 0;
        if ((empty && missing().length === 0) || workerFailure !== undefined || Date.now() > deadline) break;
        await sleep(100);
      }
      worker.unsubscribe();
      clearTimeout(abruptCuts);

      const duplicates = handlerCalls - handled.size;
      const errors = erroredMaybeStored.size + erroredNotSent.size;
      const storedAnyway = [...erroredMaybeStored].filter((seq) => handled.has(seq)).length;
      console.log(
        [
          `chaos (seed ${SEED}): ${JOBS} puts → ${ackedId.size} ids, ${errors} put errors ` +
            `(${erroredMaybeStored.size} may have reached the server, ${storedAnyway} of them stored and processed; ` +
            `${erroredNotSent.size} never sent), ${hung.length} hung`,
          `  handled ${handlerCalls} times: ${handled.size} distinct jobs, ${duplicates} duplicates, ${settleFailures} settles cut off`,
          `  proxy: ${proxy.stats.cuts} connections cut (${abruptCount} abrupt cut-all rounds, the rest by the proxy's timer ` +
            `at a random byte), ${proxy.stats.connections} connections accepted`,
          `  ${((putsDoneAt - started) / 1000).toFixed(1)} s producing, ${((Date.now() - started) / 1000).toFixed(1)} s in all`,
        ].join('\n'),
      );

      expect(workerFailure).toBeUndefined();
      expect(unexpected).toEqual([]);
      expect(hung).toEqual([]);
      // Every put yielded exactly one outcome.
      expect(ackedId.size + errors).toBe(JOBS);
      expect(corrupt).toEqual([]);
      // Chaos really happened, and most puts still got through.
      expect(proxy.stats.cuts).toBeGreaterThanOrEqual(10);
      expect(ackedId.size).toBeGreaterThan(JOBS / 2);
      // No acknowledged job was lost, and each was handled under the id its put returned.
      expect(missing()).toEqual([]);
      const misnumbered = [...ackedId].filter(([seq, id]) => idOfSeq.get(seq) !== id);
      expect(misnumbered).toEqual([]);
      // A job that was handled was either acknowledged or its put failed after being written.
      const strays = [...handled.keys()].filter((seq) => !ackedId.has(seq) && !erroredMaybeStored.has(seq));
      expect(strays).toEqual([]);
      // The server agrees: nothing left in the tube, and every job it ever stored there was handled.
      expect(tubeStats).toMatchObject({
        'current-jobs-ready': 0,
        'current-jobs-reserved': 0,
        'current-jobs-delayed': 0,
        'current-jobs-buried': 0,
      });
      expect((await rawCounter(server.port, 'total-jobs')) - totalJobsBefore).toBe(handled.size);
      expect(handledIds.size).toBe(handled.size);
    },
    30000 + JOBS * 30,
  );

  test('1-byte writes both ways plus latency: a mixed workload stays byte-exact', async () => {
    proxy = await startFaultProxy({
      target: { host: server.host, port: server.port },
      splitWrites: true,
      delayMs: 3,
      seed: SEED,
    });
    const bs = Beanstalk.connect(proxy.url, { name: 'split' });
    clients.push(bs);
    const tube = bs.tube(freshTube('split'));

    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const random = createRandom(SEED);
    const noise = Buffer.from(Array.from({ length: 700 }, () => random.int(0, 255)));
    const bodies: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from('\r\n'),
      Buffer.from('\r'),
      Buffer.from('\n'),
      Buffer.from([0]),
      Buffer.from('\0\r\n\0'),
      allBytes,
      Buffer.from('RESERVED 1 5\r\nabcde\r\n'), // looks like a reply
      Buffer.from('put 0 0 60 3\r\nabc\r\nstats\r\n'), // looks like commands
      Buffer.from('héllo wörld ✓ 🚀', 'utf8'),
      noise,
      Buffer.concat([Buffer.from('OK 4\r\n'), allBytes, Buffer.from('\r\n\r\n')]),
    ];

    // Puts, server stats and a tube list all pipelined in one tick, replies arriving a byte at a time.
    const [ids, stats, tubes] = await within(
      firstValueFrom(
        forkJoin([
          forkJoin(bodies.map((body, i) => tube.put(body, { priority: 100 + i }))),
          bs.stats(),
          bs.listTubes(),
        ]),
      ),
      20000,
      'puts + stats + list-tubes',
    );
    expect(new Set(ids).size).toBe(bodies.length);
    expect(stats.pid).toBe(server.pid);
    expect(tubes).toContain(tube.name);

    // Peeks, job stats and peek-ready interleaved: each body comes back byte for byte, under its own id.
    const peeked = await within(
      firstValueFrom(
        forkJoin([
          forkJoin(ids.map((id) => bs.peek(id))),
          forkJoin(ids.map((id) => bs.statsJob(id))),
          tube.peekReady(),
          tube.stats(),
        ]),
      ),
      20000,
      'peeks + stats-job',
    );
    const [jobs, jobStats, first, tubeStats] = peeked;
    jobs.forEach((job, i) => {
      // A peek inside forkJoin types as Job | undefined (it is awaitable too); forkJoin only emits when each found its job.
      expect(job?.id).toBe(ids[i]);
      expect(job?.body.equals(bodies[i])).toBe(true);
    });
    jobStats.forEach((s, i) => {
      expect(s.id).toBe(ids[i]);
      expect(s.tube).toBe(tube.name);
      expect(s.pri).toBe(100 + i);
      expect(s.state).toBe('ready');
    });
    expect(first?.id).toBe(ids[0]); // lowest priority value first
    expect(tubeStats.currentJobsReady).toBe(bodies.length);

    // Reserve on 3 lanes and delete each job: bodies still exact, every job reserved once.
    const reserved = await within(
      lastValueFrom(
        tube
          .watch()
          .reserve({ concurrency: 3 })
          .pipe(
            mergeMap((job) => job.delete().pipe(map(() => ({ id: job.id, body: Buffer.from(job.body) }))), 3),
            take(bodies.length),
            toArray(),
          ),
      ),
      30000,
      'reserve + delete',
    );
    expect(reserved.map((r) => r.id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    for (const { id, body } of reserved) expect(body.equals(bodies[ids.indexOf(id)])).toBe(true);

    // One more put and a one-off reserve on a pooled lane, then the server agrees the tube is empty.
    const lastId = await firstValueFrom(tube.put(allBytes));
    const one = await maybe(tube.watch().reserveOne({ timeout: 5 }));
    expect(one?.id).toBe(lastId);
    expect(one?.body.equals(allBytes)).toBe(true);
    await firstValueFrom(one!.delete(), { defaultValue: undefined });
    expect(await rawTubeStats(server.port, tube.name)).toMatchObject({
      'current-jobs-ready': 0,
      'current-jobs-reserved': 0,
      'total-jobs': bodies.length + 1,
      'cmd-delete': bodies.length + 1,
    });
    expect(proxy.stats.cuts).toBe(0);
    expect(proxy.stats.bytesDown).toBeGreaterThan(allBytes.length * 4);
  }, 90000);
});
