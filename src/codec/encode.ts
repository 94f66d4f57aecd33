/**
 * Encoding of domain objects (spec §1.4/§1.5) and the hashes built on it.
 *
 * Domain → plain protobuf object → protobufjs `Type.encode`. protobufjs's reflected
 * encoder writes fields in ascending number order and skips absent ones, so its
 * output is the canonical encoding for every message here (test/codec checks this
 * against the Stage-1 canonicalizer and a hand-checked hex). Two traps handled here:
 *  - 64-bit fields: protobufjs silently writes 0 for a bigint; we pass `{low, high}`
 *    halves (what its LongBits accepts), range-checked;
 *  - Timestamp nanos: protobufjs writes a negative int32 sign-extended (10 bytes) while
 *    the canonical rule zero-extends. The reference cannot even hold such a value (a Go
 *    time.Time always has 0 ≤ nanos < 1e9), so timestamps are normalized first exactly
 *    as Go's time.Unix does, and nanos is never negative on the wire we write.
 *
 * Encoding an object that the reference could not represent (a key that is not 32
 * bytes, a hash that is not 32 bytes, an out-of-range integer) throws a RangeError
 * naming the field: that is a bug in the caller, never a data condition. Crafting
 * arbitrary (invalid) wire messages for tests goes through `encodeRaw`.
 */
import { createHash } from 'node:crypto';
import type {
  AppProposal,
  AppQC,
  AppVote,
  Block,
  BlockHeader,
  CommitQC,
  Hash32,
  LaneQC,
  LaneRange,
  LaneVote,
  Payload,
  Proposal,
  PruneAnchor,
  PublicKeyHex,
  Signature,
  SignedLaneProposal,
  Timestamp,
  View,
} from '../types.js';
import type { PersistedWrapper } from './index.js';
import { messageType, type MessageName } from './schema.js';

// ---------------------------------------------------------------------------
// Scalars

interface LongHalves {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}

const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;
const NANOS_PER_SECOND = 1_000_000_000;

function halves(u: bigint, unsigned: boolean): LongHalves {
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned };
}

function u64(v: bigint, what: string): LongHalves {
  if (typeof v !== 'bigint' || v < 0n || v >= TWO_64) throw new RangeError(`codec: ${what} must be a uint64 bigint, got ${String(v)}`);
  return halves(v, true);
}

function i64(v: bigint, what: string): LongHalves {
  if (typeof v !== 'bigint' || v < -TWO_63 || v >= TWO_63) throw new RangeError(`codec: ${what} must be an int64 bigint, got ${String(v)}`);
  return halves(BigInt.asUintN(64, v), false);
}

function fixedBytes(b: Uint8Array, lengthBytes: number, what: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== lengthBytes) {
    throw new RangeError(`codec: ${what} must be ${lengthBytes} bytes, got ${b instanceof Uint8Array ? b.length : typeof b}`);
  }
  return b;
}

function anyBytes(b: Uint8Array, what: string): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new RangeError(`codec: ${what} must be a Uint8Array, got ${typeof b}`);
  return b;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function publicKeyBytes(key: PublicKeyHex): Uint8Array {
  if (typeof key !== 'string' || !HEX64.test(key)) throw new RangeError(`codec: public key must be 64 lowercase hex chars, got ${JSON.stringify(key)}`);
  return new Uint8Array(Buffer.from(key, 'hex'));
}

/**
 * Go's `time.Unix(sec, nsec)` normalization: nanos into [0, 1e9), the carry into
 * seconds with int64 wrap-around (Go's arithmetic does not trap on overflow).
 */
export function normalizeTimestamp(t: Timestamp): Timestamp {
  if (!Number.isInteger(t.nanos)) throw new RangeError(`codec: Timestamp.nanos must be an integer, got ${t.nanos}`);
  if (t.nanos >= 0 && t.nanos < NANOS_PER_SECOND) return t;
  const carry = Math.floor(t.nanos / NANOS_PER_SECOND);
  const nanos = t.nanos - carry * NANOS_PER_SECOND;
  return { seconds: BigInt.asIntN(64, t.seconds + BigInt(carry)), nanos };
}

