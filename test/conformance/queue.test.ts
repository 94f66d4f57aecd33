/** Spec §11.4 (queue_test), seed column. */
import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/avail/queue.js';

function contents(q: Queue<string>): Array<[bigint, string]> {
  return [...q.map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

describe('queue', () => {
  it('TestQueueNewEmpty', () => {
    const q = new Queue<string>();
    expect([q.first, q.next, q.len()]).toEqual([0n, 0n, 0n]);
    expect(q.get(0n)).toBeUndefined();
  });

  it('TestQueuePushBack', () => {
    const q = new Queue<string>();
    for (const v of ['a', 'b', 'c']) q.pushBack(v);
    expect([q.first, q.next]).toEqual([0n, 3n]);
    expect([q.get(0n), q.get(1n), q.get(2n)]).toEqual(['a', 'b', 'c']);
  });

  it('TestQueuePrune', () => {
    const q = new Queue<string>();
    for (const v of ['a', 'b', 'c', 'd']) q.pushBack(v);
    q.prune(2n);
    expect(q.first).toBe(2n);
    expect(q.next).toBe(4n);
    expect(contents(q)).toEqual([[2n, 'c'], [3n, 'd']]);
    expect(q.get(0n)).toBeUndefined();
    expect(q.get(1n)).toBeUndefined();
  });

  it('TestQueuePruneStale', () => {
    const q = new Queue<string>();
    for (const v of ['a', 'b']) q.pushBack(v);
    q.prune(1n);
    q.prune(0n);
    expect([q.first, q.next]).toEqual([1n, 2n]);
    expect(contents(q)).toEqual([[1n, 'b']]);
  });

  it('TestQueuePrunePastNext', () => {
    const q = new Queue<string>();
    for (const v of ['a', 'b']) q.pushBack(v);
    q.prune(10n);
    expect([q.first, q.next, q.len()]).toEqual([10n, 10n, 0n]);
    expect(q.map.size).toBe(0);
  });

  it('queue reset (derived): reset(5) on an empty queue → [5, 5); the next pushBack stores key 5', () => {
    const q = new Queue<string>();
    q.reset(5n);
    expect([q.first, q.next, q.len()]).toEqual([5n, 5n, 0n]);
    q.pushBack('x');
    expect(q.get(5n)).toBe('x');
    expect([q.first, q.next]).toEqual([5n, 6n]);
  });

  it('reset does not clear the map (reference behaviour; only used on empty queues)', () => {
    const q = new Queue<string>();
    q.pushBack('a');
    q.reset(7n);
    expect(q.get(0n)).toBe('a');
    expect(q.len()).toBe(0n);
  });
});
