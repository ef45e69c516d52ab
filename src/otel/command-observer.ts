import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, createContextKey } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanOptions } from '@opentelemetry/api';
import type { CommandInfo, ConnectionObserver } from '../connection/observer.js';
import type { ConnectionState } from '../connection/connection.js';
import type { Observer } from 'rxjs';
import * as C from './conventions.js';
import type { Instruments } from './instruments.js';

/** Set by the process span: commands issued by a handler know their job's tube. */
export const TUBE_KEY = createContextKey('rx-beanstalk tube');
/** Set around the library's own stats polls, so they make no spans. */
export const QUIET_KEY = createContextKey('rx-beanstalk quiet');

const PRODUCER: SpanOptions = { kind: SpanKind.PRODUCER };
const CLIENT: SpanOptions = { kind: SpanKind.CLIENT };

type Kind = 'put' | 'settle' | 'reserve' | 'other';

/**
 * The observer of one client's connections: a PRODUCER span per put, a CLIENT span per
 * settle (delete/release/bury), CLIENT spans for other commands when asked, and their
 * counts and durations as metrics. Without a tracer or meter listening it returns the
 * caller's sink untouched.
 */
export class CommandObserver implements ConnectionObserver {
  /** Metric attributes per tube and operation, built once. */
  private readonly attributeCache = new Map<string, Attributes>();
  private readonly states = new Map<string, ConnectionState>();
  private readonly server: Attributes;

  constructor(
    private readonly instruments: Instruments,
    server: { host?: string; port?: number; path?: string },
    private readonly clientSpans: boolean,
    private readonly onCommandState: (state: ConnectionState, server: Attributes) => void,
    private readonly commandConnection: string,
  ) {
    this.server =
      server.path !== undefined
        ? { [C.ATTR_SERVER_ADDRESS]: server.path }
        : { [C.ATTR_SERVER_ADDRESS]: server.host ?? '127.0.0.1', [C.ATTR_SERVER_PORT]: server.port ?? 11300 };
  }

  command<T>(command: CommandInfo, sink: Observer<T>, connection: string): Observer<T> {
    const tracing = this.instruments.tracing;
    if (!tracing && !this.instruments.metering) return sink; // no SDK: nothing to do
    const line = command.line;
    const kind: Kind = line.startsWith('put ')
      ? 'put'
      : line.startsWith('delete ') || line.startsWith('release ') || line.startsWith('bury ')
        ? 'settle'
        : line.startsWith('reserve')
          ? 'reserve'
          : 'other';
    const metering = this.instruments.metering && kind !== 'other';
    if (!tracing && !metering) return sink;
    const active = context.active();
    if (active.getValue(QUIET_KEY)) return sink;
    // The reply arrives in the socket's context: the caller's is restored around its callbacks,
    // so what it does next (a release after stats-job, say) stays in its trace.
    const bound = tracing && active !== ROOT_CONTEXT ? active : undefined;
    const spanned = tracing && (kind === 'put' || kind === 'settle' || this.clientSpans);
    if (!spanned && !metering)
      return bound ? new ObservedSink(sink, this, kind, '', undefined, undefined, -1, bound) : sink;
    const operation = kind === 'reserve' ? 'reserve' : firstWord(line);
    const tube = tubeOf(kind, command, line, active);
    const span = spanned ? this.startSpan(kind, operation, tube, command, connection, active) : undefined;
    return new ObservedSink(sink, this, kind, operation, tube, span, metering ? performance.now() : -1, bound);
  }

  state(state: ConnectionState, connection: string): void {
    const before = this.states.get(connection);
    if (state === 'closed') this.states.delete(connection);
    else this.states.set(connection, state);
    if (before === 'reconnecting' && state === 'connected') this.instruments.reconnects.add(1, this.server);
    if (connection === this.commandConnection) this.onCommandState(state, this.server);
  }

  /** @internal Metric attributes for an operation on a tube (cached: the same object every time). */
  attributes(operation: string, tube: string | undefined): Attributes {
    const key = `${operation} ${tube ?? ''}`;
    let attributes = this.attributeCache.get(key);
    if (!attributes) {
      attributes = { [C.ATTR_SYSTEM]: C.SYSTEM, [C.ATTR_OPERATION_NAME]: operation, ...this.server };
      if (tube !== undefined) attributes[C.ATTR_DESTINATION] = tube;
      this.attributeCache.set(key, attributes);
    }
    return attributes;
  }

  /** @internal */
  get metrics(): Instruments {
    return this.instruments;
  }

