/**
 * CommitQC persister (spec §5): one file `commitqcs/<i>.pb` per CommitQC, and
 * `next` = exclusive upper bound of the indices believed to be on disk.
 * Design choices: the loader's gap handling and whether `persistCommitQC`
 * rejects an index below `next` (seed: accepts and rewrites; merged: rejects).
 */
import type { Ctx, Env } from '../env.js';
import { ProcessAbort, decodeCommitQC, encodeCommitQC } from '../codec/index.js';
import { AvailError, errorText, wrapError } from '../errors.js';
import { commitQCIndex } from '../types.js';
import type { CommitQC } from '../types.js';
import { isNotExist, joinPath, mkdirAll, readDir, readFile, remove, writeAndSync, type WriteFile } from './fsutil.js';
import { PB_SUFFIX, commitQCFileName, parseCommitQCFileName } from './names.js';

export const COMMITQCS_DIR = 'commitqcs';

export interface LoadedCommitQC {
  readonly index: bigint;
  readonly qc: CommitQC;
}

export interface CommitQCPersisterPolicy {
  /** false (seed): truncate at the first gap; true (merged): keep all. */
  readonly keepGaps: boolean;
  /** true (merged): an index below `next` is an error, without I/O. */
  readonly rejectBelowNext: boolean;
  /** a file whose decode would dereference an absent message is skipped as corrupt instead of killing the process (hardened only; absent: the reference's panic) */
  readonly abortIsCorrupt?: boolean;
}

/** A recognised file the loader skipped (unreadable, corrupt, or its content names another index). */
export interface SkippedCommitQCFile {
  readonly file: string;
  readonly index: bigint;
  readonly reason: string;
}

export class CommitQCPersister {
  constructor(
    private readonly env: Env,
    /** undefined for the no-op persister */
    readonly dir: string | undefined,
    private readonly policy: CommitQCPersisterPolicy,
    private next: bigint,
    /** H1 in every faithful design */
    private readonly write: WriteFile = writeAndSync,
  ) {}

  get noop(): boolean {
    return this.dir === undefined;
  }

  loadNext(): bigint {
    return this.next;
  }

  /** Merged only (spec §5.3); the seed loop never calls it. */
  resetNext(i: bigint): void {
    this.next = i;
  }

  async persistCommitQC(ctx: Ctx, qc: CommitQC): Promise<void> {
    const i = commitQCIndex(qc);
    if (this.policy.rejectBelowNext && i < this.next) {
      throw new AvailError(`commitqc ${i} already persisted (next=${this.next})`);
    }
    if (this.dir !== undefined) {
      try {
        await this.write(this.env, ctx, joinPath(this.dir, commitQCFileName(i)), encodeCommitQC(qc));
      } catch (e) {
        throw wrapError(`persist commitqc ${i}`, e);
      }
    }
    if (i >= this.next) this.next = i + 1n;
  }

  /** Removes every recognised file with index below `i`; no-op persister or i = 0: nothing. */
  async deleteBefore(ctx: Ctx, i: bigint): Promise<void> {
    if (this.dir === undefined || i === 0n) return;
    let entries;
    try {
      entries = await readDir(this.env, ctx, this.dir);
    } catch (e) {
      throw wrapError('list commitqcs dir for cleanup', e);
    }
    for (const entry of entries) {
      if (entry.isDirectory || !entry.name.endsWith(PB_SUFFIX)) continue;
      const parsed = parseCommitQCFileName(entry.name);
      if (!('ok' in parsed) || parsed.ok >= i) continue;
      const path = joinPath(this.dir, entry.name);
      try {
        await remove(this.env, ctx, path);
      } catch (e) {
        if (!isNotExist(e)) this.env.log.log(ctx, 'warn', 'failed to delete commitqc file', { path, err: errorText(e) });
      }
    }
  }
}

export function newNoOpCommitQCPersister(env: Env, policy: CommitQCPersisterPolicy): CommitQCPersister {
  return new CommitQCPersister(env, undefined, policy, 0n);
}

