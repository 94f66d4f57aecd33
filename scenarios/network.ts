/**
 * The simulated committee around the node under test: the ground truth the node
 * must converge to.
 *
 * The node is replica `me` of a committee of N. The other N−1 replicas ("peers")
 * are modelled here, not run: they produce their lanes' canonical chains, vote
 * for every block they know (never twice for one (lane, n)), and together — N−1
 * ≥ CommitQuorum for N ≥ 4 — form the global chain of CommitQCs and AppQCs
 * without the node. The node's own lane is what it disseminated through
 * `SubscribeLaneProposals` (first version wins: peers keep the block they saw).
 *
 * Everything is deterministic: blocks and signatures derive from the fixture
 * seed; the chain grows only when a workload command asks for it.
 */
import { blockHeaderHash, commitVoteMsgHash } from '../src/codec/index.js';
import { bytesEqual, globalRange, laneRangeOf, ZERO_HASH } from '../src/types.js';
import type { AppQC, AppVote, BlockHeader, CommitQC, LaneId, LaneRange, LaneVote, Proposal, SignedLaneProposal } from '../src/types.js';
import { CommitteeFixture, GENESIS_SECONDS } from './fixtures.js';

/** Spec §9.1: at most this many blocks of one lane per CommitQC. */
export const BLOCKS_PER_LANE_PER_COMMIT = 10;

export interface Equivocation {
  readonly n: bigint;
  readonly seen: BlockHeader;
  readonly produced: BlockHeader;
}

// Fixtures are pure functions of (seed, size) — keys, canonical chains, payloads —
// so runs share one per committee (deriving keys and signing blocks is not free).
const fixtures = new Map<string, CommitteeFixture>();
const FIXTURES_MAX = 64;

function fixtureFor(seed: string, size: number): CommitteeFixture {
  const key = `${seed}/${size}`;
  let fx = fixtures.get(key);
  if (fx === undefined) {
    if (fixtures.size >= FIXTURES_MAX) fixtures.clear();
    fixtures.set(key, (fx = new CommitteeFixture(seed, size)));
  }
  return fx;
}

export class Network {
  readonly fx: CommitteeFixture;
  readonly me: LaneId;
  /** peer lanes in committee order */
  readonly peerLanes: readonly LaneId[];
  /** committee indices of the peers (signers of network QCs) */
  private readonly peerIndices: readonly number[];
  /** blocks each peer lane has produced so far */
  private readonly produced = new Map<LaneId, bigint>();
  /** the node's own lane as the peers saw it (index = block number) */
  readonly ownBlocks: SignedLaneProposal[] = [];
  /** the global CommitQC chain (index = road index) */
  readonly commitQCs: CommitQC[] = [];
  /** AppQCs formed by the network, by road index */
  readonly appQCs = new Map<bigint, AppQC>();
  /** own-lane blocks the node produced that differ from what peers already saw */
  readonly equivocations: Equivocation[] = [];

  constructor(seed: string, committeeSize: number, nodeIndex: number) {
    this.fx = fixtureFor(seed, committeeSize);
    if (!Number.isSafeInteger(nodeIndex) || nodeIndex < 0 || nodeIndex >= committeeSize) throw new RangeError(`network: node index ${nodeIndex} outside committee of ${committeeSize}`);
    if (committeeSize - 1 < this.fx.committee.commitQuorum) throw new RangeError(`network: ${committeeSize - 1} peers cannot form a CommitQuorum of ${this.fx.committee.commitQuorum} (need N ≥ 4)`);
    this.me = this.fx.lane(nodeIndex);
    this.peerLanes = this.fx.lanes.filter((l) => l !== this.me);
    this.peerIndices = this.fx.lanes.map((_, i) => i).filter((i) => i !== nodeIndex);
    for (const l of this.peerLanes) this.produced.set(l, 0n);
  }

  // -------------------------------------------------------------------------
  // Blocks

  /** Peer `lane` produces `count` more blocks; returns the new total. */
  producePeerBlocks(lane: LaneId, count: number): bigint {
    const n = this.producedOf(lane) + BigInt(count);
    this.produced.set(lane, n);
    return n;
  }

  /** Blocks of `lane` the network knows: peer lanes' produced count, or own blocks seen. */
  known(lane: LaneId): bigint {
    return lane === this.me ? BigInt(this.ownBlocks.length) : this.producedOf(lane);
  }

  private producedOf(lane: LaneId): bigint {
    const n = this.produced.get(lane);
    if (n === undefined) throw new RangeError(`network: ${lane} is not a peer lane`);
    return n;
  }

