import { Observable } from 'rxjs';
import { SpanKind, context, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { Job } from '../client/job.js';
import type { WorkerEvent } from '../worker/events.js';
import * as C from './conventions.js';
import { TUBE_KEY, failSpan } from './command-observer.js';
import type { Instruments } from './instruments.js';
import { linkFromJob } from './trace-context.js';

/** How a worker's handling of a job ended, from its events. */
type Outcome = 'succeeded' | 'retried' | 'buried' | 'settle_failed' | 'abandoned';

/**
 * Wraps the worker's handling of one job in a CONSUMER `process <tube>` span, active
 * while the handler runs (so the handler's own spans, and the job's settle span, are its
 * children), and records the outcome in `messaging.process.duration` and
 * `messaging.beanstalkd.processed.messages`.
 */
export function processJob<E extends { readonly type: string }>(
  instruments: Instruments,
  tube: string,
  job: Job,
  handling: Observable<E>,
  traceContext: boolean,
): Observable<E> {
  const tracing = instruments.tracing;
  if (!tracing && !instruments.metering) return handling;
  return new Observable<E>((subscriber) => {
    const startedAt = performance.now();
    const parent = context.active();
    const span = tracing ? startProcessSpan(instruments, tube, job, parent, traceContext) : undefined;
    let outcome: Outcome = 'abandoned';
    let failure: unknown;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const attributes: Attributes = {
        [C.ATTR_SYSTEM]: C.SYSTEM,
        [C.ATTR_OPERATION_NAME]: 'process',
        [C.ATTR_DESTINATION]: tube,
        [C.ATTR_OUTCOME]: outcome,
      };
      if (failure !== undefined) attributes[C.ATTR_ERROR_TYPE] = C.errorType(failure);
      instruments.processDuration.record((performance.now() - startedAt) / 1000, attributes);
      instruments.processed.add(1, attributes);
      span?.setAttribute(C.ATTR_OUTCOME, outcome);
      span?.end();
    };
    const note = (event: WorkerEvent) => {
      switch (event.type) {
        case 'succeeded':
          outcome = 'succeeded';
          break;
        case 'failed':
          failure = event.error;
          if (span) failSpan(span, event.error);
          break;
        case 'retried':
          outcome = 'retried';
          span?.setAttribute(C.ATTR_DELAY, event.delay);
          break;
        case 'buried':
          outcome = 'buried';
          break;
        case 'settle-failed':
          outcome = 'settle_failed';
          failure ??= event.error;
          span?.addEvent('settle failed');
          if (span) failSpan(span, event.error);
          break;
      }
    };
    const active = (span ? trace.setSpan(parent, span) : parent).setValue(TUBE_KEY, tube);
    const subscription = context.with(active, () =>
      handling.subscribe({
        next: (event) => {
          note(event as unknown as WorkerEvent);
          subscriber.next(event);
        },
        error: (error: unknown) => {
          failure ??= error;
          if (span) failSpan(span, error);
          end();
          subscriber.error(error);
        },
        complete: () => {
          end();
          subscriber.complete();
        },
      }),
    );
    return () => {
      subscription.unsubscribe();
      end();
    };
  });
}

function startProcessSpan(
  instruments: Instruments,
  tube: string,
  job: Job,
  parent: Context,
  traceContext: boolean,
): Span {
  // The job's creation context, when asked to look for one, is a link (the conventions' default), not the parent.
  const links = traceContext ? linkFromJob(job.body) : undefined;
  const span = instruments.tracer.startSpan(`process ${tube}`, { kind: SpanKind.CONSUMER, links }, parent);
  if (span.isRecording()) {
    span.setAttributes({
      [C.ATTR_SYSTEM]: C.SYSTEM,
      [C.ATTR_OPERATION_TYPE]: 'process',
      [C.ATTR_OPERATION_NAME]: 'process',
      [C.ATTR_DESTINATION]: tube,
      [C.ATTR_MESSAGE_ID]: String(job.id),
      [C.ATTR_BODY_SIZE]: job.body.length,
    });
  }
  return span;
}
