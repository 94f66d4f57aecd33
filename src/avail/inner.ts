/**
 * `inner`: all mutable availability state, guarded by one Watch (spec §6.2),
 * plus the operations that run inside its lock sections: vote aggregation
 * (§6.4), `laneQC`, and `prune` (§6.3) with its design-specific lines behind
 * `Design` hooks.
 */
import type { AtomicSend } from '../env.js';
import { AvailError } from '../errors.js';
import { appQCIndex, commitQCIndex, globalRange, laneRangeOf, nextOptAppQC } from '../types.js';
import type { AppQC, AppVote, CommitQC, LaneId, LaneQC, LaneVote, PublicKeyHex, SignedLaneProposal } from '../types.js';
import type { AvailDeps } from './deps.js';
import { appVoteHashHex, headerHashHex } from './ports.js';
import { Queue } from './queue.js';
import { unspecifiedOrder } from './order.js';

/** Received LaneVotes for one block number (never persisted). */
export class BlockVotes {
  readonly byKey = new Map<PublicKeyHex, LaneVote>();
  /** header hash (hex) → votes for that header, in arrival order */
  readonly byHeader = new Map<string, LaneVote[]>();

  /** Records `vote` unless its signer already voted here; returns a new LaneQC at exactly `quorum` votes. */
  pushVote(vote: LaneVote, laneQuorum: number): LaneQC | undefined {
    if (this.byKey.has(vote.sig.key)) return undefined;
    this.byKey.set(vote.sig.key, vote);
    const h = headerHashHex(vote.header);
    let list = this.byHeader.get(h);
    if (list === undefined) this.byHeader.set(h, (list = []));
    list.push(vote);
    if (list.length !== laneQuorum) return undefined;
    return { header: vote.header, sigs: list.map((v) => v.sig) };
  }
}

/** Received AppVotes for one global block number. */
export class AppVotes {
  readonly byKey = new Map<PublicKeyHex, AppVote>();
  /** message hash (hex) of the AppVote → votes */
  readonly byHash = new Map<string, AppVote[]>();

  /** Same rule as BlockVotes with AppQuorum. `onSplit` is told when the quorum is reached with > 1 distinct hash. */
  pushVote(vote: AppVote, appQuorum: number, onSplit: () => void): AppQC | undefined {
    if (this.byKey.has(vote.sig.key)) return undefined;
    this.byKey.set(vote.sig.key, vote);
    const h = appVoteHashHex(vote.proposal);
    let list = this.byHash.get(h);
    if (list === undefined) this.byHash.set(h, (list = []));
    list.push(vote);
    if (this.byKey.size >= appQuorum && this.byHash.size > 1) onSplit();
    if (list.length !== appQuorum) return undefined;
    return { vote: vote.proposal, sigs: list.map((v) => v.sig) };
  }
}

export interface Inner {
  latestAppQC: AppQC | undefined;
  readonly latestCommitQC: AtomicSend<CommitQC | undefined>;
  readonly appVotes: Queue<AppVotes>;
  readonly commitQCs: Queue<CommitQC>;
  /** one queue per committee lane, in committee order */
  readonly blocks: ReadonlyMap<LaneId, Queue<SignedLaneProposal>>;
  readonly votes: ReadonlyMap<LaneId, Queue<BlockVotes>>;
  /** per-lane block persistence cursor; a missing key reads as 0 */
  readonly nextBlockToPersist: Map<LaneId, bigint>;
  /** seed: explicit CommitQC persistence cursor (merged derives it from latestCommitQC) */
  nextCommitQCToPersist: bigint;
  /** merged: admission watermark; a missing key reads as 0. Unused by seed. */
  readonly persistedBlockStart: Map<LaneId, bigint>;
}

export function cursorOf(m: ReadonlyMap<LaneId, bigint>, lane: LaneId): bigint {
  return m.get(lane) ?? 0n;
}

/** The state every design starts from: all queues empty at 0, no QCs, empty cursor maps. */
export function newEmptyInner(deps: AvailDeps): Inner {
  const blocks = new Map<LaneId, Queue<SignedLaneProposal>>();
  const votes = new Map<LaneId, Queue<BlockVotes>>();
  for (const lane of deps.committee.lanes) {
    blocks.set(lane, new Queue());
    votes.set(lane, new Queue());
  }
  return {
    latestAppQC: undefined,
    latestCommitQC: deps.env.newAtomicSend<CommitQC | undefined>('avail.latestCommitQC', undefined),
    appVotes: new Queue(),
    commitQCs: new Queue(),
    blocks,
    votes,
    nextBlockToPersist: new Map(),
    nextCommitQCToPersist: 0n,
    persistedBlockStart: new Map(),
  };
}

/** Who stored into latestCommitQC; `push` only in a mutant (no design publishes in PushCommitQC). */
export type CommitQCWriter = 'newInner' | 'prune' | 'persist' | 'push';

/** Every store into `latestCommitQC` goes through here so the observer sees it. */
export function publishCommitQC(deps: AvailDeps, inner: Inner, qc: CommitQC, writer: CommitQCWriter): void {
  inner.latestCommitQC.store(qc);
  deps.observer?.onCommitQCPublished?.({ qc, writer });
}

/**
 * `laneQC(lane, n)`: the first `LaneQuorum` votes of the first header (in the
 * unspecified map order) that has at least that many.
 */
export function laneQC(deps: AvailDeps, inner: Inner, lane: LaneId, n: bigint): LaneQC | undefined {
  const bv = inner.votes.get(lane)?.get(n);
  if (bv === undefined) return undefined;
  const quorum = deps.committee.laneQuorum;
  for (const vs of unspecifiedOrder(deps.env, [...bv.byHeader.values()])) {
    const first = vs[0];
    if (vs.length >= quorum && first !== undefined) return { header: first.header, sigs: vs.slice(0, quorum).map((v) => v.sig) };
  }
  return undefined;
}

export interface PruneResult {
  readonly updated: boolean;
  readonly error?: AvailError;
}

/**
 * `prune(appQC, commitQC)` (spec §6.3). Callers call `updated()` iff
 * `updated`. The design hooks carry the lines that differ: publication on a
 * fast-forward push (seed) and the cursor raise per lane (merged).
 */
export function prune(deps: AvailDeps, inner: Inner, appQC: AppQC, commitQC: CommitQC): PruneResult {
  const result = pruneUnobserved(deps, inner, appQC, commitQC);
  deps.observer?.onPrune?.({ appQC, commitQC, updated: result.updated, error: result.error });
  return result;
}

function pruneUnobserved(deps: AvailDeps, inner: Inner, appQC: AppQC, commitQC: CommitQC): PruneResult {
  const idx = appQCIndex(appQC);
  const qcIdx = commitQCIndex(commitQC);
  if (idx !== qcIdx) {
    return { updated: false, error: new AvailError(`mismatched QCs: appQC index ${idx}, commitQC index ${qcIdx}`) };
  }
  if (idx < nextOptAppQC(inner.latestAppQC)) return { updated: false };
  inner.latestAppQC = appQC;
  inner.commitQCs.prune(idx);
  if (inner.commitQCs.next === idx) {
    inner.commitQCs.pushBack(commitQC);
    deps.design.onPrunePushedCommitQC(deps, inner, commitQC);
  }
  inner.appVotes.prune(globalRange(commitQC).first);
  for (const [lane, votesQ] of inner.votes) {
    const f = laneRangeOf(commitQC, lane).first;
    votesQ.prune(f);
    inner.blocks.get(lane)?.prune(f);
    deps.design.onPruneLane(deps, inner, lane, f);
  }
  return { updated: true };
}
