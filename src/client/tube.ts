import * as commands from '../protocol/commands.js';
import type { PutOptions } from '../protocol/commands.js';
import type { TubeStats } from '../protocol/stats.js';
import type { Awaitable } from './awaitable.js';
import type { ClientCore } from './core.js';
import type { Job } from './job.js';
import { createTubeSet } from './tube-set.js';
import type { TubeSet } from './tube-set.js';

/** Makes a Tube of a client; only the client does (`Beanstalk.tube`). */
export let createTube: (core: ClientCore, name: string) => Tube;

/** One named tube: put into it, peek at it, kick, pause and inspect it. */
export class Tube {
  static {
    createTube = (core, name) => new Tube(core, name);
  }

  private constructor(
    private readonly core: ClientCore,
    /** The tube's name. */
    readonly name: string,
  ) {}

  /** Puts a job; emits its id. Strings are sent as UTF-8. */
  put(body: string | Uint8Array, options?: PutOptions): Awaitable<number> {
    return this.core.put(this.name, body, options);
  }

  /** Puts `value` as a JSON body; emits its id. */
  putJson(value: unknown, options?: PutOptions): Awaitable<number> {
    return this.core.put(this.name, JSON.stringify(value), options);
  }

  /** The next job a reserve would take from this tube; completes empty (awaited: `undefined`) if none. */
  peekReady(): Awaitable<Job, Job | undefined> {
    return this.core.peek(() => commands.peekReady(this.name));
  }

  /** The delayed job that becomes ready soonest; completes empty (awaited: `undefined`) if none. */
  peekDelayed(): Awaitable<Job, Job | undefined> {
    return this.core.peek(() => commands.peekDelayed(this.name));
  }

  /** The oldest buried job; completes empty (awaited: `undefined`) if none. */
  peekBuried(): Awaitable<Job, Job | undefined> {
    return this.core.peek(() => commands.peekBuried(this.name));
  }

  /** Kicks up to `bound` jobs: buried ones if any, else delayed ones. Emits how many. */
  kick(bound: number): Awaitable<number> {
    return this.core.send(() => commands.kick(this.name, bound));
  }

  /** The tube's counters. Fails with NotFoundError when the tube does not exist. */
  stats(): Awaitable<TubeStats> {
    return this.core.send(() => commands.statsTube(this.name));
  }

  /** Hands out no job from this tube for `seconds`. */
  pause(seconds: number): Awaitable<void> {
    return this.core.send(() => commands.pauseTube(this.name, seconds));
  }

  /** A TubeSet of just this tube, for reserving. */
  watch(): TubeSet {
    return createTubeSet(this.core, [this.name]);
  }
}
