export { BeanstalkPool } from './pool.js';
export { PoolServer } from './pool-server.js';
export type { JobRef, PoolJob, PoolServerState } from './pool-server.js';
export { PoolTube } from './pool-tube.js';
export { PoolTubeSet } from './pool-tube-set.js';
export type { PoolOptions, PoolPutOptions, PoolServerSpec } from './pool-options.js';
export type { PooledStats, ServerAnswer } from './stats-sum.js';
