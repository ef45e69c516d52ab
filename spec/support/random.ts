/** A small seeded PRNG (mulberry32), so fault schedules can be replayed from a seed. */
export interface Random {
  /** The seed this generator started from (report it when a spec fails). */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
}

/** A fresh seed when none is given. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}

export function createRandom(seed: number = randomSeed()): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  return {
    seed: seed >>> 0,
    next,
    int: (min, max) => (max <= min ? min : min + Math.floor(next() * (max - min + 1))),
  };
}
