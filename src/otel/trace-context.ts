import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import type { Link } from '@opentelemetry/api';

/** The W3C trace context fields a JSON job may carry (as CloudEvents' distributed tracing extension names them). */
export interface TraceContextFields {
  /** The W3C `traceparent` header value: trace id, parent span id and flags. */
  readonly traceparent?: string;
  /** The W3C `tracestate` header value: vendor data, when the active context has any. */
  readonly tracestate?: string;
}

/**
 * Returns a copy of the JSON job `value` with the active trace context added as
 * `traceparent` (and `tracestate`) fields, through the globally registered propagator.
 * Opt-in and visible: only jobs built with it change, so consumers in other languages see
 * two extra fields they may ignore. Workers link their process span to it when created
 * with `openTelemetry({ traceContext: 'json' })`.
 */
export function withTraceContext<T extends object>(value: T): T & TraceContextFields {
  const fields: Record<string, string> = {};
  propagation.inject(context.active(), fields);
  return { ...value, ...pick(fields) };
}

function pick(fields: Record<string, string>): TraceContextFields {
  const out: { traceparent?: string; tracestate?: string } = {};
  if (fields.traceparent !== undefined) out.traceparent = fields.traceparent;
  if (fields.tracestate !== undefined) out.tracestate = fields.tracestate;
  return out;
}

/** The link to the creation context a JSON job carries in `traceparent`, if it is one; never throws. */
export function linkFromJob(body: Buffer): Link[] | undefined {
  if (body.length < 2 || body[0] !== 0x7b /* { */) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const carrier = parsed as Record<string, unknown> | null;
  if (!carrier || typeof carrier.traceparent !== 'string') return undefined;
  const fields: Record<string, string> = { traceparent: carrier.traceparent };
  if (typeof carrier.tracestate === 'string') fields.tracestate = carrier.tracestate;
  const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, fields));
  return spanContext && trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : undefined;
}
