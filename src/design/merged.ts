/**
 * Design "merged" (spec §0.1, the PR's merge commit 40146a1c): the A/B file
 * holds the prune anchor (AppQC + its CommitQC); loaders keep gaps and
 * `newInner` checks contiguity, parent hashes and capacity; the CommitQC cursor
 * is derived from `latestCommitQC`; admission is gated on the
 * `persistedBlockStart` watermark; persist order anchor → CommitQCs → publish →
 * blocks → deletes. Implemented as specified, including what looks wrong.
 *
 * Everything the spec does not distinguish (A/B persister, block and CommitQC
 * persisters, queues, prune's common lines, the public API) is shared code;
 * this module holds only the hooks of src/design/types.ts (see the table
 * there for which §12 row each hook carries).
 */
import type { Ctx } from '../env.js';
import { WAIT } from '../env.js';
import { ProcessAbort, decodePruneAnchor, encodePruneAnchor } from '../codec/index.js';
import { AvailError, invariant, wrapError } from '../errors.js';
import { appQCIndex, bytesEqual, commitQCIndex, laneRangeOf, laneString, nextIndexOptCommitQC, nextOptAppQC } from '../types.js';
import type { CommitQC, LaneId, PruneAnchor, SignedLaneProposal } from '../types.js';
import type { AvailDeps } from '../avail/deps.js';
import { advancePersistedBlockStart, markCommitQCsPersisted } from '../avail/core.js';
import type { StateCore } from '../avail/core.js';
import { cursorOf, newEmptyInner, prune, publishCommitQC } from '../avail/inner.js';
import type { Inner } from '../avail/inner.js';
import type { PersistBatch } from '../avail/observer.js';
import { unspecifiedOrder } from '../avail/order.js';
import { headerHash } from '../avail/ports.js';
import { SPEC_AB_POLICY, abFileForSeq, newABPersister, newNoOpABPersister } from '../persist/ab.js';
import { newBlockPersister, newNoOpBlockPersister } from '../persist/blocks.js';
import type { LoadedBlock } from '../persist/blocks.js';
import { newCommitQCPersister, newNoOpCommitQCPersister } from '../persist/commitqcs.js';
import { writeAndSync } from '../persist/fsutil.js';
import { blocksGroup, commitQCsGroup, deleteOldBlocksGroup, persistedVoteBound } from './loop.js';
import { AVAIL_AB_PREFIX, BLOCKS_PER_LANE, wrapStartupError } from './seed.js';
import type { Design, LoadedAvailState, PersistLoopLocals, Persisters, WriteGroup } from './types.js';

function noOpPersisters(deps: AvailDeps): Persisters {
  return {
    ab: newNoOpABPersister(),
    blocks: newNoOpBlockPersister(),
    commitQCs: newNoOpCommitQCPersister(deps.env, deps.design.commitQCPersister),
  };
}

/**
 * Merged `loadPersistedState(stateDir)` (spec §7.2, §2.4): A/B → blocks/ →
 * commitqcs/ → decode the anchor → drop CommitQCs below the anchor and, per
 * lane (committee or not), blocks below `lr(anchor, lane).first`.
 */
