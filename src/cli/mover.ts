import { firstValueFrom } from 'rxjs';
import type { Beanstalk } from '../client/index.js';
import { NotFoundError } from '../protocol/errors.js';
import type { JobStats } from '../protocol/stats.js';
import type { MovableState } from './parse.js';

/** Seconds a job to be buried on the target waits delayed (out of workers' reach) until it is buried. */
const HOLD_BEFORE_BURY = 3600;
/** Buried jobs each need a connection of their own (reserve-job, then bury): this many at once. */
const BURY_LANES = 8;

/**
 * Moves jobs one by one, all in flight together: peek the body on the source, put it on
 * the target, and only when the target answered, delete it on the source. Never the other
 * way round, so a crash between the two leaves a duplicate, not a loss.
 */
export class Mover {
  moved = 0;
  skipped = 0;
  interrupted = false;
  readonly byState: Record<MovableState, number> = { ready: 0, delayed: 0, buried: 0 };
  readonly failed: { id: number; error: string }[] = [];
  onMoved: () => void = () => undefined;
  private buryQueue: (() => void)[] = [];
  private buryRunning = 0;

  constructor(
    private readonly source: Beanstalk,
    private readonly target: Beanstalk,
    private readonly toTube: string,
  ) {}

  /** Moves one window's jobs; resolves when each is moved, skipped or failed. */
  moveAll(jobs: readonly JobStats[]): Promise<unknown> {
    return Promise.all(jobs.map((job) => this.moveOne(job)));
  }

  private async moveOne(job: JobStats): Promise<void> {
    const state = job.state as MovableState;
    const peeked = await firstValueFrom(this.source.peek(job.id), { defaultValue: undefined });
    if (!peeked) return void (this.skipped += 1);
    let copy: number;
    try {
      copy =
        state === 'buried'
          ? await this.withBuryLane(() => this.putBuried(job, peeked.body))
          : await this.put(job, peeked.body);
    } catch (error) {
      this.failed.push({ id: job.id, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    try {
      await firstValueFrom(this.source.delete(job.id), { defaultValue: undefined });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      // A worker took it (or someone deleted it) meanwhile: it stays where it was, so undo the copy.
      await firstValueFrom(this.target.delete(copy), { defaultValue: undefined }).catch(() => undefined);
      return void (this.skipped += 1);
    }
    this.moved += 1;
    this.byState[state] += 1;
    this.onMoved();
  }

  private put(job: JobStats, body: Buffer): Promise<number> {
    const delay = job.state === 'delayed' ? Math.max(0, job.timeLeft) : 0;
    return firstValueFrom(this.target.tube(this.toTube).put(body, { priority: job.pri, delay, ttr: job.ttr }));
  }

  /** Put delayed (so no worker can take it), then reserve it by id and bury it at its priority. */
  private async putBuried(job: JobStats, body: Buffer): Promise<number> {
    const id = await firstValueFrom(
      this.target.tube(this.toTube).put(body, { priority: job.pri, delay: HOLD_BEFORE_BURY, ttr: job.ttr }),
    );
    const held = await firstValueFrom(this.target.reserveJob(id));
    await firstValueFrom(held.bury(job.pri), { defaultValue: undefined });
    return id;
  }

  /** Runs `work` when one of the BURY_LANES slots is free; a finished one hands its slot on. */
  private async withBuryLane<T>(work: () => Promise<T>): Promise<T> {
    if (this.buryRunning >= BURY_LANES) await new Promise<void>((resolve) => this.buryQueue.push(resolve));
    else this.buryRunning += 1;
    try {
      return await work();
    } finally {
      const next = this.buryQueue.shift();
      if (next) next();
      else this.buryRunning -= 1;
    }
  }
}
