import { toSnapshot } from '../../src/monitor/snapshot.js';
import type { Sample } from '../../src/monitor/snapshot.js';
import type { ServerStats, TubeStats } from '../../src/protocol/stats.js';

const server = (counters: Partial<Record<string, number | string>>): ServerStats =>
  ({
    pid: 1,
    id: 'abc',
    uptime: 10,
    cmdPut: 0,
    cmdReserve: 0,
    cmdReserveWithTimeout: 0,
    cmdDelete: 0,
    jobTimeouts: 0,
    cmdBury: 0,
    cmdKick: 0,
    ...counters,
  }) as unknown as ServerStats;
const tube = (name: string, totalJobs: number, cmdDelete = 0): TubeStats =>
  ({ name, totalJobs, cmdDelete }) as unknown as TubeStats;
const sample = (time: number, stats: ServerStats, tubes: TubeStats[]): Sample => ({ time, server: stats, tubes });

describe('toSnapshot (rates between two samples)', () => {
  it('gives all-zero rates and no appeared tubes for the first sample', () => {
    const first = toSnapshot(sample(1000, server({ cmdPut: 50 }), [tube('a', 5)]), undefined);
    expect(first.elapsedMs).toBe(0);
    expect(first.rates).toEqual({ puts: 0, reserves: 0, deletes: 0, timeouts: 0, buries: 0, kicks: 0 });
    expect(first.tubes).toEqual([{ name: 'a', stats: tube('a', 5), rates: { puts: 0, deletes: 0 } }]);
    expect(first.appeared).toEqual([]);
  });

  it('divides each counter by the seconds between samples; reserves count both reserve commands', () => {
    const before = sample(
      1000,
      server({
        cmdPut: 10,
        cmdReserve: 1,
        cmdReserveWithTimeout: 2,
        cmdDelete: 3,
        jobTimeouts: 4,
        cmdBury: 5,
        cmdKick: 6,
      }),
      [tube('a', 10, 1)],
    );
    const after = sample(
      3000,
      server({
        cmdPut: 30,
        cmdReserve: 5,
        cmdReserveWithTimeout: 6,
        cmdDelete: 7,
        jobTimeouts: 6,
        cmdBury: 9,
        cmdKick: 8,
      }),
      [tube('a', 16, 5)],
    );
    const snapshot = toSnapshot(after, before);
    expect(snapshot.elapsedMs).toBe(2000);
    expect(snapshot.rates).toEqual({ puts: 10, reserves: 4, deletes: 2, timeouts: 1, buries: 2, kicks: 1 });
    expect(snapshot.tubes[0].rates).toEqual({ puts: 3, deletes: 2 });
  });

  it('lists appeared and disappeared tubes; a new tube counts from zero; tubes come sorted by name', () => {
    const before = sample(0, server({}), [tube('old', 3), tube('gone', 1)]);
    const after = sample(1000, server({}), [tube('new', 4), tube('old', 3)]);
    const snapshot = toSnapshot(after, before);
    expect(snapshot.tubes.map((t) => t.name)).toEqual(['new', 'old']);
    expect(snapshot.appeared).toEqual(['new']);
    expect(snapshot.disappeared).toEqual(['gone']);
    expect(snapshot.tubes[0].rates.puts).toBe(4);
    expect(snapshot.tubes[1].rates.puts).toBe(0);
  });

  it('gives 0, never a negative rate or a spike, for a counter that went down (tube gone and back)', () => {
    const snapshot = toSnapshot(sample(1000, server({}), [tube('a', 2)]), sample(0, server({}), [tube('a', 9)]));
    expect(snapshot.tubes[0].rates.puts).toBe(0);
  });

  it('gives 0 rates for the interval of a server restart (other pid, or uptime went back)', () => {
    const before = sample(0, server({ pid: 1, cmdPut: 100, uptime: 50 }), [tube('a', 100)]);
    const restartedPid = toSnapshot(
      sample(1000, server({ pid: 2, cmdPut: 120, uptime: 51 }), [tube('a', 120)]),
      before,
    );
    expect(restartedPid.rates.puts).toBe(0);
    expect(restartedPid.tubes[0].rates.puts).toBe(0);
    expect(restartedPid.elapsedMs).toBe(1000);
    const restartedUptime = toSnapshot(sample(1000, server({ cmdPut: 150, uptime: 1 }), []), before);
    expect(restartedUptime.rates.puts).toBe(0);
    // The next interval is measured again.
    const next = toSnapshot(
      sample(2000, server({ cmdPut: 160, uptime: 2 }), []),
      sample(1000, server({ cmdPut: 150, uptime: 1 }), []),
    );
    expect(next.rates.puts).toBe(10);
  });
});
