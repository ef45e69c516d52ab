/**
 * Attribute names and values from the OpenTelemetry messaging semantic conventions, plus
 * the beanstalkd-specific ones in the `messaging.beanstalkd.*` namespace they prescribe.
 */
export const SYSTEM = 'beanstalkd';

export const ATTR_SYSTEM = 'messaging.system';
export const ATTR_DESTINATION = 'messaging.destination.name';
export const ATTR_MESSAGE_ID = 'messaging.message.id';
export const ATTR_BODY_SIZE = 'messaging.message.body.size';
export const ATTR_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_CLIENT_ID = 'messaging.client.id';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_ERROR_TYPE = 'error.type';

export const ATTR_PRIORITY = 'messaging.beanstalkd.job.priority';
export const ATTR_DELAY = 'messaging.beanstalkd.job.delay';
export const ATTR_TTR = 'messaging.beanstalkd.job.ttr';
/** What the worker did with a job: succeeded, retried, buried, settle_failed or abandoned. */
export const ATTR_OUTCOME = 'messaging.beanstalkd.job.outcome';
/** A job state in the queue-depth gauge: ready, reserved, delayed or buried. */
export const ATTR_STATE = 'messaging.beanstalkd.job.state';

/** Messaging operation types (`messaging.operation.type`). */
export type OperationType = 'send' | 'receive' | 'process' | 'settle';

/** Bucket boundaries (seconds) the conventions advise for messaging durations. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** `error.type`: the error's class name (low cardinality), or `_OTHER`. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? error.name : error.constructor.name;
  return '_OTHER';
}
