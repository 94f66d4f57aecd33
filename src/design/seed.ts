/**
 * Design "seed" (spec §0.1, the PR description's revision): A/B file holds the
 * AppQC; loaders truncate at the first gap; explicit cursors; `queue.reset`;
 * persist order blocks → delete old blocks → CommitQCs → AppQC → delete old
 * CommitQCs → publish. Implemented as specified, including what looks wrong.
 */
import type { Ctx } from '../env.js';
import { ProcessAbort, decodeAppQC, encodeAppQC } from '../codec/index.js';
import { AvailError, invariant, wrapError } from '../errors.js';
import { appQCIndex, commitQCIndex, laneString } from '../types.js';
import type { AppQC, CommitQC, LaneId, SignedLaneProposal } from '../types.js';
import type { AvailDeps } from '../avail/deps.js';
import { markCommitQCsPersisted } from '../avail/core.js';
import type { StateCore } from '../avail/core.js';
import { cursorOf, newEmptyInner, prune, publishCommitQC } from '../avail/inner.js';
import type { Inner } from '../avail/inner.js';
import type { PersistBatch } from '../avail/observer.js';
import { unspecifiedOrder } from '../avail/order.js';
import { WAIT } from '../env.js';
import { SPEC_AB_POLICY, abFileForSeq, newABPersister, newNoOpABPersister } from '../persist/ab.js';
import { newBlockPersister, newNoOpBlockPersister } from '../persist/blocks.js';
import { newCommitQCPersister, newNoOpCommitQCPersister } from '../persist/commitqcs.js';
import { writeAndSync } from '../persist/fsutil.js';
import { blocksGroup, commitQCsGroup, deleteOldBlocksGroup, persistedVoteBound } from './loop.js';
import type { Design, LoadedAvailState, PersistLoopLocals, Persisters, WriteGroup } from './types.js';

/** Spec §9.1. */
export const BLOCKS_PER_LANE_PER_COMMIT = 10n;
export const BLOCKS_PER_LANE = 3n * BLOCKS_PER_LANE_PER_COMMIT;
/** The availability layer's A/B prefix. */
export const AVAIL_AB_PREFIX = 'avail_inner';

/** Wraps a startup error, but lets a process abort through untouched. */
export function wrapStartupError(prefix: string, e: unknown): unknown {
  return e instanceof ProcessAbort ? e : wrapError(prefix, e);
}

function noOpPersisters(deps: AvailDeps): Persisters {
  return {
    ab: newNoOpABPersister(),
    blocks: newNoOpBlockPersister(),
    commitQCs: newNoOpCommitQCPersister(deps.env, deps.design.commitQCPersister),
  };
}

