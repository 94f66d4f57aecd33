/**
 * The mutant catalogue: a faithful design minus one safeguard, each one hook of
 * the base design (src/design/types.ts), off unless named. The crash suite must
 * show every mutant as NEW — looking past the base design's known findings,
 * exactly as a CI user runs it (`npx crashsim mutants`); a mutant that only shows
 * as a known finding is missed. `explains` says which barrier the mutant removes,
 * so a report of a caught mutant points at the code that matters.
 *
 * `mutantsOf(baseId, base)` builds the catalogue for any design with the shared
 * hooks; a mutant whose hook the design lacks (e.g. no `appQC` write group) is
 * left out for that design.
 */
import { WAIT, type Ctx } from '../src/env.js';
import type { StateCore } from '../src/avail/core.js';
import { cursorOf, publishCommitQC } from '../src/avail/inner.js';
import type { PersistBatch } from '../src/avail/observer.js';
import { unspecifiedOrder } from '../src/avail/order.js';
import { blocksGroup, withGroups } from '../src/design/loop.js';
import { seedDesign } from '../src/design/seed.js';
import { mergedDesign } from '../src/design/merged.js';
import { hardenedDesign } from '../src/design/hardened.js';
import type { Design, PersistTask, WriteGroup } from '../src/design/types.js';
import { writeWithoutSync } from '../src/persist/fsutil.js';
import type { CommitQC, LaneId, SignedLaneProposal } from '../src/types.js';

export interface Mutant {
  readonly id: string;
  readonly base: string;
  /** its number in the catalogue of issue 8 (M1, M2, …), when it has one */
  readonly label: string | undefined;
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

/** M1's own AppQC task: waits until latestAppQC is a different object than the one it wrote last. */
function appQCTask(group: WriteGroup): PersistTask {
  return {
    name: 'persist-appqc',
    collect: (core, ctx, locals) =>
      core.watch.section(ctx, (inner) => {
        if (inner.latestAppQC === locals.lastPersistedAppQC) return WAIT;
        return { blocks: [], laneFirsts: new Map(), commitQCs: [], commitQCFirst: inner.commitQCs.first, commitQCCur: inner.nextCommitQCToPersist, appQC: inner.latestAppQC };
      }),
    groups: [group],
  };
}

const groupNamed = (d: Design, name: string): WriteGroup | undefined => d.persistTasks.flatMap((t) => t.groups).find((g) => g.name === name);

/** The catalogue for a design with the shared hooks (seed, merged, hardened). */
export function mutantsOf(baseId: string, base: Design): Mutant[] {
  const out: Mutant[] = [];
  const add = (name: string, label: string | undefined, explains: string, design: Design | undefined): void => {
    if (design !== undefined) out.push({ id: `${baseId}~${name}`, base: baseId, label, explains, design: { ...design, name: `${baseId}~${name}` } });
  };
  if (baseId === 'seed') {
    add('no-clamp', undefined, 'collectPersistBatch starts at the persistence cursor instead of max(cursor, first): after a prune overtakes the persist loop, the batch holds null entries (spec §8.2, I9)', { ...base, collectPersistBatch: (core, ctx) => collectWithoutClamp(core, ctx) });
  }
  const appQC = groupNamed(base, 'appQC');
  if (appQC !== undefined) {
    const without = withGroups(base, (gs) => gs.filter((g) => g !== appQC));
    add('appqc-own-task', 'M1', 'the AppQC is written by its own task, unordered with the CommitQC writes and deletes of the persist loop: the A/B file can name a CommitQC not yet on disk (I1), old CommitQC files can go before the AppQC is durable (I4)', { ...without, persistTasks: [...without.persistTasks, appQCTask(appQC)] });
  }
  const deleteOld = groupNamed(base, 'deleteOldCommitQCs');
  if (appQC !== undefined && deleteOld !== undefined) {
    add('delete-before-appqc', 'M2', 'old CommitQC files are deleted before the new AppQC is durable (the delete-old-CommitQCs group runs before the AppQC group): a crash in between leaves the durable AppQC without its CommitQC (I4, I1)', withGroups(base, (gs) => {
      const rest = gs.filter((g) => g !== deleteOld);
      const i = rest.indexOf(appQC);
      return [...rest.slice(0, i), deleteOld, ...rest.slice(i)];
    }));
  }
  // Merged and its variants write a prune anchor instead (group `anchor`, first in the iteration): M2 is the deletes moved before it.
  const anchor = groupNamed(base, 'anchor');
  const deleteOldBlocks = groupNamed(base, 'deleteOldBlocks');
  if (anchor !== undefined && deleteOld !== undefined && deleteOldBlocks !== undefined) {
    add('delete-before-anchor', 'M2', 'old block and CommitQC files are deleted before the new prune anchor is durable (both delete groups run before the anchor group): a crash in between leaves the durable anchor needing files that are gone (I4, I3)', withGroups(base, (gs) => [deleteOldBlocks, deleteOld, ...gs.filter((g) => g !== deleteOld && g !== deleteOldBlocks)]));
  }
  add('push-publishes', 'M6', 'PushCommitQC publishes latestCommitQC as soon as it appends, before the CommitQC file is written (I2)', {
    ...base,
    onCommitQCPushed: (deps, inner, qc) => publishCommitQC(deps, inner, qc, 'push'),
  });
  add('vote-ignores-cursor', 'M9', 'RecvBatch hands out every block in the queue, ignoring the block persistence cursor: the node votes for blocks not yet durable (I3)', { ...base, recvBatchBound: (_inner, _lane, q) => q.next });
  if (base.abPersister.advanceSeqOnFailure === false) {
    add('ab-seq-on-failure', 'M13', 'the A/B persister advances its sequence number on a failed write (spec §3.3: "a failed write does not consume a sequence number"): the next write would overwrite the only valid slot (I10)', { ...base, abPersister: { ...base.abPersister, advanceSeqOnFailure: true } });
  }
  if (groupNamed(base, 'blocks') !== undefined) {
    add('vote-before-write', undefined, 'the block persistence cursor advances before the block\'s file is written and fsynced: RecvBatch votes for a block that is not on disk (I3)', withGroups(base, (gs) => gs.map((g) => (g.name === 'blocks' ? blocksGroup({ markBeforeWrite: true }) : g))));
  }
  add('block-no-fsync', undefined, 'block files are written without fsync (H1 minus its barrier): the cursor, and with it the votes, run ahead of durability (I3, I9)', { ...base, fileWrite: { ...base.fileWrite, blocks: writeWithoutSync } });
  add('commitqc-no-fsync', undefined, 'CommitQC files are written without fsync (H1 minus its barrier): publication and the AppQC run ahead of durability (I2, I1)', { ...base, fileWrite: { ...base.fileWrite, commitQCs: writeWithoutSync } });
  return out;
}

/** Seed's catalogue, then merged's and the hardened variant's (each must show as NEW on its own base). */
export const MUTANTS: readonly Mutant[] = [...mutantsOf('seed', seedDesign), ...mutantsOf('merged', mergedDesign), ...mutantsOf('hardened', hardenedDesign)];

export function mutantDesign(id: string): Design {
  const m = MUTANTS.find((x) => x.id === id);
  if (m === undefined) throw new RangeError(`unknown mutant ${id}; known: ${MUTANTS.map((x) => x.id).join(', ')}`);
  return m.design;
}
