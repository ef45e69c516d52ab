import { firstValueFrom } from 'rxjs';
import { Beanstalk, DeadlineSoonError } from '../../src/index.js';
import type { Job, LaneEvent } from '../../src/index.js';
import type { Lane } from '../../src/client/lane.js';
import { reserveStream } from '../../src/client/reserve-stream.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { failure, freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

/**
 * The reserve stream's lanes never hold a job while reserving, so the server has no reason
 * to answer DEADLINE_SOON to them. These specs force the situation (a lane that already
 * holds a job with TTR 2 reserves again) to prove the handling: an event, a touch or not,
 * no error for the stream, and no tight reserve loop while the server keeps answering it.
 */
describe('DEADLINE_SOON on a lane', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeEach(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'deadline' });
  });
  afterEach(() => bs.close());

  /** A lane holding a reserved job with TTR 2 (the server's margin is 1 s). */
  async function laneHoldingJob(tube: string): Promise<{ lane: Lane; held: Job }> {
    await firstValueFrom(bs.tube(tube).put('held', { ttr: 2 }));
    const lane = bs['core'].openLane(); // lanes are internal: reached through the client's private core
    const held = await firstValueFrom(lane.reserve([tube], undefined, () => undefined));
    return { lane, held };
  }

  test('a reserve inside the safety margin fails with DeadlineSoonError (typed, with the command)', async () => {
    const tube = freshTube();
    const { lane, held } = await laneHoldingJob(tube);
    const error = await failure(lane.reserve([tube], 5, () => undefined));
    expect(error).toBeInstanceOf(DeadlineSoonError);
    expect((error as DeadlineSoonError).command).toMatch(/^reserve-with-timeout 5$/);
    expect((error as DeadlineSoonError).connection).toBe(lane.name);
    await firstValueFrom(held.delete(), { defaultValue: undefined });
    await lane.destroy();
  });

  test.each(['touch', 'leave'] as const)(
    "onDeadlineSoon '%s': an event, no stream error, and at most one reserve a second",
    async (mode) => {
      const tube = freshTube();
      const { lane, held } = await laneHoldingJob(tube);
      const events: LaneEvent[] = [];
      const eventSubscription = bs.laneEvents.subscribe((event) => events.push(event));
      const reservesBefore = await rawCounter(ctx.server.port, 'cmd-reserve');
      const touchesBefore = await rawCounter(ctx.server.port, 'cmd-touch');
      let streamError: unknown;
      const stream = reserveStream({ openLane: () => lane, closed: false }, [tube], { onDeadlineSoon: mode }).subscribe(
        {
          error: (error: unknown) => (streamError = error),
        },
      );
      await sleep(3500);
      const reserves = (await rawCounter(ctx.server.port, 'cmd-reserve')) - reservesBefore;
      const touches = (await rawCounter(ctx.server.port, 'cmd-touch')) - touchesBefore;
      stream.unsubscribe();
      eventSubscription.unsubscribe();

      expect(streamError).toBeUndefined();
      const deadlineEvents = events.filter((event) => event.type === 'deadline-soon');
      expect(deadlineEvents.length).toBeGreaterThanOrEqual(1);
      expect(deadlineEvents[0]).toMatchObject({ lane: lane.name, job: held.id });
      // After each DEADLINE_SOON the lane waits a second: a loop would show hundreds here.
      expect(reserves).toBeGreaterThanOrEqual(1);
      expect(reserves).toBeLessThanOrEqual(5);
      if (mode === 'touch') {
        expect(touches).toBeGreaterThanOrEqual(1);
        // Touched in time, so the job never timed out.
        expect((await rawJobStats(ctx.server.port, held.id))?.['timeouts']).toBe('0');
      } else {
        expect(touches).toBe(0);
      }
    },
    15000,
  );
});
