/**
 * Block persister (spec §4): one file `blocks/<lane_hex>_<n>.pb` per signed
 * lane proposal. The loader's gap handling is the design's choice (seed:
 * truncate at the first gap; merged: keep all).
 */
import type { Ctx, Env } from '../env.js';
import { ProcessAbort, decodeSignedLaneProposal, encodeSignedLaneProposal } from '../codec/index.js';
import { errorText, wrapError } from '../errors.js';
import type { LaneId, SignedLaneProposal } from '../types.js';
import { isNotExist, joinPath, mkdirAll, readDir, readFile, remove, writeAndSync, type WriteFile } from './fsutil.js';
import { PB_SUFFIX, blockFileName, parseBlockFileName } from './names.js';

export const BLOCKS_DIR = 'blocks';

export interface LoadedBlock {
  readonly number: bigint;
  readonly proposal: SignedLaneProposal;
}

export interface BlockPersister {
  readonly noop: boolean;
  /** H1 of the block's file; errors are returned unwrapped (the loop wraps them). */
  persistBlock(ctx: Ctx, p: SignedLaneProposal): Promise<void>;
  /**
   * Removes every parseable block file whose lane is not a key of `laneFirsts`
   * or whose number is below `laneFirsts[lane]`. Empty map or no-op: nothing.
   */
  deleteBefore(ctx: Ctx, laneFirsts: ReadonlyMap<LaneId, bigint>): Promise<void>;
}

export interface BlockLoaderPolicy {
  /** false (seed): keep the run from the smallest number up to the first gap; true (merged): keep all. */
  readonly keepGaps: boolean;
  /** a file whose decode would dereference an absent message is skipped as corrupt instead of killing the process (hardened only; absent: the reference's panic) */
  readonly abortIsCorrupt?: boolean;
}

/** A recognised file the loader skipped (unreadable, corrupt, or its header names another block). */
export interface SkippedBlockFile {
  readonly file: string;
  readonly lane: LaneId;
  readonly n: bigint;
  readonly reason: string;
}

class NoOpBlockPersister implements BlockPersister {
  readonly noop = true;
  async persistBlock(): Promise<void> {}
  async deleteBefore(): Promise<void> {}
}

export function newNoOpBlockPersister(): BlockPersister {
  return new NoOpBlockPersister();
}

class FileBlockPersister implements BlockPersister {
  readonly noop = false;
  constructor(
    private readonly env: Env,
    readonly dir: string,
    private readonly write: WriteFile,
  ) {}

  async persistBlock(ctx: Ctx, p: SignedLaneProposal): Promise<void> {
    const h = p.block.header;
    await this.write(this.env, ctx, joinPath(this.dir, blockFileName(h.lane, h.blockNumber)), encodeSignedLaneProposal(p));
  }

  async deleteBefore(ctx: Ctx, laneFirsts: ReadonlyMap<LaneId, bigint>): Promise<void> {
    if (laneFirsts.size === 0) return;
    let entries;
    try {
      entries = await readDir(this.env, ctx, this.dir);
    } catch (e) {
      throw wrapError('list blocks dir for cleanup', e);
    }
    for (const entry of entries) {
      if (entry.isDirectory || !entry.name.endsWith(PB_SUFFIX)) continue;
      const parsed = parseBlockFileName(entry.name);
      if (!('ok' in parsed)) continue;
      const first = laneFirsts.get(parsed.ok.lane);
      if (first !== undefined && parsed.ok.n >= first) continue;
      const path = joinPath(this.dir, entry.name);
      try {
        await remove(this.env, ctx, path);
      } catch (e) {
        if (!isNotExist(e)) this.env.log.log(ctx, 'warn', 'failed to delete block file', { path, err: errorText(e) });
      }
    }
  }
}

export interface BlockPersisterLoad {
  readonly persister: BlockPersister;
  /** Per lane (any key, committee or not), ascending by number. */
  readonly loaded: Map<LaneId, LoadedBlock[]>;
  /** recognised files skipped by the loader, in name order (only the hardened variant acts on them) */
  readonly skipped: SkippedBlockFile[];
}

