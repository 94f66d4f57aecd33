/**
 * Stage 2 (spec §1.6 table): every error and abort row, and the reference's order of
 * checks where two defects meet. Messages are crafted from valid fixture encodings
 * by editing protobufjs plain objects (`plainOf` → edit → `encodeRaw`).
 */
import { describe, expect, test } from 'vitest';
import {
  decodeAppQC,
  decodeAppVote,
  decodeCommitQC,
  decodeLaneVote,
  decodeMsg,
  decodePruneAnchor,
  decodeSignedLaneProposal,
  encodeAppQC,
  encodeAppVote,
  encodeCommitQC,
  encodeLaneVote,
  encodeRaw,
  encodeSignedLaneProposal,
  type MessageName,
} from '../../src/codec/index.js';
import { makeCommittee, plainOf } from '../../scenarios/fixtures.js';

type P = Record<string, unknown>;

const fx = makeCommittee('decode-test', 4);
const lane = fx.lane(1);

/** Deep copy of a plain object with `edit` applied at a dotted path (`undefined` deletes). */
function edit(o: P, path: string, value: unknown): P {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  const copy: P | unknown[] = Array.isArray(o) ? [...o] : { ...o };
  const c = copy as P;
  if (rest.length === 0) {
    if (value === undefined) delete c[head];
    else c[head] = value;
  } else {
    c[head] = edit((c[head] ?? {}) as P, rest.join('.'), value);
  }
  return copy as P;
}

function craft(name: MessageName, valid: Uint8Array, ...edits: Array<[string, unknown]>): Uint8Array {
  let o = plainOf(name, valid);
  for (const [path, value] of edits) o = edit(o, path, value);
  return encodeRaw(name, o);
}

const blockBytes = encodeSignedLaneProposal(fx.block(lane, 3));
const qc = fx.commitQC(2, new Map([[lane, [1n, 3n] as const]]), { app: fx.appProposal(4, 1) });
const qcBytes = encodeCommitQC(qc);
const appQCBytes = encodeAppQC(fx.appQC(qc));
const voteBytes = encodeLaneVote(fx.laneVote(fx.header(lane, 0), 0));
const appVoteBytes = encodeAppVote(fx.appVote(fx.appProposal(1, 2), 0));

const B = 'msg.laneProposal'; // path prefix of the block inside a block file
const H = `${B}.header`;
const PL = `${B}.payload`;
const V = 'vote'; // CommitQC.vote (Proposal)

type Row = [label: string, decode: () => { kind: string }, expected: { error: string } | { abort: RegExp }];