async function loadPersistedState(deps: AvailDeps, ctx: Ctx, stateDir: string | undefined): Promise<{ loaded: LoadedAvailState | undefined; persisters: Persisters }> {
  // NewPersister(None) and friends: no-op persisters, nothing loaded.
  if (stateDir === undefined) return { loaded: undefined, persisters: noOpPersisters(deps) };
  const { env, design } = deps;
  let ab;
  try {
    ab = await newABPersister(env, ctx, stateDir, AVAIL_AB_PREFIX, design.abPayloadType, design.abPersister);
  } catch (e) {
    throw wrapStartupError(`NewPersister ${AVAIL_AB_PREFIX}`, e);
  }
  let blocks;
  try {
    blocks = await newBlockPersister(env, ctx, stateDir, design.blockLoader, design.fileWrite.blocks);
  } catch (e) {
    throw wrapStartupError('NewBlockPersister', e);
  }
  let commitQCs;
  try {
    commitQCs = await newCommitQCPersister(env, ctx, stateDir, design.commitQCPersister, design.fileWrite.commitQCs);
  } catch (e) {
    throw wrapStartupError('NewCommitQCPersister', e);
  }
  const persisters: Persisters = { ab: ab.persister, blocks: blocks.persister, commitQCs: commitQCs.persister };
  const skipped = { blocks: blocks.skipped, commitQCs: commitQCs.skipped };
  if (ab.loaded === undefined) {
    return { loaded: { pruneAnchor: undefined, commitQCs: commitQCs.loaded, blocks: blocks.loaded, skipped }, persisters };
  }
  const d = decodePruneAnchor(ab.loaded);
  if (d.kind === 'abort') throw new ProcessAbort(`decode prune anchor: ${d.reason}`);
  if (d.kind === 'error') throw new AvailError(`decode prune anchor: ${d.error}`);
  const anchor = d.value;
  env.log.log(ctx, 'info', 'loaded persisted prune anchor', { roadIndex: anchor.appQC.vote.roadIndex, globalNumber: anchor.appQC.vote.globalNumber });
  const from = appQCIndex(anchor.appQC);
  const filteredBlocks = new Map<LaneId, LoadedBlock[]>();
  for (const [lane, bs] of blocks.loaded) {
    const f = laneRangeOf(anchor.commitQC, lane).first; // 0 for lanes absent from the QC
    filteredBlocks.set(lane, bs.filter((b) => b.number >= f));
  }
  return {
    loaded: { pruneAnchor: anchor, commitQCs: commitQCs.loaded.filter((q) => q.index >= from), blocks: filteredBlocks, skipped },
    persisters,
  };
}

/** Merged `newInner` (spec §7.2): anchor prune → contiguous CommitQCs → strict per-lane block checks. */
function newInner(deps: AvailDeps, loaded: LoadedAvailState | undefined): Inner {
  const inner = newEmptyInner(deps);
  if (loaded === undefined) return inner;

  // 1. The anchor first: prune pushes its CommitQC into the empty queue (without publishing).
  const anchor = loaded.pruneAnchor;
  if (anchor !== undefined) {
    const r = prune(deps, inner, anchor.appQC, anchor.commitQC);
    if (r.error !== undefined) throw wrapError('prune', r.error);
    for (const lane of deps.committee.lanes) inner.persistedBlockStart.set(lane, laneRangeOf(anchor.commitQC, lane).first);
  }

  // 2. CommitQCs, contiguous from the anchor (or 0).
  const cq = inner.commitQCs;
  for (const lqc of loaded.commitQCs) {
    if (lqc.index < cq.next) continue; // e.g. the anchor's own index
    if (lqc.index !== cq.next) throw new AvailError(`non-contiguous persisted commitQCs: expected ${cq.next}, got ${lqc.index}`);
    cq.pushBack(lqc.qc);
  }
  if (cq.next > cq.first) {
    const last = cq.get(cq.next - 1n);
    invariant(last !== undefined, 'restored CommitQC queue has its last entry');
    publishCommitQC(deps, inner, last, 'newInner');
  }

  // 3. Blocks: lanes in the unspecified (map) order, so which lane's error shows first is too.
  for (const [lane, bs] of unspecifiedOrder(deps.env, [...loaded.blocks])) {
    const q = inner.blocks.get(lane);
    if (q === undefined || bs.length === 0) continue;
    for (const [j, b] of bs.entries()) {
      if (q.len() >= BLOCKS_PER_LANE) throw new AvailError(`lane ${laneString(lane)}: loaded ${bs.length} blocks exceeds capacity ${BLOCKS_PER_LANE}`);
      if (b.number !== q.next) throw new AvailError(`lane ${laneString(lane)}: non-contiguous persisted blocks: expected ${q.next}, got ${b.number}`);
      const prev = bs[j - 1];
      if (prev !== undefined && !bytesEqual(b.proposal.block.header.parentHash, headerHash(prev.proposal.block.header))) {
        throw new AvailError(`lane ${laneString(lane)}: parent hash mismatch at block ${b.number}`);
      }
      q.pushBack(b.proposal);
    }
    inner.nextBlockToPersist.set(lane, q.next);
  }
  return inner;
}

