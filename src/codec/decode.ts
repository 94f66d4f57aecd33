/**
 * Decoding (spec §1.6): Stage 1 = protobuf-go parse (./wire.ts), then protobufjs
 * reads the canonical bytes into a plain object; Stage 2 = the reference's semantic
 * conversion, reproduced check by check and in the reference's order, because the
 * order decides which of several defects is reported, and whether the outcome is an
 * error or an abort.
 *
 * Error texts and prefixes are the reference's: each conversion wraps the error of
 * a nested one as `<name>: <inner>` with the reference's own names (so a block file
 * whose header lacks its lane reads `msg: block: lane: missing`), slices wrap as
 * `[<i>]: <inner>`, and a required-but-absent nested message is `<name>: missing`.
 *
 * An abort models the reference dereferencing an absent nested message (a Go nil
 * pointer panic). Its `reason` reads
 * `runtime error: invalid memory address or nil pointer dereference (<path>: <Type>.<field> absent)`,
 * where <path> uses the same prefixes as errors.
 */
import protobuf from 'protobufjs';
import type {
  AppProposal,
  AppQC,
  AppVote,
  Block,
  BlockHeader,
  CommitQC,
  Hash32,
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
import type { MsgKind, MsgMember } from './encode.js';
import type { Decoded, PersistedWrapper } from './index.js';
import { normalizeTimestamp } from './encode.js';
import { isMessageName, messageType, type MessageName } from './schema.js';
import { canonicalize, PROTO_PARSE_ERROR, Stage1Failure } from './wire.js';


// ---------------------------------------------------------------------------
// Stage 1

type Obj = { readonly [k: string]: unknown };

const TO_OBJECT: protobuf.IConversionOptions = { longs: BigInt, defaults: false, arrays: false, objects: false, oneofs: false };

function stage1(name: MessageName, bytes: Uint8Array): Obj | Stage1Failure {
  if (!(bytes instanceof Uint8Array)) return new Stage1Failure(`input is not a Uint8Array (${typeof bytes})`);
  const canon = canonicalize(name, bytes);
  if (canon instanceof Stage1Failure) return canon;
  try {
    const t = messageType(name);
    return t.toObject(t.decode(canon), TO_OBJECT) as Obj;
  } catch (e) {
    // canonical bytes always parse; reaching this is a codec bug, reported, not thrown
    return new Stage1Failure(`internal: protobufjs rejected canonical ${name}: ${(e as Error).message}`);
  }
}

function checkedName(typeName: string): MessageName {
  if (!isMessageName(typeName)) throw new Error(`codec: unknown message type ${JSON.stringify(typeName)}`);
  return typeName;
}

/**
 * Stage-1 only (the A/B persister's "unmarshal" checks, spec §3.2/§3.4): the
 * protobuf-go error text, or undefined when `b` parses as `typeName`. Throws only
 * for a `typeName` that is not a message of §1.2 (a caller bug).
 */
export function parseStage1(typeName: string, b: Uint8Array): string | undefined {
  const r = stage1(checkedName(typeName), b);
  return r instanceof Stage1Failure ? PROTO_PARSE_ERROR : undefined;
}

/** Like parseStage1, but says why (offset, field) for logs and tests. */
export function explainStage1(typeName: string, b: Uint8Array): string | undefined {
  const r = stage1(checkedName(typeName), b);
  return r instanceof Stage1Failure ? r.detail : undefined;
}

// ---------------------------------------------------------------------------
// Stage 2 machinery: conversions throw ConvError / ConvAbort, caught at the top

class ConvError {
  constructor(readonly message: string) {}
}

class ConvAbort {
  constructor(readonly path: string) {}
}

function fail(message: string): never {
  throw new ConvError(message);
}

/** The reference dereferences `what` (e.g. `Block.header`) although it is absent. */
function nilDeref(what: string): never {
  throw new ConvAbort(`${what} absent`);
}

/** fmt.Errorf("<prefix>: %w", err) around a nested conversion; aborts carry the path too. */
function wrap<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConvError) throw new ConvError(`${prefix}: ${e.message}`);
    if (e instanceof ConvAbort) throw new ConvAbort(`${prefix}: ${e.path}`);
    throw e;
  }
}

