/**
 * Deterministic builders of Autobahn objects for tests and workloads.
 *
 * Everything derives from one seed string: the same seed gives byte-identical
 * keys, blocks, votes and QCs in every process. Start with
 *
 *   const c = makeCommittee('my-test', 4);
 *   const b = c.block(c.lane(0), 3n);            // block 3 of lane 0 on the canonical chain
 *   const qcs = c.commitQCChain(3, { blocksPerQC: 2 });   // ranges follow the chains
 *   const aqc = c.appQC(qcs[2]!);                // valid for qcs[2] (globalNumber = Next − 1)
 *
 * Canonical chain: block 0 of every lane has the all-zero parent, block n the hash of
 * header n−1; payloads are derived from (seed, lane, n). Everything is signed by the
 * right key: blocks by their lane's owner, QCs by the first `quorum` replicas in
 * committee order unless `signers` says otherwise.
 *
 * Corrupt files for loader tests: `blockFileVariants`, `commitQCFileVariants`,
 * `appQCFileVariants`, `pruneAnchorFileVariants` give labelled bytes together with
 * the decode outcome the spec prescribes (value / error / abort), and
 * `notProtobuf`, `corruptions` give raw garbage.
 */
import { createHash } from 'node:crypto';
import {
  appVoteMsgHash,
  blockHeaderHash,
  commitVoteMsgHash,
  encodeAppQC,
  encodeCommitQC,
  encodeLaneVote,
  encodePruneAnchor,
  encodeRaw,
  encodeSignedLaneProposal,
  laneProposalMsgHash,
  laneVoteMsgHash,
  payloadHash,
} from '../src/codec/index.js';
import { messageType, type MessageName } from '../src/codec/schema.js';
import { Committee } from '../src/committee.js';
import { deriveSecretKey, sign, type SecretKey } from '../src/crypto.js';
import {
  globalRange,
  ZERO_HASH,
  type AppProposal,
  type AppQC,
  type AppVote,
  type Block,
  type BlockHeader,
  type CommitQC,
  type Hash32,
  type LaneId,
  type LaneQC,
  type LaneRange,
  type LaneVote,
  type Payload,
  type Proposal,
  type PruneAnchor,
  type PublicKeyHex,
  type Signature,
  type SignedLaneProposal,
  type Timestamp,
} from '../src/types.js';

/** Seconds of the first payload's `createdAt` (2023-11-14T22:13:20Z); block n adds n seconds. */
export const GENESIS_SECONDS = 1_700_000_000n;

/** Upper bound on a canonical chain a fixture builds (keeps a typo like 1e9 from hanging a test). */
export const MAX_CHAIN_BLOCKS = 10_000;

type Int = bigint | number;

function big(v: Int, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) throw new RangeError(`fixtures: ${what} must be an integer, got ${v}`);
  return BigInt(v);
}

function digest(...parts: Array<string | Uint8Array>): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : Buffer.from(p)).update('\0');
  return new Uint8Array(h.digest());
}

/** Where a block's parent hash comes from. */
export type ParentSpec = 'chain' | 'zero' | Hash32 | BlockHeader | SignedLaneProposal;

/** Who signs: a count (the first k replicas in committee order) or explicit keys / indices. */
export type SignerSpec = number | ReadonlyArray<number | PublicKeyHex>;

/** lane → [first, next) for a proposal; lanes left out get the empty range [0, 0). */
export type RangeSpec = ReadonlyMap<LaneId, readonly [Int, Int]> | Readonly<Record<string, readonly [Int, Int]>>;

export interface CommitQCOptions {
  readonly viewNumber?: Int;
  readonly app?: AppProposal;
  readonly createdAt?: Timestamp;
  readonly signers?: SignerSpec;
}

export interface ChainOptions {
  /** blocks each CommitQC finalises per lane: a number, or per (qc index, lane). Default 0 (the "without LaneQCs" chain). */
  readonly blocksPerQC?: number | ((index: number, lane: LaneId) => number);
  readonly signers?: SignerSpec;
}