export interface CommitQCPersisterLoad {
  readonly persister: CommitQCPersister;
  /** Ascending by index. */
  readonly loaded: LoadedCommitQC[];
  /** recognised files skipped by the loader, in name order (only the hardened variant acts on them) */
  readonly skipped: SkippedCommitQCFile[];
}

/** `NewCommitQCPersister(D)`: H3 `D/commitqcs`, loadAll, next = last + 1 (spec §5.2). */
export async function newCommitQCPersister(env: Env, ctx: Ctx, stateDir: string, policy: CommitQCPersisterPolicy, write: WriteFile = writeAndSync): Promise<CommitQCPersisterLoad> {
  const dir = joinPath(stateDir, COMMITQCS_DIR);
  try {
    await mkdirAll(env, ctx, dir);
  } catch (e) {
    throw wrapError(`create commitqcs dir ${dir}`, e);
  }
  const skipped: SkippedCommitQCFile[] = [];
  const loaded = await loadAllCommitQCs(env, ctx, dir, policy, skipped);
  const last = loaded[loaded.length - 1];
  return { persister: new CommitQCPersister(env, dir, policy, last === undefined ? 0n : last.index + 1n, write), loaded, skipped };
}

async function loadAllCommitQCs(env: Env, ctx: Ctx, dir: string, policy: CommitQCPersisterPolicy, skipped: SkippedCommitQCFile[]): Promise<LoadedCommitQC[]> {
  let entries;
  try {
    entries = await readDir(env, ctx, dir);
  } catch (e) {
    throw wrapError(`read commitqcs dir ${dir}`, e);
  }
  const raw = new Map<bigint, CommitQC>();
  for (const entry of entries) {
    if (entry.isDirectory || !entry.name.endsWith(PB_SUFFIX)) continue;
    const parsed = parseCommitQCFileName(entry.name);
    if (!('ok' in parsed)) {
      env.log.log(ctx, 'warn', 'skipping unrecognized commitqc file', { file: entry.name, err: parsed.error });
      continue;
    }
    const idx = parsed.ok;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(env, ctx, joinPath(dir, entry.name));
    } catch (e) {
      env.log.log(ctx, 'warn', 'skipping corrupt commitqc file', { file: entry.name, err: errorText(e) });
      skipped.push({ file: entry.name, index: idx, reason: errorText(e) });
      continue;
    }
    const d = decodeCommitQC(bytes);
    if (d.kind === 'abort' && policy.abortIsCorrupt !== true) throw new ProcessAbort(`decode commitqc file ${entry.name}: ${d.reason}`);
    if (d.kind !== 'value') {
      const err = d.kind === 'error' ? d.error : d.reason;
      env.log.log(ctx, 'warn', 'skipping corrupt commitqc file', { file: entry.name, err });
      skipped.push({ file: entry.name, index: idx, reason: err });
      continue;
    }
    if (commitQCIndex(d.value) !== idx) {
      env.log.log(ctx, 'warn', 'skipping commitqc file with mismatched index', {
        file: entry.name,
        headerIdx: commitQCIndex(d.value),
        filenameIdx: idx,
      });
      skipped.push({ file: entry.name, index: idx, reason: `content is CommitQC ${commitQCIndex(d.value)}` });
      continue;
    }
    raw.set(idx, d.value);
  }
  const sorted = [...raw.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: LoadedCommitQC[] = [];
  for (const [i, idx] of sorted.entries()) {
    const prev = sorted[i - 1];
    if (!policy.keepGaps && prev !== undefined && idx !== prev + 1n) {
      env.log.log(ctx, 'warn', 'truncating loaded commitqcs at gap; remaining will be re-fetched', {
        gapAt: prev + 1n,
        skipped: sorted.length - i,
      });
      break;
    }
    out.push({ index: idx, qc: raw.get(idx) as CommitQC });
  }
  return out;
}
