/**
 * The data layer as the availability state sees it (spec §9.5): the data pump
 * hands it every FullCommitQC with the locally present blocks. The real data
 * layer is outside the SUT; `InMemoryDataLayer` records what it receives.
 */
import type { Ctx } from '../env.js';
import { AvailError } from '../errors.js';
import type { Block, FullCommitQC } from '../types.js';
import { commitQCIndex } from '../types.js';

export interface DataLayer {
  pushQC(ctx: Ctx, qc: FullCommitQC, blocks: readonly Block[]): Promise<void>;
}

export interface ReceivedQC {
  readonly qc: FullCommitQC;
  readonly blocks: readonly Block[];
}

export class InMemoryDataLayer implements DataLayer {
  readonly received: ReceivedQC[] = [];

  /** @param receivedMax most pushQC calls recorded; one more is an error (ends Run). */
  constructor(private readonly receivedMax = 100_000) {}

  async pushQC(_ctx: Ctx, qc: FullCommitQC, blocks: readonly Block[]): Promise<void> {
    if (this.received.length >= this.receivedMax) {
      throw new AvailError(`in-memory data layer full: ${this.receivedMax} QCs (at index ${commitQCIndex(qc.qc)})`);
    }
    this.received.push({ qc, blocks });
  }

  /** Indices of the FullCommitQCs received, in order. */
  indices(): bigint[] {
    return this.received.map((r) => commitQCIndex(r.qc.qc));
  }
}
