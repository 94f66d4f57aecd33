/**
 * Observer hooks for the oracles of the crash-consistency suite. Each callback
 * is synchronous and runs at the exact point named, inside the lock section or
 * right after the file write it reports; it must not change state or await.
 * A callback that throws fails the operation it observes (that is how an
 * oracle stops a run at the violating step).
 */
import type { AppQC, BlockHeader, CommitQC, LaneId, SignedLaneProposal } from '../types.js';
import type { CommitQCWriter } from './inner.js';

/** A collected persist batch (spec §8.2); holds references, never copies. */
export interface PersistBatch {
  /** lane-grouped (unspecified lane order), ascending within a lane */
  readonly blocks: readonly SignedLaneProposal[];
  readonly laneFirsts: ReadonlyMap<LaneId, bigint>;
  readonly commitQCs: readonly CommitQC[];
  readonly commitQCFirst: bigint;
  /** seed: the clamped CommitQC cursor */
  readonly commitQCCur: bigint;
  /** seed: latestAppQC at collection time */
  readonly appQC: AppQC | undefined;
  /** merged: the anchor to write in this iteration */
  readonly pruneAnchor?: { readonly appQC: AppQC; readonly commitQC: CommitQC } | undefined;
}

export type MarkEvent =
  | { readonly kind: 'blockPersisted'; readonly lane: LaneId; readonly next: bigint }
  | { readonly kind: 'commitQCsPersisted'; readonly cur: bigint | undefined; readonly qc: CommitQC | undefined }
  | { readonly kind: 'persistedBlockStart'; readonly commitQC: CommitQC };

export interface AvailObserver {
  /** every store into latestCommitQC, after the store */
  onCommitQCPublished?(e: { readonly qc: CommitQC; readonly writer: CommitQCWriter }): void;
  /** PushCommitQC appended `qc` to the queue (inside the lock section); `latest` is latestCommitQC at that moment */
  onCommitQCPushed?(e: { readonly qc: CommitQC; readonly latest: CommitQC | undefined }): void;
  /** every batch collected by the persist loop, before any of its I/O */
  onPersistBatch?(batch: PersistBatch): void;
  /** every non-empty RecvBatch result: the headers the node is about to sign */
  onRecvBatch?(headers: readonly BlockHeader[]): void;
  /** every mark lock section, after its assignments */
  onMark?(e: MarkEvent): void;
  /** every prune call, with its outcome */
  onPrune?(e: { readonly appQC: AppQC; readonly commitQC: CommitQC; readonly updated: boolean; readonly error: Error | undefined }): void;
  /** an A/B write (seed: AppQC; merged: anchor) completed (its fsync and close returned) */
  onAppQCWritten?(e: { readonly appQC: AppQC; readonly commitQC?: CommitQC | undefined; readonly seq: bigint; readonly file: string }): void;
  /** a block file write completed */
  onBlockWritten?(e: { readonly proposal: SignedLaneProposal }): void;
  /** a CommitQC file write completed */
  onCommitQCWritten?(e: { readonly qc: CommitQC }): void;
  /** the persist driver begins or ends one write group of a persist task (src/design/loop.ts) */
  onWriteGroup?(e: { readonly task: string; readonly group: string; readonly phase: 'begin' | 'end' }): void;
  /** a DeleteBefore call of the persist loop or of startup returned */
  onDeleteBefore?(e: { readonly kind: 'blocks'; readonly laneFirsts: ReadonlyMap<LaneId, bigint> } | { readonly kind: 'commitQCs'; readonly before: bigint }): void;
}
