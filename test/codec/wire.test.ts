/**
 * Stage 1 (spec §1.6): protobuf-go parse semantics of the normalizing walker.
 * Wire bytes are written by hand (./helpers.ts), independent of the codec.
 */
import { describe, expect, test } from 'vitest';
import {
  canonicalize,
  decodeCommitQC,
  decodeSignedLaneProposal,
  decodeWrapper,
  encodeSignedLaneProposal,
  explainStage1,
  parseStage1,
  PROTO_PARSE_ERROR,
  Stage1Failure,
} from '../../src/codec/index.js';
import { makeCommittee, plainOf } from '../../scenarios/fixtures.js';
import { encodeRaw } from '../../src/codec/index.js';
import { bytes, fBytes, fVarint, hex, tag, varint } from './helpers.js';

function canon(name: Parameters<typeof canonicalize>[0], b: Uint8Array): string {
  const r = canonicalize(name, b);
  if (r instanceof Stage1Failure) throw new Error(`unexpected Stage-1 failure: ${r.detail}`);
  return hex(r);
}

function rejects(name: Parameters<typeof canonicalize>[0], b: Uint8Array): string {
  const r = canonicalize(name, b);
  expect(r).toBeInstanceOf(Stage1Failure);
  expect(parseStage1(name, b)).toBe(PROTO_PARSE_ERROR);
  return (r as Stage1Failure).detail;
}

const fx = makeCommittee('wire-test', 4);

describe('Stage 1 rejects what protobuf-go rejects', () => {
  test.each([
    ['truncated tag', bytes([0x80])],
    ['truncated tag (multi-byte)', bytes([0xff, 0xff])],
    ['truncated varint value', bytes(tag(1, 0), [0x80])],
    ['truncated fixed64 (unknown field)', bytes(tag(15, 1), [1, 2, 3, 4, 5, 6, 7])],
    ['truncated fixed32 (unknown field)', bytes(tag(15, 5), [1, 2, 3])],
    ['length beyond the buffer', bytes(tag(2, 2), [5, 1, 2])],
    ['length beyond the buffer (unknown field)', bytes(tag(9, 2), [0x80, 0x01])],
    ['truncated length varint', bytes(tag(2, 2), [0x80])],
    ['wire type 6', bytes(tag(15, 6), [0])],
    ['wire type 7', bytes(tag(15, 7), [0])],
    ['field number 0', bytes([0x00, 0x00])],
    ['field number 0, wire type 2', bytes([0x02, 0x00])],
    ['field number 2^29 (above MaxValidNumber)', bytes(tag(1 << 29, 0), [0])],
    ['unmatched end-group', bytes(tag(15, 4))],
    ['end-group of a known field', bytes(tag(1, 4))],
    ['unterminated group', bytes(tag(15, 3), fVarint(1, 5))],
    ['group closed by another number', bytes(tag(15, 3), tag(14, 4))],
    ['reserved wire type inside a group', bytes(tag(15, 3), tag(3, 7), tag(15, 4))],
    ['field number 0 inside a group', bytes(tag(15, 3), [0x00, 0x00], tag(15, 4))],
    ['varint overflow (10th byte 0x02)', bytes(tag(1, 0), [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02])],
    ['varint longer than 10 bytes', bytes(tag(1, 0), [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00])],
    ['tag varint overflow', bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])],
  ])('%s', (_name, b) => {
    rejects('PersistedWrapper', b);
  });

  test('a malformed nested message fails the whole parse', () => {
    // SignedMsg.msg = Msg{ lane_vote = BlockHeader{ garbage } }
    const badHeader = bytes(tag(15, 7));
    const b = bytes(fBytes(1, fBytes(2, badHeader)));
    rejects('SignedMsg', b);
  });

  test('a malformed oneof member fails the parse even when a later member replaces it', () => {
    const good = fBytes(2, fVarint(2, 7)); // lane_vote: BlockHeader{block_number: 7}
    const bad = fBytes(1, [0x00, 0x00]); // lane_proposal: Block with field 0
    rejects('Msg', bytes(bad, good));
    expect(canon('Msg', bytes(good))).toBe(hex(bytes(good)));
  });

  test('a malformed nested message inside an unknown field is not parsed (unknown = opaque bytes)', () => {
    expect(canon('SignedMsg', bytes(fBytes(9, [0x00, 0x00])))).toBe('');
  });

  test('groups nest up to protowire\'s recursion limit (10001 levels), not beyond', () => {
    const nested = (depth: number): Uint8Array => {
      const open: number[] = [];
      const close: number[] = [];
      for (let i = 0; i < depth; i++) {
        open.push(...tag(100 + i, 3));
        close.unshift(...tag(100 + i, 4));
      }
      return bytes(open, close);
    };
    expect(canon('PersistedWrapper', nested(10_001))).toBe('');
    expect(rejects('PersistedWrapper', nested(10_002))).toMatch(/nested deeper/);
  });

  test('explainStage1 says where and why; the public text is protobuf-go\'s', () => {
    expect(explainStage1('PersistedWrapper', bytes(tag(2, 2), [5, 1]))).toMatch(/exceeds the 1 remaining bytes/);
    expect(explainStage1('PersistedWrapper', bytes(fVarint(1, 3)))).toBeUndefined();
    expect(PROTO_PARSE_ERROR).toBe('proto: cannot parse invalid wire-format data');
  });

  test('an unknown type name is a caller bug and throws', () => {
    expect(() => parseStage1('NoSuchMessage', new Uint8Array())).toThrow(/unknown message type/);
  });
});