/** A file body and the decode outcome spec §1.6 prescribes for it. */
export interface FileVariant {
  readonly bytes: Uint8Array;
  readonly expect: 'value' | 'error' | 'abort';
  /** for 'error': the exact reference text */
  readonly error?: string;
  readonly note: string;
}

export class CommitteeFixture {
  readonly committee: Committee;
  /** secret keys in committee order (`keys[i].publicKey === committee.replicas[i]`) */
  readonly keys: readonly SecretKey[];
  private readonly keyByPublic: ReadonlyMap<string, SecretKey>;
  private readonly chains = new Map<LaneId, SignedLaneProposal[]>();

  constructor(
    readonly seed: string,
    size: number,
  ) {
    if (!Number.isSafeInteger(size) || size < 1 || size > 1000) throw new RangeError(`fixtures: committee size must be in [1, 1000], got ${size}`);
    const derived = Array.from({ length: size }, (_, i) => deriveSecretKey(seed, i));
    this.committee = new Committee(derived.map((k) => k.publicKey));
    this.keyByPublic = new Map(derived.map((k) => [k.publicKey, k]));
    this.keys = this.committee.replicas.map((pk) => this.keyByPublic.get(pk) as SecretKey);
  }

  get lanes(): readonly LaneId[] {
    return this.committee.lanes;
  }

  /** The i-th lane in committee order. */
  lane(i: number): LaneId {
    const l = this.committee.lanes[i];
    if (l === undefined) throw new RangeError(`fixtures: lane index ${i} outside committee of ${this.committee.size}`);
    return l;
  }

  /** A replica's secret key by committee index or public key. */
  key(who: number | PublicKeyHex): SecretKey {
    const k = typeof who === 'number' ? this.keys[who] : this.keyByPublic.get(who);
    if (k === undefined) throw new RangeError(`fixtures: no committee key ${String(who)}`);
    return k;
  }

  /** A key that is NOT in the committee (for "is not a replica" cases). */
  outsider(i = 0): SecretKey {
    return deriveSecretKey(`${this.seed}/outsider`, i);
  }

  signature(who: number | PublicKeyHex | SecretKey, msgHash: Hash32): Signature {
    const k = typeof who === 'object' ? who : this.key(who);
    return { key: k.publicKey, sig: sign(k, msgHash) };
  }

  private signers(spec: SignerSpec | undefined, quorum: number): SecretKey[] {
    if (spec === undefined) spec = quorum;
    if (typeof spec === 'number') {
      if (spec < 0 || spec > this.keys.length) throw new RangeError(`fixtures: ${spec} signers requested from a committee of ${this.keys.length}`);
      return this.keys.slice(0, spec);
    }
    return spec.map((s) => this.key(s));
  }

  // -------------------------------------------------------------------------
  // Blocks

  /** Deterministic payload of block `n` of `lane`; `variant` gives a different payload for equivocation tests. */
  payload(lane: LaneId, n: Int, variant = 0): Payload {
    const num = big(n, 'block number');
    const d = digest('crashsim-payload', this.seed, lane, num.toString(), String(variant));
    const txCount = 1 + ((d[0] as number) % 3);
    const txs = Array.from({ length: txCount }, (_, i) => digest('crashsim-tx', d, String(i)).subarray(0, 8 + i * 8));
    return {
      createdAt: { seconds: GENESIS_SECONDS + num, nanos: Buffer.from(d).readUInt32BE(1) % 1_000_000_000 },
      totalGas: 21_000n * BigInt(1 + txCount),
      edgeCount: BigInt(d[5] as number),
      coinbase: d.subarray(6, 26),
      basefee: 7n,
      txs,
    };
  }

