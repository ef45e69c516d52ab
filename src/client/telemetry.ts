import type { Observable } from 'rxjs';
import type { Address } from '../connection/address.js';
import type { ConnectionObserver } from '../connection/observer.js';
import type { Beanstalk } from './beanstalk.js';
import type { Job } from './job.js';

/**
 * An instrumentation given to `Beanstalk.connect(url, { telemetry })`, such as
 * `openTelemetry()` from `rx-beanstalk/otel`. The client and the worker call these hooks
 * when one is given and nothing otherwise; each hook is optional.
 */
export interface Telemetry {
  /** Called once as a client is created: the observer of its command connection and every lane. */
  client?(client: Beanstalk, address: Address): ConnectionObserver | undefined;
  /**
   * The worker's handling of one job from `tube`, from hand-out to settlement: `work()`
   * subscribes to what this returns in place of `handling` (e.g. inside a span's context).
   */
  processJob?<
    E extends {
      /** The kind of worker event, e.g. `completed` or `failed`. */
      readonly type: string;
    },
  >(
    tube: string,
    job: Job,
    handling: Observable<E>,
  ): Observable<E>;
}
