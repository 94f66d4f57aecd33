/**
 * The availability layer's view of the codec, the committee, signing and
 * verification: the one place that adapts their APIs to what `avail/` needs.
 * Verification functions return the reference's error text (without the
 * caller's prefix), or undefined when valid.
 */
import { appVoteMsgHash, blockHeaderHash, laneProposalMsgHash, laneVoteMsgHash, payloadHash } from '../codec/index.js';
import type { Committee } from '../committee.js';
import { sign } from '../crypto.js';
import type { SecretKey } from '../crypto.js';
import { toHex } from '../types.js';
import type { AppProposal, AppQC, AppVote, Block, BlockHeader, CommitQC, Hash32, LaneVote, Payload, SignedLaneProposal } from '../types.js';
import * as verify from '../verify.js';

/** The committee: lanes in committee order, quorums, membership. */
export type CommitteeView = Committee;
export type SigningKey = SecretKey;

export function headerHash(h: BlockHeader): Hash32 {
  return blockHeaderHash(h);
}

export function headerHashHex(h: BlockHeader): string {
  return toHex(blockHeaderHash(h));
}

export function appVoteHashHex(p: AppProposal): string {
  return toHex(appVoteMsgHash(p));
}

export function payloadHashOf(p: Payload): Hash32 {
  return payloadHash(p);
}

export function signLaneProposal(key: SigningKey, block: Block): SignedLaneProposal {
  return { block, sig: { key: key.publicKey, sig: sign(key, laneProposalMsgHash(block)) } };
}

export function signLaneVote(key: SigningKey, header: BlockHeader): LaneVote {
  return { header, sig: { key: key.publicKey, sig: sign(key, laneVoteMsgHash(header)) } };
}

/** `block.Verify(committee)`: lane membership and payload hash. */
export function verifyBlock(c: CommitteeView, b: Block): string | undefined {
  return verify.verifyBlock(c, b);
}

/** `p.VerifySig(committee)` of a signed lane proposal. */
export function verifySignedLaneProposal(c: CommitteeView, p: SignedLaneProposal): string | undefined {
  return verify.verifySignedLaneProposalSig(c, p);
}

/** `vote.Msg().Verify(committee)` of a LaneVote. */
export function verifyLaneVote(c: CommitteeView, v: LaneVote): string | undefined {
  return verify.verifyLaneVote(c, v);
}

/** `vote.VerifySig(committee)` of a LaneVote. */
export function verifySignedLaneVote(c: CommitteeView, v: LaneVote): string | undefined {
  return verify.verifyLaneVoteSig(c, v);
}

export function verifyCommitQC(c: CommitteeView, qc: CommitQC): string | undefined {
  return verify.verifyCommitQC(c, qc);
}

export function verifyAppQC(c: CommitteeView, qc: AppQC): string | undefined {
  return verify.verifyAppQC(c, qc);
}

/** `v.VerifySig(committee)` of an AppVote. */
export function verifySignedAppVote(c: CommitteeView, v: AppVote): string | undefined {
  return verify.verifyAppVoteSig(c, v);
}

/** `proposal.Verify(qc)`: the AppProposal is valid for the CommitQC (spec §1.3). */
export function verifyAppProposalFor(p: AppProposal, qc: CommitQC): string | undefined {
  return verify.verifyAppProposalFor(p, qc);
}
