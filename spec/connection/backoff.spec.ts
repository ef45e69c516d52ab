import { backoffDelay } from '../../src/connection/backoff.js';

const low = (): number => 0;
const high = (): number => 1;
const middle = (): number => 0.5;

describe('backoffDelay: exponential with equal jitter', () => {
  test('defaults: 50 ms doubling, capped at 5000 ms; half fixed, half random', () => {
    expect(backoffDelay(0, {}, low)).toBe(25);
    expect(backoffDelay(0, {}, high)).toBe(50);
    expect(backoffDelay(1, {}, low)).toBe(50);
    expect(backoffDelay(1, {}, high)).toBe(100);
    expect(backoffDelay(3, {}, middle)).toBe(300);
    expect(backoffDelay(6, {}, high)).toBe(3200);
    expect(backoffDelay(7, {}, high)).toBe(5000);
    expect(backoffDelay(7, {}, low)).toBe(2500);
  });

  test('the given initial and maximum delays', () => {
    const options = { initialDelayMs: 10, maxDelayMs: 1000 };
    expect(backoffDelay(0, options, high)).toBe(10);
    expect(backoffDelay(2, options, high)).toBe(40);
    expect(backoffDelay(2, options, low)).toBe(20);
    expect(backoffDelay(20, options, high)).toBe(1000);
    expect(backoffDelay(20, options, low)).toBe(500);
  });

  test('a maximum below the initial delay wins', () => {
    expect(backoffDelay(0, { initialDelayMs: 1000, maxDelayMs: 100 }, high)).toBe(100);
  });

  test('never 0 and never over the maximum, for any attempt and any random draw', () => {
    for (let attempt = 0; attempt < 200; attempt += 7) {
      for (const random of [low, middle, high, Math.random]) {
        const delay = backoffDelay(attempt, { initialDelayMs: 1, maxDelayMs: 60_000 }, random);
        expect(delay).toBeGreaterThan(0);
        expect(delay).toBeLessThanOrEqual(60_000);
      }
    }
  });

  test('a huge attempt count stays finite: the exponent is capped at 2^30', () => {
    const options = { initialDelayMs: 1, maxDelayMs: Infinity };
    expect(backoffDelay(1000, options, high)).toBe(2 ** 30);
    expect(backoffDelay(30, options, high)).toBe(2 ** 30);
    expect(backoffDelay(29, options, high)).toBe(2 ** 29);
  });

  test('jitter: Math.random by default, spread over the upper half of the ceiling', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(4, {}));
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(800);
    }
    // 200 draws of Math.random: all the same would mean no jitter at all.
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});
