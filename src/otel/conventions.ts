/**
 * Attribute names and values from the OpenTelemetry messaging semantic conventions, plus
 * the beanstalkd-specific ones in the `messaging.beanstalkd.*` namespace they prescribe.
 */

/** `messaging.system` for every span and metric. */
export const SYSTEM = 'beanstalkd';

/** The messaging system (`beanstalkd`). */
export const ATTR_SYSTEM = 'messaging.system';
/** The tube. */
export const ATTR_DESTINATION = 'messaging.destination.name';
/** The job id, as a string. */
export const ATTR_MESSAGE_ID = 'messaging.message.id';
/** The job body's size in bytes. */
export const ATTR_BODY_SIZE = 'messaging.message.body.size';
/** send, receive, process or settle. */
export const ATTR_OPERATION_TYPE = 'messaging.operation.type';
/** The beanstalkd command (put, reserve, delete, release, bury...), or `process`. */
export const ATTR_OPERATION_NAME = 'messaging.operation.name';
/** The connection's name (`<client>` or `<client>/lane-<n>`). */
export const ATTR_CLIENT_ID = 'messaging.client.id';
/** The server's host, or its UNIX socket path. */
export const ATTR_SERVER_ADDRESS = 'server.address';
/** The server's TCP port. */
export const ATTR_SERVER_PORT = 'server.port';
/** The failure's error class name. */
export const ATTR_ERROR_TYPE = 'error.type';

/** The job's priority (put, release, bury). */
export const ATTR_PRIORITY = 'messaging.beanstalkd.job.priority';
/** Seconds of delay: a put's, or a release's (a retry's backoff). */
export const ATTR_DELAY = 'messaging.beanstalkd.job.delay';
/** The job's time-to-run in seconds (put). */
export const ATTR_TTR = 'messaging.beanstalkd.job.ttr';
/** What the worker did with a job: succeeded, retried, buried, settle_failed or abandoned. */
export const ATTR_OUTCOME = 'messaging.beanstalkd.job.outcome';
/** A job state in the queue-depth gauge: ready, reserved, delayed or buried. */
export const ATTR_STATE = 'messaging.beanstalkd.job.state';

/** Bucket boundaries (seconds) the conventions advise for messaging durations. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** `error.type`: the error's class name (low cardinality), or `_OTHER`. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? error.name : error.constructor.name;
  return '_OTHER';
}
