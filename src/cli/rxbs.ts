#!/usr/bin/env node
/**
 * rxbs: the beanstalkd command line of rx-beanstalk. `rxbs --help` lists the commands;
 * the README's "Command line: rxbs" section documents them and the exit codes.
 */
import { main } from './program.js';

// `rxbs tubes | head -1`: once the reader is gone, stop quietly, as other command-line tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

void main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