// ---------------------------------------------------------------------------
// Domain → plain protobuf objects (field names as protobufjs camelCases them)

type PObj = Record<string, unknown>;

function pPublicKey(key: PublicKeyHex, what: string): PObj {
  try {
    return { ed25519: publicKeyBytes(key) };
  } catch (e) {
    throw new RangeError(`codec: ${what}: ${(e as Error).message}`);
  }
}

function pTimestamp(t: Timestamp, what: string): PObj {
  const n = normalizeTimestamp(t);
  return { seconds: i64(n.seconds, `${what}.seconds`), nanos: n.nanos };
}

function pSignature(s: Signature): PObj {
  return { key: pPublicKey(s.key, 'Signature.key'), sig: fixedBytes(s.sig, 64, 'Signature.sig') };
}

function pSignatures(sigs: readonly Signature[]): PObj[] {
  return sigs.map(pSignature);
}

function pHeader(h: BlockHeader): PObj {
  return {
    lane: pPublicKey(h.lane, 'BlockHeader.lane'),
    blockNumber: u64(h.blockNumber, 'BlockHeader.blockNumber'),
    parentHash: fixedBytes(h.parentHash, 32, 'BlockHeader.parentHash'),
    payloadHash: fixedBytes(h.payloadHash, 32, 'BlockHeader.payloadHash'),
  };
}

function pPayload(p: Payload): PObj {
  const o: PObj = {
    createdAt: pTimestamp(p.createdAt, 'Payload.createdAt'),
    totalGas: u64(p.totalGas, 'Payload.totalGas'),
    edgeCount: i64(p.edgeCount, 'Payload.edgeCount'),
    basefee: i64(p.basefee, 'Payload.basefee'),
    txs: p.txs.map((tx, i) => anyBytes(tx, `Payload.txs[${i}]`)),
  };
  if (p.coinbase !== undefined) o['coinbase'] = anyBytes(p.coinbase, 'Payload.coinbase');
  return o;
}

function pBlock(b: Block): PObj {
  return { header: pHeader(b.header), payload: pPayload(b.payload) };
}

function pLaneRange(r: LaneRange): PObj {
  return {
    lane: pPublicKey(r.lane, 'LaneRange.lane'),
    first: u64(r.first, 'LaneRange.first'),
    next: u64(r.next, 'LaneRange.next'),
    lastHash: fixedBytes(r.lastHash, 32, 'LaneRange.lastHash'),
  };
}

function pView(v: View): PObj {
  return { index: u64(v.index, 'View.index'), number: u64(v.number, 'View.number') };
}

function pAppProposal(a: AppProposal): PObj {
  const o: PObj = {
    globalNumber: u64(a.globalNumber, 'AppProposal.globalNumber'),
    roadIndex: u64(a.roadIndex, 'AppProposal.roadIndex'),
  };
  if (a.appHash !== undefined) o['appHash'] = anyBytes(a.appHash, 'AppProposal.appHash');
  return o;
}

/** The reference keeps lane ranges in a map and encodes them sorted by key bytes. */
function sortedLaneRanges(ranges: readonly LaneRange[]): LaneRange[] {
  const sorted = ranges.slice().sort((a, b) => (a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.lane === sorted[i - 1]?.lane) throw new RangeError(`codec: Proposal has two lane ranges for lane ${sorted[i]?.lane}`);
  }
  return sorted;
}

function pProposal(p: Proposal): PObj {
  const o: PObj = {
    view: pView(p.view),
    createdAt: pTimestamp(p.createdAt, 'Proposal.createdAt'),
    laneRanges: sortedLaneRanges(p.laneRanges).map(pLaneRange),
  };
  if (p.app !== undefined) o['app'] = pAppProposal(p.app);
  return o;
}

function pAppQC(qc: AppQC): PObj {
  return { vote: pAppProposal(qc.vote), sigs: pSignatures(qc.sigs) };
}

