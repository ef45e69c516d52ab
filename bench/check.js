'use strict';
// Compares what a client claims with the server's own stats after the measurement.

/** Returns a list of mismatch strings (empty when the server agrees). */
function checkStats(claims, stats) {
  const expected = {
    'cmd-put': claims.put,
    'total-jobs': claims.put,
    'cmd-delete': claims.delete,
    'current-jobs-ready': claims.put - claims.delete,
    'current-jobs-reserved': 0,
    'current-jobs-delayed': 0,
    'current-jobs-buried': 0,
  };
  const out = [];
  for (const [key, want] of Object.entries(expected)) {
    if (stats[key] !== want) out.push(`${key}: server ${stats[key]}, client claims ${want}`);
  }
  return out;
}

module.exports = { checkStats };