function run<T>(fn: () => T): Decoded<T> {
  try {
    return { kind: 'value', value: fn() };
  } catch (e) {
    if (e instanceof ConvError) return { kind: 'error', error: e.message };
    if (e instanceof ConvAbort) {
      return { kind: 'abort', reason: `runtime error: invalid memory address or nil pointer dereference (${e.path})` };
    }
    // a conversion bug must not escape as an uncaught exception from a loader
    return { kind: 'error', error: `codec internal error: ${(e as Error)?.message ?? String(e)}` };
  }
}

// ---------------------------------------------------------------------------
// Content-addressed memo
//
// Decoding is a pure function of the bytes, and a simulation decodes the same
// bytes again and again (every restart reads every file back; every explored
// crash image holds mostly the files of the last one). So results are memoized
// per decoder, keyed by the bytes themselves: a hit costs one latin1 string of
// the input instead of a protobuf parse, a canonical re-encode and the
// conversion. Results are shared between callers and must not be mutated
// (their types are readonly). Bounded: oldest entries go first.

/** Inputs longer than this are decoded every time (files here are at most a few KiB). */
export const DECODE_MEMO_INPUT_BYTES_MAX = 16 * 1024;
/** Entries per decoder memo; files of one run are far fewer. */
export const DECODE_MEMO_MAX_ENTRIES = 16_384;
/** Input bytes held as keys per decoder memo (the memory bound: decoded values are a small multiple). */
export const DECODE_MEMO_KEY_BYTES_MAX = 8 * 1024 * 1024;

const decodeMemos: ContentMemo<unknown>[] = [];

class ContentMemo<V> {
  private readonly map = new Map<string, V>();
  private keyBytes = 0;
  hits = 0;
  misses = 0;
  constructor() {
    decodeMemos.push(this as ContentMemo<unknown>);
  }
  get(b: Uint8Array, compute: () => V): V {
    // anything but a Uint8Array (decoders are total: they report it) is not memoized
    if (!(b instanceof Uint8Array) || b.length > DECODE_MEMO_INPUT_BYTES_MAX) return compute();
    const key = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    const found = this.map.get(key);
    if (found !== undefined) {
      this.hits++;
      return found;
    }
    this.misses++;
    const v = compute();
    while (this.map.size > 0 && (this.map.size >= DECODE_MEMO_MAX_ENTRIES || this.keyBytes + key.length > DECODE_MEMO_KEY_BYTES_MAX)) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.keyBytes -= oldest.length;
    }
    this.map.set(key, v);
    this.keyBytes += key.length;
    return v;
  }
  clear(): void {
    this.map.clear();
    this.keyBytes = 0;
    this.hits = 0;
    this.misses = 0;
  }
}

/** Hits and misses of every decoder memo together (tests, the bench). */
export function decodeMemoStats(): { readonly hits: number; readonly misses: number } {
  return { hits: decodeMemos.reduce((a, m) => a + m.hits, 0), misses: decodeMemos.reduce((a, m) => a + m.misses, 0) };
}

/** Empties every decoder memo (tests measuring misses). */
export function resetDecodeMemo(): void {
  for (const m of decodeMemos) m.clear();
}

function decodeWith<T>(name: MessageName, b: Uint8Array, convert: (o: Obj) => T, memo: ContentMemo<Decoded<T>>): Decoded<T> {
  return memo.get(b, () => {
    const o = stage1(name, b);
    if (o instanceof Stage1Failure) return { kind: 'error', error: PROTO_PARSE_ERROR };
    return run(() => convert(o));
  });
}

// field accessors over protobufjs toObject output (absent fields are undefined)

function sub(o: Obj, k: string): Obj | undefined {
  const v = o[k];
  return v === undefined || v === null ? undefined : (v as Obj);
}

function subs(o: Obj, k: string): readonly Obj[] {
  const v = o[k];
  return Array.isArray(v) ? (v as Obj[]) : [];
}

function bytesOpt(o: Obj, k: string): Uint8Array | undefined {
  const v = o[k];
  // copy: protobufjs hands out views into its input buffer
  return v instanceof Uint8Array ? new Uint8Array(v) : undefined;
}

/** Go reads an absent proto3 optional bytes field as an empty (nil) slice. */
function bytesOrEmpty(o: Obj, k: string): Uint8Array {
  return bytesOpt(o, k) ?? new Uint8Array(0);
}

function bytesList(o: Obj, k: string): Uint8Array[] {
  const v = o[k];
  return Array.isArray(v) ? v.map((x: Uint8Array) => new Uint8Array(x)) : [];
}

