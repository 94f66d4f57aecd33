/**
 * The queue of spec §6.1: a map plus the half-open key range [first, next).
 * Lookups are plain map lookups, as in the reference: a key outside the range
 * reads as absent because `prune` deletes it, not because of a range check.
 */
import { invariant } from '../errors.js';

export class Queue<V> {
  readonly map = new Map<bigint, V>();
  first = 0n;
  next = 0n;

  len(): bigint {
    return this.next - this.first;
  }

  pushBack(v: V): void {
    this.map.set(this.next, v);
    this.next += 1n;
  }

  /** Drops keys below `newFirst`; pruning past `next` leaves an empty queue at `newFirst`. */
  prune(newFirst: bigint): void {
    if (newFirst <= this.first) return;
    const stop = this.next < newFirst ? this.next : newFirst;
    for (let k = this.first; k < stop; k++) this.map.delete(k);
    this.first = newFirst;
    if (this.next < this.first) this.next = this.first;
    invariant(this.first <= this.next, 'queue first <= next after prune');
  }

  /** Positions an empty queue at `start` (seed only). The map is not cleared, as in the reference. */
  reset(start: bigint): void {
    this.first = start;
    this.next = start;
  }

  /** `q[i]`: the stored value or undefined (Go's nil). */
  get(i: bigint): V | undefined {
    return this.map.get(i);
  }
}
