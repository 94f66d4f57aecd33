/**
 * The state the persist loop and the API share, and the "mark" lock sections
 * of spec §8.4 (each its own lock section, ending with `updated()`).
 */
import type { Ctx, Watch } from '../env.js';
import type { Persisters } from '../design/types.js';
import { laneRangeOf } from '../types.js';
import type { CommitQC, LaneId } from '../types.js';
import type { AvailDeps } from './deps.js';
import { cursorOf, publishCommitQC } from './inner.js';
import type { Inner } from './inner.js';
import type { SigningKey } from './ports.js';

export interface StateCore extends AvailDeps {
  readonly key: SigningKey;
  readonly watch: Watch<Inner>;
  /** the same object the watch guards; read directly only by `inspect()` */
  readonly inner: Inner;
  readonly persisters: Persisters;
}

/** `markBlockPersisted(lane, next)`: plain assignment, no comparison. */
export async function markBlockPersisted(core: StateCore, ctx: Ctx, lane: LaneId, next: bigint): Promise<void> {
  await core.watch.section(ctx, (inner, ctl) => {
    inner.nextBlockToPersist.set(lane, next);
    core.observer?.onMark?.({ kind: 'blockPersisted', lane, next });
    ctl.updated();
  });
}

/**
 * `markCommitQCsPersisted`: seed passes the cursor (`cur`) and sets
 * `nextCommitQCToPersist`; merged passes `undefined` and only publishes.
 */
export async function markCommitQCsPersisted(core: StateCore, ctx: Ctx, cur: bigint | undefined, qc: CommitQC | undefined): Promise<void> {
  await core.watch.section(ctx, (inner, ctl) => {
    if (cur !== undefined) inner.nextCommitQCToPersist = cur;
    if (qc !== undefined) publishCommitQC(core, inner, qc, 'persist');
    core.observer?.onMark?.({ kind: 'commitQCsPersisted', cur, qc });
    ctl.updated();
  });
}

/** merged: `persistedBlockStart[lane] := max(old, lr(commitQC, lane).first)` for every committee lane. */
export async function advancePersistedBlockStart(core: StateCore, ctx: Ctx, commitQC: CommitQC): Promise<void> {
  await core.watch.section(ctx, (inner, ctl) => {
    for (const lane of core.committee.lanes) {
      const f = laneRangeOf(commitQC, lane).first;
      if (cursorOf(inner.persistedBlockStart, lane) < f) inner.persistedBlockStart.set(lane, f);
    }
    core.observer?.onMark?.({ kind: 'persistedBlockStart', commitQC });
    ctl.updated();
  });
}