function bigOpt(o: Obj, k: string): bigint | undefined {
  const v = o[k];
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return undefined;
}

function numOpt(o: Obj, k: string): number | undefined {
  const v = o[k];
  return typeof v === 'number' ? v : undefined;
}

// ---------------------------------------------------------------------------
// Conversions (reference order of checks; reference names in messages)

function publicKey(p: Obj | undefined, owner: string): PublicKeyHex {
  if (p === undefined) nilDeref(`${owner} (PublicKey)`);
  const key = bytesOrEmpty(p, 'ed25519');
  if (key.length !== 32) fail(`ed25519: bad public key length: got ${key.length}, want 32`);
  return Buffer.from(key).toString('hex') as PublicKeyHex;
}

function publicKeyReq(p: Obj | undefined): PublicKeyHex {
  if (p === undefined) fail('missing');
  return publicKey(p, 'PublicKey');
}

function hash32(b: Uint8Array): Hash32 {
  if (b.length !== 32) fail(`hash size = ${b.length}, want 32`);
  return b;
}

function timestamp(p: Obj | undefined, owner: string): Timestamp {
  if (p === undefined) nilDeref(`${owner} (Timestamp)`);
  const seconds = bigOpt(p, 'seconds');
  if (seconds === undefined) fail('seconds: missing');
  const nanos = numOpt(p, 'nanos');
  if (nanos === undefined) fail('nanos: missing');
  return normalizeTimestamp({ seconds, nanos });
}

function timestampReq(p: Obj | undefined): Timestamp {
  if (p === undefined) fail('missing');
  return timestamp(p, 'Timestamp');
}

function blockHeader(h: Obj | undefined, owner: string): BlockHeader {
  if (h === undefined) nilDeref(owner);
  const payloadHash = wrap('PayloadHash', () => hash32(bytesOrEmpty(h, 'payloadHash')));
  const parentHash = wrap('ParentHash', () => hash32(bytesOrEmpty(h, 'parentHash')));
  const lane = wrap('lane', () => publicKeyReq(sub(h, 'lane')));
  const blockNumber = bigOpt(h, 'blockNumber');
  if (blockNumber === undefined) fail('BlockNumber: missing');
  return { lane, blockNumber, parentHash, payloadHash };
}

function payload(p: Obj | undefined, owner: string): Payload {
  if (p === undefined) nilDeref(owner);
  const createdAt = wrap('created_at', () => timestampReq(sub(p, 'createdAt')));
  const totalGas = bigOpt(p, 'totalGas');
  if (totalGas === undefined) fail('TotalGas: missing');
  const edgeCount = bigOpt(p, 'edgeCount');
  if (edgeCount === undefined) fail('EdgeCount: missing');
  const basefee = bigOpt(p, 'basefee');
  if (basefee === undefined) fail('Basefee: missing');
  return { createdAt, totalGas, edgeCount, coinbase: bytesOpt(p, 'coinbase'), basefee, txs: bytesList(p, 'txs') };
}

/** BlockConv.Decode: header and payload errors are returned unprefixed. */
function block(b: Obj): Block {
  const header = blockHeader(sub(b, 'header'), 'Block.header');
  const body = payload(sub(b, 'payload'), 'Block.payload');
  return { header, payload: body };
}

function laneRange(m: Obj): LaneRange {
  const lane = wrap('Lane', () => publicKey(sub(m, 'lane'), 'LaneRange.lane'));
  const first = bigOpt(m, 'first');
  if (first === undefined) fail('First: missing');
  const next = bigOpt(m, 'next');
  if (next === undefined) fail('Next: missing');
  const lastHash = wrap('LastHash', () => hash32(bytesOrEmpty(m, 'lastHash')));
  return { lane, first, next, lastHash };
}

/** ViewConv.Decode: an absent View is (0, 0). */
function view(m: Obj | undefined): View {
  if (m === undefined) return { index: 0n, number: 0n };
  const index = bigOpt(m, 'index');
  if (index === undefined) fail('index: missing');
  const number = bigOpt(m, 'number');
  if (number === undefined) fail('number: missing');
  return { index, number };
}

function viewReq(m: Obj | undefined): View {
  if (m === undefined) fail('missing');
  return view(m);
}

