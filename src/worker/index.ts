export { work, defaultBackoff } from './work.js';
export type { WorkOptions } from './work.js';
export type { Handler, HandlerContext } from './run-job.js';
export type { WorkerEvent } from './events.js';
export { touchInterval } from './touch.js';
