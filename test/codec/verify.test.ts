/**
 * Verification (spec §1.4 verifyQC, §9.2 validation column) with the reference's
 * error texts.
 */
import { describe, expect, test } from 'vitest';
import { laneVoteMsgHash, payloadHash } from '../../src/codec/index.js';
import { laneString, type Block } from '../../src/types.js';
import {
  BAD_SIGNATURE_ERROR,
  goBytes,
  isChildOf,
  quotedKey,
  verifyAppProposalFor,
  verifyAppQC,
  verifyAppVoteSig,
  verifyBlock,
  verifyBlockHeader,
  verifyCommitQC,
  verifyLaneQC,
  verifyLaneVote,
  verifyLaneVoteSig,
  verifyQC,
  verifySig,
  verifySignedLaneProposalSig,
} from '../../src/verify.js';
import { makeCommittee } from '../../scenarios/fixtures.js';

const fx = makeCommittee('verify-test', 4);
const c = fx.committee;
const lane = fx.lane(2);
const outsider = fx.outsider();
const q = (k: string) => `"validator:ed25519:public:${k}"`;

describe('VerifySig and verifyQC', () => {
  const header = fx.header(lane, 0);
  const h = laneVoteMsgHash(header);

  test('a member\'s valid signature verifies; a non-member is "not a replica"; a bad one fails', () => {
    expect(verifySig(c, h, fx.signature(0, h))).toBeUndefined();
    expect(verifySig(c, h, fx.signature(outsider, h))).toBe(`${q(outsider.publicKey)} is not a replica`);
    const wrong = { ...fx.signature(1, h), key: fx.lane(0) };
    expect(verifySig(c, h, wrong)).toBe(BAD_SIGNATURE_ERROR);
    expect(quotedKey(lane)).toBe(JSON.stringify(laneString(lane)));
  });

  test('checks run per signature in order: duplicate, then membership / signature; then the quorum', () => {
    const s0 = fx.signature(0, h);
    const s1 = fx.signature(1, h);
    const bad = { ...fx.signature(2, h), sig: new Uint8Array(64) };
    const alien = fx.signature(outsider, h);
    expect(verifyQC(c, h, 2, [s0, s1])).toBeUndefined();
    expect(verifyQC(c, h, 2, [s0, s0, s1])).toBe(`duplicate signature from ${q(s0.key)}`);
    // the duplicate is detected before the later bad signature is examined
    expect(verifyQC(c, h, 2, [s0, s0, bad])).toBe(`duplicate signature from ${q(s0.key)}`);
    // an earlier bad signature wins over a later duplicate
    expect(verifyQC(c, h, 2, [bad, s0, s0])).toBe(BAD_SIGNATURE_ERROR);
    expect(verifyQC(c, h, 2, [alien, s0])).toBe(`${q(alien.key)} is not a replica`);
    expect(verifyQC(c, h, 3, [s0, s1])).toBe('not enough signatures: got 2, want >= 3');
    expect(verifyQC(c, h, 1, [])).toBe('not enough signatures: got 0, want >= 1');
  });
});

describe('QCs', () => {
  const qcs = fx.commitQCChain(2, { blocksPerQC: 1 });
  const qc = qcs[1]!;

  test('CommitQC: a quorum verifies; too few, a duplicate, an outsider or a forged proposal do not', () => {
    expect(verifyCommitQC(c, qc)).toBeUndefined();
    expect(verifyCommitQC(c, { ...qc, sigs: qc.sigs.slice(0, 2) })).toBe('not enough signatures: got 2, want >= 3');
    expect(verifyCommitQC(c, { ...qc, sigs: [qc.sigs[0]!, ...qc.sigs] })).toBe(`duplicate signature from ${q(qc.sigs[0]!.key)}`);
    const other = fx.commitQC(1, undefined, { signers: [0, 1, 2] });
    expect(verifyCommitQC(c, { vote: qc.vote, sigs: other.sigs })).toBe(BAD_SIGNATURE_ERROR);
    const alien = fx.commitQC(1, undefined, { signers: [] });
    expect(verifyCommitQC(c, { ...alien, sigs: [fx.signature(outsider, new Uint8Array(32))] })).toBe(`${q(outsider.publicKey)} is not a replica`);
  });

  test('AppQC and LaneQC use their own quorums (N−f and f+1)', () => {
    const aqc = fx.appQC(qc);
    expect(verifyAppQC(c, aqc)).toBeUndefined();
    expect(verifyAppQC(c, { ...aqc, sigs: aqc.sigs.slice(1) })).toBe('not enough signatures: got 2, want >= 3');
    const lqc = fx.laneQC(fx.header(lane, 0));
    expect(lqc.sigs).toHaveLength(2);
    expect(verifyLaneQC(c, lqc)).toBeUndefined();
    expect(verifyLaneQC(c, { ...lqc, sigs: lqc.sigs.slice(0, 1) })).toBe('not enough signatures: got 1, want >= 2');
  });

  test('AppProposal.Verify(qc): road index, then global number range', () => {
    const gr = { first: 4n, next: 8n }; // qc1 ranges: [1, 2) on each of 4 lanes
    expect(verifyAppProposalFor(fx.appProposal(gr.next - 1n, 1), qc)).toBeUndefined();
    expect(verifyAppProposalFor(fx.appProposal(gr.first, 1), qc)).toBeUndefined();
    expect(verifyAppProposalFor(fx.appProposal(5, 0), qc)).toBe('roadIndex() = 0, want 1');
    expect(verifyAppProposalFor(fx.appProposal(8, 1), qc)).toBe('globalNumber() = 8, want in range [4,8)');
    expect(verifyAppProposalFor(fx.appProposal(3, 1), qc)).toBe('globalNumber() = 3, want in range [4,8)');
  });
});

