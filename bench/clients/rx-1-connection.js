'use strict';
// rx-beanstalk, reserve({ concurrency: 8, connections: 1 }): one lane holding up to 8 jobs.
module.exports = require('./rx-lanes').withConnections(1, 'rx-beanstalk, 8 jobs on 1 connection');
