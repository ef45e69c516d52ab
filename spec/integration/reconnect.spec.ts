import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstValueFrom, forkJoin } from 'rxjs';
import { Beanstalk, CommandTimeoutError, ConnectionError, work } from '../../src/index.js';
import type { ConnectionState } from '../../src/index.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';
import { rawJobStats } from '../helpers/raw.js';
import { failure, freshTube, maybe, sleep } from '../helpers/setup.js';

/** A beanstalkd with a binlog that can be killed and started again on the same port. */
class RestartableServer {
  server!: RunningBeanstalkd;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'rxb-binlog-'));

  async start(port?: number): Promise<this> {
    this.server = await startBeanstalkd({ binlogDir: this.dir, ...(port ? { port } : {}) });
    return this;
  }

  async kill(): Promise<void> {
    await this.server.stop('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start(this.server.port);
  }

  async dispose(): Promise<void> {
    await this.server.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const fastReconnect = { initialDelayMs: 20, maxDelayMs: 200 };

describe('reconnect after a server restart', () => {
  let server: RestartableServer;
  beforeEach(async () => {
    server = await new RestartableServer().start();
  });
  afterEach(() => server.dispose());

  test('state$ goes connecting → connected → reconnecting → connected', async () => {
    const bs = Beanstalk.connect(server.server.url, { reconnect: fastReconnect });
    const states: ConnectionState[] = [];
    bs.state$.subscribe((state) => states.push(state));
    await firstValueFrom(bs.put('x'));
    await server.restart();
    await firstValueFrom(bs.stats()); // safe to resend: it goes out once the connection is back
    await bs.close();
    expect(states).toEqual(['idle', 'connecting', 'connected', 'reconnecting', 'connected', 'closed']);
  });

  test('the used tube is restored: puts after a restart still go to their tube', async () => {
    const bs = Beanstalk.connect(server.server.url, { reconnect: fastReconnect });
    const tube = bs.tube(freshTube());
    await firstValueFrom(tube.put('before'));
    await server.restart();
    const id = await firstValueFrom(tube.put('after'));
    expect((await rawJobStats(server.server.port, id))?.tube).toBe(tube.name);
    expect((await firstValueFrom(tube.stats())).currentJobsReady).toBe(2); // the binlog kept the first
    await bs.close();
  });

  test('lost state is impossible: a worker on emails does not get a job put to default after a reconnect', async () => {
    const bs = Beanstalk.connect(server.server.url, { reconnect: fastReconnect });
    const received: string[] = [];
    const subscription = bs
      .watch('emails')
      .reserve()
      .subscribe((job) => {
        received.push(job.text());
        job.delete().subscribe();
      });
    await sleep(50);
    await server.restart();
    await sleep(300); // the lane reconnects and re-watches exactly its tubes
    const producer = Beanstalk.connect(server.server.url);
    await firstValueFrom(producer.put('for default'));
    await firstValueFrom(producer.tube('emails').put('for emails'));
    await sleep(200);
    subscription.unsubscribe();
    expect(received).toEqual(['for emails']);
    expect((await maybe(producer.tube('default').peekReady()))?.text()).toBe('for default');
    await Promise.all([bs.close(), producer.close()]);
  });

  test('in flight when the socket dies: put fails saying it may have reached the server; stats is resent', async () => {
    const bs = Beanstalk.connect(server.server.url, { reconnect: fastReconnect });
    await firstValueFrom(bs.put('connect'));
    server.server.process.kill('SIGSTOP'); // the server stops answering: commands stay in flight
    const put = failure(bs.put('in flight'));
    const stats = firstValueFrom(bs.stats());
    await sleep(50);
    await server.restart();
    const error = await put;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).mayHaveReachedServer).toBe(true);
    expect((await stats).pid).toBe(server.server.pid);
    await bs.close();
  });

  test('commands issued while disconnected wait in the offline queue and go out after reconnect', async () => {
    const bs = Beanstalk.connect(server.server.url, {
      reconnect: { initialDelayMs: 100, maxDelayMs: 100 },
      maxOfflineQueue: 5,
    });
    await firstValueFrom(bs.put('connect'));
    await server.kill();
    await sleep(30);
    const queued = forkJoin(Array.from({ length: 5 }, (_, i) => bs.tube('offline').put(`q${i}`)));
    const ids = firstValueFrom(queued);
    const overflow = await failure(bs.put('one too many'));
    expect(overflow).toBeInstanceOf(ConnectionError);
    expect(String((overflow as Error).message)).toContain('offline queue is full');
    await server.start(server.server.port);
    expect(new Set(await ids).size).toBe(5);
    expect((await firstValueFrom(bs.tube('offline').stats())).currentJobsReady).toBe(5);
    await bs.close();
  });

  test('reconnect: false fails everything once the server is gone', async () => {
    const bs = Beanstalk.connect(server.server.url, { reconnect: false });
    await firstValueFrom(bs.put('x'));
    await server.kill();
    await sleep(30);
    expect(await failure(bs.stats())).toBeInstanceOf(ConnectionError);
    await bs.close();
  });

  test('maxAttempts gives up and closes with a ConnectionError', async () => {
    const bs = Beanstalk.connect(server.server.url, {
      reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 },
    });
    await firstValueFrom(bs.put('x'));
    await server.kill();
    const states: ConnectionState[] = [];
    bs.state$.subscribe((s) => states.push(s));
    expect(await failure(bs.stats())).toBeInstanceOf(ConnectionError);
    expect(states[states.length - 1]).toBe('closed');
    await bs.close();
  });

  test('command timeout: a server that stops answering fails the command in bounded time', async () => {
    const bs = Beanstalk.connect(server.server.url, { commandTimeoutMs: 200, reconnect: false });
    await firstValueFrom(bs.put('x'));
    server.server.process.kill('SIGSTOP');
    const started = Date.now();
    const error = await failure(bs.put('no answer'));
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(Date.now() - started).toBeLessThan(1000);
    server.server.process.kill('SIGCONT');
    await bs.close();
  });

  test('SIGKILL mid-stream with a binlog: producer and worker carry on, no acknowledged job is lost', async () => {
    const total = Number(process.env.RESTART_JOBS ?? 2000);
    const tube = freshTube();
    const producer = Beanstalk.connect(server.server.url, { name: 'producer', reconnect: fastReconnect });
    const consumer = Beanstalk.connect(server.server.url, { name: 'consumer', reconnect: fastReconnect });
    const acked = new Set<number>();
    const processed = new Set<number>();
    let putErrors = 0;
    const worker = work({
      client: consumer,
      concurrency: 4,
      tubes: { [tube]: (job) => void processed.add(job.id) },
    }).subscribe();

    const produce = async () => {
      for (let i = 0; i < total; i++) {
        try {
          acked.add(await firstValueFrom(producer.tube(tube).put(`job ${i}`)));
        } catch (error) {
          if (!(error instanceof ConnectionError)) throw error;
          putErrors++; // the caller decides: here it moves on; an unacknowledged put may or may not exist
        }
        if (i % 50 === 0) await sleep(5);
      }
    };
    const producing = produce();
    await sleep(150);
    await server.restart();
    await producing;
    const deadline = Date.now() + 10000;
    while ([...acked].some((id) => !processed.has(id)) && Date.now() < deadline) await sleep(50);
    worker.unsubscribe();
    const lost = [...acked].filter((id) => !processed.has(id));
    console.log(
      `restart: ${acked.size} acknowledged, ${processed.size} processed, ${putErrors} put errors, ${lost.length} lost`,
    );
    expect(acked.size).toBeGreaterThan(total / 2);
    expect(lost).toEqual([]);
    await Promise.all([producer.close(), consumer.close()]);
  });
});