describe('blocks and votes', () => {
  const p = fx.block(lane, 1);

  test('a canonical block verifies and is signed by its lane', () => {
    expect(verifyBlock(c, p.block)).toBeUndefined();
    expect(verifySignedLaneProposalSig(c, p)).toBeUndefined();
    expect(isChildOf(p.block.header, fx.header(lane, 0))).toBe(true);
    expect(isChildOf(fx.block(lane, 1, 'zero').block.header, fx.header(lane, 0))).toBe(false);
  });

  test('header lane outside the committee: header.Verify(): "<l>" is not a lane', () => {
    const alien = fx.block(outsider.publicKey, 0);
    expect(verifyBlockHeader(c, alien.block.header)).toBe(`${q(outsider.publicKey)} is not a lane`);
    expect(verifyBlock(c, alien.block)).toBe(`header.Verify(): ${q(outsider.publicKey)} is not a lane`);
    expect(verifySignedLaneProposalSig(c, alien)).toBe(`${q(outsider.publicKey)} is not a replica`);
  });

  test('payload hash mismatch: payload.Hash() = …, want …', () => {
    const swapped: Block = { header: p.block.header, payload: fx.payload(lane, 1, 7) };
    expect(verifyBlock(c, swapped)).toBe(`payload.Hash() = ${goBytes(payloadHash(swapped.payload))}, want ${goBytes(p.block.header.payloadHash)}`);
    expect(goBytes(new Uint8Array([0, 17, 255]))).toBe('[0 17 255]');
  });

  test('a block signed by another member verifies as a signature but not as its lane\'s', () => {
    const forged = fx.signBlock(p.block, 0);
    expect(forged.sig.key).not.toBe(lane);
    expect(verifySignedLaneProposalSig(c, forged)).toBeUndefined(); // PushBlock's signer ≠ lane check is separate
    expect(verifySignedLaneProposalSig(c, { ...p, sig: { ...p.sig, key: fx.lane(0) } })).toBe(BAD_SIGNATURE_ERROR);
  });

  test('LaneVote: header lane check and signature check', () => {
    const v = fx.laneVote(p.block.header, 3);
    expect(verifyLaneVote(c, v)).toBeUndefined();
    expect(verifyLaneVoteSig(c, v)).toBeUndefined();
    const alienVote = fx.laneVote(fx.header(outsider.publicKey, 0), 0);
    expect(verifyLaneVote(c, alienVote)).toBe(`${q(outsider.publicKey)} is not a lane`);
    expect(verifyLaneVoteSig(c, { ...v, sig: { ...v.sig, sig: new Uint8Array(64) } })).toBe(BAD_SIGNATURE_ERROR);
  });

  test('AppVote signature', () => {
    const v = fx.appVote(fx.appProposal(1, 1), 2);
    expect(verifyAppVoteSig(c, v)).toBeUndefined();
    expect(verifyAppVoteSig(c, { ...v, proposal: fx.appProposal(2, 1) })).toBe(BAD_SIGNATURE_ERROR);
    expect(verifyAppVoteSig(c, fx.appVote(fx.appProposal(1, 1), outsider))).toBe(`${q(outsider.publicKey)} is not a replica`);
  });
});
