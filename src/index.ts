/**
 * A beanstalkd client built on RxJS: the client, tubes, jobs, the worker runner and the errors.
 * @module rx-beanstalk
 */
export * from './client/index.js';
// Every error class (not errorForReply: turning replies into errors is the connection's business).
export {
  BadFormatError,
  BadReplyError,
  BeanstalkError,
  BuriedError,
  CommandTimeoutError,
  ConnectionError,
  DeadlineSoonError,
  DrainingError,
  ExpectedCrlfError,
  InternalError,
  InvalidArgumentError,
  InvalidTubeNameError,
  JobSettledError,
  JobTooBigError,
  NotFoundError,
  NotIgnoredError,
  OutOfMemoryError,
  QueueFullError,
  UnknownCommandError,
} from './protocol/errors.js';
export type { ErrorContext } from './protocol/errors.js';
export type { ServerStats, TubeStats, JobStats, JobState } from './protocol/stats.js';
export type { PutOptions } from './protocol/commands.js';
export { DEFAULT_PRIORITY, DEFAULT_TTR } from './protocol/commands.js';
export type { ConnectionState } from './connection/connection.js';
export type { Address } from './connection/address.js';
export type { ReconnectOptions } from './connection/backoff.js';
export type { ConnectionLimits } from './connection/options.js';
export { parseReplies } from './protocol/parser.js';
export type { ParserOptions } from './protocol/parser.js';
export type { Reply, ReplyWord } from './protocol/reply.js';
export * from './worker/index.js';
export type { ConnectionObserver, CommandInfo } from './connection/observer.js';
export * from './pool/index.js';
export * from './monitor/index.js';