/** Merged startup I/O after newInner (spec §2.4 steps 5–7): delete below the restored range, ResetNext. */
async function startupCleanup(deps: AvailDeps, ctx: Ctx, inner: Inner, persisters: Persisters): Promise<void> {
  const laneFirsts = new Map<LaneId, bigint>();
  for (const lane of deps.committee.lanes) laneFirsts.set(lane, inner.blocks.get(lane)?.first ?? 0n);
  try {
    await persisters.blocks.deleteBefore(ctx, laneFirsts);
  } catch (e) {
    throw wrapStartupError('prune stale block files', e);
  }
  if (!persisters.blocks.noop) deps.observer?.onDeleteBefore?.({ kind: 'blocks', laneFirsts });
  try {
    await persisters.commitQCs.deleteBefore(ctx, inner.commitQCs.first);
  } catch (e) {
    throw wrapStartupError('prune stale commitQC files', e);
  }
  if (!persisters.commitQCs.noop) deps.observer?.onDeleteBefore?.({ kind: 'commitQCs', before: inner.commitQCs.first });
  persisters.commitQCs.resetNext(inner.commitQCs.next);
}

/**
 * Merged `collectPersistBatch` (spec §8.2): the CommitQC cursor is derived from
 * `latestCommitQC` once, on entry; a new AppQC alone wakes the loop; the batch
 * carries an anchor when the AppQC's CommitQC is in the queue.
 */
async function collectPersistBatch(core: StateCore, ctx: Ctx, locals: PersistLoopLocals): Promise<PersistBatch> {
  const commitQCNextOnEntry = nextIndexOptCommitQC(core.inner.latestCommitQC.load());
  return core.watch.section(ctx, (inner) => {
    const newAppQC = nextOptAppQC(inner.latestAppQC) !== locals.lastPersistedAppQCNext;
    const pendingBlocks = [...inner.blocks].some(([lane, q]) => cursorOf(inner.nextBlockToPersist, lane) < q.next);
    if (!newAppQC && !pendingBlocks && !(commitQCNextOnEntry < inner.commitQCs.next)) return WAIT;

    const blocks: SignedLaneProposal[] = [];
    const laneFirsts = new Map<LaneId, bigint>();
    for (const [lane, q] of unspecifiedOrder(core.env, [...inner.blocks])) {
      const cur = cursorOf(inner.nextBlockToPersist, lane);
      const start = cur > q.first ? cur : q.first; // clamp
      for (let n = start; n < q.next; n++) blocks.push(q.get(n) as SignedLaneProposal);
      laneFirsts.set(lane, q.first);
    }
    const cq = inner.commitQCs;
    const commitQCNext = commitQCNextOnEntry > cq.first ? commitQCNextOnEntry : cq.first; // clamp
    const commitQCs: CommitQC[] = [];
    for (let i = commitQCNext; i < cq.next; i++) commitQCs.push(cq.get(i) as CommitQC);
    let pruneAnchor: PruneAnchor | undefined;
    const a = inner.latestAppQC;
    if (newAppQC && a !== undefined) {
      const qc = cq.get(appQCIndex(a));
      if (qc !== undefined) pruneAnchor = { appQC: a, commitQC: qc };
    }
    const b: PersistBatch = { blocks, laneFirsts, commitQCs, commitQCFirst: cq.first, commitQCCur: commitQCNext, appQC: a, pruneAnchor };
    core.observer?.onPersistBatch?.(b);
    return b;
  });
}

// Merged `runPersist` (spec §8.3) as write groups: anchor → CommitQCs → publish →
// blocks → delete old blocks → delete old CommitQCs (src/design/loop.ts runs them).