function appProposal(m: Obj): AppProposal {
  const globalNumber = bigOpt(m, 'globalNumber');
  if (globalNumber === undefined) fail('GlobalNumber: missing');
  const roadIndex = bigOpt(m, 'roadIndex');
  if (roadIndex === undefined) fail('RoadIndex: missing');
  return { globalNumber, roadIndex, appHash: bytesOpt(m, 'appHash') };
}

function appProposalReq(m: Obj | undefined): AppProposal {
  if (m === undefined) fail('missing');
  return appProposal(m);
}

/**
 * ProposalConv.Decode. The reference stores lane ranges in a map keyed by lane (a
 * later duplicate replaces an earlier one) and encodes them sorted by key bytes.
 */
function proposal(m: Obj): Proposal {
  const v = wrap('view', () => view(sub(m, 'view')));
  const ranges = wrap('laneRanges', () => subs(m, 'laneRanges').map((r, i) => wrap(`[${i}]`, () => laneRange(r))));
  const createdAt = wrap('createdAt', () => timestamp(sub(m, 'createdAt'), 'Proposal.created_at'));
  const appMsg = sub(m, 'app');
  const app = appMsg === undefined ? undefined : wrap('appQC', () => appProposal(appMsg));
  const byLane = new Map<string, LaneRange>();
  for (const r of ranges) byLane.set(r.lane, r);
  const laneRanges = [...byLane.values()].sort((a, b) => (a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0));
  return { view: v, createdAt, laneRanges, app };
}

function proposalReq(m: Obj | undefined): Proposal {
  if (m === undefined) fail('missing');
  return proposal(m);
}

function signature(p: Obj | undefined, owner: string): Signature {
  if (p === undefined) nilDeref(owner);
  const key = wrap('key', () => publicKey(sub(p, 'key'), 'Signature.key'));
  const sig = bytesOrEmpty(p, 'sig');
  if (sig.length !== 64) fail(`sig: ed25519: bad signature length: got ${sig.length}, want 64`);
  return { key, sig };
}

function signatures(list: readonly Obj[]): Signature[] {
  return list.map((s, i) => wrap(`[${i}]`, () => signature(s, 'Signature')));
}

function appQC(m: Obj): AppQC {
  const vote = wrap('proposal', () => {
    const p = sub(m, 'vote');
    if (p === undefined) fail('missing');
    return wrap('proposal', () => appProposalReq(p)); // AppVoteConv wraps AppProposalConv
  });
  const sigs = wrap('sigs', () => signatures(subs(m, 'sigs')));
  return { vote, sigs };
}

function commitQC(m: Obj): CommitQC {
  const vote = wrap('vote', () => {
    const p = sub(m, 'vote');
    if (p === undefined) fail('missing');
    return wrap('proposal', () => proposalReq(p)); // CommitVoteConv wraps ProposalConv
  });
  const sigs = wrap('sigs', () => signatures(subs(m, 'sigs')));
  return { vote, sigs };
}

/** Go's `%T` of each decoded Msg member, for `msg: got …, want …`. */
const GO_TYPE: Readonly<Record<MsgKind, string>> = {
  laneProposal: '*types.LaneProposal',
  laneVote: '*types.LaneVote',
  proposal: '*types.Proposal',
  prepareVote: '*types.PrepareVote',
  commitVote: '*types.CommitVote',
  timeoutVote: '*types.TimeoutVote',
  appVote: '*types.AppVote',
};

const MSG_KINDS: readonly MsgKind[] = ['laneProposal', 'laneVote', 'proposal', 'prepareVote', 'commitVote', 'timeoutVote', 'appVote'];

function msg(m: Obj | undefined): MsgMember {
  if (m === undefined) nilDeref('SignedMsg.msg');
  const kind = MSG_KINDS.find((k) => sub(m, k) !== undefined);
  if (kind === undefined) fail('empty');
  const body = sub(m, kind) as Obj;
  switch (kind) {
    case 'laneProposal':
      return { kind, block: wrap('block', () => block(body)) };
    case 'laneVote':
      return { kind, header: wrap('header', () => blockHeader(body, 'BlockHeader')) };
    case 'proposal':
      return { kind, proposal: proposal(body) };
    case 'prepareVote':
    case 'commitVote':
      return { kind, proposal: wrap('proposal', () => proposal(body)) };
    case 'timeoutVote':
      return { kind, view: wrap('view', () => viewReq(sub(body, 'view'))), latestPrepareQCViewNumber: bigOpt(body, 'latestPrepareQcViewNumber') };
    case 'appVote':
      return { kind, proposal: wrap('proposal', () => appProposal(body)) };
  }
}

