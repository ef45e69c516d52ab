import { InvalidArgumentError } from '../protocol/errors.js';
import { MAX_BODY_BYTES } from '../protocol/validate.js';
import { checkCount, checkDuration, checkLimits } from '../connection/options.js';
import type { BeanstalkOptions, CloseOptions } from './beanstalk.js';

/** Checks every client option at `connect`, so a typo cannot silently turn a limit off. */
export function checkClientOptions(options: BeanstalkOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`options must be an object, got ${String(options)}`);
  }
  checkString('name', options.name);
  checkString('url', options.url);
  checkString('host', options.host);
  checkString('path', options.path);
  checkCount('port', options.port, 1, 65535);
  const tls = options.tls;
  if (tls !== undefined && typeof tls !== 'boolean' && (typeof tls !== 'object' || tls === null)) {
    throw new InvalidArgumentError(`tls must be a boolean or node:tls options, got ${String(tls)}`);
  }
  checkCount('maxJobSize', options.maxJobSize, 0, MAX_BODY_BYTES);
  checkLimits(options);
}

/** `close({ timeoutMs })`: a number of ms from 0, or Infinity to wait for ever. */
export function checkCloseTimeout(options: CloseOptions): void {
  checkDuration('close timeoutMs', options?.timeoutMs, 0, true);
}

function checkString(what: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw new InvalidArgumentError(
      `${what} must be a non-empty string, got ${typeof value === 'string' ? '""' : typeof value}`,
    );
  }
}
