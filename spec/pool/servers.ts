import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBeanstalkd } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';

/** Real beanstalkd servers for a pool spec, each with its own binlog directory. */
export interface PoolServers {
  readonly servers: RunningBeanstalkd[];
  readonly binlogDirs: string[];
  readonly urls: string[];
  /** Restarts server `i` on its port with its binlog. */
  restart(i: number): Promise<void>;
}

/** Starts `n` servers before the spec file's tests and stops them (and removes their binlogs) after. */
export function useBeanstalkdPool(n: number): PoolServers {
  const holder: PoolServers = {
    servers: [],
    binlogDirs: [],
    get urls() {
      return holder.servers.map((server) => server.url);
    },
    async restart(i) {
      const old = holder.servers[i];
      await old.stop('SIGKILL');
      holder.servers[i] = await startBeanstalkd({ port: old.port, binlogDir: holder.binlogDirs[i] });
    },
  };
  beforeAll(async () => {
    for (let i = 0; i < n; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'rxbs-pool-'));
      holder.binlogDirs.push(dir);
      holder.servers.push(await startBeanstalkd({ binlogDir: dir }));
    }
  });
  afterAll(async () => {
    await Promise.all(holder.servers.map((server) => server.stop()));
    for (const dir of holder.binlogDirs) rmSync(dir, { recursive: true, force: true });
  });
  return holder;
}
