export { Beanstalk } from './beanstalk.js';
export type { BeanstalkOptions, CloseOptions } from './beanstalk.js';
export { Job } from './job.js';
export type { ReleaseOptions } from './job.js';
export { Tube } from './tube.js';
export { TubeSet } from './tube-set.js';
export type { ReserveOneOptions } from './tube-set.js';
export type { ReserveStreamOptions } from './reserve-stream.js';
export type { LaneEvent } from './lane.js';