const rows: Row[] = [
  // PublicKey
  ['PublicKey: ed25519 length ≠ 32 (header lane)', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${H}.lane.ed25519`, new Uint8Array(31)])), { error: 'msg: block: lane: ed25519: bad public key length: got 31, want 32' }],
  ['PublicKey: ed25519 absent = length 0', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${H}.lane`, {}])), { error: 'msg: block: lane: ed25519: bad public key length: got 0, want 32' }],
  ['PublicKey: LaneRange.lane absent → abort', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.laneRanges`, laneRangesWith(1, 'lane', undefined)])), { abort: /LaneRange\.lane \(PublicKey\) absent/ }],
  ['PublicKey: Signature.key absent → abort', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, ['sig.key', undefined])), { abort: /sig: key: Signature\.key \(PublicKey\) absent/ }],
  // Signature
  ['Signature: sig length ≠ 64', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, ['sig.sig', new Uint8Array(10)])), { error: 'sig: sig: ed25519: bad signature length: got 10, want 64' }],
  ['Signature: sig absent = length 0', () => decodeLaneVote(craft('SignedMsg', voteBytes, ['sig.sig', undefined])), { error: 'sig: sig: ed25519: bad signature length: got 0, want 64' }],
  ['Signature: key error', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, ['sig.key.ed25519', new Uint8Array(33)])), { error: 'sig: key: ed25519: bad public key length: got 33, want 32' }],
  ['Signature: SignedMsg.sig absent → abort', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, ['sig', undefined])), { abort: /SignedMsg\.sig absent/ }],
  ['Signature: a sigs[] element lacking key → abort', () => decodeCommitQC(craft('CommitQC', qcBytes, ['sigs', [{ sig: new Uint8Array(64) }]])), { abort: /sigs: \[0\]: key: Signature\.key/ }],
  ['Signature: sigs[1] error names its index', () => decodeAppQC(craft('AppQC', appQCBytes, ['sigs', [(plainOf('AppQC', appQCBytes)['sigs'] as P[])[0], { key: { ed25519: new Uint8Array(32) }, sig: new Uint8Array(1) }]])), { error: 'sigs: [1]: sig: ed25519: bad signature length: got 1, want 64' }],
  // BlockHeader
  ['BlockHeader: payload_hash length ≠ 32', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${H}.payloadHash`, new Uint8Array(31)])), { error: 'msg: block: PayloadHash: hash size = 31, want 32' }],
  ['BlockHeader: parent_hash absent = length 0', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${H}.parentHash`, undefined])), { error: 'msg: block: ParentHash: hash size = 0, want 32' }],
  ['BlockHeader: lane absent', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${H}.lane`, undefined])), { error: 'msg: block: lane: missing' }],
  ['BlockHeader: block_number absent', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${H}.blockNumber`, undefined])), { error: 'msg: block: BlockNumber: missing' }],
  ['BlockHeader: lane_vote header error is prefixed header:', () => decodeLaneVote(craft('SignedMsg', voteBytes, ['msg.laneVote.blockNumber', undefined])), { error: 'msg: header: BlockNumber: missing' }],
  // Block
  ['Block: header absent → abort', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [H, undefined])), { abort: /Block\.header absent/ }],
  ['Block: payload absent → abort', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [PL, undefined])), { abort: /Block\.payload absent/ }],
  // Payload
  ['Payload: created_at absent', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${PL}.createdAt`, undefined])), { error: 'msg: block: created_at: missing' }],
  ['Payload: total_gas absent', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${PL}.totalGas`, undefined])), { error: 'msg: block: TotalGas: missing' }],
  ['Payload: edge_count absent', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${PL}.edgeCount`, undefined])), { error: 'msg: block: EdgeCount: missing' }],
  ['Payload: basefee absent', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${PL}.basefee`, undefined])), { error: 'msg: block: Basefee: missing' }],
  // Timestamp
  ['Timestamp: seconds absent', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, [`${PL}.createdAt.seconds`, undefined])), { error: 'msg: block: created_at: seconds: missing' }],
  ['Timestamp: nanos absent', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.createdAt.nanos`, undefined])), { error: 'vote: proposal: createdAt: nanos: missing' }],
  ['Timestamp: Proposal.created_at absent → abort', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.createdAt`, undefined])), { abort: /Proposal\.created_at \(Timestamp\) absent/ }],
  // LaneRange
  ['LaneRange: first absent', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.laneRanges`, laneRangesWith(1, 'first', undefined)])), { error: 'vote: proposal: laneRanges: [1]: First: missing' }],
  ['LaneRange: next absent', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.laneRanges`, laneRangesWith(0, 'next', undefined)])), { error: 'vote: proposal: laneRanges: [0]: Next: missing' }],
  ['LaneRange: last_hash length ≠ 32', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.laneRanges`, laneRangesWith(2, 'lastHash', new Uint8Array(5))])), { error: 'vote: proposal: laneRanges: [2]: LastHash: hash size = 5, want 32' }],
  ['LaneRange: lane error', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.laneRanges`, laneRangesWith(3, 'lane', { ed25519: new Uint8Array(1) })])), { error: 'vote: proposal: laneRanges: [3]: Lane: ed25519: bad public key length: got 1, want 32' }],
  ['LaneRange: lane absent → abort', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.laneRanges`, laneRangesWith(0, 'lane', undefined)])), { abort: /laneRanges: \[0\]: Lane: LaneRange\.lane/ }],
  // View
  ['View: index absent', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.view.index`, undefined])), { error: 'vote: proposal: view: index: missing' }],
  ['View: number absent', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.view.number`, undefined])), { error: 'vote: proposal: view: number: missing' }],
  // Proposal
  ['Proposal: app error', () => decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.app.globalNumber`, undefined])), { error: 'vote: proposal: appQC: GlobalNumber: missing' }],
  // AppProposal
  ['AppProposal: global_number absent', () => decodeAppQC(craft('AppQC', appQCBytes, ['vote.globalNumber', undefined])), { error: 'proposal: proposal: GlobalNumber: missing' }],
  ['AppProposal: road_index absent (app vote)', () => decodeAppVote(craft('SignedMsg', appVoteBytes, ['msg.appVote.roadIndex', undefined])), { error: 'msg: proposal: RoadIndex: missing' }],
  // AppQC
  ['AppQC: vote absent', () => decodeAppQC(craft('AppQC', appQCBytes, ['vote', undefined])), { error: 'proposal: missing' }],
  // CommitQC
  ['CommitQC: vote absent', () => decodeCommitQC(craft('CommitQC', qcBytes, ['vote', undefined])), { error: 'vote: missing' }],
  ['CommitQC: sig error', () => decodeCommitQC(craft('CommitQC', qcBytes, ['sigs', [{ key: { ed25519: new Uint8Array(32) } }]])), { error: 'sigs: [0]: sig: ed25519: bad signature length: got 0, want 64' }],
  // Msg
  ['Msg: no oneof member', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, ['msg', {}])), { error: 'msg: empty' }],
  ['Msg: timeout_vote view absent', () => decodeMsg(encodeRaw('Msg', { timeoutVote: {} })), { error: 'view: missing' }],
  // SignedMsg
  ['SignedMsg: member of another kind', () => decodeSignedLaneProposal(voteBytes), { error: 'msg: got *types.LaneVote, want *types.LaneProposal' }],
  ['SignedMsg: app vote where a lane vote belongs', () => decodeLaneVote(appVoteBytes), { error: 'msg: got *types.AppVote, want *types.LaneVote' }],
  ['SignedMsg: commit vote kind name', () => decodeLaneVote(encodeRaw('SignedMsg', { msg: { commitVote: (plainOf('CommitQC', qcBytes)[V] as P) }, sig: plainOf('SignedMsg', voteBytes)['sig'] })), { error: 'msg: got *types.CommitVote, want *types.LaneVote' }],
  ['SignedMsg: msg absent → abort', () => decodeSignedLaneProposal(craft('SignedMsg', blockBytes, ['msg', undefined])), { abort: /SignedMsg\.msg absent/ }],
  // PersistedAvailPruneAnchor
  ['Anchor: both absent', () => decodePruneAnchor(new Uint8Array()), { error: 'incomplete prune anchor: AppQC=false CommitQC=false' }],
  ['Anchor: commit_qc absent', () => decodePruneAnchor(encodeRaw('PersistedAvailPruneAnchor', { appQc: plainOf('AppQC', appQCBytes) })), { error: 'incomplete prune anchor: AppQC=true CommitQC=false' }],
  ['Anchor: app_qc absent', () => decodePruneAnchor(encodeRaw('PersistedAvailPruneAnchor', { commitQc: plainOf('CommitQC', qcBytes) })), { error: 'incomplete prune anchor: AppQC=false CommitQC=true' }],
  ['Anchor: AppQC error', () => decodePruneAnchor(encodeRaw('PersistedAvailPruneAnchor', { appQc: {}, commitQc: plainOf('CommitQC', qcBytes) })), { error: 'decode AppQC: proposal: missing' }],
  ['Anchor: CommitQC error', () => decodePruneAnchor(encodeRaw('PersistedAvailPruneAnchor', { appQc: plainOf('AppQC', appQCBytes), commitQc: {} })), { error: 'decode CommitQC: vote: missing' }],
  ['Anchor: nested abort', () => decodePruneAnchor(encodeRaw('PersistedAvailPruneAnchor', { appQc: plainOf('AppQC', appQCBytes), commitQc: edit(plainOf('CommitQC', qcBytes), `${V}.createdAt`, undefined) })), { abort: /decode CommitQC: vote: proposal: createdAt/ }],
];

function laneRangesWith(i: number, key: string, value: unknown): P[] {
  const ranges = ((plainOf('CommitQC', qcBytes)[V] as P)['laneRanges'] as P[]).slice();
  ranges[i] = edit(ranges[i] as P, key, value);
  return ranges;
}

describe('Stage 2 outcomes of the §1.6 table', () => {
  test.each(rows)('%s', (_label, decode, expected) => {
    const r = decode() as { kind: string; error?: string; reason?: string };
    if ('error' in expected) {
      expect(r).toEqual({ kind: 'error', error: expected.error });
    } else {
      expect(r.kind).toBe('abort');
      expect(r.reason).toMatch(/^runtime error: invalid memory address or nil pointer dereference \(/);
      expect(r.reason).toMatch(expected.abort);
    }
  });

  test('an absent View decodes as (0, 0)', () => {
    const r = decodeCommitQC(craft('CommitQC', qcBytes, [`${V}.view`, undefined]));
    expect(r.kind === 'value' && r.value.vote.view).toEqual({ index: 0n, number: 0n });
  });

  test('the valid fixtures decode to themselves', () => {
    expect(decodeSignedLaneProposal(blockBytes)).toEqual({ kind: 'value', value: fx.block(lane, 3) });
    expect(decodeCommitQC(qcBytes)).toEqual({ kind: 'value', value: qc });
  });
});

describe('the reference order of checks decides between defects', () => {
  test('a lane-range error is reported before an absent created_at aborts (ranges are decoded first)', () => {
    const b = craft('CommitQC', qcBytes, [`${V}.laneRanges`, laneRangesWith(0, 'first', undefined)], [`${V}.createdAt`, undefined]);
    expect(decodeCommitQC(b)).toEqual({ kind: 'error', error: 'vote: proposal: laneRanges: [0]: First: missing' });
  });

  test('a view error comes before everything else in a proposal', () => {
    const b = craft('CommitQC', qcBytes, [`${V}.view.index`, undefined], [`${V}.createdAt`, undefined]);
    expect(decodeCommitQC(b)).toEqual({ kind: 'error', error: 'vote: proposal: view: index: missing' });
  });

  test('an absent header aborts before a payload error is seen', () => {
    const b = craft('SignedMsg', blockBytes, [H, undefined], [`${PL}.totalGas`, undefined]);
    expect(decodeSignedLaneProposal(b).kind).toBe('abort');
  });

  test('a header error is reported before an absent payload aborts', () => {
    const b = craft('SignedMsg', blockBytes, [`${H}.lane`, undefined], [PL, undefined]);
    expect(decodeSignedLaneProposal(b)).toEqual({ kind: 'error', error: 'msg: block: lane: missing' });
  });

  test('within a header: payload hash, then parent hash, then lane, then block number', () => {
    const b = craft('SignedMsg', blockBytes, [`${H}.parentHash`, undefined], [`${H}.payloadHash`, new Uint8Array(1)], [`${H}.lane`, undefined]);
    expect(decodeSignedLaneProposal(b)).toEqual({ kind: 'error', error: 'msg: block: PayloadHash: hash size = 1, want 32' });
  });

  test('a msg error is reported before an absent sig aborts', () => {
    const b = craft('SignedMsg', blockBytes, [`${PL}.basefee`, undefined], ['sig', undefined]);
    expect(decodeSignedLaneProposal(b)).toEqual({ kind: 'error', error: 'msg: block: Basefee: missing' });
  });

  test('the kind check comes after the signature: wrong kind + absent sig aborts', () => {
    const b = craft('SignedMsg', voteBytes, ['sig', undefined]);
    expect(decodeSignedLaneProposal(b).kind).toBe('abort');
  });

  test('the anchor checks presence of both fields before decoding either', () => {
    const b = encodeRaw('PersistedAvailPruneAnchor', { appQc: {} });
    expect(decodePruneAnchor(b)).toEqual({ kind: 'error', error: 'incomplete prune anchor: AppQC=true CommitQC=false' });
  });

  test('CommitQC vote errors come before signature aborts', () => {
    const b = craft('CommitQC', qcBytes, ['vote', undefined], ['sigs', [{}]]);
    expect(decodeCommitQC(b)).toEqual({ kind: 'error', error: 'vote: missing' });
  });
});