  /** Builds and signs (by `signer`, default the lane owner) a block with the given parent. */
  makeBlock(lane: LaneId, n: Int, parentHash: Hash32, opts: { variant?: number; signer?: number | PublicKeyHex | SecretKey } = {}): SignedLaneProposal {
    const body = this.payload(lane, n, opts.variant ?? 0);
    const header: BlockHeader = { lane, blockNumber: big(n, 'block number'), parentHash, payloadHash: payloadHash(body) };
    const block: Block = { header, payload: body };
    const signer = opts.signer ?? (this.committee.hasLane(lane) ? lane : this.outsider());
    return { block, sig: this.signature(signer, laneProposalMsgHash(block)) };
  }

  /** Block `n` of `lane`; on the canonical chain unless `parent` says otherwise. */
  block(lane: LaneId, n: Int, parent: ParentSpec = 'chain', opts: { variant?: number } = {}): SignedLaneProposal {
    const num = big(n, 'block number');
    if (parent === 'chain' && (opts.variant ?? 0) === 0) return this.chainBlock(lane, num);
    return this.makeBlock(lane, num, this.parentHashOf(lane, num, parent), opts);
  }

  private parentHashOf(lane: LaneId, n: bigint, parent: ParentSpec): Hash32 {
    if (parent === 'zero') return ZERO_HASH;
    if (parent === 'chain') return n === 0n ? ZERO_HASH : blockHeaderHash(this.chainBlock(lane, n - 1n).block.header);
    if (parent instanceof Uint8Array) return parent;
    if ('block' in parent) return blockHeaderHash(parent.block.header);
    return blockHeaderHash(parent);
  }

  /** Canonical chains exist for any lane key; non-committee lanes are signed by `outsider()`. */
  private chainBlock(lane: LaneId, n: bigint): SignedLaneProposal {
    if (n < 0n || n >= BigInt(MAX_CHAIN_BLOCKS)) throw new RangeError(`fixtures: canonical chains hold blocks [0, ${MAX_CHAIN_BLOCKS}), asked for ${n}`);
    let chain = this.chains.get(lane);
    if (chain === undefined) {
      chain = [];
      this.chains.set(lane, chain);
    }
    while (BigInt(chain.length) <= n) {
      const i = chain.length;
      const parent = i === 0 ? ZERO_HASH : blockHeaderHash((chain[i - 1] as SignedLaneProposal).block.header);
      chain.push(this.makeBlock(lane, i, parent));
    }
    return chain[Number(n)] as SignedLaneProposal;
  }

  /** Canonical blocks [first, next) of `lane`. */
  blocks(lane: LaneId, first: Int, next: Int): SignedLaneProposal[] {
    const out: SignedLaneProposal[] = [];
    for (let n = big(first, 'first'); n < big(next, 'next'); n++) out.push(this.block(lane, n));
    return out;
  }

  /** Header of canonical block `n` of `lane`. */
  header(lane: LaneId, n: Int): BlockHeader {
    return this.block(lane, n).block.header;
  }

  /** Re-signs an arbitrary block (e.g. by the wrong key). */
  signBlock(block: Block, signer: number | PublicKeyHex | SecretKey): SignedLaneProposal {
    return { block, sig: this.signature(signer, laneProposalMsgHash(block)) };
  }

  // -------------------------------------------------------------------------
  // Lane votes

  laneVote(header: BlockHeader, signer: number | PublicKeyHex | SecretKey): LaneVote {
    return { header, sig: this.signature(signer, laneVoteMsgHash(header)) };
  }

  /** Votes for `header` from `signers` (default: every replica). */
  laneVotes(header: BlockHeader, signers: SignerSpec = this.keys.length): LaneVote[] {
    return this.signers(signers, this.committee.laneQuorum).map((k) => this.laneVote(header, k));
  }

  laneQC(header: BlockHeader, signers?: SignerSpec): LaneQC {
    const sigs = this.signers(signers, this.committee.laneQuorum).map((k) => this.signature(k, laneVoteMsgHash(header)));
    return { header, sigs };
  }

