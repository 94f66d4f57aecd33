/**
 * The exhaustive explorer's exact counts, checked against a hand computation
 * for the smallest case: one peer block, so the first persist iteration writes
 * one block file (H1: open, write, fsync, close) and lists blocks/ (H4: open,
 * getdents, close). 7 primitives → 8 crash points (before each, and after).
 *
 * Pending operations at the crash points (startup left `mkdir blocks` (b) and
 * `mkdir commitqcs` (c) pending: nothing fsyncs /data after them; f = create of
 * the block file, w = its write):
 *   0 before open:  b c          1 before write: b c f      2 before fsync: b c f w
 *   3..7 after the fsync: ext4-weak and ordered commit everything up to w
 *   (ordered journal: a file fsync commits the entry ops before it); strict-posix
 *   makes only w's data durable, b c f stay pending.
 * Distinct images (a file is visible only if its directory's mkdir is kept):
 *   ext4-weak / ordered (entry ops persist as a prefix; data ops any subset):
 *     0: {}, {b}, {b,c} = 3   1: + {b,c,f} = 4   2: + {b,c,f,w} = 5   3..7: 1 each
 *     total 3 + 4 + 5 + 5×1 = 17
 *   strict-posix (any subset):
 *     0: {}, {b}, {c}, {b,c} = 4
 *     1: + {b,f}, {b,c,f} = 6        2: + {b,f,w}, {b,c,f,w} = 8
 *     3..7: b, c, f pending, data durable: 6 each → 4 + 6 + 8 + 5×6 = 48
 * An image holding f without w is an empty block file: recovery panics (F4).
 */
import { describe, expect, test } from 'vitest';
import { explore, renderExplore } from '../../scenarios/explore.js';
import type { Plan } from '../../scenarios/plan.js';

function onePeerBlock(personality: Plan['personality']): Plan {
  return {
    v: 1, design: 'seed', personality, faults: 'off', torn: 'off', committeeSize: 4, nodeIndex: 0, seed: 'explore-small',
    schedule: { kind: 'guided', decisions: [] }, commands: [{ c: 'peerBlocks', peer: 0, count: 1 }],
    liveness: false, budgetSteps: 100_000, livenessBudgetSteps: 1_000,
  };
}

describe('exhaustive explorer: one persist iteration, every crash point, every image', () => {
  const cases: Array<[Plan['personality'], number[]]> = [
    ['ext4-weak', [3, 4, 5, 1, 1, 1, 1, 1]],
    ['ordered', [3, 4, 5, 1, 1, 1, 1, 1]],
    ['strict-posix', [4, 6, 8, 6, 6, 6, 6, 6]],
  ];
  for (const [personality, perPoint] of cases) {
    test(`${personality}: ${perPoint.reduce((a, b) => a + b, 0)} distinct crash images over ${perPoint.length} crash points (hand-computed)`, async () => {
      const r = await explore(onePeerBlock(personality));
      console.log(renderExplore(r));
      expect(r.incomplete).toBeUndefined();
      expect(r.batch).toBe('1 block(s), 0 CommitQC(s)');
      expect(r.crashPoints.map((p) => p.counts.total.distinct)).toEqual(perPoint);
      expect(r.totals.distinctImages).toBe(perPoint.reduce((a, b) => a + b, 0));
      // F4: the images with the block file created but its data lost are exactly the recovery failures before the fsync.
      const aborts = r.crashPoints.map((p) => Object.entries(p.outcomes).filter(([k]) => k.startsWith('I5/abort')).reduce((a, [, v]) => a + v, 0));
      expect(aborts.slice(0, 3)).toEqual(personality === 'strict-posix' ? [0, 2, 2] : [0, 1, 1]);
    }, 60_000);
  }
});
