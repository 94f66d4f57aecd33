/**
 * scenarios/fixtures.ts: deterministic, internally consistent builders, and file
 * variants whose decode outcome is the one the spec prescribes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  blockHeaderHash,
  decodeAppQC,
  decodeCommitQC,
  decodePruneAnchor,
  decodeSignedLaneProposal,
  encodeAppQC,
  encodeCommitQC,
  encodeSignedLaneProposal,
  MESSAGE_NAMES,
  parseStage1,
  PROTO_PARSE_ERROR,
} from '../../src/codec/index.js';
import { bytesEqual, globalRange, laneRangeOf, ZERO_HASH } from '../../src/types.js';
import { verifyAppProposalFor, verifyAppQC, verifyBlock, verifyCommitQC, verifySignedLaneProposalSig } from '../../src/verify.js';
import { corruptions, makeCommittee, MAX_CHAIN_BLOCKS, notProtobuf, type FileVariant } from '../../scenarios/fixtures.js';

const fx = makeCommittee('fixtures-test', 4);

describe('determinism', () => {
  test('the same seed gives byte-identical objects; another seed differs', () => {
    const a = makeCommittee('same', 4);
    const b = makeCommittee('same', 4);
    expect(b.lanes).toEqual(a.lanes);
    expect(encodeSignedLaneProposal(b.block(b.lane(1), 4))).toEqual(encodeSignedLaneProposal(a.block(a.lane(1), 4)));
    expect(encodeCommitQC(b.commitQCChain(3, { blocksPerQC: 1 })[2]!)).toEqual(encodeCommitQC(a.commitQCChain(3, { blocksPerQC: 1 })[2]!));
    expect(makeCommittee('other', 4).lanes).not.toEqual(a.lanes);
  });

  test('golden digest: the fixtures of seed "golden" never change silently', () => {
    const g = makeCommittee('golden', 4);
    const qcs = g.commitQCChain(2, { blocksPerQC: 2 });
    const h = createHash('sha256');
    for (const lane of g.lanes) for (const p of g.blocks(lane, 0, 4)) h.update(encodeSignedLaneProposal(p));
    for (const qc of qcs) h.update(encodeCommitQC(qc));
    h.update(encodeAppQC(g.appQC(qcs[1]!)));
    expect(h.digest('hex')).toBe(GOLDEN_DIGEST);
  });
});

describe('blocks', () => {
  test('canonical chain: zero parent at 0, parent = hash of the previous header, payload hash, lane signature', () => {
    const lane = fx.lane(0);
    const chain = fx.blocks(lane, 0, 5);
    expect(chain.map((p) => p.block.header.blockNumber)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(chain[0]!.block.header.parentHash).toEqual(ZERO_HASH);
    for (let i = 1; i < chain.length; i++) expect(bytesEqual(chain[i]!.block.header.parentHash, blockHeaderHash(chain[i - 1]!.block.header))).toBe(true);
    for (const p of chain) {
      expect(verifyBlock(fx.committee, p.block)).toBeUndefined();
      expect(verifySignedLaneProposalSig(fx.committee, p)).toBeUndefined();
      expect(p.sig.key).toBe(lane);
    }
    expect(fx.block(lane, 3)).toBe(chain[3]); // memoized: the same object
  });

  test('forged parents and payload variants', () => {
    const lane = fx.lane(1);
    const forged = fx.block(lane, 2, 'zero');
    expect(forged.block.header.parentHash).toEqual(ZERO_HASH);
    expect(bytesEqual(fx.block(lane, 2, fx.block(lane, 0)).block.header.parentHash, blockHeaderHash(fx.header(lane, 0)))).toBe(true);
    const equivocation = fx.block(lane, 2, 'chain', { variant: 1 });
    expect(equivocation.block.header.parentHash).toEqual(fx.header(lane, 2).parentHash);
    expect(equivocation.block.header.payloadHash).not.toEqual(fx.header(lane, 2).payloadHash);
    expect(verifyBlock(fx.committee, equivocation.block)).toBeUndefined();
  });

  test('non-committee lanes get signed chains too (for loader tests)', () => {
    const alien = fx.outsider(3).publicKey;
    const p = fx.block(alien, 1);
    expect(p.block.header.lane).toBe(alien);
    expect(p.sig.key).toBe(fx.outsider().publicKey);
  });

  test('bounds: chain length and committee size', () => {
    expect(() => fx.block(fx.lane(0), MAX_CHAIN_BLOCKS)).toThrow(/canonical chains hold/);
    expect(() => makeCommittee('x', 0)).toThrow(/committee size/);
    expect(() => fx.lane(4)).toThrow(/outside committee/);
  });
});

describe('CommitQCs, AppQCs, votes', () => {
  test('commitQCChain: ranges follow each other and the chains; every lane has a range; quorum-signed', () => {
    const qcs = fx.commitQCChain(4, { blocksPerQC: (i, lane) => (lane === fx.lane(0) ? i : 1) });
    for (let i = 0; i < qcs.length; i++) {
      const qc = qcs[i]!;
      expect(qc.vote.view).toEqual({ index: BigInt(i), number: 0n });
      expect(qc.vote.laneRanges.map((r) => r.lane)).toEqual(fx.lanes);
      expect(verifyCommitQC(fx.committee, qc)).toBeUndefined();
      for (const lane of fx.lanes) {
        const r = laneRangeOf(qc, lane);
        expect(r.first).toBe(i === 0 ? 0n : laneRangeOf(qcs[i - 1], lane).next);
        if (r.next > r.first) expect(bytesEqual(r.lastHash, blockHeaderHash(fx.header(lane, r.next - 1n)))).toBe(true);
        else expect(r.lastHash).toEqual(ZERO_HASH);
      }
    }
    // lane 0: 0+1+2 blocks before qc3, 3 in it; the other three lanes: 3 before, 1 in it
    expect(globalRange(qcs[3]!)).toEqual({ first: 3n + 3n * 3n, next: 6n + 4n * 3n });
  });

  test('the "without LaneQCs" chain has only empty ranges', () => {
    for (const qc of fx.commitQCChain(3)) {
      expect(globalRange(qc)).toEqual({ first: 0n, next: 0n });
      for (const r of qc.vote.laneRanges) expect([r.first, r.next, bytesEqual(r.lastHash, ZERO_HASH)]).toEqual([0n, 0n, true]);
    }
  });

  test('appQC(qc) is valid for its CommitQC and signed by an AppQuorum; appQC(index, g) is unchecked', () => {
    const qc = fx.commitQCChain(2, { blocksPerQC: 3 })[1]!;
    const aqc = fx.appQC(qc);
    expect(aqc.vote.globalNumber).toBe(globalRange(qc).next - 1n);
    expect(verifyAppProposalFor(aqc.vote, qc)).toBeUndefined();
    expect(verifyAppQC(fx.committee, aqc)).toBeUndefined();
    expect(fx.appQC(7, 50).vote).toMatchObject({ roadIndex: 7n, globalNumber: 50n });
    expect(fx.appQC(qc, undefined, { signers: 1 }).sigs).toHaveLength(1);
  });

  test('signer specs: counts, indices and keys', () => {
    const h = fx.header(fx.lane(0), 0);
    expect(fx.laneQC(h).sigs.map((s) => s.key)).toEqual(fx.lanes.slice(0, 2));
    expect(fx.laneQC(h, [3, fx.lane(1)]).sigs.map((s) => s.key)).toEqual([fx.lane(3), fx.lane(1)]);
    expect(fx.laneVotes(h)).toHaveLength(4);
    expect(() => fx.commitQC(0, undefined, { signers: 5 })).toThrow(/5 signers/);
  });
});

describe('file variants have the prescribed outcomes', () => {
  function check(variants: Record<string, FileVariant>, decode: (b: Uint8Array) => { kind: string }): void {
    for (const [name, v] of Object.entries(variants)) {
      const r = decode(v.bytes) as { kind: string; error?: string };
      expect({ name, kind: r.kind }).toEqual({ name, kind: v.expect });
      if (v.error !== undefined) expect({ name, error: r.error }).toEqual({ name, error: v.error });
    }
  }

  test('block files', () => check(fx.blockFileVariants(fx.lane(2), 3), decodeSignedLaneProposal));
  test('CommitQC files', () => check(fx.commitQCFileVariants(4), decodeCommitQC));
  test('AppQC payloads', () => check(fx.appQCFileVariants(2, 9), decodeAppQC));
  test('prune anchors', () => check(fx.pruneAnchorFileVariants(1), decodePruneAnchor));

  test('notProtobuf fails Stage 1 for every message type; corruptions are seeded', () => {
    for (const name of MESSAGE_NAMES) expect(parseStage1(name, notProtobuf(name))).toBe(PROTO_PARSE_ERROR);
    expect(notProtobuf('a')).toEqual(notProtobuf('a'));
    expect(notProtobuf('a', 100)).toHaveLength(100);
    const valid = encodeSignedLaneProposal(fx.block(fx.lane(0), 0));
    expect(corruptions(valid, 's').map((c) => c.name)).toContain('bit-flip');
    expect(corruptions(valid, 's')).toEqual(corruptions(valid, 's'));
  });
});

const GOLDEN_DIGEST = '9496f902aff2c300d9bc34dfb7a1fe5f22e7a85ecfa71613868c3eb1ca6c7c3a';
