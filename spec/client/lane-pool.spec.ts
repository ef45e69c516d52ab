import { Subject } from 'rxjs';
import { Connection } from '../../src/connection/connection.js';
import { Lane } from '../../src/client/lane.js';
import type { LaneEvent } from '../../src/client/lane.js';
import { LanePool } from '../../src/client/lane-pool.js';

// Real lanes on connections that are never used: a Connection opens its socket only on its
// first command, so these need no server, and destroying one just closes it.
const address = { host: '127.0.0.1', port: 1 };
const shared = new Connection({ name: 'shared', address });
const events = new Subject<LaneEvent>();

/** A pool whose opened lanes are recorded in order. */
function pool(maxIdle?: number): { pool: LanePool; opened: Lane[] } {
  const opened: Lane[] = [];
  const open = (): Lane => {
    const lane = new Lane({ name: `lane-${opened.length + 1}`, address }, shared, events);
    opened.push(lane);
    return lane;
  };
  return { pool: new LanePool(open, maxIdle), opened };
}

describe('LanePool: idle lanes for one-off reserves', () => {
  test('take opens a lane when none is idle', () => {
    const { pool: lanes, opened } = pool();
    const a = lanes.take();
    const b = lanes.take();
    expect(opened).toEqual([a, b]);
    expect(a).not.toBe(b);
  });

  test('a lane given back is taken again, the last given first, without opening another', () => {
    const { pool: lanes, opened } = pool();
    const a = lanes.take();
    const b = lanes.take();
    lanes.give(a, false);
    lanes.give(b, false);
    expect(lanes.take()).toBe(b);
    expect(lanes.take()).toBe(a);
    expect(opened).toHaveLength(2);
    expect(a.connection.state).toBe('idle');
  });

  test('a lane given back twice is kept once', () => {
    const { pool: lanes, opened } = pool();
    const a = lanes.take();
    lanes.give(a, false);
    lanes.give(a, false);
    expect(lanes.take()).toBe(a);
    expect(lanes.take()).not.toBe(a);
    expect(opened).toHaveLength(2);
  });

  test('a lane given back as closed is destroyed, not kept', async () => {
    const { pool: lanes, opened } = pool();
    const a = lanes.take();
    lanes.give(a, true);
    await a.connection.close();
    expect(a.connection.state).toBe('closed');
    expect(lanes.take()).not.toBe(a);
    expect(opened).toHaveLength(2);
  });

  test('a lane whose connection already closed is not kept', async () => {
    const { pool: lanes } = pool();
    const a = lanes.take();
    await a.destroy();
    lanes.give(a, false);
    expect(lanes.take()).not.toBe(a);
  });

  test('keeps at most maxIdle lanes; the ones over it are destroyed', () => {
    const { pool: lanes } = pool(2);
    const [a, b, c] = [lanes.take(), lanes.take(), lanes.take()];
    lanes.give(a, false);
    lanes.give(b, false);
    lanes.give(c, false);
    expect(a.connection.state).toBe('idle');
    expect(b.connection.state).toBe('idle');
    expect(c.connection.state).toBe('closed');
    expect(lanes.take()).toBe(b);
    expect(lanes.take()).toBe(a);
  });

  test('keeps 8 idle lanes by default', () => {
    const { pool: lanes } = pool();
    const taken = Array.from({ length: 9 }, () => lanes.take());
    for (const lane of taken) lanes.give(lane, false);
    expect(taken.slice(0, 8).every((lane) => lane.connection.state === 'idle')).toBe(true);
    expect(taken[8].connection.state).toBe('closed');
  });

  test('destroyAll destroys every idle lane, and the pool is empty afterwards', async () => {
    const { pool: lanes, opened } = pool();
    const [a, b, busy] = [lanes.take(), lanes.take(), lanes.take()];
    lanes.give(a, false);
    lanes.give(b, false);
    const done = await lanes.destroyAll();
    expect(done).toHaveLength(2);
    expect(a.connection.state).toBe('closed');
    expect(b.connection.state).toBe('closed');
    // A lane still out with a reserve is not the pool's to destroy.
    expect(busy.connection.state).toBe('idle');
    expect(lanes.take()).not.toBe(a);
    expect(opened).toHaveLength(4);
    await busy.destroy();
  });
});
