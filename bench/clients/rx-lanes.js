'use strict';
// rx-beanstalk's reserve stream with a given number of connections (lanes) for its
// `concurrency`: `connections` equal to it is today's one job per lane, fewer let one
// lane hold several jobs. Only the reserve-delete-conns scenario runs these.
const rx = require('./rx-beanstalk');

/** An rx-beanstalk adapter whose reserve streams use `connections` lanes. */
function withConnections(connections, name) {
  return {
    ...rx,
    name,
    notes: `reserve({ concurrency, connections: ${connections} })`,
    consumeOnly: true,
    laneLayout: true,
    open: (port) => rx.open(port, { connections }),
  };
}

module.exports = { withConnections };
