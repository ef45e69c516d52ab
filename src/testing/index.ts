export { startBeanstalkd, freePort } from './beanstalkd.js';
export type { BeanstalkdOptions, RunningBeanstalkd } from './beanstalkd.js';