describe('Stage 1 accepts what protobuf-go accepts', () => {
  test('the empty byte string is the empty message', () => {
    expect(canon('SignedMsg', new Uint8Array())).toBe('');
    expect(decodeWrapper(new Uint8Array())).toEqual({ ok: { seq: 0n, data: undefined } });
    expect(decodeCommitQC(new Uint8Array())).toEqual({ kind: 'error', error: 'vote: missing' });
  });

  test('unknown fields of every wire type are skipped and dropped', () => {
    const unknowns = bytes(
      fVarint(9, 12345),
      tag(10, 1), [1, 2, 3, 4, 5, 6, 7, 8],
      tag(11, 5), [1, 2, 3, 4],
      fBytes(12, [9, 9, 9]),
      tag(13, 3), fVarint(1, 1), tag(14, 3), tag(14, 4), tag(13, 4),
      fVarint(0x1fffffff, 1), // MaxValidNumber itself is valid
    );
    const w = bytes(fVarint(1, 5), unknowns, fBytes(2, [0xaa]));
    expect(canon('PersistedWrapper', w)).toBe(hex(bytes(fVarint(1, 5), fBytes(2, [0xaa]))));
  });

  test('field numbers up to MaxInt32 are accepted inside unknown groups (protowire.ConsumeTag)', () => {
    const inGroup = bytes(tag(15, 3), tag(0x7fffffff, 0), [1], tag(15, 4));
    expect(canon('PersistedWrapper', inGroup)).toBe('');
    rejects('PersistedWrapper', bytes(tag(15, 3), tag(0x80000000, 0), [1], tag(15, 4)));
  });

  test('a known field with the wrong wire type is kept as unknown (ignored), not an error', () => {
    // seq (uint64) sent as fixed64, as bytes and as a group: all ignored
    const w = bytes(tag(1, 1), [1, 0, 0, 0, 0, 0, 0, 0], fBytes(1, [1]), tag(1, 3), tag(1, 4), fBytes(2, [7]));
    expect(canon('PersistedWrapper', w)).toBe(hex(fBytes(2, [7])));
    expect(decodeWrapper(w)).toEqual({ ok: { seq: 0n, data: new Uint8Array([7]) } });
    // data (bytes) sent as varint: ignored, presence untouched
    expect(decodeWrapper(bytes(fVarint(2, 1)))).toEqual({ ok: { seq: 0n, data: undefined } });
  });

  test('a wrong-wire-type oneof member does not select or reset the oneof', () => {
    const member = fBytes(2, fVarint(2, 7)); // lane_vote
    const wrong = fVarint(1, 3); // lane_proposal as varint: unknown
    expect(canon('Msg', bytes(member, wrong))).toBe(hex(bytes(member)));
  });

  test('the last occurrence of a singular scalar or bytes field wins', () => {
    const w = bytes(fVarint(1, 1), fBytes(2, [1]), fVarint(1, 2), fBytes(2, [2, 2]));
    expect(canon('PersistedWrapper', w)).toBe(hex(bytes(fVarint(1, 2), fBytes(2, [2, 2]))));
  });

  test('repeated occurrences of a singular message field merge', () => {
    // Timestamp split over two occurrences of Payload.created_at
    const a = fBytes(1, fVarint(1, 10)); // created_at{seconds: 10}
    const b = fBytes(1, fVarint(2, 20)); // created_at{nanos: 20}
    expect(canon('Payload', bytes(a, b))).toBe(hex(fBytes(1, bytes(fVarint(1, 10), fVarint(2, 20)))));
    // later scalar inside a later occurrence overrides, absent ones keep the earlier value
    const c = fBytes(1, fVarint(1, 11));
    expect(canon('Payload', bytes(a, b, c))).toBe(hex(fBytes(1, bytes(fVarint(1, 11), fVarint(2, 20)))));
  });

  test('a block file whose header arrives in two pieces decodes as the whole block', () => {
    const p = fx.block(fx.lane(0), 2);
    const valid = encodeSignedLaneProposal(p);
    const plain = plainOf('SignedMsg', valid);
    const msg = plain['msg'] as Record<string, Record<string, Record<string, unknown>>>;
    const lp = msg['laneProposal'] as Record<string, Record<string, unknown>>;
    const header = lp['header'] as Record<string, unknown>;
    const part1 = encodeRaw('SignedMsg', { msg: { laneProposal: { header: { lane: header['lane'], blockNumber: header['blockNumber'] }, payload: lp['payload'] } } });
    const part2 = encodeRaw('SignedMsg', { msg: { laneProposal: { header: { parentHash: header['parentHash'], payloadHash: header['payloadHash'] } } }, sig: plain['sig'] });
    const merged = bytes(part1, part2); // concatenation = merge, at every level
    expect(decodeSignedLaneProposal(merged)).toEqual({ kind: 'value', value: p });
    expect(hex(canonicalize('SignedMsg', merged) as Uint8Array)).toBe(hex(valid));
  });

  test('a oneof member replaces a different member and merges into the same member', () => {
    const pA = fBytes(1, fBytes(1, fVarint(2, 5))); // lane_proposal{header{block_number: 5}}
    const vote = fBytes(2, fVarint(2, 7)); // lane_vote{block_number: 7}
    const pB = fBytes(1, fBytes(2, fVarint(2, 9))); // lane_proposal{payload{total_gas: 9}}
    // A then B: merged
    expect(canon('Msg', bytes(pA, pB))).toBe(hex(fBytes(1, bytes(fBytes(1, fVarint(2, 5)), fBytes(2, fVarint(2, 9))))));
    // A, vote, B: the vote reset the oneof, so only B survives
    expect(canon('Msg', bytes(pA, vote, pB))).toBe(hex(pB));
    // A then vote: the vote wins
    expect(canon('Msg', bytes(pA, vote))).toBe(hex(vote));
  });

  test('repeated fields append in wire order, across interleaving', () => {
    const s = (n: number): number[] => fBytes(3, fBytes(2, [n])); // CommitQC.sigs{sig: [n]}
    const c = bytes(s(1), fBytes(1, []), s(2), s(3));
    expect(canon('CommitQC', c)).toBe(hex(bytes(fBytes(1, []), s(1), s(2), s(3))));
  });

  test('repeated bytes keep empty elements', () => {
    expect(canon('Payload', bytes(fBytes(6, []), fBytes(6, [1])))).toBe(hex(bytes(fBytes(6, []), fBytes(6, [1]))));
  });

  test('a present empty optional bytes field stays present; an absent one stays absent', () => {
    expect(decodeWrapper(bytes(fVarint(1, 1), fBytes(2, [])))).toEqual({ ok: { seq: 1n, data: new Uint8Array(0) } });
    expect(decodeWrapper(bytes(fVarint(1, 1)))).toEqual({ ok: { seq: 1n, data: undefined } });
  });

  test('overlong varints are accepted and re-encoded minimally', () => {
    expect(canon('PersistedWrapper', bytes(tag(1, 0), [0x80, 0x80, 0x00]))).toBe('0800');
    // a 10-byte varint whose last byte is 1 is the largest valid value
    const max = bytes(tag(1, 0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(decodeWrapper(max)).toEqual({ ok: { seq: (1n << 64n) - 1n, data: undefined } });
  });

  test('int32 is truncated to 32 bits and re-encoded zero-extended (canonical rule 5)', () => {
    // nanos = -1 as protobuf-go writes it (sign-extended, 10 bytes)
    const ts = bytes(fVarint(1, 0), tag(2, 0), varint(-1n));
    expect(canon('Timestamp', ts)).toBe(hex(bytes(fVarint(1, 0), tag(2, 0), [0xff, 0xff, 0xff, 0xff, 0x0f])));
    // a 64-bit value in an int32 field keeps its low 32 bits
    expect(canon('Timestamp', bytes(fVarint(2, (1n << 40n) + 5n)))).toBe(hex(fVarint(2, 5)));
  });

  test('negative int64 is the 64-bit two\'s complement', () => {
    expect(canon('Timestamp', bytes(fVarint(1, -2n)))).toBe('08feffffffffffffffff01');
  });
});