/** 1. The prune anchor, then the admission watermark and the loop's local. */
export const mergedAnchorGroup: WriteGroup = {
  name: 'anchor',
  async run(core, ctx, batch, locals) {
    const { persisters, observer, design } = core;
    const anchor = batch.pruneAnchor;
    if (anchor === undefined) return;
    try {
      await persisters.ab.persist(ctx, encodePruneAnchor(anchor));
    } catch (e) {
      throw wrapError(design.abPersistErrorPrefix, e);
    }
    if (!persisters.ab.noop) {
      observer?.onAppQCWritten?.({ appQC: anchor.appQC, commitQC: anchor.commitQC, seq: persisters.ab.seq, file: abFileForSeq(AVAIL_AB_PREFIX, persisters.ab.seq) });
    }
    await advancePersistedBlockStart(core, ctx, anchor.commitQC);
    locals.lastPersistedAppQCNext = commitQCIndex(anchor.commitQC) + 1n;
  },
};

/** 3. Publish the batch's last CommitQC, directly after the CommitQC writes (only when the batch had CommitQCs). */
export const mergedPublishGroup: WriteGroup = {
  name: 'publish',
  async run(core, ctx, batch) {
    const lastQC = batch.commitQCs[batch.commitQCs.length - 1];
    if (lastQC !== undefined) await markCommitQCsPersisted(core, ctx, undefined, lastQC);
  },
};

/** 6. Old CommitQCs, every iteration (DeleteBefore(0) does nothing). */
export const mergedDeleteOldCommitQCsGroup: WriteGroup = {
  name: 'deleteOldCommitQCs',
  async run(core, ctx, batch) {
    const { persisters, observer } = core;
    try {
      await persisters.commitQCs.deleteBefore(ctx, batch.commitQCFirst);
    } catch (e) {
      throw wrapError('commitqc deleteBefore', e);
    }
    if (!persisters.commitQCs.noop) observer?.onDeleteBefore?.({ kind: 'commitQCs', before: batch.commitQCFirst });
  },
};

/** The merged iteration, in the merge commit's order (spec §2.5). */
export const MERGED_WRITE_GROUPS: readonly WriteGroup[] = [mergedAnchorGroup, commitQCsGroup, mergedPublishGroup, blocksGroup(), deleteOldBlocksGroup, mergedDeleteOldCommitQCsGroup];

const start = (inner: Inner, lane: LaneId): bigint => cursorOf(inner.persistedBlockStart, lane);

export const mergedDesign: Design = {
  name: 'merged',
  abPayloadType: 'PersistedAvailPruneAnchor',
  abPersistErrorPrefix: 'persist prune anchor',
  blockLoader: { keepGaps: true },
  commitQCPersister: { keepGaps: true, rejectBelowNext: true },

  loadPersistedState,
  newInner,
  startupCleanup,

  onPrunePushedCommitQC() {
    // Merged prune does not publish (spec §6.3, §12 row 23).
  },
  onPruneLane(_deps, inner, lane, first) {
    if (cursorOf(inner.nextBlockToPersist, lane) < first) inner.nextBlockToPersist.set(lane, first);
  },

  pushBlockAdmits(inner, lane, q, n) {
    const cap = start(inner, lane) + BLOCKS_PER_LANE - 1n;
    return n <= (q.next < cap ? q.next : cap);
  },
  hasCapacity(inner, lane, q) {
    return q.next < start(inner, lane) + BLOCKS_PER_LANE;
  },
  pushVoteAdmits(inner, lane, _votes, n) {
    return n < start(inner, lane) + BLOCKS_PER_LANE;
  },
  pushVoteErrorPrefixes: { verify: 'vote.Msg().Verify(): ', sig: 'vote.VerifySig(): ' },

  collectPersistBatch,
  persistTasks: [{ name: 'persist', collect: (core, ctx, locals) => core.design.collectPersistBatch(core, ctx, locals), groups: MERGED_WRITE_GROUPS }],
  fileWrite: { blocks: writeAndSync, commitQCs: writeAndSync },
  abPersister: SPEC_AB_POLICY,

  recvBatchBound: persistedVoteBound,
  onCommitQCPushed() {
    // PushCommitQC does not publish (spec §8.5).
  },
};
