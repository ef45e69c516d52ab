'use strict';
// Every client measured, keyed by the name child.js is given. raw comes first: it is the
// reference every ratio is taken against.
module.exports = {
  raw: require('./raw'),
  'raw-pipelined': require('./raw-pipelined'),
  'rx-beanstalk': require('./rx-beanstalk'),
  fivebeans: require('./fivebeans'),
  jackd: require('./jackd'),
  'node-beanstalk': require('./node-beanstalk'),
  beanstalkd: require('./beanstalkd'),
};
