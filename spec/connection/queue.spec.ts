import { Queue } from '../../src/connection/queue.js';

/** Pushes `from..to-1` and returns the queue. */
function filled(from: number, to: number, queue = new Queue<number>()): Queue<number> {
  for (let i = from; i < to; i++) queue.push(i);
  return queue;
}

describe('Queue: the ring that matches replies to commands in order', () => {
  test('an empty queue has length 0 and gives undefined from shift and peek', () => {
    const queue = new Queue<string>();
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
    expect(queue.drain()).toEqual([]);
    expect(queue.includes('a')).toBe(false);
  });

  test('first in, first out; peek shows the head without taking it', () => {
    const queue = filled(1, 4);
    expect(queue.length).toBe(3);
    expect(queue.peek()).toBe(1);
    expect(queue.length).toBe(3);
    expect(queue.shift()).toBe(1);
    expect(queue.peek()).toBe(2);
    expect(queue.shift()).toBe(2);
    expect(queue.shift()).toBe(3);
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  test('unshift puts an item in front of the others (requeueing after a connection loss)', () => {
    const queue = filled(2, 4);
    queue.unshift(1);
    queue.unshift(0);
    expect(queue.length).toBe(4);
    expect(queue.peek()).toBe(0);
    expect(queue.drain()).toEqual([0, 1, 2, 3]);
  });

  test('unshift on an empty queue wraps the head below 0 and still keeps order', () => {
    const queue = new Queue<number>();
    queue.unshift(2);
    queue.unshift(1);
    queue.push(3);
    expect(queue.drain()).toEqual([1, 2, 3]);
  });

  test('keeps order across the wrap of the ring and through growth (past 16, 32 and 64 items)', () => {
    const queue = new Queue<number>();
    const expected: number[] = [];
    let next = 0;
    // Shift a few between pushes so the head walks round the ring before each growth.
    for (let round = 0; round < 100; round++) {
      queue.push(next);
      expected.push(next++);
      if (round % 3 === 0) expect(queue.shift()).toBe(expected.shift());
    }
    expect(queue.length).toBe(expected.length);
    expect(queue.drain()).toEqual(expected);
    expect(queue.length).toBe(0);
  });

  test('grows when full while the head sits in the middle of the ring', () => {
    const queue = filled(0, 16);
    for (let i = 0; i < 10; i++) queue.shift();
    filled(16, 26, queue); // 16 items again, the ring now full and wrapped
    queue.push(26); // grows
    queue.unshift(9); // and in front of it all
    expect(queue.drain()).toEqual(Array.from({ length: 18 }, (_, i) => i + 9));
  });

  test('unshift grows a full ring too', () => {
    const queue = filled(1, 17);
    queue.unshift(0);
    expect(queue.length).toBe(17);
    expect(queue.drain()).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });

  test('includes sees only the items still queued, across the wrap', () => {
    const queue = filled(0, 16);
    for (let i = 0; i < 12; i++) queue.shift();
    filled(16, 24, queue);
    expect(queue.includes(11)).toBe(false);
    expect(queue.includes(12)).toBe(true);
    expect(queue.includes(15)).toBe(true);
    expect(queue.includes(16)).toBe(true);
    expect(queue.includes(23)).toBe(true);
    expect(queue.includes(24)).toBe(false);
  });

  test('includes compares by identity', () => {
    const a = { id: 1 };
    const queue = new Queue<{ id: number }>();
    queue.push(a);
    expect(queue.includes(a)).toBe(true);
    expect(queue.includes({ id: 1 })).toBe(false);
  });

  test('a shifted slot lets go of its item', () => {
    const queue = new Queue<object>();
    const item = {};
    queue.push(item);
    queue.shift();
    // The ring's slot is cleared, so a finished command is not kept alive by the queue.
    expect(Object.values(queue as unknown as { items: unknown[] }).flat()).not.toContain(item);
  });

  test('drain empties the queue, oldest first, and the queue is usable afterwards', () => {
    const queue = filled(0, 40);
    expect(queue.drain()).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(queue.length).toBe(0);
    queue.push(7);
    expect(queue.peek()).toBe(7);
    expect(queue.length).toBe(1);
  });
});
