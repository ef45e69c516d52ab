'use strict';
// rx-beanstalk, reserve({ concurrency: 8, connections: 8 }): today's lanes, one job each.
module.exports = require('./rx-lanes').withConnections(8, 'rx-beanstalk, 8 lanes (1 job each)');
