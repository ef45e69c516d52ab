export { work, defaultBackoff } from './work.js';
export type { Handler, WorkOptions } from './work.js';
export type { WorkerEvent } from './events.js';
export { touchInterval } from './touch.js';
