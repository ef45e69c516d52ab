import type { ConnectionState } from './session.js';
import type { Observer } from 'rxjs';

/** What an observer learns of a command: its line, its body, and the tube or watch set it needs. */
export interface CommandInfo {
  /** The command line without CRLF, e.g. `put 0 0 60 5` or `delete 42`. */
  readonly line: string;
  /** The body of a put. */
  readonly body: Buffer | undefined;
  /** The tube state the command runs in, which the library sets up before writing it. */
  readonly options: {
    /** The tube a put, peek-ready or kick runs against. */
    readonly use?: string;
    /** The watch set of a reserve. */
    readonly watch?: readonly string[];
  };
}

/**
 * Hooks a connection calls for telemetry (see `rx-beanstalk/otel`). A connection without
 * an observer calls nothing; the library's own use/watch/ignore lines are not reported.
 */
export interface ConnectionObserver {
  /**
   * A caller queued `command` on the connection named `connection`; the sink returned
   * receives the command's outcome in place of `sink` (and must pass it on).
   */
  command<T>(command: CommandInfo, sink: Observer<T>, connection: string): Observer<T>;
  /** The connection's state changed. */
  state?(state: ConnectionState, connection: string): void;
}
