/**
 * A FIFO with O(1) push and shift and no per-item allocation: a growable ring.
 * Replies are matched to commands in order, so this sits on the hot path
 * (Array#shift is O(n) once arrays get large, e.g. 10,000 outstanding puts).
 */
export class Queue<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** Puts an item at the front (used to requeue commands after a connection loss). */
  unshift(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & (this.items.length - 1);
    this.items[this.head] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  includes(item: T): boolean {
    for (let i = 0; i < this.count; i++)
      if (this.items[(this.head + i) & (this.items.length - 1)] === item) return true;
    return false;
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  private grow(): void {
    const size = this.items.length;
    const next: (T | undefined)[] = new Array<T | undefined>(size * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & (size - 1)];
    this.items = next;
    this.head = 0;
  }
}
