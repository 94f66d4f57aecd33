/**
 * The persist loop's shared driver and the write groups both designs share
 * (spec §2.5, §8.3). A design lists its persist tasks, each an ordered list of
 * named write groups (`Design.persistTasks`); `runPersistTask` runs one task:
 * collect a batch, run every group in order, repeat. A reordering mutant or an
 * ablation is a different list, never a copy of the loop.
 */
import type { Ctx } from '../env.js';
import { ProcessAbort } from '../codec/index.js';
import { wrapError } from '../errors.js';
import { commitQCIndex, laneString } from '../types.js';
import type { LaneId, SignedLaneProposal } from '../types.js';
import { markBlockPersisted } from '../avail/core.js';
import type { StateCore } from '../avail/core.js';
import { cursorOf } from '../avail/inner.js';
import type { Inner } from '../avail/inner.js';
import type { Queue } from '../avail/queue.js';
import type { PersistLoopLocals, PersistTask, WriteGroup } from './types.js';

/** Runs one persist task until an error (returned wrapped) or the context's. */
export async function runPersistTask(core: StateCore, ctx: Ctx, task: PersistTask): Promise<void> {
  const locals: PersistLoopLocals = { lastPersistedAppQC: undefined, lastPersistedAppQCNext: 0n };
  const observer = core.observer;
  for (;;) {
    const batch = await task.collect(core, ctx, locals);
    for (const g of task.groups) {
      observer?.onWriteGroup?.({ task: task.name, group: g.name, phase: 'begin' });
      await g.run(core, ctx, batch, locals);
      observer?.onWriteGroup?.({ task: task.name, group: g.name, phase: 'end' });
    }
  }
}

/**
 * Blocks, one at a time, each followed by its cursor mark (both designs).
 * `markBeforeWrite` exists for the vote-before-write mutant only: the cursor —
 * and with it RecvBatch — moves before the block's file is written.
 */
export function blocksGroup(opts: { readonly markBeforeWrite: boolean } = { markBeforeWrite: false }): WriteGroup {
  return {
    name: 'blocks',
    async run(core, ctx, batch) {
      const { persisters, observer } = core;
      for (const p of batch.blocks) {
        // The reference dereferences the entry: a null one kills the process.
        if (p === undefined || p === null) throw new ProcessAbort('persist loop: nil block in batch');
        const h = p.block.header;
        if (opts.markBeforeWrite) await markBlockPersisted(core, ctx, h.lane, h.blockNumber + 1n);
        try {
          await persisters.blocks.persistBlock(ctx, p);
        } catch (e) {
          throw wrapError(`persist block ${laneString(h.lane)}/${h.blockNumber}`, e);
        }
        if (!persisters.blocks.noop) observer?.onBlockWritten?.({ proposal: p });
        if (!opts.markBeforeWrite) await markBlockPersisted(core, ctx, h.lane, h.blockNumber + 1n);
      }
    },
  };
}

/** `blocks.DeleteBefore(batch.laneFirsts)`, every iteration (both designs). */
export const deleteOldBlocksGroup: WriteGroup = {
  name: 'deleteOldBlocks',
  async run(core, ctx, batch) {
    const { persisters, observer } = core;
    try {
      await persisters.blocks.deleteBefore(ctx, batch.laneFirsts);
    } catch (e) {
      throw wrapError('block deleteBefore', e);
    }
    if (!persisters.blocks.noop) observer?.onDeleteBefore?.({ kind: 'blocks', laneFirsts: batch.laneFirsts });
  },
};

/** The batch's CommitQCs, ascending (both designs). */
export const commitQCsGroup: WriteGroup = {
  name: 'commitQCs',
  async run(core, ctx, batch) {
    const { persisters, observer } = core;
    for (const qc of batch.commitQCs) {
      if (qc === undefined || qc === null) throw new ProcessAbort('persist loop: nil commitQC in batch');
      try {
        await persisters.commitQCs.persistCommitQC(ctx, qc);
      } catch (e) {
        throw wrapError(`persist commitqc ${commitQCIndex(qc)}`, e);
      }
      if (!persisters.commitQCs.noop) observer?.onCommitQCWritten?.({ qc });
    }
  },
};

/** RecvBatch's bound in both designs (spec §9.3): below the block persistence cursor. */
export function persistedVoteBound(inner: Inner, lane: LaneId, q: Queue<SignedLaneProposal>): bigint {
  const cursor = cursorOf(inner.nextBlockToPersist, lane);
  return q.next < cursor ? q.next : cursor;
}

/** `design` with the write groups of its persist task `taskName` replaced by `f(groups)` (mutants and ablations). */
export function withGroups<D extends { readonly persistTasks: readonly PersistTask[] }>(design: D, f: (groups: readonly WriteGroup[]) => readonly WriteGroup[], taskName = 'persist'): D {
  return { ...design, persistTasks: design.persistTasks.map((t) => (t.name === taskName ? { ...t, groups: f(t.groups) } : t)) };
}
