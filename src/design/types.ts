/**
 * Everything that differs between design "seed" and design "merged" (spec §12),
 * as one plain object of hooks. Shared code calls `deps.design.<hook>` — never
 * a design module directly — so that a test can build a mutant by overriding
 * one hook (`{ ...seedDesign, collectPersistBatch: withoutClamp }`) and every
 * caller, including the design's own hooks, picks the override up.
 *
 * Where each §12 row lives (seed.ts / merged.ts implement the hooks):
 *
 * | §12 row | difference                                   | hook / policy                                   |
 * |---------|----------------------------------------------|-------------------------------------------------|
 * | 1, 36   | A/B payload, its loop error text             | `abPayloadType`, `abPersistErrorPrefix`          |
 * | 2       | A/B constructor arg (path vs Option<path>)   | `loadPersistedState` (undefined dir → no-op)     |
 * | 3       | CommitQC file name                           | — (identical, persist/names.ts)                  |
 * | 4, 5    | loaders truncate at gaps / keep gaps         | `blockLoader.keepGaps`, `commitQCPersister.keepGaps` |
 * | 6       | PersistCommitQC below `next`                 | `commitQCPersister.rejectBelowNext`              |
 * | 7, 16, 37 | ResetNext, startup unlinks                 | `startupCleanup`                                 |
 * | 8, 34, 35 | filtering, startup step order, error texts | `loadPersistedState`, `newInner`                 |
 * | 9–15    | newInner order, queue starts, checks, reset  | `newInner`                                       |
 * | 18–21   | admission watermark and the gates            | `pushBlockAdmits`, `hasCapacity`, `pushVoteAdmits` |
 * | 22      | PushVote error prefixes                      | `pushVoteErrorPrefixes`                          |
 * | 23      | prune publishes on a fast-forward push       | `onPrunePushedCommitQC`                          |
 * | 24      | prune raises nextBlockToPersist              | `onPruneLane`                                    |
 * | 17, 26, 27 | CommitQC cursor, wake-up, anchor condition | `collectPersistBatch`                           |
 * | 25, 28–33 | iteration order, anchor side effect, deletes, publication | `runPersist`                     |
 */
import type { Ctx } from '../env.js';
import type { AvailDeps } from '../avail/deps.js';
import type { Inner } from '../avail/inner.js';
import type { PersistBatch } from '../avail/observer.js';
import type { Queue } from '../avail/queue.js';
import type { BlockVotes } from '../avail/inner.js';
import type { ABPersister, ABPersisterPolicy } from '../persist/ab.js';
import type { WriteFile } from '../persist/fsutil.js';
import type { BlockLoaderPolicy, BlockPersister, LoadedBlock, SkippedBlockFile } from '../persist/blocks.js';
import type { CommitQCPersister, CommitQCPersisterPolicy, LoadedCommitQC, SkippedCommitQCFile } from '../persist/commitqcs.js';
import type { AppQC, CommitQC, LaneId, PruneAnchor, SignedLaneProposal } from '../types.js';
import type { StateCore } from '../avail/core.js';

export interface Persisters {
  /** seed: AppQC payload; merged: prune-anchor payload */
  readonly ab: ABPersister;
  readonly blocks: BlockPersister;
  readonly commitQCs: CommitQCPersister;
}

/** What `loadPersistedState` hands to `newInner` (spec §7). */
export interface LoadedAvailState {
  /** seed */
  readonly appQC?: AppQC | undefined;
  /** merged */
  readonly pruneAnchor?: PruneAnchor | undefined;
  /** ascending by index, after the design's loader policy (and merged filtering) */
  readonly commitQCs: readonly LoadedCommitQC[];
  /** per lane (any key), ascending */
  readonly blocks: ReadonlyMap<LaneId, readonly LoadedBlock[]>;
  /** recognised files the loaders skipped (unfiltered); only the hardened variant acts on them */
  readonly skipped?: { readonly blocks: readonly SkippedBlockFile[]; readonly commitQCs: readonly SkippedCommitQCFile[] } | undefined;
}

/** Locals of one persist loop that survive across iterations (spec §8.3). */
export interface PersistLoopLocals {
  /** seed: the AppQC object written last by this loop (compared by identity) */
  lastPersistedAppQC: AppQC | undefined;
  /** merged: NextOpt of the last anchor written by this loop */
  lastPersistedAppQCNext: bigint;
}