function pCommitQC(qc: CommitQC): PObj {
  return { vote: pProposal(qc.vote), sigs: pSignatures(qc.sigs) };
}

/** The member of `Msg.t`, i.e. everything that can be signed (spec §1.2 `Msg`). */
export type MsgMember =
  | { readonly kind: 'laneProposal'; readonly block: Block }
  | { readonly kind: 'laneVote'; readonly header: BlockHeader }
  | { readonly kind: 'proposal'; readonly proposal: Proposal }
  | { readonly kind: 'prepareVote'; readonly proposal: Proposal }
  | { readonly kind: 'commitVote'; readonly proposal: Proposal }
  | { readonly kind: 'timeoutVote'; readonly view: View; readonly latestPrepareQCViewNumber?: bigint | undefined }
  | { readonly kind: 'appVote'; readonly proposal: AppProposal };

export type MsgKind = MsgMember['kind'];

function pMsg(m: MsgMember): PObj {
  switch (m.kind) {
    case 'laneProposal':
      return { laneProposal: pBlock(m.block) };
    case 'laneVote':
      return { laneVote: pHeader(m.header) };
    case 'proposal':
      return { proposal: pProposal(m.proposal) };
    case 'prepareVote':
      return { prepareVote: pProposal(m.proposal) };
    case 'commitVote':
      return { commitVote: pProposal(m.proposal) };
    case 'timeoutVote': {
      const tv: PObj = { view: pView(m.view) };
      if (m.latestPrepareQCViewNumber !== undefined) tv['latestPrepareQcViewNumber'] = u64(m.latestPrepareQCViewNumber, 'TimeoutVote.latestPrepareQcViewNumber');
      return { timeoutVote: tv };
    }
    case 'appVote':
      return { appVote: pAppProposal(m.proposal) };
  }
}

// ---------------------------------------------------------------------------
// Bytes

function encodeWith(name: MessageName, obj: PObj): Uint8Array {
  const out = messageType(name).encode(obj).finish();
  // a plain, unpooled Uint8Array (protobufjs may hand out a slice of a shared pool)
  return new Uint8Array(out);
}

export function encodeBlockHeader(h: BlockHeader): Uint8Array {
  return encodeWith('BlockHeader', pHeader(h));
}
export function encodePayload(p: Payload): Uint8Array {
  return encodeWith('Payload', pPayload(p));
}
export function encodeBlock(b: Block): Uint8Array {
  return encodeWith('Block', pBlock(b));
}
export function encodeProposal(p: Proposal): Uint8Array {
  return encodeWith('Proposal', pProposal(p));
}
export function encodeAppProposal(a: AppProposal): Uint8Array {
  return encodeWith('AppProposal', pAppProposal(a));
}
export function encodeMsg(m: MsgMember): Uint8Array {
  return encodeWith('Msg', pMsg(m));
}

/** Block file bytes: `SignedMsg{msg: Msg{lane_proposal: block}, sig}` (spec §4.1). */
export function encodeSignedLaneProposal(p: SignedLaneProposal): Uint8Array {
  return encodeWith('SignedMsg', { msg: { laneProposal: pBlock(p.block) }, sig: pSignature(p.sig) });
}
/** `SignedMsg{msg: Msg{lane_vote: header}, sig}`. */
export function encodeLaneVote(v: LaneVote): Uint8Array {
  return encodeWith('SignedMsg', { msg: { laneVote: pHeader(v.header) }, sig: pSignature(v.sig) });
}
/** `SignedMsg{msg: Msg{app_vote: proposal}, sig}`. */
export function encodeAppVote(v: AppVote): Uint8Array {
  return encodeWith('SignedMsg', { msg: { appVote: pAppProposal(v.proposal) }, sig: pSignature(v.sig) });
}
/** `commitqcs/<i>.pb` bytes. */
export function encodeCommitQC(qc: CommitQC): Uint8Array {
  return encodeWith('CommitQC', pCommitQC(qc));
}
/** Seed A/B payload. */
export function encodeAppQC(qc: AppQC): Uint8Array {
  return encodeWith('AppQC', pAppQC(qc));
}
export function encodeLaneQC(qc: LaneQC): Uint8Array {
  return encodeWith('LaneQC', { vote: pHeader(qc.header), sigs: pSignatures(qc.sigs) });
}
/** Merged A/B payload `PersistedAvailPruneAnchor{app_qc, commit_qc}`. */
export function encodePruneAnchor(a: PruneAnchor): Uint8Array {
  return encodeWith('PersistedAvailPruneAnchor', { appQc: pAppQC(a.appQC), commitQc: pCommitQC(a.commitQC) });
}