  // -------------------------------------------------------------------------
  // Proposals and CommitQCs

  /** `[first, next)` of `lane` with `lastHash` = hash of canonical header next−1 (zero if empty). */
  laneRange(lane: LaneId, first: Int, next: Int): LaneRange {
    const f = big(first, 'first');
    const x = big(next, 'next');
    if (x < f) throw new RangeError(`fixtures: lane range [${f}, ${x}) is inverted`);
    return { lane, first: f, next: x, lastHash: x === f ? ZERO_HASH : blockHeaderHash(this.header(lane, x - 1n)) };
  }

  /** A proposal at view (index, viewNumber) with a range for every committee lane. */
  proposal(index: Int, ranges: RangeSpec = new Map(), opts: CommitQCOptions = {}): Proposal {
    const idx = big(index, 'index');
    const get = (lane: LaneId): readonly [Int, Int] | undefined =>
      ranges instanceof Map ? ranges.get(lane) : (ranges as Readonly<Record<string, readonly [Int, Int]>>)[lane];
    const given = ranges instanceof Map ? [...ranges.keys()] : Object.keys(ranges);
    for (const lane of given) if (!this.committee.hasLane(lane)) throw new RangeError(`fixtures: range for non-committee lane ${lane}`);
    const laneRanges = this.committee.lanes.map((lane) => {
      const r = get(lane);
      return r === undefined ? this.laneRange(lane, 0, 0) : this.laneRange(lane, r[0], r[1]);
    });
    return {
      view: { index: idx, number: big(opts.viewNumber ?? 0, 'view number') },
      createdAt: opts.createdAt ?? { seconds: GENESIS_SECONDS + 1_000_000n + idx, nanos: 0 },
      laneRanges,
      app: opts.app,
    };
  }

  /** A CommitQC at `index` signed by a CommitQuorum (or `opts.signers`). */
  commitQC(index: Int, ranges?: RangeSpec, opts: CommitQCOptions = {}): CommitQC {
    const vote = this.proposal(index, ranges, opts);
    const h = commitVoteMsgHash(vote);
    return { vote, sigs: this.signers(opts.signers, this.committee.commitQuorum).map((k) => this.signature(k, h)) };
  }

