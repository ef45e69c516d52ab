import type { Observable } from 'rxjs';
import type { Job } from './job.js';
import type { ReserveStreamOptions } from './reserve-stream.js';
import type { Telemetry } from './telemetry.js';

/** Anything that reserves jobs from named tubes: one client (`Beanstalk`) or a pool (`BeanstalkPool`). */
export interface Reserver {
  /** Exactly these tubes, with a reserve stream of their jobs. */
  watch(...tubes: string[]): {
    /** A cold stream of jobs from these tubes, as `TubeSet.reserve()`. */
    reserve(options?: ReserveStreamOptions): Observable<Job>;
  };
  /** The instrumentation `work()` reports each job's handling to, if any. */
  readonly telemetry?: Telemetry;
}
