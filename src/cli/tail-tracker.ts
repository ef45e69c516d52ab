import { firstValueFrom } from 'rxjs';
import type { Beanstalk } from '../client/index.js';
import { NotFoundError } from '../protocol/errors.js';
import type { JobStats } from '../protocol/stats.js';
import { settleAll } from './scan.js';

/** A job that became ready, as tail prints it. */
export interface ReadyJob {
  readonly stats: JobStats;
  readonly body: Buffer;
  /** How it got there: just put, its delay ran out, kicked from buried, or released. */
  readonly how: 'put' | 'delay over' | 'kicked' | 'released';
}

/**
 * Whether a followed job was ready at some moment since the last look: it is ready now,
 * or a worker reserved it since (it left delayed or buried, or a reserved job was released
 * and reserved again: its reserve count grew).
 */
function becameReady(
  before: { state: string; reserves: number; kicks: number },
  now: JobStats,
): ReadyJob['how'] | undefined {
  const kicked = before.state === 'buried' || now.kicks > before.kicks;
  const how = kicked ? 'kicked' : before.state === 'delayed' ? 'delay over' : 'released';
  if (now.state === 'ready') return how;
  if (now.state === 'reserved' && (before.state !== 'reserved' || now.reserves > before.reserves)) return how;
  return undefined;
}

/** Ids past the expected end that are probed too, in case the estimate is off. */
const SLACK = 32;
/** At most this many ids are read per look beyond the expected new ones. */
const MAX_PROBE = 20000;

/**
 * Follows one tube's jobs by id without reserving, releasing or burying anything: it only
 * sends stats, stats-tube, stats-job and peek. Ids are handed out in order, so each look
 * reads stats-job for the ids created since the last one (the server's total-jobs says
 * how many) and for the jobs it saw delayed, buried or reserved; a job of the tube that is
 * now ready (or already taken by a worker) is reported with its body.
 */
export class TailTracker {
  private nextId = 1;
  private serverTotal = 0;
  private tubeTotal = 0;
  /** Jobs put into the tube since start, as of the previous look and as of this one. */
  private putByLastLook = 0;
  private putByNow = 0;
  /** New jobs of the tube found so far, and jobs already reported as missed. */
  private found = 0;
  private reportedMissed = 0;
  /** Jobs of the tube last seen delayed, buried or reserved: that state and their reserve count. */
  private readonly watched = new Map<number, { state: string; reserves: number; kicks: number }>();

  constructor(
    private readonly client: Beanstalk,
    readonly tube: string,
    /** Most jobs to follow in delayed/buried/reserved state at once. */
    private readonly maxWatched = 10000,
  ) {}

  /**
   * Finds where ids stand now: the server's total-jobs, raised to the highest id at the
   * head of the tube's queues (a binlog restore continues ids past total-jobs); and reads
   * the last `lookBack` ids for delayed and buried jobs to follow.
   */
  async start(heads: readonly number[], lookBack: number): Promise<void> {
    const [server, tube] = await Promise.all([firstValueFrom(this.client.stats()), this.tubeStats()]);
    this.serverTotal = server.totalJobs;
    this.tubeTotal = tube?.totalJobs ?? 0;
    const top = Math.max(server.totalJobs, ...heads);
    for (let first = Math.max(1, top - lookBack + 1); first <= top; first += 1000) {
      const count = Math.min(1000, top - first + 1);
      for (const job of await this.statsOf(Array.from({ length: count }, (_, i) => first + i))) {
        if (job && job.tube === this.tube && job.state !== 'ready') this.follow(job);
      }
    }
    this.nextId = top + 1;
  }

  /** One look: the jobs that became ready since the last one, and how many came and went unseen. */
  async look(): Promise<{ ready: ReadyJob[]; missed: number }> {
    const [server, tube] = await Promise.all([firstValueFrom(this.client.stats()), this.tubeStats()]);
    const created = server.totalJobs >= this.serverTotal ? server.totalJobs - this.serverTotal : server.totalJobs;
    this.serverTotal = server.totalJobs;
    const probe = Math.min(created + SLACK, MAX_PROBE);
    const fresh = Array.from({ length: probe }, (_, i) => this.nextId + i);
    const old = [...this.watched.keys()];
    const stats = await this.statsOf([...fresh, ...old]);

    const became: { stats: JobStats; how: ReadyJob['how'] }[] = [];
    let newInTube = 0;
    stats.slice(0, fresh.length).forEach((job) => {
      if (!job) return;
      this.nextId = Math.max(this.nextId, job.id + 1);
      if (job.tube !== this.tube) return;
      newInTube += 1;
      if (job.state === 'ready' || job.state === 'reserved') became.push({ stats: job, how: 'put' });
      if (job.state !== 'ready') this.follow(job);
    });
    stats.slice(fresh.length).forEach((job, i) => {
      const id = old[i];
      const before = this.watched.get(id)!;
      if (!job) return void this.watched.delete(id);
      const how = becameReady(before, job);
      if (how) became.push({ stats: job, how });
      if (job.state === 'ready') this.watched.delete(id);
      else this.follow(job);
    });

    // A job put between this look's stats and stats-tube is found only next time, so jobs
    // count as missed against the puts known at the previous look; a tube that vanished
    // and came back restarts its counter.
    const tubeTotal = tube?.totalJobs ?? this.tubeTotal;
    this.putByNow += tubeTotal >= this.tubeTotal ? tubeTotal - this.tubeTotal : tubeTotal;
    this.tubeTotal = tubeTotal;
    this.found += newInTube;
    const missed = Math.max(0, this.putByLastLook - this.found - this.reportedMissed);
    this.reportedMissed += missed;
    this.putByLastLook = this.putByNow;
    became.sort((a, b) => a.stats.id - b.stats.id);
    const bodies = await settleAll(became.map(({ stats: job }) => this.client.peek(job.id)));
    const ready = became.flatMap(({ stats: job, how }, i) => {
      const body = bodies[i]?.body;
      return body ? [{ stats: job, body, how }] : [];
    });
    return { ready, missed: missed + (became.length - ready.length) };
  }

  private follow(job: JobStats): void {
    if (this.watched.size < this.maxWatched || this.watched.has(job.id)) {
      this.watched.set(job.id, { state: job.state, reserves: job.reserves, kicks: job.kicks });
    }
  }

  private tubeStats() {
    return firstValueFrom(this.client.tube(this.tube).stats()).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
  }

  private statsOf(ids: readonly number[]): Promise<(JobStats | undefined)[]> {
    return settleAll(ids.map((id) => this.client.statsJob(id)));
  }
}
