/**
 * Mutants: a faithful design minus one safeguard. Each must be caught by the
 * crash suite; `explains` says which barrier the mutant removes, so a report of
 * a caught mutant points at the code that matters.
 */
import { WAIT, type Ctx } from '../src/env.js';
import type { StateCore } from '../src/avail/core.js';
import { cursorOf } from '../src/avail/inner.js';
import type { PersistBatch } from '../src/avail/observer.js';
import { unspecifiedOrder } from '../src/avail/order.js';
import { seedDesign } from '../src/design/seed.js';
import type { Design } from '../src/design/types.js';
import type { CommitQC, LaneId, SignedLaneProposal } from '../src/types.js';

export interface Mutant {
  readonly id: string;
  readonly base: string;
  /** the barrier this mutant removes */
  readonly explains: string;
  readonly design: Design;
}

/**
 * Seed's collectPersistBatch without the two clamps (spec §8.2 "Why the clamp"):
 * the batch starts at the cursor even when prune moved `first` past it, so it
 * collects null entries for pruned keys.
 */
async function collectWithoutClamp(core: StateCore, ctx: Ctx): Promise<PersistBatch> {
  return core.watch.section(ctx, (inner) => {
    const pending = [...inner.blocks].some(([lane, q]) => cursorOf(inner.nextBlockToPersist, lane) < q.next);
    if (!pending && !(inner.nextCommitQCToPersist < inner.commitQCs.next)) return WAIT;
    const blocks: SignedLaneProposal[] = [];
    const laneFirsts = new Map<LaneId, bigint>();
    for (const [lane, q] of unspecifiedOrder(core.env, [...inner.blocks])) {
      for (let n = cursorOf(inner.nextBlockToPersist, lane); n < q.next; n++) blocks.push(q.get(n) as SignedLaneProposal);
      laneFirsts.set(lane, q.first);
    }
    const cq = inner.commitQCs;
    const commitQCs: CommitQC[] = [];
    for (let i = inner.nextCommitQCToPersist; i < cq.next; i++) commitQCs.push(cq.get(i) as CommitQC);
    const b: PersistBatch = { blocks, laneFirsts, commitQCs, commitQCFirst: cq.first, commitQCCur: inner.nextCommitQCToPersist, appQC: inner.latestAppQC };
    core.observer?.onPersistBatch?.(b);
    return b;
  });
}

export const MUTANTS: readonly Mutant[] = [
  {
    id: 'seed~no-clamp',
    base: 'seed',
    explains: 'collectPersistBatch starts at the persistence cursor instead of max(cursor, first): after a prune overtakes the persist loop, the batch holds null entries (spec §8.2, I9)',
    design: { ...seedDesign, name: 'seed~no-clamp', collectPersistBatch: (core, ctx) => collectWithoutClamp(core, ctx) },
  },
];

export function mutantDesign(id: string): Design {
  const m = MUTANTS.find((x) => x.id === id);
  if (m === undefined) throw new RangeError(`unknown mutant ${id}; known: ${MUTANTS.map((x) => x.id).join(', ')}`);
  return m.design;
}
