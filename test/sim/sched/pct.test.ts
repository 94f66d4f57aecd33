import { describe, expect, test } from 'vitest';
import { hitCount, rareBugHit } from './rare-bug.js';

// Measured over seeds rare-0 … rare-999 (deterministic, so these are exact for this code):
//   random                      0 / 1000   (needs the reader to wait ~25 coin flips: ≈ 2^-25)
//   pct d=2, estimatedSteps 60  10 / 1000  (theory: ≥ 1/(n·k) with n = 2 racing tasks, k = 60 → 0.83 %)
//   pct d=3, estimatedSteps 60  11 / 1000
// Over 2000 seeds: random 0, pct d=2 21, pct d=3 21.
const SEEDS = 1000;

describe('PCT reaches a rare interleaving that random scheduling misses', () => {
  test('one preemption at exactly one of ~50 points while another task runs 3 steps', async () => {
    const random = await hitCount(SEEDS, { kind: 'random' });
    const pct2 = await hitCount(SEEDS, { kind: 'pct', depth: 2, estimatedSteps: 60 });
    const pct3 = await hitCount(SEEDS, { kind: 'pct', depth: 3, estimatedSteps: 60 });
    expect(random).toBeLessThanOrEqual(1);
    expect(pct2).toBeGreaterThanOrEqual(5);
    expect(pct3).toBeGreaterThanOrEqual(5);
  });

  test('the bug is real: a hand-written schedule hits it, and a hit replays from its decisions', async () => {
    // Task ids: 1 main, 2 writer, 3 reader. Start main, writer and reader; writer runs 25 sections;
    // reader runs 3; writer finishes; main joins.
    const schedule = [1, 2, 3, ...Array<number>(25).fill(2), 3, 3, 3, ...Array<number>(25).fill(2), 1];
    expect(await rareBugHit('any', { kind: 'replay', decisions: schedule })).toBe(true);
    const late = [1, 2, 3, ...Array<number>(26).fill(2), 3, 3, 3, ...Array<number>(24).fill(2), 1];
    expect(await rareBugHit('any', { kind: 'replay', decisions: late })).toBe(false);
  });
});