/** The A/B envelope. `seq` is always written; `data` only when defined (present-empty allowed). */
export function encodeWrapper(w: PersistedWrapper): Uint8Array {
  const o: PObj = { seq: u64(w.seq, 'PersistedWrapper.seq') };
  if (w.data !== undefined) o['data'] = anyBytes(w.data, 'PersistedWrapper.data');
  return encodeWith('PersistedWrapper', o);
}

/**
 * Encodes a plain object through protobufjs `fromObject` (64-bit fields as bigint,
 * decimal string or number; bytes as Uint8Array), with no domain validation: for
 * crafting arbitrary, even semantically invalid, messages in tests and fixtures.
 * Field names are camelCase. Throws if `fromObject` rejects the object.
 */
export function encodeRaw(name: MessageName, obj: Record<string, unknown>): Uint8Array {
  const t = messageType(name);
  return new Uint8Array(t.encode(t.fromObject(bigintsToStrings(obj) as Record<string, unknown>)).finish());
}

// protobufjs's fromObject handles bigint only on some paths; decimal strings always work
function bigintsToStrings(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(bigintsToStrings);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = bigintsToStrings(x);
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------
// Hashes (spec §1.4): SHA-256 of the canonical encoding. Domain objects are
// immutable, so hashes are memoized per object (headers are hashed on every
// PushBlock parent check and every headers() walk).

function sha256(b: Uint8Array): Hash32 {
  return new Uint8Array(createHash('sha256').update(b).digest());
}

function memoized<K extends object>(compute: (k: K) => Hash32): (k: K) => Hash32 {
  const memo = new WeakMap<K, Hash32>();
  return (k: K) => {
    let h = memo.get(k);
    if (h === undefined) {
      h = compute(k);
      memo.set(k, h);
    }
    return h;
  };
}

/** `BlockHeaderHash = SHA256(canon(BlockHeader))`. The result is shared: do not mutate it. */
export const blockHeaderHash: (h: BlockHeader) => Hash32 = memoized((h: BlockHeader) => sha256(encodeBlockHeader(h)));

/** `PayloadHash = SHA256(canon(Payload))`. The result is shared: do not mutate it. */
export const payloadHash: (p: Payload) => Hash32 = memoized((p: Payload) => sha256(encodePayload(p)));

/** Message hash of any signable object: `SHA256(canon(Msg{member}))`. */
export function msgHash(m: MsgMember): Hash32 {
  return sha256(encodeMsg(m));
}

/** Hash signed by a LaneVote: `Msg{lane_vote: header}`. */
export const laneVoteMsgHash: (h: BlockHeader) => Hash32 = memoized((h: BlockHeader) => msgHash({ kind: 'laneVote', header: h }));

/** Hash signed by a block producer: `Msg{lane_proposal: block}`. */
export const laneProposalMsgHash: (b: Block) => Hash32 = memoized((b: Block) => msgHash({ kind: 'laneProposal', block: b }));

/** Hash signed by a CommitQC signer: `Msg{commit_vote: proposal}`. */
export const commitVoteMsgHash: (p: Proposal) => Hash32 = memoized((p: Proposal) => msgHash({ kind: 'commitVote', proposal: p }));

/** Hash signed by an AppVote / AppQC signer: `Msg{app_vote: appProposal}`. */
export const appVoteMsgHash: (a: AppProposal) => Hash32 = memoized((a: AppProposal) => msgHash({ kind: 'appVote', proposal: a }));
