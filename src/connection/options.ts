import { InvalidArgumentError } from '../protocol/errors.js';
import { MAX_BODY_BYTES } from '../protocol/validate.js';
import type { Address } from './address.js';
import type { ReconnectOptions } from './backoff.js';

/** How long a command may go without a reply (reserve-with-timeout: its timeout plus this). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10000;
/** How long `close()` lets in-flight commands finish before it destroys the socket. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10000;
/** How long a command may wait for a lost connection to come back. */
export const DEFAULT_MAX_OFFLINE_WAIT_MS = 10000;
/** How long one connection attempt may take. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10000;
/** TCP keepalive initial delay. */
export const DEFAULT_KEEP_ALIVE_MS = 15000;
/** Commands that may wait while disconnected. */
export const DEFAULT_MAX_OFFLINE_QUEUE = 10000;
/** Commands queued and in flight on one connection; well above a 10,000-put pipelining window. */
export const DEFAULT_MAX_PENDING = 50000;
/** Bytes (lines and bodies) queued and in flight on one connection. */
export const DEFAULT_MAX_PENDING_BYTES = 256 * 1024 * 1024;
/** How often a safe command is resent after connection losses. */
export const DEFAULT_MAX_RESENDS = 3;

/** Limits and timeouts of one connection; every field is optional and has a documented default. */
export interface ConnectionLimits {
  /** Reconnect policy; `false` to give up when the socket is lost. Default: forever, 50 ms .. 5 s. */
  readonly reconnect?: ReconnectOptions | false;
  /** Fail a command (and reset the connection) when no reply comes for this long; blocking reserves excepted. Default 10 s; Infinity disables. */
  readonly commandTimeoutMs?: number;
  /** Give up one connection attempt after this long. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** TCP keepalive initial delay. Default 15 s; 0 disables. */
  readonly keepAliveMs?: number;
  /** Commands that may wait while disconnected. Default 10,000. */
  readonly maxOfflineQueue?: number;
  /** How long a command waits for a lost connection before it fails. Default 10 s; Infinity waits for ever. */
  readonly maxOfflineWaitMs?: number;
  /** Commands queued and in flight at once; more fail with QueueFullError. Default 50,000. */
  readonly maxPendingCommands?: number;
  /** Bytes queued and in flight at once (a single command may exceed it). Default 256 MiB. */
  readonly maxPendingBytes?: number;
  /** Longest reply body accepted. Default: the protocol's maximum. */
  readonly maxReplyBodyBytes?: number;
  /** How often a safe command is resent after connection losses before it fails. Default 3. */
  readonly maxResends?: number;
}

/** One connection's name (for errors), address and limits. */
export interface ConnectionOptions extends ConnectionLimits {
  /** Shown in every error and log line. */
  readonly name: string;
  readonly address: Address;
}

/** The options with every default filled in. */
export type ResolvedOptions = Required<Omit<ConnectionOptions, 'reconnect'>> & {
  readonly reconnect: ReconnectOptions | false;
};

/** Fills in defaults; the options were checked by `checkLimits` when the client was made. */
export function resolveOptions(options: ConnectionOptions): ResolvedOptions {
  return {
    name: options.name,
    address: options.address,
    reconnect: options.reconnect ?? {},
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
    maxOfflineQueue: options.maxOfflineQueue ?? DEFAULT_MAX_OFFLINE_QUEUE,
    maxOfflineWaitMs: options.maxOfflineWaitMs ?? DEFAULT_MAX_OFFLINE_WAIT_MS,
    maxPendingCommands: options.maxPendingCommands ?? DEFAULT_MAX_PENDING,
    maxPendingBytes: options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
    maxReplyBodyBytes: options.maxReplyBodyBytes ?? MAX_BODY_BYTES,
    maxResends: options.maxResends ?? DEFAULT_MAX_RESENDS,
  };
}

/** A duration in ms: a finite number >= min, or Infinity where "for ever" is allowed. */
export function checkDuration(what: string, value: unknown, min = 0, forever = false): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' && value >= min && (Number.isFinite(value) || (forever && value === Infinity));
  if (!ok) {
    const range = `a number of ms from ${min}${forever ? ', or Infinity' : ''}`;
    throw new InvalidArgumentError(`${what} must be ${range}, got ${describe(value)}`);
  }
}

/** A count: an integer in [min, max], or Infinity where allowed. */
export function checkCount(what: string, value: unknown, min: number, max: number, infinite = false): void {
  if (value === undefined) return;
  const ok =
    typeof value === 'number' &&
    ((Number.isInteger(value) && value >= min && value <= max) || (infinite && value === Infinity));
  if (!ok) {
    const range = `an integer from ${min} to ${max}${infinite ? ', or Infinity' : ''}`;
    throw new InvalidArgumentError(`${what} must be ${range}, got ${describe(value)}`);
  }
}

/** Checks every limit and timeout; throws InvalidArgumentError naming the first bad one. */
export function checkLimits(options: ConnectionLimits): void {
  checkDuration('commandTimeoutMs', options.commandTimeoutMs, 1, true);
  checkDuration('connectTimeoutMs', options.connectTimeoutMs, 1);
  checkDuration('keepAliveMs', options.keepAliveMs, 0);
  checkDuration('maxOfflineWaitMs', options.maxOfflineWaitMs, 0, true);
  checkCount('maxOfflineQueue', options.maxOfflineQueue, 0, Number.MAX_SAFE_INTEGER, true);
  checkCount('maxPendingCommands', options.maxPendingCommands, 1, Number.MAX_SAFE_INTEGER, true);
  checkCount('maxPendingBytes', options.maxPendingBytes, 1, Number.MAX_SAFE_INTEGER, true);
  checkCount('maxReplyBodyBytes', options.maxReplyBodyBytes, 1, MAX_BODY_BYTES);
  checkCount('maxResends', options.maxResends, 0, Number.MAX_SAFE_INTEGER, true);
  const reconnect = options.reconnect;
  if (reconnect === undefined || reconnect === false) return;
  if (typeof reconnect !== 'object' || reconnect === null) {
    throw new InvalidArgumentError(`reconnect must be false or an object, got ${describe(reconnect)}`);
  }
  checkDuration('reconnect.initialDelayMs', reconnect.initialDelayMs, 0);
  checkDuration('reconnect.maxDelayMs', reconnect.maxDelayMs, reconnect.initialDelayMs ?? 0);
  checkCount('reconnect.maxAttempts', reconnect.maxAttempts, 0, Number.MAX_SAFE_INTEGER, true);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : String(value);
}