/**
 * One named group of a persist iteration's I/O and marks (spec §2.5: one
 * numbered step, e.g. "delete old blocks"). The shared driver
 * (src/design/loop.ts) runs a task's groups in list order, so reordering the
 * list is the whole of a reordering mutant or ablation.
 */
export interface WriteGroup {
  /** stable name: forensics, ablations and explanations refer to groups by it */
  readonly name: string;
  run(core: StateCore, ctx: Ctx, batch: PersistBatch, locals: PersistLoopLocals): Promise<void>;
}

/** A persist task: collect a batch (waiting for work), run its write groups, repeat until an error. */
export interface PersistTask {
  /** the task's name in the trace; every faithful design has exactly one, "persist" */
  readonly name: string;
  collect(core: StateCore, ctx: Ctx, locals: PersistLoopLocals): Promise<PersistBatch>;
  readonly groups: readonly WriteGroup[];
}

/** H1 per kind of persisted file (spec §2.2): every faithful design writes and fsyncs each one. */
export interface FileWritePolicy {
  readonly blocks: WriteFile;
  readonly commitQCs: WriteFile;
}

export interface Design {
  readonly name: string;
  /** protobuf message type of the A/B payload (seed: `AppQC`) */
  readonly abPayloadType: string;
  /** text of A/B write failures in the loop (seed: `persist AppQC`) */
  readonly abPersistErrorPrefix: string;
  readonly blockLoader: BlockLoaderPolicy;
  readonly commitQCPersister: CommitQCPersisterPolicy;

  // --- startup (spec §7) ---
  /** stateDir undefined → no I/O: no loaded state and no-op persisters */
  loadPersistedState(deps: AvailDeps, ctx: Ctx, stateDir: string | undefined): Promise<{ loaded: LoadedAvailState | undefined; persisters: Persisters }>;
  /** throws AvailError with the §7.4 texts, ProcessAbort never (decoding is done) */
  newInner(deps: AvailDeps, loaded: LoadedAvailState | undefined): Inner;
  /** I/O after newInner (merged: DeleteBefore + ResetNext; seed: nothing) */
  startupCleanup(deps: AvailDeps, ctx: Ctx, inner: Inner, persisters: Persisters): Promise<void>;

  // --- prune's design-specific lines (spec §6.3) ---
  /** prune pushed `qc` into a queue that did not contain its index */
  onPrunePushedCommitQC(deps: AvailDeps, inner: Inner, qc: CommitQC): void;
  /** prune moved lane `lane` to `first` */
  onPruneLane(deps: AvailDeps, inner: Inner, lane: LaneId, first: bigint): void;

  // --- gates (spec §9.2); evaluated inside lock sections ---
  pushBlockAdmits(inner: Inner, lane: LaneId, q: Queue<SignedLaneProposal>, n: bigint): boolean;
  /** ProduceBlock and WaitForCapacity */
  hasCapacity(inner: Inner, lane: LaneId, q: Queue<SignedLaneProposal>): boolean;
  pushVoteAdmits(inner: Inner, lane: LaneId, votes: Queue<BlockVotes>, n: bigint): boolean;
  readonly pushVoteErrorPrefixes: { readonly verify: string; readonly sig: string };

  // --- persist loop (spec §8) ---
  collectPersistBatch(core: StateCore, ctx: Ctx, locals: PersistLoopLocals): Promise<PersistBatch>;
  /** the persist tasks `Run` starts (before the data pump), each run by the shared driver until an error or cancellation */
  readonly persistTasks: readonly PersistTask[];
  /** how the block and CommitQC persisters write a file */
  readonly fileWrite: FileWritePolicy;
  /** how the A/B persister writes a slot and consumes sequence numbers (spec §3.3) */
  readonly abPersister: ABPersisterPolicy;

  // --- outputs gated on persistence (spec §9.2, §9.3) ---
  /** RecvBatch: exclusive upper bound of the block numbers of `lane` the node may vote for now */
  recvBatchBound(inner: Inner, lane: LaneId, q: Queue<SignedLaneProposal>): bigint;
  /** PushCommitQC appended `qc` inside its lock section (publishes nothing in both designs, spec §8.5) */
  onCommitQCPushed(deps: AvailDeps, inner: Inner, qc: CommitQC): void;
  /**
   * SubscribeLaneProposals: exclusive upper bound of the own blocks it may hand
   * out now. Absent in both faithful designs (dissemination is not gated on
   * persistence, spec §9.3); the hardened variant gates it like RecvBatch.
   */
  readonly ownProposalBound?: (inner: Inner, lane: LaneId, q: Queue<SignedLaneProposal>) => bigint;
}
