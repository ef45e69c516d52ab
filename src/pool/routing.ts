/** What routing needs to know of a server: who it is, its weight, whether it takes jobs now. */
export interface Routable {
  /** Stable identity on the hash ring (the server's URL), so list order does not move keys. */
  readonly url: string;
  /** Its share of picks and of ring points, relative to the others. */
  readonly weight: number;
  /** Whether it takes work now; a server that is down is skipped. */
  readonly up: boolean;
}

/**
 * Smooth weighted round robin (nginx's): every pick adds each up server's weight to its
 * credit and takes the one with most, which then pays the total. Servers come up in
 * proportion to their weights and evenly interleaved, never in bursts.
 */
export class RoundRobin<S extends Routable> {
  private readonly credit: number[];

  constructor(private readonly servers: readonly S[]) {
    this.credit = servers.map(() => 0);
  }

  /** The next up server not in `skip`, or undefined when there is none. */
  pick(skip?: ReadonlySet<S>): S | undefined {
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.servers.length; i++) {
      const server = this.servers[i];
      if (!server.up || skip?.has(server)) continue;
      this.credit[i] += server.weight;
      total += server.weight;
      if (best < 0 || this.credit[i] > this.credit[best]) best = i;
    }
    if (best < 0) return undefined;
    this.credit[best] -= total;
    return this.servers[best];
  }
}

/** Points per unit of weight on the ring: enough that three servers split keys within a few %. */
const POINTS_PER_WEIGHT = 160;

/**
 * Consistent hashing (a ring of virtual points per server, Karger et al.): a key goes to
 * the first point clockwise of its hash. Adding a server takes over only the keys that
 * now land on its points (about 1/n of them); a server that is down passes its keys to
 * the next point's server, and gets them back when it returns.
 */
export class HashRing<S extends Routable> {
  private readonly points: Uint32Array;
  private readonly owners: S[];

  constructor(servers: readonly S[]) {
    const entries: { hash: number; server: S }[] = [];
    for (const server of servers) {
      const count = Math.max(1, Math.round(POINTS_PER_WEIGHT * server.weight));
      for (let i = 0; i < count; i++) entries.push({ hash: hash32(`${server.url}#${i}`), server });
    }
    entries.sort((a, b) => a.hash - b.hash || (a.server.url < b.server.url ? -1 : 1));
    this.points = Uint32Array.from(entries, (entry) => entry.hash);
    this.owners = entries.map((entry) => entry.server);
  }

  /** The up server that owns `key`, skipping down servers and those in `skip`. */
  pick(key: string, skip?: ReadonlySet<S>): S | undefined {
    const n = this.points.length;
    let i = this.firstAtOrAfter(hash32(key));
    for (let step = 0; step < n; step++, i = (i + 1) % n) {
      const server = this.owners[i];
      if (server.up && !skip?.has(server)) return server;
    }
    return undefined;
  }

  private firstAtOrAfter(hash: number): number {
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.points[mid] < hash) low = mid + 1;
      else high = mid;
    }
    return low === this.points.length ? 0 : low;
  }
}

/** FNV-1a over UTF-16 units, then murmur3's finaliser: similar keys land far apart. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Lanes per server for a pooled reserve of `concurrency`: split in proportion to the
 * weights (largest remainder), and at least one lane per server, so no server starves.
 * The total is therefore max(concurrency, number of servers).
 */
export function spreadLanes(concurrency: number, weights: readonly number[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const exact = weights.map((w) => (concurrency * w) / total);
  const lanes = exact.map((x) => Math.floor(x));
  let left = concurrency - lanes.reduce((sum, n) => sum + n, 0);
  const byRemainder = exact.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    lanes[i]++;
    left--;
  }
  return lanes.map((n) => Math.max(1, n));
}
