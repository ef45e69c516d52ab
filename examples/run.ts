/**
 * What every example does the same way: stop on SIGTERM or SIGINT, and run `main` from the
 * command line with the server's URL.
 */
import { fromEvent, merge } from 'rxjs';
import type { Observable } from 'rxjs';

/** Emits on SIGTERM or SIGINT: the graceful stop the examples use by default. */
export const stopSignal = (): Observable<unknown> => merge(fromEvent(process, 'SIGTERM'), fromEvent(process, 'SIGINT'));

/**
 * Runs `main` with the URL given as first argument, else BEANSTALKD_URL, else the local
 * default; hands its result to `done`, or prints its error and exits with status 1.
 */
export function runFromCommandLine<T>(main: (url: string) => Promise<T>, done?: (result: T) => void): void {
  const url = process.argv[2] ?? process.env.BEANSTALKD_URL ?? 'beanstalk://127.0.0.1:11300';
  main(url).then(done, (error: unknown) => {
    console.error(String(error));
    process.exitCode = 1;
  });
}
