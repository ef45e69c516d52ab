import type { Job } from '../client/job.js';

/**
 * What the worker did with a job, in order, for logs and metrics. Every event names its
 * `tube` and `job`; `succeeded` has the handler's `result`, `failed` its `error` and the
 * `attempt` that failed (1 for the first), `retried` the release `delay` in seconds, and
 * `settle-failed` the `error` of the delete, release or bury that failed.
 */
export type WorkerEvent =
  | { readonly type: 'reserved'; readonly tube: string; readonly job: Job }
  | { readonly type: 'touched'; readonly tube: string; readonly job: Job }
  | { readonly type: 'succeeded'; readonly tube: string; readonly job: Job; readonly result: unknown }
  | {
      readonly type: 'failed';
      readonly tube: string;
      readonly job: Job;
      readonly error: unknown;
      readonly attempt: number;
    }
  | { readonly type: 'retried'; readonly tube: string; readonly job: Job; readonly delay: number }
  | { readonly type: 'buried'; readonly tube: string; readonly job: Job }
  | { readonly type: 'settle-failed'; readonly tube: string; readonly job: Job; readonly error: unknown };