/** Seed `loadPersistedState(D)` (spec §7.1): A/B → decode AppQC → blocks/ → commitqcs/. */
async function loadPersistedState(deps: AvailDeps, ctx: Ctx, stateDir: string | undefined): Promise<{ loaded: LoadedAvailState | undefined; persisters: Persisters }> {
  if (stateDir === undefined) return { loaded: undefined, persisters: noOpPersisters(deps) };
  const { env, design } = deps;
  let ab;
  try {
    ab = await newABPersister(env, ctx, stateDir, AVAIL_AB_PREFIX, design.abPayloadType, design.abPersister);
  } catch (e) {
    throw wrapStartupError(`NewPersister ${AVAIL_AB_PREFIX}`, e);
  }
  let appQC: AppQC | undefined;
  if (ab.loaded !== undefined) {
    const d = decodeAppQC(ab.loaded);
    if (d.kind === 'abort') throw new ProcessAbort(`decode persisted AppQC: ${d.reason}`);
    if (d.kind === 'error') throw new AvailError(`decode persisted AppQC: ${d.error}`);
    appQC = d.value;
    env.log.log(ctx, 'info', 'loaded persisted AppQC', { roadIndex: appQC.vote.roadIndex, globalNumber: appQC.vote.globalNumber });
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
  return {
    loaded: { appQC, commitQCs: commitQCs.loaded, blocks: blocks.loaded },
    persisters: { ab: ab.persister, blocks: blocks.persister, commitQCs: commitQCs.persister },
  };
}

/** Seed `newInner` (spec §7.1): CommitQCs → blocks → AppQC prune. */
function newInner(deps: AvailDeps, loaded: LoadedAvailState | undefined): Inner {
  const inner = newEmptyInner(deps);
  if (loaded === undefined) return inner;

  // 1. CommitQCs
  const firstLoaded = loaded.commitQCs[0];
  if (firstLoaded !== undefined) {
    inner.commitQCs.reset(firstLoaded.index);
    for (const lqc of loaded.commitQCs) {
      if (lqc.index !== inner.commitQCs.next) {
        throw new AvailError(`non-consecutive commitQC: got index ${lqc.index}, want ${inner.commitQCs.next}`);
      }
      inner.commitQCs.pushBack(lqc.qc);
    }
    const last = inner.commitQCs.get(inner.commitQCs.next - 1n);
    invariant(last !== undefined, 'restored CommitQC queue has its last entry');
    publishCommitQC(deps, inner, last, 'newInner');
  }
  inner.nextCommitQCToPersist = inner.commitQCs.next; // A2

  // 2. Blocks: lanes in the unspecified (map) order; no checks (A7).
  for (const [lane, bs] of unspecifiedOrder(deps.env, [...loaded.blocks])) {
    const q = inner.blocks.get(lane);
    const first = bs[0];
    if (q === undefined || first === undefined) continue;
    q.reset(first.number);
    for (const b of bs) q.pushBack(b.proposal);
    // Loaded blocks are on disk: consider them persisted.
    inner.nextBlockToPersist.set(lane, q.next);
    // Votes are never persisted; moving the votes queue makes headers() of
    // ranges before `first` return ErrPruned instead of waiting forever.
    inner.votes.get(lane)?.reset(first.number);
  }

  // 3. AppQC
  if (loaded.appQC !== undefined) {
    const idx = appQCIndex(loaded.appQC);
    const qc = inner.commitQCs.get(idx);
    if (qc === undefined) throw new AvailError(`persisted AppQC at road index ${idx} but no matching commitQC on disk`);
    const r = prune(deps, inner, loaded.appQC, qc);
    if (r.error !== undefined) throw wrapError('prune', r.error);
  }
  return inner;
}

/** Seed `collectPersistBatch` (spec §8.2): waits for pending blocks or CommitQCs, then collects with the clamps. */
async function collectPersistBatch(core: StateCore, ctx: Ctx, _locals: PersistLoopLocals): Promise<PersistBatch> {
  const batch = await core.watch.section(ctx, (inner) => {
    const lanes = [...inner.blocks.keys()];
    const pending = lanes.some((lane) => cursorOf(inner.nextBlockToPersist, lane) < (inner.blocks.get(lane)?.next ?? 0n));
    if (!pending && !(inner.nextCommitQCToPersist < inner.commitQCs.next)) return WAIT;

    const blocks: SignedLaneProposal[] = [];
    const laneFirsts = new Map<LaneId, bigint>();
    for (const [lane, q] of unspecifiedOrder(core.env, [...inner.blocks])) {
      const cur = cursorOf(inner.nextBlockToPersist, lane);
      const start = cur > q.first ? cur : q.first; // clamp
      for (let n = start; n < q.next; n++) blocks.push(q.get(n) as SignedLaneProposal);
      laneFirsts.set(lane, q.first);
    }
    const cq = inner.commitQCs;
    const commitQCCur = inner.nextCommitQCToPersist > cq.first ? inner.nextCommitQCToPersist : cq.first; // clamp
    const commitQCs: CommitQC[] = [];
    for (let i = commitQCCur; i < cq.next; i++) commitQCs.push(cq.get(i) as CommitQC);
    const b: PersistBatch = { blocks, laneFirsts, commitQCs, commitQCFirst: cq.first, commitQCCur, appQC: inner.latestAppQC };
    core.observer?.onPersistBatch?.(b);
    return b;
  });
  return batch;
}

// Seed `runPersist` (spec §8.3) as write groups: blocks → delete old blocks →
// CommitQCs → AppQC → delete old CommitQCs → publish (src/design/loop.ts runs them).

/** 4. The AppQC, when it is not the object this loop wrote last (compared by identity). */
export const seedAppQCGroup: WriteGroup = {
  name: 'appQC',
  async run(core, ctx, batch, locals) {
    const { persisters, observer, design } = core;
    if (batch.appQC === locals.lastPersistedAppQC) return;
    const appQC = batch.appQC;
    if (appQC !== undefined) {
      try {
        await persisters.ab.persist(ctx, encodeAppQC(appQC));
      } catch (e) {
        throw wrapError(design.abPersistErrorPrefix, e);
      }
      if (!persisters.ab.noop) {
        observer?.onAppQCWritten?.({ appQC, seq: persisters.ab.seq, file: abFileForSeq(AVAIL_AB_PREFIX, persisters.ab.seq) });
      }
    }
    locals.lastPersistedAppQC = appQC;
  },
};

/** 5a. Old CommitQCs: only when this batch had CommitQCs. */
export const seedDeleteOldCommitQCsGroup: WriteGroup = {
  name: 'deleteOldCommitQCs',
  async run(core, ctx, batch) {
    const { persisters, observer } = core;
    if (batch.commitQCs.length === 0) return;
    try {
      await persisters.commitQCs.deleteBefore(ctx, batch.commitQCFirst);
    } catch (e) {
      throw wrapError('commitqc deleteBefore', e);
    }
    if (!persisters.commitQCs.noop) observer?.onDeleteBefore?.({ kind: 'commitQCs', before: batch.commitQCFirst });
  },
};

/** 5b. Publish: the cursor past the batch's last CommitQC, and that CommitQC (only when the batch had CommitQCs). */
export const seedPublishGroup: WriteGroup = {
  name: 'publish',
  async run(core, ctx, batch) {
    const lastQC = batch.commitQCs[batch.commitQCs.length - 1];
    if (lastQC === undefined) return;
    await markCommitQCsPersisted(core, ctx, commitQCIndex(lastQC) + 1n, lastQC);
  },
};

/** The seed iteration, in the PR's order (spec §2.5). */
export const SEED_WRITE_GROUPS: readonly WriteGroup[] = [blocksGroup(), deleteOldBlocksGroup, commitQCsGroup, seedAppQCGroup, seedDeleteOldCommitQCsGroup, seedPublishGroup];

export const seedDesign: Design = {
  name: 'seed',
  abPayloadType: 'AppQC',
  abPersistErrorPrefix: 'persist AppQC',
  blockLoader: { keepGaps: false },
  commitQCPersister: { keepGaps: false, rejectBelowNext: false },

  loadPersistedState,
  newInner,
  async startupCleanup(): Promise<void> {
    // The seed startup performs no unlink and no further I/O (spec §2.4).
  },

  onPrunePushedCommitQC(deps, inner, qc) {
    publishCommitQC(deps, inner, qc, 'prune');
  },
  onPruneLane() {
    // Seed prune moves neither cursor (A4).
  },

  pushBlockAdmits(_inner, _lane, q, n) {
    const cap = q.first + BLOCKS_PER_LANE - 1n;
    return n <= (q.next < cap ? q.next : cap);
  },
  hasCapacity(_inner, _lane, q) {
    return q.len() < BLOCKS_PER_LANE;
  },
  pushVoteAdmits(_inner, _lane, votes, n) {
    return n < votes.first + BLOCKS_PER_LANE;
  },
  pushVoteErrorPrefixes: { verify: 'block.Verify(): ', sig: 'p.VerifySig(): ' },

  collectPersistBatch,
  persistTasks: [{ name: 'persist', collect: (core, ctx, locals) => core.design.collectPersistBatch(core, ctx, locals), groups: SEED_WRITE_GROUPS }],
  fileWrite: { blocks: writeAndSync, commitQCs: writeAndSync },
  abPersister: SPEC_AB_POLICY,

  recvBatchBound: persistedVoteBound,
  onCommitQCPushed() {
    // PushCommitQC does not publish (spec §8.5).
  },
};