  /**
   * CommitQCs 0..count−1 whose ranges follow each other and the canonical chains:
   * `lr(qc_i).first = lr(qc_{i−1}).next` (0 for i = 0), `lastHash` of header next−1.
   */
  commitQCChain(count: number, opts: ChainOptions = {}): CommitQC[] {
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_CHAIN_BLOCKS) throw new RangeError(`fixtures: chain length ${count} outside [0, ${MAX_CHAIN_BLOCKS}]`);
    const per = opts.blocksPerQC ?? 0;
    const next = new Map<LaneId, bigint>(this.committee.lanes.map((l) => [l, 0n]));
    const out: CommitQC[] = [];
    for (let i = 0; i < count; i++) {
      const ranges = new Map<LaneId, readonly [bigint, bigint]>();
      for (const lane of this.committee.lanes) {
        const first = next.get(lane) as bigint;
        const k = typeof per === 'number' ? per : per(i, lane);
        if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`fixtures: blocksPerQC must be a non-negative integer, got ${k}`);
        ranges.set(lane, [first, first + BigInt(k)]);
        next.set(lane, first + BigInt(k));
      }
      out.push(this.commitQC(i, ranges, opts.signers === undefined ? {} : { signers: opts.signers }));
    }
    return out;
  }

  // -------------------------------------------------------------------------
  // AppVotes, AppQCs, anchors

  appProposal(globalNumber: Int, roadIndex: Int, appHash?: Uint8Array): AppProposal {
    const g = big(globalNumber, 'global number');
    const r = big(roadIndex, 'road index');
    return { globalNumber: g, roadIndex: r, appHash: appHash ?? digest('crashsim-apphash', this.seed, g.toString(), r.toString()) };
  }

  appVote(proposal: AppProposal, signer: number | PublicKeyHex | SecretKey): AppVote {
    return { proposal, sig: this.signature(signer, appVoteMsgHash(proposal)) };
  }

  /**
   * An AppQC for `(globalNumber, roadIndex)`. Given a CommitQC, the road index is its
   * index and the default global number is `GlobalRange.Next − 1` (valid for the QC
   * when the QC finalises any block); given a bare index, any global number (default
   * 0) is accepted unchecked, as the loaders do.
   */
  appQC(qcOrIndex: CommitQC | Int, globalNumber?: Int, opts: { signers?: SignerSpec; appHash?: Uint8Array } = {}): AppQC {
    let roadIndex: bigint;
    let g: bigint;
    if (typeof qcOrIndex === 'object') {
      roadIndex = qcOrIndex.vote.view.index;
      const gr = globalRange(qcOrIndex);
      g = globalNumber === undefined ? (gr.next > gr.first ? gr.next - 1n : gr.first) : big(globalNumber, 'global number');
    } else {
      roadIndex = big(qcOrIndex, 'road index');
      g = big(globalNumber ?? 0, 'global number');
    }
    const vote = this.appProposal(g, roadIndex, opts.appHash);
    const h = appVoteMsgHash(vote);
    return { vote, sigs: this.signers(opts.signers, this.committee.appQuorum).map((k) => this.signature(k, h)) };
  }

  pruneAnchor(appQC: AppQC, commitQC: CommitQC): PruneAnchor {
    return { appQC, commitQC };
  }

  // -------------------------------------------------------------------------
  // File bodies with prescribed decode outcomes (spec §1.6)

  /** Variants of the file `blocks/<lane>_<n>.pb`. */
  blockFileVariants(lane: LaneId, n: Int): Record<string, FileVariant> {
    const valid = encodeSignedLaneProposal(this.block(lane, n));
    const plain = plainOf('SignedMsg', valid);
    const msg = plain['msg'] as PlainObj;
    const blk = msg['laneProposal'] as PlainObj;
    const header = blk['header'] as PlainObj;
    const vote = this.laneVote(this.header(lane, n), lane);
    return {
      valid: { bytes: valid, expect: 'value', note: 'the canonical block' },
      empty: { bytes: new Uint8Array(0), expect: 'abort', note: 'empty file parses as SignedMsg{}; the reference dereferences the absent msg' },
      notProtobuf: { bytes: notProtobuf(`${this.seed}/block/${lane}/${n}`), expect: 'error', error: PROTO_TEXT, note: 'starts with field number 0' },
      truncated: { bytes: valid.subarray(0, valid.length - 1), expect: 'error', error: PROTO_TEXT, note: 'last byte cut: length-delimited payload runs past the end' },
      headerMissing: { bytes: encodeRaw('SignedMsg', { ...plain, msg: { laneProposal: { payload: blk['payload'] } } }), expect: 'abort', note: 'Block.header absent' },
      payloadMissing: { bytes: encodeRaw('SignedMsg', { ...plain, msg: { laneProposal: { header } } }), expect: 'abort', note: 'Block.payload absent' },
      sigMissing: { bytes: encodeRaw('SignedMsg', { msg }), expect: 'abort', note: 'SignedMsg.sig absent' },
      msgMissing: { bytes: encodeRaw('SignedMsg', { sig: plain['sig'] }), expect: 'abort', note: 'SignedMsg.msg absent' },
      laneMissing: {
        bytes: encodeRaw('SignedMsg', { ...plain, msg: { laneProposal: { ...blk, header: withoutKey(header, 'lane') } } }),
        expect: 'error',
        error: 'msg: block: lane: missing',
        note: 'header without lane',
      },
      blockNumberMissing: {
        bytes: encodeRaw('SignedMsg', { ...plain, msg: { laneProposal: { ...blk, header: withoutKey(header, 'blockNumber') } } }),
        expect: 'error',
        error: 'msg: block: BlockNumber: missing',
        note: 'header without block number',
      },
      wrongKind: {
        bytes: encodeLaneVote(vote),
        expect: 'error',
        error: 'msg: got *types.LaneVote, want *types.LaneProposal',
        note: 'a LaneVote where a LaneProposal belongs',
      },
      msgEmpty: { bytes: encodeRaw('SignedMsg', { msg: {}, sig: plain['sig'] }), expect: 'error', error: 'msg: empty', note: 'Msg without a oneof member' },
    };
  }

  /** Variants of the file `commitqcs/<i>.pb` (built on a chain without LaneQCs). */
  commitQCFileVariants(index: Int): Record<string, FileVariant> {
    const qc = this.commitQC(index);
    const valid = encodeCommitQC(qc);
    const plain = plainOf('CommitQC', valid);
    const vote = plain['vote'] as PlainObj;
    const sigs = plain['sigs'] as PlainObj[];
    return {
      valid: { bytes: valid, expect: 'value', note: 'a CommitQC signed by a quorum' },
      empty: { bytes: new Uint8Array(0), expect: 'error', error: 'vote: missing', note: 'empty file parses as CommitQC{}' },
      notProtobuf: { bytes: notProtobuf(`${this.seed}/commitqc/${index}`), expect: 'error', error: PROTO_TEXT, note: 'starts with field number 0' },
      truncated: { bytes: valid.subarray(0, valid.length - 1), expect: 'error', error: PROTO_TEXT, note: 'last byte cut' },
      createdAtMissing: { bytes: encodeRaw('CommitQC', { vote: withoutKey(vote, 'createdAt'), sigs }), expect: 'abort', note: 'Proposal.created_at absent' },
      sigKeyMissing: {
        bytes: encodeRaw('CommitQC', { vote, sigs: [withoutKey(sigs[0] as PlainObj, 'key'), ...sigs.slice(1)] }),
        expect: 'abort',
        note: 'sigs[0] without key',
      },
      shortSig: {
        bytes: encodeRaw('CommitQC', { vote, sigs: [{ ...(sigs[0] as PlainObj), sig: new Uint8Array(63) }] }),
        expect: 'error',
        error: 'sigs: [0]: sig: ed25519: bad signature length: got 63, want 64',
        note: '63-byte signature',
      },
    };
  }

  /** Variants of the seed A/B payload (an AppQC). */
  appQCFileVariants(roadIndex: Int, globalNumber: Int = 0): Record<string, FileVariant> {
    const valid = encodeAppQC(this.appQC(roadIndex, globalNumber));
    const plain = plainOf('AppQC', valid);
    return {
      valid: { bytes: valid, expect: 'value', note: 'an AppQC signed by a quorum' },
      empty: { bytes: new Uint8Array(0), expect: 'error', error: 'proposal: missing', note: 'empty payload parses as AppQC{}' },
      notProtobuf: { bytes: notProtobuf(`${this.seed}/appqc/${roadIndex}`), expect: 'error', error: PROTO_TEXT, note: 'starts with field number 0' },
      roadIndexMissing: {
        bytes: encodeRaw('AppQC', { ...plain, vote: withoutKey(plain['vote'] as PlainObj, 'roadIndex') }),
        expect: 'error',
        error: 'proposal: proposal: RoadIndex: missing',
        note: 'AppProposal without road index',
      },
    };
  }

  /** Variants of the merged A/B payload (a prune anchor). */
  pruneAnchorFileVariants(index: Int): Record<string, FileVariant> {
    const qc = this.commitQC(index);
    const aqc = this.appQC(qc);
    const valid = encodePruneAnchor(this.pruneAnchor(aqc, qc));
    return {
      valid: { bytes: valid, expect: 'value', note: 'a complete anchor' },
      empty: { bytes: new Uint8Array(0), expect: 'error', error: 'incomplete prune anchor: AppQC=false CommitQC=false', note: 'empty payload' },
      appQCOnly: {
        bytes: encodeRaw('PersistedAvailPruneAnchor', { appQc: plainOf('AppQC', encodeAppQC(aqc)) }),
        expect: 'error',
        error: 'incomplete prune anchor: AppQC=true CommitQC=false',
        note: 'anchor with only its AppQC',
      },
      emptyAppQC: {
        bytes: encodeRaw('PersistedAvailPruneAnchor', { appQc: {}, commitQc: plainOf('CommitQC', encodeCommitQC(qc)) }),
        expect: 'error',
        error: 'decode AppQC: proposal: missing',
        note: 'present but empty AppQC',
      },
    };
  }
}

