import { HashRing, RoundRobin, spreadLanes } from '../../src/pool/routing.js';

const server = (url: string, weight = 1, up = true) => ({ url, weight, up });

describe('pool routing', () => {
  test('round robin interleaves servers evenly, and by weight', () => {
    const servers = [server('a'), server('b', 2), server('c')];
    const rr = new RoundRobin(servers);
    const picks = Array.from({ length: 8 }, () => rr.pick()?.url);
    expect(picks.filter((url) => url === 'b')).toHaveLength(4);
    expect(picks.filter((url) => url === 'a')).toHaveLength(2);
    // Smooth: the heavy server never gets two in a row here.
    expect(picks.join('')).not.toMatch(/bbb/);
  });

  test('round robin skips servers that are down or already tried', () => {
    const servers = [server('a'), server('b', 1, false), server('c')];
    const rr = new RoundRobin(servers);
    const picks = Array.from({ length: 4 }, () => rr.pick()?.url);
    expect(picks.sort()).toEqual(['a', 'a', 'c', 'c']);
    expect(rr.pick(new Set([servers[0], servers[2]]))).toBeUndefined();
  });

  const keys = Array.from({ length: 20000 }, (_, i) => `customer-${i}`);

  test('consistent hashing splits keys about evenly and by weight', () => {
    const servers = [
      server('beanstalk://10.0.0.1:11300'),
      server('beanstalk://10.0.0.2:11300'),
      server('beanstalk://10.0.0.3:11300', 2),
    ];
    const ring = new HashRing(servers);
    const counts = new Map<string, number>();
    for (const key of keys) {
      const url = ring.pick(key)?.url ?? '';
      counts.set(url, (counts.get(url) ?? 0) + 1);
    }
    expect(counts.get(servers[0].url)! / keys.length).toBeGreaterThan(0.2);
    expect(counts.get(servers[0].url)! / keys.length).toBeLessThan(0.3);
    expect(counts.get(servers[2].url)! / keys.length).toBeGreaterThan(0.43);
    expect(counts.get(servers[2].url)! / keys.length).toBeLessThan(0.57);
  });

  test('adding a server moves only the keys it takes over (about 1/n), whatever the list order', () => {
    const three = ['a', 'b', 'c'].map((h) => server(`beanstalk://${h}:11300`));
    const four = [server('beanstalk://d:11300'), ...[...three].reverse()];
    const before = new HashRing(three);
    const after = new HashRing(four);
    let moved = 0;
    for (const key of keys) {
      const from = before.pick(key)?.url;
      const to = after.pick(key)?.url;
      if (from !== to) {
        moved++;
        expect(to).toBe('beanstalk://d:11300'); // keys move only to the new server
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.15);
    expect(moved / keys.length).toBeLessThan(0.35);
  });

  test('a server that is down passes its keys on; the others keep theirs', () => {
    const servers = ['a', 'b', 'c'].map((h) => server(h));
    const ring = new HashRing(servers);
    const home = new Map(keys.map((key) => [key, ring.pick(key)?.url]));
    const down = new HashRing([servers[0], { ...servers[1], up: false }, servers[2]]);
    for (const key of keys) {
      const now = down.pick(key)?.url;
      if (home.get(key) !== 'b') expect(now).toBe(home.get(key));
      else expect(now).not.toBe('b');
    }
  });

  test('lanes spread by weight, at least one per server', () => {
    expect(spreadLanes(8, [1, 1, 1])).toEqual([3, 3, 2]);
    expect(spreadLanes(4, [1, 2, 1])).toEqual([1, 2, 1]);
    expect(spreadLanes(1, [1, 1, 1])).toEqual([1, 1, 1]);
    expect(spreadLanes(12, [1, 1, 1]).reduce((a, b) => a + b)).toBe(12);
  });
});
