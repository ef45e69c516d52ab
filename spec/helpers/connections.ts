import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { Connection } from '../../src/connection/connection.js';
import type { ConnectionOptions, ConnectionState } from '../../src/connection/connection.js';
import type { CommandSink } from '../../src/connection/pending.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';
import { useBeanstalkd } from './setup.js';

/**
 * A real beanstalkd for the spec file, a fresh fault proxy in front of it for each test,
 * and `connect()`, which opens a Connection through that proxy inside the test (so a
 * mutation run attributes what it covers to the test) and destroys it afterwards.
 */
export function useConnections(): {
  readonly server: () => RunningBeanstalkd;
  readonly proxy: () => FaultProxy;
  readonly connect: (options?: Partial<ConnectionOptions>) => Connection;
} {
  const context = useBeanstalkd();
  let proxy: FaultProxy;
  const open: Connection[] = [];
  beforeEach(async () => {
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: context.server.port } });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((connection) => connection.destroy()));
    await proxy.close();
  });
  return {
    server: () => context.server,
    proxy: () => proxy,
    connect: (options = {}) => {
      const connection = new Connection({
        name: 'under-test',
        address: { host: '127.0.0.1', port: proxy.port },
        reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
        ...options,
      });
      open.push(connection);
      return connection;
    },
  };
}

/** Every state the connection goes through from now on. */
export function statesOf(connection: Connection): ConnectionState[] {
  const states: ConnectionState[] = [];
  connection.state$.subscribe((state) => states.push(state));
  return states;
}

export const value = <T>(source: Observable<T>): Promise<T> => firstValueFrom(source);

/** A plain CommandSink (as lanes use) that records what it is given. */
export function recordingSink<T>(): CommandSink<T> & { readonly events: unknown[] } {
  const events: unknown[] = [];
  return {
    events,
    next: (result) => events.push(result),
    error: (error) => events.push(error),
    complete: () => events.push('complete'),
  };
}