/** SignedMsgConv[T].Decode: msg, then sig, then the kind check. */
function signedMsg<K extends MsgKind>(m: Obj, want: K): { member: Extract<MsgMember, { kind: K }>; sig: Signature } {
  const member = wrap('msg', () => msg(sub(m, 'msg')));
  const sig = wrap('sig', () => signature(sub(m, 'sig'), 'SignedMsg.sig'));
  if (member.kind !== want) fail(`msg: got ${GO_TYPE[member.kind]}, want ${GO_TYPE[want]}`);
  return { member: member as Extract<MsgMember, { kind: K }>, sig };
}

// ---------------------------------------------------------------------------
// Public decoders

/** Block file content (spec §4.1): `SignedMsg{Msg{lane_proposal}, sig}`. */
const signedLaneProposalMemo = new ContentMemo<Decoded<SignedLaneProposal>>();
export function decodeSignedLaneProposal(b: Uint8Array): Decoded<SignedLaneProposal> {
  return decodeWith('SignedMsg', b, (o) => {
    const { member, sig } = signedMsg(o, 'laneProposal');
    return { block: member.block, sig };
  }, signedLaneProposalMemo);
}

/** `SignedMsg{Msg{lane_vote}, sig}`. */
const laneVoteMemo = new ContentMemo<Decoded<LaneVote>>();
export function decodeLaneVote(b: Uint8Array): Decoded<LaneVote> {
  return decodeWith('SignedMsg', b, (o) => {
    const { member, sig } = signedMsg(o, 'laneVote');
    return { header: member.header, sig };
  }, laneVoteMemo);
}

/** `SignedMsg{Msg{app_vote}, sig}`. */
const appVoteMemo = new ContentMemo<Decoded<AppVote>>();
export function decodeAppVote(b: Uint8Array): Decoded<AppVote> {
  return decodeWith('SignedMsg', b, (o) => {
    const { member, sig } = signedMsg(o, 'appVote');
    return { proposal: member.proposal, sig };
  }, appVoteMemo);
}

/** `commitqcs/<i>.pb` content. */
const commitQCMemo = new ContentMemo<Decoded<CommitQC>>();
export function decodeCommitQC(b: Uint8Array): Decoded<CommitQC> {
  return decodeWith('CommitQC', b, commitQC, commitQCMemo);
}

/** Seed A/B payload. */
const appQCMemo = new ContentMemo<Decoded<AppQC>>();
export function decodeAppQC(b: Uint8Array): Decoded<AppQC> {
  return decodeWith('AppQC', b, appQC, appQCMemo);
}

/** Merged A/B payload; both fields are checked for presence before either is decoded. */
const pruneAnchorMemo = new ContentMemo<Decoded<PruneAnchor>>();
export function decodePruneAnchor(b: Uint8Array): Decoded<PruneAnchor> {
  return decodeWith('PersistedAvailPruneAnchor', b, (o) => {
    const a = sub(o, 'appQc');
    const c = sub(o, 'commitQc');
    if (a === undefined || c === undefined) fail(`incomplete prune anchor: AppQC=${a !== undefined} CommitQC=${c !== undefined}`);
    const aqc = wrap('decode AppQC', () => appQC(a));
    const cqc = wrap('decode CommitQC', () => commitQC(c));
    return { appQC: aqc, commitQC: cqc };
  }, pruneAnchorMemo);
}

/** Any `Msg` (no signature): the signable member, or an error / abort. */
const msgMemo = new ContentMemo<Decoded<MsgMember>>();
export function decodeMsg(b: Uint8Array): Decoded<MsgMember> {
  return decodeWith('Msg', b, (o) => msg(o), msgMemo);
}

/** The A/B envelope: Stage 1 only (a wrapper has no semantic checks). An absent seq reads as 0. */
const wrapperMemo = new ContentMemo<{ ok: PersistedWrapper } | { error: string }>();
export function decodeWrapper(b: Uint8Array): { ok: PersistedWrapper } | { error: string } {
  return wrapperMemo.get(b, () => {
    const o = stage1('PersistedWrapper', b);
    if (o instanceof Stage1Failure) return { error: PROTO_PARSE_ERROR };
    return { ok: { seq: bigOpt(o, 'seq') ?? 0n, data: bytesOpt(o, 'data') } };
  });
}
