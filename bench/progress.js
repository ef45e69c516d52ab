'use strict';
// A completion counter the child's stall watchdog reads: scenarios bump `done` per reply.
module.exports = { done: 0 };
