import type { Observable } from 'rxjs';
import * as commands from '../protocol/commands.js';
import type { PutOptions } from '../protocol/commands.js';
import type { TubeStats } from '../protocol/stats.js';
import type { Job } from './job.js';
import type { TubeSet } from './tube-set.js';

/** What a Tube needs from its client. */
export interface TubeClient {
  putCommand(tube: string, body: unknown, options: PutOptions | undefined): Observable<number>;
  peekCommand(make: () => commands.Command<commands.JobData>): Observable<Job>;
  sendCommand<T>(make: () => commands.Command<T>): Observable<T>;
  watch(...tubes: string[]): TubeSet;
}

/** One named tube: put into it, peek at it, kick, pause and inspect it. */
export class Tube {
  constructor(
    private readonly client: TubeClient,
    /** The tube's name. */
    readonly name: string,
  ) {}

  /** Puts a job; emits its id. Strings are sent as UTF-8. */
  put(body: string | Uint8Array, options?: PutOptions): Observable<number> {
    return this.client.putCommand(this.name, body, options);
  }

  /** Puts `value` as a JSON body; emits its id. */
  putJson(value: unknown, options?: PutOptions): Observable<number> {
    return this.client.putCommand(this.name, JSON.stringify(value), options);
  }

  /** The next job a reserve would take from this tube; completes empty if none. */
  peekReady(): Observable<Job> {
    return this.client.peekCommand(() => commands.peekReady(this.name));
  }

  /** The delayed job that becomes ready soonest; completes empty if none. */
  peekDelayed(): Observable<Job> {
    return this.client.peekCommand(() => commands.peekDelayed(this.name));
  }

  /** The oldest buried job; completes empty if none. */
  peekBuried(): Observable<Job> {
    return this.client.peekCommand(() => commands.peekBuried(this.name));
  }

  /** Kicks up to `bound` jobs: buried ones if any, else delayed ones. Emits how many. */
  kick(bound: number): Observable<number> {
    return this.client.sendCommand(() => commands.kick(this.name, bound));
  }

  /** The tube's counters. Fails with NotFoundError when the tube does not exist. */
  stats(): Observable<TubeStats> {
    return this.client.sendCommand(() => commands.statsTube(this.name));
  }

  /** Hands out no job from this tube for `seconds`. */
  pause(seconds: number): Observable<void> {
    return this.client.sendCommand(() => commands.pauseTube(this.name, seconds));
  }

  /** A TubeSet of just this tube, for reserving. */
  watch(): TubeSet {
    return this.client.watch(this.name);
  }
}