export function makeCommittee(seed: string, n = 4): CommitteeFixture {
  return new CommitteeFixture(seed, n);
}

// ---------------------------------------------------------------------------
// Raw bytes

const PROTO_TEXT = 'proto: cannot parse invalid wire-format data';

type PlainObj = Record<string, unknown>;

/** protobufjs plain object of an encoded message (64-bit as decimal strings, bytes as Uint8Array). */
export function plainOf(name: MessageName, bytes: Uint8Array): PlainObj {
  const t = messageType(name);
  return t.toObject(t.decode(bytes), { longs: String, defaults: false }) as PlainObj;
}

function withoutKey(o: PlainObj, key: string): PlainObj {
  const { [key]: _dropped, ...rest } = o;
  return rest;
}

/** `lengthBytes` (≥ 1) seeded garbage that fails every Stage-1 parse: the first byte is tag 0 (field number 0). */
export function notProtobuf(seed: string, lengthBytes = 48): Uint8Array {
  if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 1 || lengthBytes > 1 << 20) throw new RangeError(`fixtures: garbage length ${lengthBytes} outside [1, 2^20]`);
  const out = new Uint8Array(lengthBytes);
  let block = digest('crashsim-garbage', seed);
  for (let i = 0; i < lengthBytes; i++) {
    if (i > 0 && i % 32 === 0) block = digest(block);
    out[i] = block[i % 32] as number;
  }
  out[0] = 0x00;
  return out;
}