  /** Block `n` of `lane` as the network knows it. */
  block(lane: LaneId, n: bigint): SignedLaneProposal {
    if (lane === this.me) {
      const b = this.ownBlocks[Number(n)];
      if (b === undefined) throw new RangeError(`network: own block ${n} was never disseminated`);
      return b;
    }
    if (n >= this.producedOf(lane)) throw new RangeError(`network: peer block ${lane.slice(0, 8)}/${n} not produced yet`);
    return this.fx.block(lane, n);
  }

  /** The node disseminated an own-lane block (SubscribeLaneProposals). First version wins; a differing one is recorded. */
  seeOwnBlock(p: SignedLaneProposal): void {
    const n = p.block.header.blockNumber;
    const have = this.ownBlocks[Number(n)];
    if (have !== undefined) {
      if (!bytesEqual(blockHeaderHash(have.block.header), blockHeaderHash(p.block.header))) {
        this.equivocations.push({ n, seen: have.block.header, produced: p.block.header });
      }
      return;
    }
    if (n !== BigInt(this.ownBlocks.length)) throw new Error(`network: own block ${n} seen before block ${this.ownBlocks.length}`);
    this.ownBlocks.push(p);
  }

  /** Votes of every peer for block `n` of `lane`. */
  votes(lane: LaneId, n: bigint): LaneVote[] {
    const h = this.block(lane, n).block.header;
    return this.peerIndices.map((i) => this.fx.laneVote(h, i));
  }

  // -------------------------------------------------------------------------
  // CommitQCs and AppQCs

  latestCommitQC(): CommitQC | undefined {
    return this.commitQCs[this.commitQCs.length - 1];
  }

  /**
   * The peers form the next CommitQC: each lane's range continues the previous one
   * and takes up to BLOCKS_PER_LANE_PER_COMMIT of the blocks the network knows
   * (every known block has a LaneQC: the peers vote for all of them).
   */
  formCommitQC(): CommitQC {
    const index = BigInt(this.commitQCs.length);
    const prev = this.latestCommitQC();
    const laneRanges: LaneRange[] = this.fx.lanes.map((lane) => {
      const first = laneRangeOf(prev, lane).next;
      const cap = first + BigInt(BLOCKS_PER_LANE_PER_COMMIT);
      const k = this.known(lane);
      const next = k < cap ? (k > first ? k : first) : cap;
      const lastHash = next === first ? ZERO_HASH : blockHeaderHash(this.block(lane, next - 1n).block.header);
      return { lane, first, next, lastHash };
    });
    const vote: Proposal = {
      view: { index, number: 0n },
      createdAt: { seconds: GENESIS_SECONDS + 1_000_000n + index, nanos: 0 },
      laneRanges,
      app: undefined,
    };
    const h = commitVoteMsgHash(vote);
    const signers = this.peerIndices.slice(0, this.fx.committee.commitQuorum);
    const qc: CommitQC = { vote, sigs: signers.map((i) => this.fx.signature(i, h)) };
    this.commitQCs.push(qc);
    return qc;
  }

  /** Whether an AppQC can exist for CommitQC `index` (its global range must be non-empty). */
  appQCPossible(index: bigint): boolean {
    const qc = this.commitQCs[Number(index)];
    if (qc === undefined) return false;
    const g = globalRange(qc);
    return g.next > g.first;
  }

  /** The peers' AppVotes for CommitQC `index` (globalNumber = GlobalRange.Next − 1). */
  appVotes(index: bigint): AppVote[] {
    const qc = this.commitQCs[Number(index)];
    if (qc === undefined || !this.appQCPossible(index)) throw new RangeError(`network: no AppVotes possible for CommitQC ${index}`);
    const p = this.fx.appProposal(globalRange(qc).next - 1n, index);
    return this.peerIndices.map((i) => this.fx.appVote(p, i));
  }

  /** The AppQC of CommitQC `index`, formed by the peers (remembered). */
  appQC(index: bigint): AppQC {
    let a = this.appQCs.get(index);
    if (a === undefined) {
      const qc = this.commitQCs[Number(index)];
      if (qc === undefined || !this.appQCPossible(index)) throw new RangeError(`network: no AppQC possible for CommitQC ${index}`);
      a = this.fx.appQC(qc, undefined, { signers: this.peerIndices.slice(0, this.fx.committee.appQuorum) });
      this.appQCs.set(index, a);
    }
    return a;
  }

  /** Highest road index with a network AppQC, if any. */
  latestAppQCIndex(): bigint | undefined {
    let best: bigint | undefined;
    for (const k of this.appQCs.keys()) if (best === undefined || k > best) best = k;
    return best;
  }

  /** Lowest block number of `lane` the network still serves (below the latest AppQC's prune point nothing is needed). */
  lowWater(lane: LaneId): bigint {
    const i = this.latestAppQCIndex();
    return i === undefined ? 0n : laneRangeOf(this.commitQCs[Number(i)], lane).first;
  }
}