/** `NewBlockPersister(D)`: H3 `D/blocks`, then loadAll (spec §4.2–§4.3). `write` is H1 in every faithful design. */
export async function newBlockPersister(env: Env, ctx: Ctx, stateDir: string, policy: BlockLoaderPolicy, write: WriteFile = writeAndSync): Promise<BlockPersisterLoad> {
  const dir = joinPath(stateDir, BLOCKS_DIR);
  try {
    await mkdirAll(env, ctx, dir);
  } catch (e) {
    throw wrapError(`create blocks dir ${dir}`, e);
  }
  const skipped: SkippedBlockFile[] = [];
  const loaded = await loadAllBlocks(env, ctx, dir, policy, skipped);
  return { persister: new FileBlockPersister(env, dir, write), loaded, skipped };
}

async function loadAllBlocks(env: Env, ctx: Ctx, dir: string, policy: BlockLoaderPolicy, skipped: SkippedBlockFile[]): Promise<Map<LaneId, LoadedBlock[]>> {
  let entries;
  try {
    entries = await readDir(env, ctx, dir);
  } catch (e) {
    throw wrapError(`read blocks dir ${dir}`, e);
  }
  const raw = new Map<LaneId, Map<bigint, SignedLaneProposal>>();
  for (const entry of entries) {
    if (entry.isDirectory || !entry.name.endsWith(PB_SUFFIX)) continue;
    const parsed = parseBlockFileName(entry.name);
    if (!('ok' in parsed)) {
      env.log.log(ctx, 'warn', 'skipping unrecognized block file', { file: entry.name, err: parsed.error });
      continue;
    }
    const { lane, n } = parsed.ok;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(env, ctx, joinPath(dir, entry.name));
    } catch (e) {
      env.log.log(ctx, 'warn', 'skipping corrupt block file', { file: entry.name, err: errorText(e) });
      skipped.push({ file: entry.name, lane, n, reason: errorText(e) });
      continue;
    }
    const d = decodeSignedLaneProposal(bytes);
    // The reference dereferences the absent message and the process dies.
    if (d.kind === 'abort' && policy.abortIsCorrupt !== true) throw new ProcessAbort(`decode block file ${entry.name}: ${d.reason}`);
    if (d.kind !== 'value') {
      const err = d.kind === 'error' ? d.error : d.reason;
      env.log.log(ctx, 'warn', 'skipping corrupt block file', { file: entry.name, err });
      skipped.push({ file: entry.name, lane, n, reason: err });
      continue;
    }
    const h = d.value.block.header;
    if (h.lane !== lane || h.blockNumber !== n) {
      env.log.log(ctx, 'warn', 'skipping block file with mismatched header', {
        file: entry.name,
        headerLane: h.lane,
        headerNum: h.blockNumber,
        filenameLane: lane,
        filenameNum: n,
      });
      skipped.push({ file: entry.name, lane, n, reason: `header names block ${h.lane}/${h.blockNumber}` });
      continue;
    }
    let perLane = raw.get(lane);
    if (perLane === undefined) raw.set(lane, (perLane = new Map()));
    perLane.set(n, d.value);
  }

  const result = new Map<LaneId, LoadedBlock[]>();
  for (const [lane, byNumber] of raw) {
    const sorted = [...byNumber.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const kept: LoadedBlock[] = [];
    for (const [i, n] of sorted.entries()) {
      const prev = sorted[i - 1];
      if (!policy.keepGaps && prev !== undefined && n !== prev + 1n) {
        env.log.log(ctx, 'warn', 'truncating loaded blocks at gap; remaining will be re-fetched', {
          lane,
          gapAt: prev + 1n,
          skipped: sorted.length - i,
        });
        break;
      }
      kept.push({ number: n, proposal: byNumber.get(n) as SignedLaneProposal });
    }
    result.set(lane, kept);
  }
  return result;
}
