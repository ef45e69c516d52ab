import type { Lane } from './lane.js';

/**
 * Idle lanes for one-off reserves (reserveOne, reserveJob). A lane is taken for a
 * reserve and given back once its job is settled (or nothing was reserved).
 */
export class LanePool {
  private readonly idle: Lane[] = [];

  constructor(
    private readonly open: () => Lane,
    private readonly maxIdle = 8,
  ) {}

  take(): Lane {
    return this.idle.pop() ?? this.open();
  }

  give(lane: Lane, closed: boolean): void {
    if (closed || lane.connection.state === 'closed' || this.idle.length >= this.maxIdle) void lane.destroy();
    else if (!this.idle.includes(lane)) this.idle.push(lane);
  }

  destroyAll(): Promise<void[]> {
    return Promise.all(this.idle.splice(0).map((lane) => lane.destroy()));
  }
}