  private startSpan(
    kind: Kind,
    operation: string,
    tube: string | undefined,
    command: CommandInfo,
    connection: string,
    active: Context,
  ): Span {
    const name = tube === undefined ? operation : `${operation} ${tube}`;
    const span = this.instruments.tracer.startSpan(name, kind === 'put' ? PRODUCER : CLIENT, active);
    if (!span.isRecording()) return span;
    span.setAttributes(this.server);
    span.setAttribute(C.ATTR_SYSTEM, C.SYSTEM);
    span.setAttribute(C.ATTR_OPERATION_NAME, operation);
    span.setAttribute(C.ATTR_CLIENT_ID, connection);
    if (tube !== undefined) span.setAttribute(C.ATTR_DESTINATION, tube);
    const words = command.line.split(' ');
    if (kind === 'put') {
      span.setAttribute(C.ATTR_OPERATION_TYPE, 'send');
      span.setAttribute(C.ATTR_PRIORITY, Number(words[1]));
      span.setAttribute(C.ATTR_DELAY, Number(words[2]));
      span.setAttribute(C.ATTR_TTR, Number(words[3]));
      span.setAttribute(C.ATTR_BODY_SIZE, command.body?.length ?? 0);
    } else if (kind === 'settle') {
      span.setAttribute(C.ATTR_OPERATION_TYPE, 'settle');
      span.setAttribute(C.ATTR_MESSAGE_ID, words[1]);
      if (operation !== 'delete') span.setAttribute(C.ATTR_PRIORITY, Number(words[2]));
      if (operation === 'release') span.setAttribute(C.ATTR_DELAY, Number(words[3]));
    } else if (kind === 'reserve') {
      span.setAttribute(C.ATTR_OPERATION_TYPE, 'receive');
    }
    return span;
  }
}

/** Passes a command's outcome on, after ending its span and recording its metrics. */
class ObservedSink<T> implements Observer<T> {
  private done = false;

  constructor(
    private readonly sink: Observer<T>,
    private readonly observer: CommandObserver,
    private readonly kind: Kind,
    private readonly operation: string,
    private readonly tube: string | undefined,
    private readonly span: Span | undefined,
    private readonly startedAt: number,
    private readonly bound: Context | undefined,
  ) {}

  next(value: T): void {
    if (!this.done) this.finish(undefined, value);
    if (this.bound) context.with(this.bound, () => this.sink.next(value));
    else this.sink.next(value);
  }

  error(error: unknown): void {
    if (!this.done) this.finish(error, undefined);
    if (this.bound) context.with(this.bound, () => this.sink.error(error));
    else this.sink.error(error);
  }

  complete(): void {
    if (!this.done) this.finish(undefined, undefined);
    if (this.bound) context.with(this.bound, () => this.sink.complete());
    else this.sink.complete();
  }

  private finish(error: unknown, value: unknown): void {
    this.done = true;
    const span = this.span;
    // put answers the new id; reserve hands out a job (id and body).
    const id = this.kind === 'put' ? (value as number | undefined) : (value as { id?: number } | undefined)?.id;
    if (span) {
      if (id !== undefined) span.setAttribute(C.ATTR_MESSAGE_ID, String(id));
      if (error !== undefined) failSpan(span, error);
      span.end();
    }
    if (this.startedAt < 0) return; // no meter listening
    const metrics = this.observer.metrics;
    let attributes = this.observer.attributes(this.operation, this.tube);
    if (error !== undefined) attributes = { ...attributes, [C.ATTR_ERROR_TYPE]: C.errorType(error) };
    if (this.kind === 'reserve') {
      if (id !== undefined) metrics.consumed.add(1, attributes);
      return;
    }
    metrics.operationDuration.record((performance.now() - this.startedAt) / 1000, attributes);
    if (this.kind === 'put') metrics.sent.add(1, attributes);
    else if (this.kind === 'settle') metrics.settled.add(1, attributes);
  }
}

/** Records `error` on `span` the way the conventions ask: exception event, status, error.type. */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.setAttribute(C.ATTR_ERROR_TYPE, C.errorType(error));
}

function firstWord(line: string): string {
  const space = line.indexOf(' ');
  return space < 0 ? line : line.slice(0, space);
}

/** The tube a command runs against, where it is known: its `use` tube, its one watched tube, its argument, or the job's. */
function tubeOf(kind: Kind, command: CommandInfo, line: string, active: Context): string | undefined {
  const options = command.options;
  if (options.use !== undefined) return options.use;
  if (options.watch !== undefined) return options.watch.length === 1 ? options.watch[0] : undefined;
  if (kind === 'other' && /^(stats-tube|pause-tube) /.test(line)) return line.split(' ')[1];
  return active.getValue(TUBE_KEY) as string | undefined;
}
