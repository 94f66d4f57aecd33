/**
 * Encoding (spec §1.4/§1.5): round trips of every message, canonical bytes, 64-bit
 * values, timestamps, hashes.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  blockHeaderHash,
  canonicalize,
  decodeAppQC,
  decodeAppVote,
  decodeCommitQC,
  decodeLaneVote,
  decodeMsg,
  decodePruneAnchor,
  decodeSignedLaneProposal,
  decodeWrapper,
  encodeAppProposal,
  encodeAppQC,
  encodeAppVote,
  encodeBlockHeader,
  encodeCommitQC,
  encodeLaneQC,
  encodeLaneVote,
  encodeMsg,
  encodePayload,
  encodeProposal,
  encodePruneAnchor,
  encodeRaw,
  encodeSignedLaneProposal,
  encodeWrapper,
  msgHash,
  normalizeTimestamp,
  payloadHash,
  Stage1Failure,
  type MessageName,
  type MsgMember,
} from '../../src/codec/index.js';
import { messageType } from '../../src/codec/schema.js';
import type { BlockHeader, Payload, PublicKeyHex } from '../../src/types.js';
import {
  arbAppProposal,
  arbAppQC,
  arbBytes,
  arbCommitQC,
  arbHeader,
  arbPayload,
  arbProposal,
  arbPruneAnchor,
  arbSignature,
  arbSignedLaneProposal,
  arbU64,
  bytes,
  fBytes,
  fVarint,
  hex,
  unhex,
} from './helpers.js';

const RUNS = { numRuns: 150 };

function isCanonical(name: MessageName, b: Uint8Array): void {
  const c = canonicalize(name, b);
  if (c instanceof Stage1Failure) throw new Error(`Stage 1 rejected our own encoding: ${c.detail}`);
  expect(hex(c)).toBe(hex(b));
}

describe('round trips (decode ∘ encode = id) and canonical output', () => {
  test('SignedMsg{lane_proposal} (block files)', () => {
    fc.assert(
      fc.property(arbSignedLaneProposal, (p) => {
        const b = encodeSignedLaneProposal(p);
        isCanonical('SignedMsg', b);
        expect(decodeSignedLaneProposal(b)).toEqual({ kind: 'value', value: p });
      }),
      RUNS,
    );
  });

  test('CommitQC (commitqcs files)', () => {
    fc.assert(
      fc.property(arbCommitQC, (qc) => {
        const b = encodeCommitQC(qc);
        isCanonical('CommitQC', b);
        expect(decodeCommitQC(b)).toEqual({ kind: 'value', value: qc });
      }),
      RUNS,
    );
  });

  test('AppQC (seed A/B payload)', () => {
    fc.assert(
      fc.property(arbAppQC, (qc) => {
        const b = encodeAppQC(qc);
        isCanonical('AppQC', b);
        expect(decodeAppQC(b)).toEqual({ kind: 'value', value: qc });
      }),
      RUNS,
    );
  });

  test('PersistedAvailPruneAnchor (merged A/B payload)', () => {
    fc.assert(
      fc.property(arbPruneAnchor, (a) => {
        const b = encodePruneAnchor(a);
        isCanonical('PersistedAvailPruneAnchor', b);
        expect(decodePruneAnchor(b)).toEqual({ kind: 'value', value: a });
      }),
      { numRuns: 60 },
    );
  });

  test('PersistedWrapper', () => {
    fc.assert(
      fc.property(arbU64, fc.option(arbBytes(64), { nil: undefined }), (seq, data) => {
        const b = encodeWrapper({ seq, data });
        isCanonical('PersistedWrapper', b);
        expect(decodeWrapper(b)).toEqual({ ok: { seq, data } });
      }),
      RUNS,
    );
  });

  test('LaneVote and AppVote (SignedMsg with other members)', () => {
    fc.assert(
      fc.property(arbHeader, arbAppProposal, arbSignature, (header, proposal, sig) => {
        const lv = encodeLaneVote({ header, sig });
        isCanonical('SignedMsg', lv);
        expect(decodeLaneVote(lv)).toEqual({ kind: 'value', value: { header, sig } });
        const av = encodeAppVote({ proposal, sig });
        isCanonical('SignedMsg', av);
        expect(decodeAppVote(av)).toEqual({ kind: 'value', value: { proposal, sig } });
      }),
      RUNS,
    );
  });

  test('every Msg member', () => {
    const arbMember: fc.Arbitrary<MsgMember> = fc.oneof(
      arbSignedLaneProposal.map((p): MsgMember => ({ kind: 'laneProposal', block: p.block })),
      arbHeader.map((header): MsgMember => ({ kind: 'laneVote', header })),
      arbProposal.map((proposal): MsgMember => ({ kind: 'proposal', proposal })),
      arbProposal.map((proposal): MsgMember => ({ kind: 'prepareVote', proposal })),
      arbProposal.map((proposal): MsgMember => ({ kind: 'commitVote', proposal })),
      fc
        .record({ index: arbU64, number: arbU64 })
        .chain((view) => fc.option(arbU64, { nil: undefined }).map((n): MsgMember => ({ kind: 'timeoutVote', view, latestPrepareQCViewNumber: n }))),
      arbAppProposal.map((proposal): MsgMember => ({ kind: 'appVote', proposal })),
    );
    fc.assert(
      fc.property(arbMember, (m) => {
        const b = encodeMsg(m);
        isCanonical('Msg', b);
        expect(decodeMsg(b)).toEqual({ kind: 'value', value: m });
      }),
      RUNS,
    );
  });

  test('the other hashed messages are canonical as written', () => {
    fc.assert(
      fc.property(arbHeader, arbPayload, arbProposal, arbAppProposal, fc.array(arbSignature, { maxLength: 3 }), (h, p, prop, app, sigs) => {
        isCanonical('BlockHeader', encodeBlockHeader(h));
        isCanonical('Payload', encodePayload(p));
        isCanonical('Proposal', encodeProposal(prop));
        isCanonical('AppProposal', encodeAppProposal(app));
        isCanonical('LaneQC', encodeLaneQC({ header: h, sigs }));
      }),
      RUNS,
    );
  });
});

describe('canonical bytes, hand-checked', () => {
  const lane = '11'.repeat(32) as PublicKeyHex;
  const header: BlockHeader = { lane, blockNumber: 300n, parentHash: new Uint8Array(32), payloadHash: new Uint8Array(32).fill(0xee) };

  test('BlockHeader: fields 1..4 in order, nested key length-delimited', () => {
    const expected = unhex(`
      0a 22 0a 20 ${'11'.repeat(32)}
      10 ac 02
      1a 20 ${'00'.repeat(32)}
      22 20 ${'ee'.repeat(32)}`);
    expect(hex(encodeBlockHeader(header))).toBe(hex(expected));
    expect(hex(blockHeaderHash(header))).toBe(createHash('sha256').update(expected).digest('hex'));
  });

  test('AppProposal with and without app_hash', () => {
    expect(hex(encodeAppProposal({ globalNumber: 1n, roadIndex: 0n, appHash: new Uint8Array([0xab]) }))).toBe('080110001a01ab');
    expect(hex(encodeAppProposal({ globalNumber: 1n, roadIndex: 0n }))).toBe('08011000');
    expect(hex(encodeAppProposal({ globalNumber: 1n, roadIndex: 0n, appHash: new Uint8Array() }))).toBe('080110001a00');
  });

  test('Msg{lane_vote} hash = SHA256 of the Msg wrapping the header', () => {
    const body = encodeBlockHeader(header);
    const msgBytes = bytes(fBytes(2, body));
    expect(hex(encodeMsg({ kind: 'laneVote', header }))).toBe(hex(msgBytes));
    expect(hex(msgHash({ kind: 'laneVote', header }))).toBe(createHash('sha256').update(msgBytes).digest('hex'));
  });

  test('CommitQC signatures are field 3; empty repeated fields are omitted', () => {
    const qc = {
      vote: { view: { index: 2n, number: 0n }, createdAt: { seconds: 1n, nanos: 0 }, laneRanges: [] },
      sigs: [{ key: lane, sig: new Uint8Array(64) }],
    };
    const b = encodeCommitQC(qc);
    // vote{view{index 2, number 0}, created_at{1, 0}} then field 3
    expect(hex(b.subarray(0, 14))).toBe('0a0c0a0408021000120408011000');
    expect(b[14]).toBe(0x1a);
  });

  test('Payload: absent coinbase omitted, present-empty coinbase written, txs one per tag', () => {
    const p: Payload = { createdAt: { seconds: 0n, nanos: 0 }, totalGas: 0n, edgeCount: 0n, basefee: 0n, txs: [new Uint8Array(), new Uint8Array([1])] };
    expect(hex(encodePayload(p))).toBe('0a0408001000100018002800320032010' + '1');
    expect(hex(encodePayload({ ...p, coinbase: new Uint8Array() }))).toBe('0a04080010001000180022002800320032010' + '1');
    expect(hex(payloadHash(p))).not.toBe(hex(payloadHash({ ...p, coinbase: new Uint8Array() })));
  });
});

describe('64-bit values', () => {
  test('uint64 above 2^53 round-trips (protobufjs would silently write 0 for a bigint)', () => {
    const big = 2n ** 63n + 5n;
    const w = encodeWrapper({ seq: big, data: undefined });
    expect(hex(w)).toBe('08858080808080808080' + '01');
    expect(decodeWrapper(w)).toEqual({ ok: { seq: big, data: undefined } });
    const h: BlockHeader = { lane: 'ab'.repeat(32) as PublicKeyHex, blockNumber: (1n << 64n) - 1n, parentHash: new Uint8Array(32), payloadHash: new Uint8Array(32) };
    const lp = decodeLaneVote(encodeLaneVote({ header: h, sig: { key: h.lane, sig: new Uint8Array(64) } }));
    expect(lp.kind === 'value' && lp.value.header.blockNumber).toBe((1n << 64n) - 1n);
  });

  test('negative int64 is written as the 64-bit two\'s complement and read back', () => {
    const p: Payload = { createdAt: { seconds: -1n, nanos: 0 }, totalGas: 0n, edgeCount: -(2n ** 63n), basefee: -5n, txs: [] };
    const b = encodePayload(p);
    expect(hex(b)).toBe(
      hex(bytes(fBytes(1, bytes(fVarint(1, -1n), fVarint(2, 0))), fVarint(2, 0), fVarint(3, -(2n ** 63n)), fVarint(5, -5n))),
    );
    const msg = decodeMsg(encodeMsg({ kind: 'laneProposal', block: { header: { lane: 'cd'.repeat(32) as PublicKeyHex, blockNumber: 0n, parentHash: new Uint8Array(32), payloadHash: payloadHash(p) }, payload: p } }));
    expect(msg.kind === 'value' && msg.value.kind === 'laneProposal' && msg.value.block.payload).toEqual(p);
  });

  test('out-of-range values are rejected with a message naming the field', () => {
    expect(() => encodeWrapper({ seq: -1n, data: undefined })).toThrow(/PersistedWrapper.seq must be a uint64/);
    expect(() => encodeWrapper({ seq: 1n << 64n, data: undefined })).toThrow(/uint64/);
    const p: Payload = { createdAt: { seconds: 0n, nanos: 0 }, totalGas: 0n, edgeCount: 1n << 63n, basefee: 0n, txs: [] };
    expect(() => encodePayload(p)).toThrow(/Payload.edgeCount must be an int64/);
    expect(() => encodeWrapper({ seq: 5 as unknown as bigint, data: undefined })).toThrow(/uint64 bigint/);
  });
});

describe('timestamps (Go time.Unix normalization)', () => {
  test('nanos outside [0, 1e9) carry into seconds, on encode and on decode', () => {
    expect(normalizeTimestamp({ seconds: 5n, nanos: -1 })).toEqual({ seconds: 4n, nanos: 999_999_999 });
    expect(normalizeTimestamp({ seconds: 5n, nanos: 2_000_000_001 })).toEqual({ seconds: 7n, nanos: 1 });
    expect(normalizeTimestamp({ seconds: (1n << 63n) - 1n, nanos: 1_000_000_000 })).toEqual({ seconds: -(1n << 63n), nanos: 0 });
    // a wire Timestamp with nanos = -1 (sign-extended, as protobuf-go writes it) decodes normalized
    const wire = encodeRaw('Proposal', { createdAt: { seconds: '10', nanos: -1 } });
    const m = decodeMsg(bytes(fBytes(3, wire)));
    expect(m.kind === 'value' && m.value.kind === 'proposal' && m.value.proposal.createdAt).toEqual({ seconds: 9n, nanos: 999_999_999 });
  });

  test('encoding a non-normalized timestamp writes the normalized one (never a negative int32)', () => {
    const a = encodeProposal({ view: { index: 0n, number: 0n }, createdAt: { seconds: 3n, nanos: -1 }, laneRanges: [] });
    const b = encodeProposal({ view: { index: 0n, number: 0n }, createdAt: { seconds: 2n, nanos: 999_999_999 }, laneRanges: [] });
    expect(hex(a)).toBe(hex(b));
  });
});

describe('proposal lane ranges (the reference keeps them in a map)', () => {
  const r = (lane: string, first: bigint) => ({ lane: lane as PublicKeyHex, first, next: first, lastHash: new Uint8Array(32) });

  test('encoding sorts by lane key bytes', () => {
    const sorted = encodeProposal({ view: { index: 0n, number: 0n }, createdAt: { seconds: 0n, nanos: 0 }, laneRanges: [r('aa'.repeat(32), 1n), r('bb'.repeat(32), 2n)] });
    const unsorted = encodeProposal({ view: { index: 0n, number: 0n }, createdAt: { seconds: 0n, nanos: 0 }, laneRanges: [r('bb'.repeat(32), 2n), r('aa'.repeat(32), 1n)] });
    expect(hex(unsorted)).toBe(hex(sorted));
  });

  test('decoding sorts, and a later duplicate lane replaces an earlier one', () => {
    const wire = encodeRaw('Msg', {
      proposal: {
        createdAt: { seconds: '0', nanos: 0 },
        laneRanges: [
          { lane: { ed25519: new Uint8Array(32).fill(0xbb) }, first: '2', next: '2', lastHash: new Uint8Array(32) },
          { lane: { ed25519: new Uint8Array(32).fill(0xaa) }, first: '1', next: '1', lastHash: new Uint8Array(32) },
          { lane: { ed25519: new Uint8Array(32).fill(0xbb) }, first: '3', next: '3', lastHash: new Uint8Array(32) },
        ],
      },
    });
    const m = decodeMsg(wire);
    expect(m.kind === 'value' && m.value.kind === 'proposal' && m.value.proposal.laneRanges).toEqual([r('aa'.repeat(32), 1n), r('bb'.repeat(32), 3n)]);
  });

  test('two ranges for one lane cannot be encoded', () => {
    expect(() => encodeProposal({ view: { index: 0n, number: 0n }, createdAt: { seconds: 0n, nanos: 0 }, laneRanges: [r('aa'.repeat(32), 1n), r('aa'.repeat(32), 2n)] })).toThrow(
      /two lane ranges/,
    );
  });
});

describe('domain validation on encode', () => {
  test('wrong key, hash and signature lengths are caller bugs with clear errors', () => {
    const h: BlockHeader = { lane: 'zz' as PublicKeyHex, blockNumber: 0n, parentHash: new Uint8Array(32), payloadHash: new Uint8Array(32) };
    expect(() => encodeBlockHeader(h)).toThrow(/BlockHeader.lane: .*64 lowercase hex/);
    expect(() => encodeBlockHeader({ ...h, lane: 'ab'.repeat(32) as PublicKeyHex, parentHash: new Uint8Array(31) })).toThrow(/parentHash must be 32 bytes, got 31/);
    expect(() => encodeLaneVote({ header: { ...h, lane: 'ab'.repeat(32) as PublicKeyHex }, sig: { key: 'ab'.repeat(32) as PublicKeyHex, sig: new Uint8Array(65) } })).toThrow(
      /Signature.sig must be 64 bytes/,
    );
  });

  test('encodeRaw crafts arbitrary messages; hashes are memoized per object', () => {
    expect(hex(encodeRaw('PersistedWrapper', { seq: 5n }))).toBe('0805');
    expect(messageType('PersistedWrapper').name).toBe('PersistedWrapper');
    const h: BlockHeader = { lane: 'ab'.repeat(32) as PublicKeyHex, blockNumber: 1n, parentHash: new Uint8Array(32), payloadHash: new Uint8Array(32) };
    expect(blockHeaderHash(h)).toBe(blockHeaderHash(h));
    expect(hex(blockHeaderHash({ ...h }))).toBe(hex(blockHeaderHash(h)));
  });
});
