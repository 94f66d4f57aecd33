/**
 * Domain types of the availability layer (spec §1.1–§1.3), decoded and validated.
 *
 * 64-bit protobuf fields are `bigint` everywhere (uint64/int64 can exceed 2^53).
 * Public keys and lane ids are 64-character lowercase hex strings, so they work
 * as Map keys and sort in committee order (raw key bytes order == hex order).
 * Objects are treated as immutable once built; the seed persist loop compares
 * AppQCs by object identity (spec §8.3), so never copy one to "refresh" it.
 */

/** 32-byte Ed25519 public key as 64 lowercase hex chars. */
export type PublicKeyHex = string & { readonly __brand: 'PublicKeyHex' };
/** A lane is owned by its producer: same representation as its public key. */
export type LaneId = PublicKeyHex;

export type Hash32 = Uint8Array; // SHA-256 digest, 32 bytes

export interface Timestamp {
  readonly seconds: bigint;
  readonly nanos: number;
}

export interface Signature {
  readonly key: PublicKeyHex;
  /** 64 bytes */
  readonly sig: Uint8Array;
}

export interface BlockHeader {
  readonly lane: LaneId;
  readonly blockNumber: bigint;
  readonly parentHash: Hash32;
  readonly payloadHash: Hash32;
}

export interface Payload {
  readonly createdAt: Timestamp;
  readonly totalGas: bigint;
  readonly edgeCount: bigint;
  /** optional, absent = undefined */
  readonly coinbase?: Uint8Array | undefined;
  readonly basefee: bigint;
  readonly txs: readonly Uint8Array[];
}

export interface Block {
  readonly header: BlockHeader;
  readonly payload: Payload;
}

/** SignedMsg{msg: Msg{lane_proposal: Block}, sig}; the signer must be header.lane. */
export interface SignedLaneProposal {
  readonly block: Block;
  readonly sig: Signature;
}

/** SignedMsg{msg: Msg{lane_vote: BlockHeader}, sig}. */
export interface LaneVote {
  readonly header: BlockHeader;
  readonly sig: Signature;
}

export interface LaneQC {
  readonly header: BlockHeader;
  readonly sigs: readonly Signature[];
}

export interface LaneRange {
  readonly lane: LaneId;
  readonly first: bigint;
  readonly next: bigint;
  /** hash of header next-1; all-zero for an empty range */
  readonly lastHash: Hash32;
}

export interface View {
  readonly index: bigint;
  readonly number: bigint;
}

export interface AppProposal {
  readonly globalNumber: bigint;
  readonly roadIndex: bigint;
  readonly appHash?: Uint8Array | undefined;
}

export interface Proposal {
  /** an absent View decodes as (0,0) (spec §1.6) and re-encodes as present, as in the reference */
  readonly view: View;
  readonly createdAt: Timestamp;
  /** sorted by lane key bytes */
  readonly laneRanges: readonly LaneRange[];
  readonly app?: AppProposal | undefined;
}

/** AppProposal + signatures over Msg{app_vote}; index = vote.roadIndex. */
export interface AppQC {
  readonly vote: AppProposal;
  readonly sigs: readonly Signature[];
}

/** Proposal + signatures over Msg{commit_vote}; index = vote.view.index. */
export interface CommitQC {
  readonly vote: Proposal;
  readonly sigs: readonly Signature[];
}

/** SignedMsg{msg: Msg{app_vote: AppProposal}, sig}. */
export interface AppVote {
  readonly proposal: AppProposal;
  readonly sig: Signature;
}

export interface FullCommitQC {
  readonly qc: CommitQC;
  readonly headers: readonly BlockHeader[];
}

/** Merged design's A/B payload. */
export interface PruneAnchor {
  readonly appQC: AppQC;
  readonly commitQC: CommitQC;
}

// ---------------------------------------------------------------------------
// Small derived quantities used everywhere (spec §0.2, §1.3)

export const ZERO_HASH: Hash32 = new Uint8Array(32);

export function commitQCIndex(qc: CommitQC): bigint {
  return qc.vote.view.index;
}

export function appQCIndex(qc: AppQC): bigint {
  return qc.vote.roadIndex;
}

/** NextOpt(optAppQC) = roadIndex + 1, or 0 for None. */
export function nextOptAppQC(qc: AppQC | undefined): bigint {
  return qc === undefined ? 0n : qc.vote.roadIndex + 1n;
}

/** NextIndexOpt(optCommitQC) = index + 1, or 0 for None. */
export function nextIndexOptCommitQC(qc: CommitQC | undefined): bigint {
  return qc === undefined ? 0n : qc.vote.view.index + 1n;
}

/** lr(qc, lane): the lane's range, or the empty range [0,0) with a zero hash. */
export function laneRangeOf(qc: CommitQC | undefined, lane: LaneId): LaneRange {
  if (qc !== undefined) {
    for (const r of qc.vote.laneRanges) if (r.lane === lane) return r;
  }
  return { lane, first: 0n, next: 0n, lastHash: ZERO_HASH };
}

/** GlobalRange of a proposal: sums of lane firsts and nexts. */
export function globalRange(qc: CommitQC): { first: bigint; next: bigint } {
  let first = 0n;
  let next = 0n;
  for (const r of qc.vote.laneRanges) {
    first += r.first;
    next += r.next;
  }
  return { first, next };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** Render as the reference does in error texts: `validator:ed25519:public:<hex>`. */
export function laneString(lane: LaneId): string {
  return `validator:ed25519:public:${lane}`;
}