/**
 * Seeded corruptions of a valid encoding, for totality and skip tests. Their decode
 * outcome is not prescribed (a flipped bit may still parse); use the *FileVariants
 * builders when the outcome matters.
 */
export function corruptions(valid: Uint8Array, seed: string): Array<{ readonly name: string; readonly bytes: Uint8Array }> {
  const d = digest('crashsim-corrupt', seed, valid);
  const pick = (i: number): number => (valid.length === 0 ? 0 : (d[i] as number) % valid.length);
  const flipped = new Uint8Array(valid);
  if (flipped.length > 0) flipped[pick(0)] = (flipped[pick(0)] as number) ^ (1 << ((d[1] as number) % 8));
  const zeroedTail = new Uint8Array(valid);
  zeroedTail.fill(0, Math.floor(valid.length / 2));
  return [
    { name: 'empty', bytes: new Uint8Array(0) },
    { name: 'half', bytes: valid.slice(0, Math.floor(valid.length / 2)) },
    { name: 'minus-one-byte', bytes: valid.slice(0, Math.max(0, valid.length - 1)) },
    { name: 'bit-flip', bytes: flipped },
    { name: 'zeroed-tail', bytes: zeroedTail },
    { name: 'appended-garbage', bytes: new Uint8Array([...valid, ...notProtobuf(seed, 7)]) },
    { name: 'doubled', bytes: new Uint8Array([...valid, ...valid]) },
    { name: 'garbage', bytes: notProtobuf(seed, Math.max(1, valid.length)) },
  ];
}
