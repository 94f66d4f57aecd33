/**
 * Wire format of the availability layer (spec §1): protobuf encode/decode with
 * protobuf-go semantics, canonical hashing, Ed25519ctx signatures.
 *
 * CONTRACT (fixed; the implementation lives in the sibling modules and is
 * re-exported here). Decoding is two-staged (spec §1.6):
 *  - Stage 1, protobuf parse: fails with an error string;
 *  - Stage 2, semantic conversion: a value, an error string, or an ABORT (the
 *    reference dereferences an absent nested message and the process panics).
 * `Decoded<T>` carries all three outcomes of both stages as data: a loader
 * turns an abort into `throw new ProcessAbort(...)`, never into a skip.
 */
import type {
  AppProposal,
  AppQC,
  AppVote,
  Block,
  BlockHeader,
  CommitQC,
  Hash32,
  LaneVote,
  Payload,
  Proposal,
  PruneAnchor,
  SignedLaneProposal,
} from '../types.js';

export type Decoded<T> =
  | { readonly kind: 'value'; readonly value: T }
  /** Stage-1 parse failure or Stage-2 conversion error; `error` reads like the reference's message */
  | { readonly kind: 'error'; readonly error: string }
  /** the reference would panic (nil dereference) */
  | { readonly kind: 'abort'; readonly reason: string };

/**
 * The reference process would terminate with a runtime panic here (spec §1.6,
 * §4.3, §5.2). Nothing in `src/` catches it; the harness reports it as an abort.
 */
export class ProcessAbort extends Error {
  override readonly name = 'ProcessAbort';
  constructor(readonly reason: string) {
    super(`process abort: ${reason}`);
  }
}

/** The A/B envelope (spec §3.1). */
export interface PersistedWrapper {
  /** absent seq reads as 0 */
  readonly seq: bigint;
  /** undefined when the field is absent; a present empty field is an empty array */
  readonly data: Uint8Array | undefined;
}

export type { Hash32 };

// Re-exports of the implementation. Each function's contract:
//
//   encodeSignedLaneProposal(p): Uint8Array      -- block file bytes (SignedMsg)
//   decodeSignedLaneProposal(b): Decoded<SignedLaneProposal>
//   encodeCommitQC(qc): Uint8Array               -- commitqcs/<i>.pb bytes
//   decodeCommitQC(b): Decoded<CommitQC>
//   encodeAppQC(qc): Uint8Array                  -- seed A/B payload
//   decodeAppQC(b): Decoded<AppQC>
//   encodePruneAnchor(a): Uint8Array             -- merged A/B payload
//   decodePruneAnchor(b): Decoded<PruneAnchor>   -- incl. `incomplete prune anchor: AppQC=<b> CommitQC=<b>`
//   parseStage1(typeName, b): string | undefined -- Stage-1 only (A/B "unmarshal persisted" check)
//   encodeWrapper(w): Uint8Array; decodeWrapper(b): {ok: PersistedWrapper} | {error: string}
//   blockHeaderHash(h): Hash32; payloadHash(p): Hash32
//   msgHash(msg): Hash32  -- SHA-256 of canon(Msg{member})
//   canonical encodings are what encode* produce (spec §1.5)
//
// Error texts follow the reference (see ./decode.ts for the prefix format); every
// Stage-1 failure reads PROTO_PARSE_ERROR (`explainStage1` says where and why).
// Every decode function is total: no input bytes make it throw.
export {
  appVoteMsgHash,
  blockHeaderHash,
  commitVoteMsgHash,
  encodeAppProposal,
  encodeAppQC,
  encodeAppVote,
  encodeBlock,
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
  laneProposalMsgHash,
  laneVoteMsgHash,
  msgHash,
  normalizeTimestamp,
  payloadHash,
  publicKeyBytes,
} from './encode.js';
export type { MsgKind, MsgMember } from './encode.js';
export {
  decodeAppQC,
  decodeAppVote,
  decodeCommitQC,
  decodeLaneVote,
  decodeMsg,
  decodePruneAnchor,
  decodeSignedLaneProposal,
  decodeWrapper,
  explainStage1,
  parseStage1,
} from './decode.js';
export { canonicalize, PROTO_PARSE_ERROR, Stage1Failure } from './wire.js';
export { MESSAGE_NAMES, type MessageName } from './schema.js';

export type {
  AppProposal,
  AppQC,
  AppVote,
  Block,
  BlockHeader,
  CommitQC,
  LaneVote,
  Payload,
  Proposal,
  PruneAnchor,
  SignedLaneProposal,
};
