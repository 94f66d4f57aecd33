/**
 * The oracles for what recovery trusts (scenarios/oracles/trust.ts): a QC needs a
 * quorum of valid signatures from distinct members, a block its payload hash and
 * its producer's signature; a CommitQC file cut at a field boundary still parses
 * and is judged under quorum.
 */
import { describe, expect, test } from 'vitest';
import { decodeCommitQC, decodeSignedLaneProposal, encodeCommitQC, encodeSignedLaneProposal } from '../../src/codec/index.js';
import { makeCommittee } from '../../scenarios/fixtures.js';
import { quorumOf, TrustJudge } from '../../scenarios/oracles/trust.js';
import { fieldBoundaries } from '../../scenarios/field-cuts.js';
import type { CommitQC, SignedLaneProposal } from '../../src/types.js';

const c = makeCommittee('trust-oracle', 4);
const judge = new TrustJudge(c.committee.replicas);
const qcs = c.commitQCChain(2, { blocksPerQC: 1 });
const qc = qcs[1] as CommitQC;
const block = c.block(c.lanes[1]!, 0n);

const flip = (b: Uint8Array, at: number): Uint8Array => {
  const copy = b.slice();
  copy[at] = (copy[at] as number) ^ 1;
  return copy;
};
const decodedQC = (b: Uint8Array): CommitQC => {
  const d = decodeCommitQC(b);
  if (d.kind !== 'value') throw new Error(`not a CommitQC: ${d.kind}`);
  return d.value;
};
const decodedBlock = (b: Uint8Array): SignedLaneProposal => {
  const d = decodeSignedLaneProposal(b);
  if (d.kind !== 'value') throw new Error(`not a block: ${d.kind}`);
  return d.value;
};

describe('TrustJudge', () => {
  test('quorum is N − ⌊(N−1)/3⌋ (spec §1.7)', () => {
    expect([4, 7, 10].map(quorumOf)).toEqual([3, 5, 7]);
    expect(judge.quorum).toBe(c.committee.commitQuorum);
  });

  test('a CommitQC the network formed verifies; with fewer signatures than a quorum it does not', () => {
    expect(judge.commitQC(qc).ok).toBe(true);
    const short = { ...qc, sigs: qc.sigs.slice(0, judge.quorum - 1) };
    const v = judge.commitQC(short);
    expect(v.ok ? undefined : v.flaw).toBe('under-quorum');
    expect(v.ok ? '' : v.text).toContain(`${judge.quorum - 1} valid signature(s) from distinct members, quorum ${judge.quorum}`);
  });

  test('duplicate signers count once; an outsider\'s signature is not valid', () => {
    const dup = { ...qc, sigs: [qc.sigs[0]!, qc.sigs[0]!, qc.sigs[1]!] };
    expect(judge.commitQC(dup).ok).toBe(false);
    const outsider = c.signature(c.outsider(), new Uint8Array(32));
    const v = judge.commitQC({ ...qc, sigs: [...qc.sigs.slice(0, judge.quorum - 1), outsider] });
    expect(v.ok ? undefined : v.flaw).toBe('invalid-signature');
  });

  test('a flipped bit in a signature is an invalid signature', () => {
    const bytes = encodeCommitQC(qc);
    const sigAt = bytes.length - 10; // inside the last signature's bytes
    const v = judge.commitQC(decodedQC(flip(bytes, sigAt)));
    expect(v.ok ? undefined : v.flaw).toBe('invalid-signature');
  });

  test('an AppQC is judged the same way', () => {
    const a = c.appQC(qcs[0]!);
    expect(judge.appQC(a).ok).toBe(true);
    expect(judge.appQC({ ...a, sigs: a.sigs.slice(1) }).ok).toBe(false);
  });

  test('a block: payload hash, then signer = lane, then the signature', () => {
    expect(judge.block(block).ok).toBe(true);
    const p = block.block.payload;
    const bad = { ...block, block: { ...block.block, payload: { ...p, totalGas: p.totalGas + 1n } } };
    const v = judge.block(bad);
    expect(v.ok ? undefined : v.flaw).toBe('payload-hash');
    expect(judge.payload(bad.block).ok).toBe(false);
    const other = c.signBlock(block.block, 2);
    const w = judge.block(other);
    expect(w.ok ? undefined : w.flaw).toBe('signer');
    const sigFlip = { ...block, sig: { ...block.sig, sig: flip(block.sig.sig, 3) } };
    const x = judge.block(sigFlip);
    expect(x.ok ? undefined : x.flaw).toBe('invalid-signature');
  });

  test('a bit flip in the middle of a block file that still parses fails the payload hash', () => {
    const bytes = encodeSignedLaneProposal(block);
    let parsedBad = 0;
    for (let at = 0; at < bytes.length; at++) {
      const d = decodeSignedLaneProposal(flip(bytes, at));
      if (d.kind !== 'value') continue;
      if (!judge.block(d.value).ok) parsedBad++;
      else expect(encodeSignedLaneProposal(d.value)).not.toEqual(bytes); // a flip that verifies must still change something (e.g. a non-canonical varint)
    }
    expect(parsedBad).toBeGreaterThan(bytes.length / 2);
  });

  test('verdicts are memoized on the object', () => {
    const j = new TrustJudge(c.committee.replicas);
    j.commitQC(qc);
    j.commitQC(qc);
    j.block(block);
    j.block(block);
    expect(j.computed).toBe(3); // the CommitQC, the signed proposal and its block (payload hash)
  });
});

describe('on files cut at field boundaries (scenarios/field-cuts.ts)', () => {
  test('every cut of a CommitQC file that still parses with fewer signatures than a quorum is judged under quorum', () => {
    const bytes = encodeCommitQC(qc);
    let underQuorum = 0;
    for (const at of fieldBoundaries(bytes)) {
      const d = decodeCommitQC(bytes.subarray(0, at));
      if (d.kind !== 'value' || d.value.sigs.length >= judge.quorum) continue;
      underQuorum++;
      const v = judge.commitQC(d.value);
      expect(v.ok ? undefined : v.flaw).toBe('under-quorum');
    }
    expect(underQuorum).toBeGreaterThanOrEqual(judge.quorum - 1);
  });

  test('decodedBlock helper sanity', () => {
    expect(decodedBlock(encodeSignedLaneProposal(block)).block.header.blockNumber).toBe(0n);
  });
});
