import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { startBeanstalkd } from '../../src/testing/index.js';
import type { BeanstalkdOptions, RunningBeanstalkd } from '../../src/testing/index.js';

/** Starts a real beanstalkd for the spec file and stops it afterwards. */
export function useBeanstalkd(options: BeanstalkdOptions = {}): { readonly server: RunningBeanstalkd } {
  const holder = {} as { server: RunningBeanstalkd };
  beforeAll(async () => {
    holder.server = await startBeanstalkd(options);
  });
  afterAll(async () => {
    await holder.server?.stop();
  });
  return holder;
}

let tubeCounter = 0;
/** A tube name no other test in the file uses. */
export const freshTube = (prefix = 't'): string => `${prefix}-${process.pid}-${++tubeCounter}`;

/** The one value an Observable emits, or undefined if it completes empty. */
export const maybe = <T>(source: Observable<T>): Promise<T | undefined> =>
  firstValueFrom(source, { defaultValue: undefined });

export const all = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()));

/** Resolves with the error the Observable fails with; rejects if it succeeds. */
export async function failure(source: Observable<unknown>): Promise<unknown> {
  try {
    await lastValueFrom(source, { defaultValue: undefined });
  } catch (error) {
    return error;
  }
  throw new Error('expected the Observable to fail, but it completed');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
