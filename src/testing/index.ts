/**
 * A real beanstalkd on a free loopback port, for tests and demos.
 * @module rx-beanstalk/testing
 */
export { startBeanstalkd, freePort } from './beanstalkd.js';
export type { BeanstalkdOptions, RunningBeanstalkd } from './beanstalkd.js';
