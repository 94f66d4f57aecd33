/**
 * Verification with the reference's error texts (spec §1.4, §9.2). Every function
 * returns the error text, or `undefined` when the object verifies; none throws.
 * Callers add the prefixes of §9.2 (`block.Verify(): `, `p.VerifySig(): `,
 * `qc.Verify(): `, `appQC.Verify(): `, `invalid vote: ` …).
 *
 * Keys print as the reference's `%q` of a PublicKey: `"validator:ed25519:public:<hex>"`.
 * Hashes print as Go's `%v` of a `[32]byte`: `[b0 b1 … b31]` in decimal.
 * A signature that does not verify reads `invalid 0th signature` (the reference's
 * ErrBadSig with index 0; assumed to be what its tagged single verification returns).
 */
import { appVoteMsgHash, blockHeaderHash, commitVoteMsgHash, laneProposalMsgHash, laneVoteMsgHash, payloadHash } from './codec/index.js';
import type { Committee } from './committee.js';
import { verifySignature } from './crypto.js';
import {
  bytesEqual,
  globalRange,
  laneString,
  type AppProposal,
  type AppQC,
  type AppVote,
  type Block,
  type BlockHeader,
  type CommitQC,
  type Hash32,
  type LaneQC,
  type LaneVote,
  type PublicKeyHex,
  type Signature,
  type SignedLaneProposal,
} from './types.js';

export const BAD_SIGNATURE_ERROR = 'invalid 0th signature';

/** Go's `%q` of a PublicKey. */
export function quotedKey(key: PublicKeyHex): string {
  return JSON.stringify(laneString(key));
}

/** Go's `%v` of a `[N]byte`. */
export function goBytes(b: Uint8Array): string {
  return `[${Array.from(b).join(' ')}]`;
}

/** `Signed[T].VerifySig`: membership first, then the Ed25519ctx signature over `msgHash`. */
export function verifySig(c: Committee, msgHash: Hash32, sig: Signature): string | undefined {
  if (!c.has(sig.key)) return `${quotedKey(sig.key)} is not a replica`;
  if (!verifySignature(sig.key, msgHash, sig.sig)) return BAD_SIGNATURE_ERROR;
  return undefined;
}

/**
 * `verifyQC`: for each signature in order — duplicate signer, then VerifySig
 * (non-member / bad signature); finally the quorum count over distinct signers.
 */
export function verifyQC(c: Committee, msgHash: Hash32, quorum: number, sigs: readonly Signature[]): string | undefined {
  const seen = new Set<string>();
  for (const s of sigs) {
    if (seen.has(s.key)) return `duplicate signature from ${quotedKey(s.key)}`;
    seen.add(s.key);
    const err = verifySig(c, msgHash, s);
    if (err !== undefined) return err;
  }
  if (seen.size < quorum) return `not enough signatures: got ${seen.size}, want >= ${quorum}`;
  return undefined;
}

/** `BlockHeader.Verify`: the lane must be a committee lane. */
export function verifyBlockHeader(c: Committee, h: BlockHeader): string | undefined {
  return c.hasLane(h.lane) ? undefined : `${quotedKey(h.lane)} is not a lane`;
}

/** `Block.Verify`: header lane, then the payload hash. */
export function verifyBlock(c: Committee, b: Block): string | undefined {
  const headerErr = verifyBlockHeader(c, b.header);
  if (headerErr !== undefined) return `header.Verify(): ${headerErr}`;
  const got = payloadHash(b.payload);
  if (!bytesEqual(got, b.header.payloadHash)) return `payload.Hash() = ${goBytes(got)}, want ${goBytes(b.header.payloadHash)}`;
  return undefined;
}

/** The producer's signature on a lane proposal (`p.VerifySig()`); does not check signer = lane. */
export function verifySignedLaneProposalSig(c: Committee, p: SignedLaneProposal): string | undefined {
  return verifySig(c, laneProposalMsgHash(p.block), p.sig);
}

/** `LaneVote.Verify` (= header.Verify). */
export function verifyLaneVote(c: Committee, v: LaneVote): string | undefined {
  return verifyBlockHeader(c, v.header);
}

/** The voter's signature on a LaneVote. */
export function verifyLaneVoteSig(c: Committee, v: LaneVote): string | undefined {
  return verifySig(c, laneVoteMsgHash(v.header), v.sig);
}

/** `LaneQC.Verify`: LaneQuorum distinct valid signatures over `Msg{lane_vote: header}`. */
export function verifyLaneQC(c: Committee, qc: LaneQC): string | undefined {
  return verifyQC(c, laneVoteMsgHash(qc.header), c.laneQuorum, qc.sigs);
}

/** `CommitQC.Verify`: CommitQuorum distinct valid signatures over `Msg{commit_vote: proposal}`. */
export function verifyCommitQC(c: Committee, qc: CommitQC): string | undefined {
  return verifyQC(c, commitVoteMsgHash(qc.vote), c.commitQuorum, qc.sigs);
}

/** `AppQC.Verify`: AppQuorum distinct valid signatures over `Msg{app_vote: proposal}`. */
export function verifyAppQC(c: Committee, qc: AppQC): string | undefined {
  return verifyQC(c, appVoteMsgHash(qc.vote), c.appQuorum, qc.sigs);
}

/** The voter's signature on an AppVote (`v.VerifySig()`). */
export function verifyAppVoteSig(c: Committee, v: AppVote): string | undefined {
  return verifySig(c, appVoteMsgHash(v.proposal), v.sig);
}

/** `AppProposal.Verify(qc)`: valid for a CommitQC iff same index and `First ≤ globalNumber < Next`. */
export function verifyAppProposalFor(a: AppProposal, qc: CommitQC): string | undefined {
  const index = qc.vote.view.index;
  if (a.roadIndex !== index) return `roadIndex() = ${a.roadIndex}, want ${index}`;
  const gr = globalRange(qc);
  if (a.globalNumber < gr.first || a.globalNumber >= gr.next) return `globalNumber() = ${a.globalNumber}, want in range [${gr.first},${gr.next})`;
  return undefined;
}

/** True iff `parentHash` of `h` is the hash of `parent` (the seed PushBlock / merged loader check). */
export function isChildOf(h: BlockHeader, parent: BlockHeader): boolean {
  return bytesEqual(h.parentHash, blockHeaderHash(parent));
}
