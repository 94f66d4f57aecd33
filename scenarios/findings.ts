/**
 * Known findings: invariants the harness shows broken in a *faithful* design.
 * Each is a result, kept with its replay command (reports/findings.md) and a
 * test that asserts the harness still finds it (test/crash/findings.test.ts).
 *
 * A failure is recognised as a known finding by the evidence of its mechanism,
 * never by its invariant code alone: each finding has a rule over the violation,
 * the run's forensic record (scenarios/forensics.ts) and the disk, derived from
 * its root cause in reports/findings.md, that returns one evidence sentence or
 * nothing. No rule holds → the failure is NEW. Several hold → all are reported.
 * `codes` only says which violations a rule is asked about.
 */
import type { AvailState } from '../src/avail/state.js';
import { laneRangeOf, toHex, type CommitQC, type LaneId } from '../src/types.js';
import { blockHeaderHash, decodeAppQC, decodePruneAnchor, decodeWrapper } from '../src/codec/index.js';
import { blockFileName } from '../src/persist/names.js';
import type { DiskImage, LogEntry } from '../sim/vfs/model.js';
import type { Personality } from '../sim/vfs/model.js';
import type { CrashEvent, Forensics, OpRef, RestartEvent } from './forensics.js';
import { readDisk, type AbPayload, type DiskView } from './oracles/disk.js';
import type { KnownMatch, LostVote, Publication, Violation } from './oracles/invariants.js';

/** What a finding's evidence rule may look at, at the moment of the violation. */
export interface EvidenceInput {
  readonly v: Omit<Violation, 'known'>;
  readonly forensics: Forensics;
  readonly stateDir: string;
  readonly abPayload: AbPayload;
  /** the incarnation the violation happened in */
  readonly incarnation: number;
  /** the guaranteed-durable disk now */
  durable(): DiskImage;
  /** the current VFS's pending (not yet durable) operations */
  pending(): readonly LogEntry[];
  /** every store into latestCommitQC after a startup, in order */
  readonly publications: readonly Publication[];
  /** the node now, if it runs */
  state(): AvailState | undefined;
  /** persist batches in a row with nothing to write (this incarnation) */
  readonly emptyBatchesInARow: number;
  /** CommitQC `index` of the global chain, if formed */
  networkCommitQC(index: bigint): CommitQC | undefined;
}

export interface Finding {
  readonly id: string;
  readonly design: string;
  /** personalities where it shows (documentation; the evidence rule decides) */
  readonly personalities: readonly Personality[];
  /** violation codes (`<invariant>/<kind>`, exact or a prefix ending in `*`) its mechanism shows as */
  readonly codes: readonly string[];
  /** what it needs: disk behaviour and faults, one line (reports/findings.md) */
  readonly needs: string;
  readonly title: string;
  /** where a campaign finds it: the cell and how many runs it may take (test/crash/findings.test.ts) */
  readonly foundIn: {
    readonly scenario: string;
    readonly personality: Personality;
    readonly faults: 'off' | 'swarm';
    readonly runsMax: number;
    /** root seed of the search, when not FINDINGS_ROOT_SEED (a rare tear the default seed's runs do not reach) */
    readonly rootSeed?: string;
  };
  /** the evidence sentence when the violation shows this finding's mechanism, else undefined */
  evidence(e: EvidenceInput): string | undefined;
  /** a finding of another design with the same mechanism (merged's MF3 is seed's F3) */
  readonly sameAs?: string | undefined;
}

const ALL: readonly Personality[] = ['ext4', 'ext4-weak', 'strict-posix', 'ordered'];

// ---------------------------------------------------------------------------
// Vocabulary of the evidence sentences

const laneShort = (lane: LaneId): string => `${lane.slice(0, 8)}…`;
const blockPath = (e: EvidenceInput, lane: LaneId, n: bigint): string => `${e.stateDir}/blocks/${blockFileName(lane, n)}`;
const commitQCPath = (e: EvidenceInput, i: bigint): string => `${e.stateDir}/commitqcs/${i}.pb`;
/** `blocks/ab12cd34…_3.pb`, `commitqcs/2.pb`, `avail_inner_a.pb` */
function rel(e: EvidenceInput, path: string): string {
  const r = path.startsWith(`${e.stateDir}/`) ? path.slice(e.stateDir.length + 1) : path;
  return r.replace(/([0-9a-f]{8})[0-9a-f]{56}_/, '$1…_');
}
const at = (inc: number, step: number): string => `step ${step} of incarnation ${inc}`;

/** The restart that began the current incarnation and, after a power loss, the crash before it. */
function lastRestart(e: EvidenceInput): { readonly restart: RestartEvent; readonly crash: CrashEvent | undefined } | undefined {
  const restart = e.forensics.restartOf(e.incarnation);
  if (restart === undefined) return undefined;
  return { restart, crash: restart.kind === 'power-loss' ? e.forensics.crashOf(e.incarnation - 1) : undefined };
}

function startView(e: EvidenceInput): DiskView | undefined {
  const r = e.forensics.restartOf(e.incarnation);
  return r === undefined ? undefined : readDisk(r.disk.files, e.stateDir, e.abPayload);
}

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));

/** The entry operation (create of `path`, or mkdir of its directory) among `ops`. */
function entryOpOf(ops: readonly OpRef[], path: string): OpRef | undefined {
  return ops.find((o) => (o.kind === 'create' && o.path === path) || (o.kind === 'mkdir' && o.path === parentOf(path)));
}

/** A crash lost a write, a create or a truncate of `path`: which one, in words. */
function lostDataOf(c: CrashEvent, path: string): string | undefined {
  const w = c.lost.find((o) => o.path === path && (o.kind === 'write' || o.kind === 'truncate'));
  if (c.torn?.path === path) return `the power loss tore its write at byte ${c.torn.cutAtBytes - c.torn.offsetBytes} of ${c.torn.lenBytes} (rest ${c.torn.fill})`;
  if (w !== undefined) return `the power loss lost its write (${w.text})`;
  return undefined;
}

// ---------------------------------------------------------------------------
// Shared mechanisms

/**
 * F3: `path`'s fsync returned, but its directory entry (its create, or the
 * mkdir of its directory) was not durable: still pending now (`afterCrash`
 * false), or lost by a power loss since that fsync (`afterCrash` true).
 */
function dirEntryNotDurable(e: EvidenceInput, path: string, afterCrash: boolean): string | undefined {
  const f = e.forensics;
  const posix = 'no directory fsync — durable only under POSIX directory-entry rules, beyond the spec\'s "fsync returned"';
  if (afterCrash) {
    // Any write of it whose fsync returned, newest first: a later write that never became
    // durable (re-created after a power loss, lost again) does not hide the first loss.
    const seen = new Set<number>();
    for (let k = e.incarnation - 1; k >= 0; k--) {
      const w = f.lastWrite(path, f.endOf(k));
      if (w === undefined || seen.has(w.open.seq)) continue;
      seen.add(w.open.seq);
      if (w.fsync !== 'ok') continue;
      const fsync = w.events.find((x) => x.primitive === 'fsync') as { incarnation: number; step: number };
      for (const crash of f.crashes) {
        if (crash.incarnation < fsync.incarnation || crash.incarnation >= e.incarnation) continue;
        const lost = entryOpOf(crash.lost, path);
        if (lost === undefined) continue;
        return `the fsync of ${rel(e, path)} returned at ${at(fsync.incarnation, fsync.step)}, but the power loss ending incarnation ${crash.incarnation} lost ${lost.kind === 'create' ? 'its directory entry' : `its directory ${rel(e, lost.path)}/ itself`} (${lost.text}): ${posix}`;
      }
    }
    return undefined;
  }
  const w = f.lastWrite(path);
  if (w === undefined || w.fsync !== 'ok') return undefined;
  const fsync = w.events.find((x) => x.primitive === 'fsync') as { incarnation: number; step: number };
  // Its data is durable (the fsync returned) and it was not unlinked since, yet the durable disk has no such name.
  if (w.events.some((x) => x.primitive === 'unlink')) return undefined;
  const durable = e.durable();
  if (durable.files.has(path)) return undefined;
  const dirMissing = !durable.dirs.includes(parentOf(path));
  return `the fsync of ${rel(e, path)} returned at ${at(fsync.incarnation, fsync.step)}, but ${dirMissing ? `its directory ${rel(e, parentOf(path))}/ itself` : 'its directory entry'} is still not durable: ${posix}`;
}

/**
 * F8 / F8b: `path`'s data was never durable, and a process restart (same page
 * cache) let the restarted node load it as persisted. `failedFsync`: F8 (an
 * fsync of it failed before the restart); otherwise F8b (a plain kill).
 */
function pageCacheTakenAsPersisted(e: EvidenceInput, path: string, failedFsync: boolean, beforeSeq = Number.MAX_SAFE_INTEGER): string | undefined {
  const f = e.forensics;
  for (const restart of f.restarts) {
    if (restart.kind !== 'process' || restart.incarnation > e.incarnation || !restart.pageCacheOnly.has(path)) continue;
    const restartSeq = f.endOf(restart.incarnation - 1);
    if (restartSeq > beforeSeq) continue;
    // The file's last write before that restart: its fsync failed (F8) or never ran (F8b, a plain kill).
    const w = f.lastWrite(path, restartSeq);
    if (w === undefined || w.fsync !== (failedFsync ? 'failed' : 'none')) continue;
    // Never made durable since: no later write of it whose fsync returned.
    const later = f.lastWrite(path, beforeSeq);
    if (later !== undefined && later.open.seq !== w.open.seq && later.fsync === 'ok') continue;
    if (failedFsync) {
      const x = w.events.find((y) => y.primitive === 'fsync' && y.result !== 'ok') as { incarnation: number; step: number; fault: string | undefined };
      return `the fsync of ${rel(e, path)} failed at ${at(x.incarnation, x.step)} (${x.fault ?? 'EIO'}): its data never reached the disk; the process restarted on the same page cache (incarnation ${restart.incarnation}) and the loader took the page-cache bytes as persisted (fsyncgate)`;
    }
    return `${rel(e, path)} was written at ${at(w.open.incarnation, w.open.step)} but not yet fsynced when the process restarted (incarnation ${restart.incarnation}: ${restart.why}); the restarted node loaded its page-cache bytes as persisted`;
  }
  return undefined;
}

/** The file a subject names, for the event-time rules of F3, F8 and F8b. */
function subjectFile(e: EvidenceInput): string | undefined {
  const s = e.v.subject;
  if (s === undefined) return undefined;
  if (s.kind === 'block') return blockPath(e, s.lane, s.n);
  if (s.kind === 'commitQC') return commitQCPath(e, s.index);
  return undefined;
}

/** Files a restart-form violation lost (lost votes' blocks, the published CommitQC, the AppQC's CommitQC). */
function lostFiles(e: EvidenceInput): string[] {
  const s = e.v.subject;
  if (s === undefined) return [];
  if (s.kind === 'votes') return s.votes.map((v) => blockPath(e, v.lane, v.n));
  if (s.kind === 'commitQC') return [commitQCPath(e, s.index)];
  if (s.kind === 'restart') {
    const r = /persisted AppQC at road index (\d+) but no matching commitQC/.exec(s.error);
    return r === null ? [] : [commitQCPath(e, BigInt(r[1] as string))];
  }
  return [];
}

function firstEvidence(files: readonly string[], f: (path: string) => string | undefined): string | undefined {
  for (const p of files) {
    const s = f(p);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** The CommitQC indices the seed loader keeps from a disk: the consecutive run from the smallest. */
function keptCommitQCs(view: DiskView): bigint[] {
  const ok = [...view.commitQCs.entries()].filter(([i, f]) => f.kind === 'ok' && f.value.vote.view.index === i).map(([i]) => i).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const kept: bigint[] = [];
  for (const i of ok) {
    const prev = kept[kept.length - 1];
    if (prev !== undefined && i !== prev + 1n) break;
    kept.push(i);
  }
  return kept;
}

/** F6: commitqcs/<r>.pb is intact on the start disk, but a gap above an older file made the loader drop it. */
function gapDroppedCommitQC(e: EvidenceInput, r: bigint): string | undefined {
  const view = startView(e);
  const lr = lastRestart(e);
  if (view === undefined || lr === undefined) return undefined;
  const f = view.commitQCs.get(r);
  if (f === undefined || f.kind !== 'ok') return undefined;
  const kept = keptCommitQCs(view);
  if (kept.includes(r) || kept.length === 0) return undefined;
  const oldest = kept[0] as bigint;
  const oldPath = commitQCPath(e, oldest);
  const unlinkLost = lr.crash?.lost.find((o) => o.kind === 'unlink' && o.path === oldPath);
  const why = unlinkLost !== undefined ? `its unlink (${unlinkLost.text}) was lost by the power loss` : 'it had not been deleted yet';
  return `the disk the node restarted from holds ${rel(e, oldPath)} (an old file: ${why}) and an intact ${rel(e, commitQCPath(e, r))} with a gap between: the gap-truncating loader keeps [${kept.join(', ')}] and drops CommitQC ${r}`;
}

/** F9: a lost voted block's file was unlinked by the prune step while the durable AppQC did not justify it. */
function unjustifiedPrune(e: EvidenceInput, v: LostVote): string | undefined {
  const path = blockPath(e, v.lane, v.n);
  const before = e.forensics.endOf(e.incarnation - 1);
  const u = [...e.forensics.blockUnlinks].reverse().find((x) => x.event.seq < before && x.event.path === path && x.event.group === 'deleteOldBlocks' && x.event.result === 'ok' && v.n >= x.durablePrunePoint);
  if (u === undefined) return undefined;
  // The file must be gone from the disk the node restarted from (not re-written since).
  const view = startView(e);
  if (view?.blocks.get(v.lane)?.has(v.n) === true) return undefined;
  const appqc = u.durableAppQC === undefined ? 'no AppQC was durable' : `the durable AppQC (${u.durableAppQC}) did not justify it (its prune point for the lane is ${u.durablePrunePoint})`;
  return `${rel(e, path)}, voted for in incarnation ${v.incarnation}, was unlinked at ${at(u.event.incarnation, u.event.step)} by deleteOldBlocks while ${appqc}; the power loss came before the new AppQC was durable`;
}

/** F7: a corrupted read of a lower block file made the loader truncate the lane, dropping an intact voted block. */
function corruptionTruncated(e: EvidenceInput, v: LostVote): string | undefined {
  const view = startView(e);
  const file = view?.blocks.get(v.lane)?.get(v.n);
  if (file === undefined || file.kind !== 'ok' || toHex(blockHeaderHash(file.value.block.header)) !== v.hashHex) return undefined;
  const corrupted = e.forensics.corruptedReads(e.incarnation).filter((x) => {
    const m = x.path === undefined ? null : /\/blocks\/([0-9a-f]{64})_(\d+)\.pb$/.exec(x.path);
    return m !== null && m[1] === v.lane && BigInt(m[2] as string) < v.n;
  });
  const c = corrupted[0];
  if (c === undefined || c.path === undefined) return undefined;
  return `a read of ${rel(e, c.path)} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}); the loader skipped it and truncated lane ${laneShort(v.lane)} at that gap, dropping the intact, durable ${rel(e, blockPath(e, v.lane, v.n))} the node had voted for (incarnation ${v.incarnation})`;
}

/** F15: the disk itself has a gap below an intact voted block, so the seed block loader drops it. */
function diskGapTruncated(e: EvidenceInput, v: LostVote): string | undefined {
  const view = startView(e);
  const lane = view?.blocks.get(v.lane);
  const file = lane?.get(v.n);
  if (lane === undefined || file?.kind !== 'ok' || toHex(blockHeaderHash(file.value.block.header)) !== v.hashHex) return undefined;
  const ok = [...lane.entries()].filter(([n, f]) => f.kind === 'ok' && f.value.block.header.blockNumber === n && f.value.block.header.lane === v.lane).map(([n]) => n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const kept: bigint[] = [];
  for (const n of ok) {
    const prev = kept[kept.length - 1];
    if (prev !== undefined && n !== prev + 1n) break;
    kept.push(n);
  }
  if (kept.length === 0 || kept.includes(v.n)) return undefined;
  const gapAt = (kept[kept.length - 1] as bigint) + 1n;
  // Why the disk has the gap: a stale file below it whose unlink was not durable, or a missing file whose create was lost.
  const f = e.forensics;
  const end = f.endOf(e.incarnation - 1);
  const stale = kept.map((n) => blockPath(e, v.lane, n)).find((p) => f.eventsOf(p).some((x) => x.primitive === 'unlink' && x.result === 'ok' && x.seq < end));
  let cause: string | undefined;
  if (stale !== undefined) {
    const u = [...f.eventsOf(stale)].reverse().find((x) => x.primitive === 'unlink' && x.result === 'ok' && x.seq < end) as { incarnation: number; step: number };
    cause = `${rel(e, stale)} is stale: it was unlinked at ${at(u.incarnation, u.step)}, but the unlink never became durable (no directory fsync) and a power loss undid it`;
  } else {
    const missing = blockPath(e, v.lane, gapAt);
    const lost = f.crashes.filter((c) => c.incarnation < e.incarnation).map((c) => entryOpOf(c.lost, missing)).find((o) => o !== undefined);
    if (lost !== undefined) cause = `${rel(e, missing)} is missing: a power loss lost its directory entry (${lost.text}; no directory fsync)`;
  }
  if (cause === undefined) return undefined;
  return `the disk the node restarted from holds blocks [${kept[0]}..${kept[kept.length - 1]}] of lane ${laneShort(v.lane)} and, above a gap at ${gapAt}, the intact ${rel(e, blockPath(e, v.lane, v.n))} the node voted for (incarnation ${v.incarnation}): ${cause}; the gap-truncating loader keeps the run below the gap and drops the voted block`;
}

/**
 * X1: own block `n` (header hash in the subject) was handed to the peers and
 * later produced again with different content; find the restart at which a
 * mechanism lost it and name it with `check` (each finding's own).
 */
function ownBlockLoss(e: EvidenceInput, check: (e2: EvidenceInput, v: LostVote) => string | undefined): string | undefined {
  const s = e.v.subject;
  if (s?.kind !== 'block' || s.hashHex === undefined) return undefined;
  // The first restart after which the node could not have the disseminated block: that one lost it.
  for (const r of e.forensics.restarts) {
    if (r.incarnation === 0 || r.incarnation <= (s.seenIn ?? -1)) continue;
    const v: LostVote = { lane: s.lane, n: s.n, hashHex: s.hashHex, incarnation: r.incarnation - 1, missing: true };
    const e2: EvidenceInput = { ...e, incarnation: r.incarnation, v: { ...e.v, subject: { kind: 'votes', votes: [v] } } };
    if (!blockLostAt(e2, v)) continue;
    const why = check(e2, v);
    return why === undefined ? undefined : `own block ${s.n}, handed to the peers before it was safe on disk, was lost at the restart of incarnation ${r.incarnation}: ${why}; the node then produced a different block ${s.n}`;
  }
  return undefined;
}

/** Whether the restart that began `e.incarnation` cannot have restored block `v` (absent or different on its disk, above a gap, or above a corrupted read of its lane). */
function blockLostAt(e: EvidenceInput, v: LostVote): boolean {
  const lane = startView(e)?.blocks.get(v.lane);
  const f = lane?.get(v.n);
  if (f?.kind !== 'ok' || toHex(blockHeaderHash(f.value.block.header)) !== v.hashHex) return true;
  const ok = [...(lane as Map<bigint, unknown>).keys()].filter((n) => lane?.get(n)?.kind === 'ok').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let n = ok[0] ?? v.n; n < v.n; n++) if (!ok.includes(n)) return true;
  return e.forensics.corruptedReads(e.incarnation).some((x) => {
    const m = x.path === undefined ? null : /\/blocks\/([0-9a-f]{64})_(\d+)\.pb$/.exec(x.path);
    return m !== null && m[1] === v.lane && BigInt(m[2] as string) <= v.n;
  });
}

function lostVotes(e: EvidenceInput): readonly LostVote[] {
  const s = e.v.subject;
  return s?.kind === 'votes' ? s.votes : [];
}

function anyVote(e: EvidenceInput, f: (v: LostVote) => string | undefined): string | undefined {
  for (const v of lostVotes(e)) {
    const s = f(v);
    if (s !== undefined) return s;
  }
  return undefined;
}

/**
 * F8 / F8b on the A/B file (I8): at a process restart one slot held page-cache-only
 * bytes (its fsync failed, or never ran); the loader took it as the newest slot, so the
 * next A/B write went to the other slot — the one whose write had been durable — and
 * overwrote the only durable AppQC.
 */
function abOverwrittenAfterPageCacheSlot(e: EvidenceInput, failedFsync: boolean): string | undefined {
  const f = e.forensics;
  const slots = ['avail_inner_a.pb', 'avail_inner_b.pb'].map((name) => ({ name, path: `${e.stateDir}/${name}` }));
  for (const restart of f.restarts) {
    if (restart.kind !== 'process' || restart.incarnation > e.incarnation) continue;
    for (const [i, x] of slots.entries()) {
      if (!restart.pageCacheOnly.has(x.path)) continue;
      const restartSeq = f.endOf(restart.incarnation - 1);
      const w = f.lastWrite(x.path, restartSeq);
      if (w === undefined || w.fsync !== (failedFsync ? 'failed' : 'none')) continue;
      const y = slots[1 - i] as (typeof slots)[number];
      // The other slot's next truncating open after that restart, while its previous write was durable.
      const over = f.eventsOf(y.path).find((ev) => ev.primitive === 'open' && ev.truncating && ev.seq >= restartSeq && ev.incarnation <= e.incarnation);
      if (over === undefined || f.lastWrite(y.path, over.seq)?.fsync !== 'ok') continue;
      const cause = failedFsync ? `the fsync of ${x.name} failed (its data never reached the disk)` : `${x.name} was written but not yet fsynced`;
      return `${cause} when the process restarted (incarnation ${restart.incarnation}); the loader took its page-cache bytes as the newest A/B slot, so the next A/B write, at ${at(over.incarnation, over.step)}, truncated ${y.name} — the slot whose write had been durable: the AppQC's only durable copy was overwritten`;
    }
  }
  return undefined;
}

/** Whether an A/B payload decodes as the design's message (seed: AppQC; merged: prune anchor). */
function payloadDecodes(e: EvidenceInput, data: Uint8Array): boolean {
  return (e.abPayload === 'anchor' ? decodePruneAnchor(data) : decodeAppQC(data)).kind === 'value';
}

/** The violations that page-cache-only data taken as persisted can show as (F8, F8b). */
const PAGE_CACHE_CODES = ['I3/vote-not-durable', 'I9/below-cursor-not-durable', 'I1/appqc-without-commitqc', 'I2/published-by-persist', 'I3/voted-block-lost-by-crash', 'I2/published-lost-by-crash', 'I5/error:persisted AppQC at road index N but no matching commitQC on disk', 'I8/appqc-lost-by-crash'];

/** F8 (`failedFsync`) / F8b: the violating or lost file's bytes were page-cache-only at a process restart. */
function pageCacheEvidence(e: EvidenceInput, failedFsync: boolean): string | undefined {
  if (e.v.code === 'I8/appqc-lost-by-crash') return abOverwrittenAfterPageCacheSlot(e, failedFsync);
  const file = subjectFile(e);
  if (file !== undefined && !e.v.code.includes('lost-by-crash')) return pageCacheTakenAsPersisted(e, file, failedFsync);
  const crash = lastRestart(e)?.crash;
  return firstEvidence(lostFiles(e), (p) => pageCacheTakenAsPersisted(e, p, failedFsync, crash === undefined ? undefined : e.forensics.endOf(crash.incarnation)));
}

/** The slot file of an A/B load failure and what the start disk holds there. */
function abSlots(e: EvidenceInput): { readonly name: string; readonly path: string; readonly bytes: Uint8Array | undefined }[] {
  const disk = e.forensics.restartOf(e.incarnation)?.disk;
  return ['avail_inner_a.pb', 'avail_inner_b.pb'].map((name) => ({ name, path: `${e.stateDir}/${name}`, bytes: disk?.files.get(`${e.stateDir}/${name}`) }));
}

/**
 * Why a file's bytes on the disk the node started from are not a whole write:
 * its last write before this incarnation failed, or never completed its fsync
 * before a power loss (lost, torn, or not yet issued) or a process restart.
 */
function partialWriteOf(e: EvidenceInput, path: string): string | undefined {
  const f = e.forensics;
  const w = f.lastWrite(path, f.endOf(e.incarnation - 1));
  if (w === undefined) return undefined;
  if (w.writeFailed !== undefined) return `its write failed at ${at(w.writeFailed.incarnation, w.writeFailed.step)} (${w.writeFailed.fault ?? w.writeFailed.result})`;
  if (w.fsync === 'ok') return undefined;
  for (const r of f.restarts) {
    if (r.incarnation <= w.open.incarnation || r.incarnation > e.incarnation) continue;
    if (r.kind === 'process') {
      if (r.pageCacheOnly.has(path)) return `the process restarted (incarnation ${r.incarnation}: ${r.why}) before its write was fsynced`;
      continue;
    }
    const crash = f.crashOf(r.incarnation - 1);
    if (crash === undefined) continue;
    const lost = lostDataOf(crash, path);
    if (lost !== undefined) return lost;
    return w.events.some((x) => x.primitive === 'write') ? `the power failed (end of incarnation ${crash.incarnation}) before its write was fsynced` : `the power failed (end of incarnation ${crash.incarnation}) after its create, before its write was issued`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// What recovery trusts (X3, X4; scenarios/oracles/trust.ts): where a restored object came from

/** The violation codes of X3/X4: the node holds (restored), publishes or serves a QC or block that does not verify. */
const TRUST_CODES = ['X3/restored-*', 'X3/published-*', 'X3/served-*', 'X4/restored-*', 'X4/served-*'];

/**
 * The files the object a trust violation names was loaded from at the startup of
 * `e.incarnation`: a block's file; a CommitQC's file (and, with a prune anchor, the
 * A/B slots that hold the anchor's CommitQC); the A/B slots for an AppQC.
 */
function loadedFrom(e: EvidenceInput): string[] {
  const s = e.v.subject;
  const ab = [`${e.stateDir}/avail_inner_a.pb`, `${e.stateDir}/avail_inner_b.pb`];
  if (s?.kind === 'block') return [blockPath(e, s.lane, s.n)];
  if (s?.kind === 'commitQC') return e.abPayload === 'anchor' ? [commitQCPath(e, s.index), ...ab] : [commitQCPath(e, s.index)];
  if (s?.kind === 'appQC') return ab;
  return [];
}

/**
 * A power loss before `e.incarnation` tore the last write of `path`, and the
 * disk the node started from still holds that torn file (no later write of it):
 * which power loss and where it cut.
 */
function tornOnStartDisk(e: EvidenceInput, path: string): { readonly crash: CrashEvent; readonly text: string } | undefined {
  const f = e.forensics;
  const bytes = f.restartOf(e.incarnation)?.disk.files.get(path);
  if (bytes === undefined) return undefined;
  const w = f.lastWrite(path, f.endOf(e.incarnation - 1));
  for (let k = f.crashes.length - 1; k >= 0; k--) {
    const c = f.crashes[k] as CrashEvent;
    if (c.incarnation >= e.incarnation || c.torn?.path !== path) continue;
    // The torn write is the file's last: the file on the start disk is its prefix.
    if (w === undefined || w.open.incarnation !== c.incarnation) return undefined;
    const t = c.torn;
    return { crash: c, text: `the power loss ending incarnation ${c.incarnation} tore the write of ${rel(e, path)} at byte ${t.cutAtBytes - t.offsetBytes} of ${t.lenBytes} (rest ${t.fill}), and the ${bytes.length} bytes left still decode` };
  }
  return undefined;
}

/**
 * The object was not loaded from a damaged file at this startup: the node wrote the
 * file it came from itself (in incarnation j), after a startup k ≤ j loaded an object
 * of that kind from a damaged file (`origin(k, path)`: why) — a damaged load persisted
 * again (the A/B file rewrites the AppQC it holds).
 */
function rewrittenAfterDamagedLoad(e: EvidenceInput, origin: (k: number, path: string) => string | undefined): string | undefined {
  const f = e.forensics;
  const files = loadedFrom(e);
  for (const path of files) {
    const w = f.lastWrite(path, f.endOf(e.incarnation - 1));
    if (w === undefined || w.open.incarnation >= e.incarnation) continue;
    const j = w.open.incarnation;
    for (let k = j; k >= 0; k--) {
      for (const p of files) {
        const why = origin(k, p);
        if (why !== undefined) return `${why}; the node kept what it loaded and wrote it to ${rel(e, path)} at ${at(j, w.open.step)}, which the startup of incarnation ${e.incarnation} loaded again`;
      }
    }
  }
  return undefined;
}

/**
 * LIVENESS under F14: a block file read back corrupted at this startup still decoded,
 * with another header than the file holds; the node holds that block, so the producer's
 * next block (whose parent is the true one) is rejected as an equivocation.
 */
function forkedByCorruptedBlock(e: EvidenceInput): string | undefined {
  const inner = e.state()?.core.inner;
  const view = startView(e);
  if (inner === undefined || view === undefined) return undefined;
  for (const c of e.forensics.corruptedReads(e.incarnation)) {
    const m = c.path === undefined ? null : /\/blocks\/([0-9a-f]{64})_(\d+)\.pb$/.exec(c.path);
    if (m === null) continue;
    const lane = m[1] as LaneId;
    const n = BigInt(m[2] as string);
    const held = inner.blocks.get(lane)?.get(n);
    const file = view.blocks.get(lane)?.get(n);
    if (held === undefined || file?.kind !== 'ok') continue;
    if (toHex(blockHeaderHash(held.block.header)) === toHex(blockHeaderHash(file.value.block.header))) continue;
    return `a read of ${rel(e, c.path as string)} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}) that still decode as block ${n} with another header than the file holds; the loader took it as persisted, so lane ${laneShort(lane)}'s chain forks at ${n}: the producer's block ${n + 1n}, whose parent is the true block ${n}, is rejected as an equivocation and the lane never moves again`;
  }
  return undefined;
}

/** What a trust violation says the node did with the object: holds after the restart, publishes, serves. */
function trustVerb(e: EvidenceInput): string {
  return e.v.code.includes('/restored-') ? 'restored it' : e.v.code.includes('/published-') ? 'restored it and published it' : 'restored it and served it';
}

// ---------------------------------------------------------------------------
// The findings of design seed

const SEED_FINDINGS: readonly Finding[] = [
  {
    id: 'F1',
    design: 'seed',
    personalities: ALL,
    codes: ['I2/published-by-prune', 'I2/published-lost-by-crash'],
    needs: 'any disk, no faults',
    title: 'prune publishes a fast-forwarded CommitQC before it is on disk; a crash then loses a published CommitQC',
    foundIn: { scenario: 'persist-prune-race', personality: 'ext4-weak', faults: 'off', runsMax: 3 },
    evidence(e) {
      const s = e.v.subject;
      if (s?.kind !== 'commitQC') return undefined;
      if (e.v.code === 'I2/published-by-prune') {
        // The store being judged: prune's, in this incarnation, of this index.
        const p = [...e.publications].reverse().find((x) => x.incarnation === e.incarnation && x.index === s.index);
        if (p?.writer !== 'prune') return undefined;
        return `prune's fast-forward published CommitQC ${s.index} at ${at(p.incarnation, p.step)} while ${rel(e, commitQCPath(e, s.index))} was not durable (PushAppQC is not gated on durability)`;
      }
      // Restart form: the lost publication was prune's, and its file was never fsynced before the power loss.
      // Restart form: the lost publication was prune's, and its file's write had not completed when the node went down.
      const p = e.publications.find((x) => x.index === s.index);
      const lr = lastRestart(e);
      if (p?.writer !== 'prune' || lr === undefined) return undefined;
      const path = commitQCPath(e, s.index);
      const w = e.forensics.lastWrite(path, e.forensics.endOf(e.incarnation - 1));
      if (w !== undefined && w.fsync === 'ok') return undefined;
      return `prune's fast-forward published CommitQC ${s.index} at ${at(p.incarnation, p.step)}; ${rel(e, path)} was ${w === undefined ? 'not yet written' : 'written but not yet fsynced'} when ${lr.restart.kind === 'process' ? 'the process restarted' : 'the power failed'}`;
    },
  },
  {
    id: 'F2',
    design: 'seed',
    personalities: ALL,
    codes: ['X2/regressed-by-persist', 'I11/appended-beyond-published'],
    needs: 'any disk, no faults',
    title: 'after a fast-forward the persist loop publishes an older CommitQC: latestCommitQC goes backwards (and PushCommitQC then appends past it, I11)',
    foundIn: { scenario: 'persist-prune-race', personality: 'ext4-weak', faults: 'off', runsMax: 5 },
    evidence(e) {
      const s = e.v.subject;
      if (s?.kind !== 'commitQC') return undefined;
      const here = e.publications.filter((p) => p.incarnation === e.incarnation);
      if (e.v.code === 'X2/regressed-by-persist') {
        // This store is the regression: the value it went back from was prune's.
        const high = here.find((q) => q.writer === 'prune' && q.index === s.from);
        if (high === undefined) return undefined;
        return `prune's fast-forward published CommitQC ${high.index} at ${at(high.incarnation, high.step)}; the persist loop, with a batch collected before the prune, then stored the older CommitQC ${s.index} at step ${e.v.step}`;
      }
      // I11: a regression by persist from a value prune had published (this incarnation) came first.
      for (let i = 0; i < here.length; i++) {
        const p = here[i] as Publication;
        if (p.writer !== 'persist') continue;
        const high = here.slice(0, i).find((q) => q.writer === 'prune' && q.index > p.index);
        if (high === undefined) continue;
        return `prune's fast-forward published CommitQC ${high.index} at ${at(high.incarnation, high.step)}; the persist loop, with a batch collected before the prune, then stored the older CommitQC ${p.index} at step ${p.step}; PushCommitQC then appended CommitQC ${s.index} past it`;
      }
      return undefined;
    },
  },
  {
    id: 'F3',
    design: 'seed',
    personalities: ['strict-posix'],
    codes: ['I3/vote-not-durable', 'I2/published-by-persist', 'I1/appqc-without-commitqc', 'I9/below-cursor-not-durable', 'I3/voted-block-lost-by-crash', 'I2/published-lost-by-crash', 'I5/error:persisted AppQC at road index N but no matching commitQC on disk', 'X1/own-equivocation'],
    needs: 'POSIX directory-entry durability (strict-posix): beyond the spec\'s "fsync returned" definition of durable; no faults',
    title: 'no directory fsync: new block and CommitQC files (and blocks/, commitqcs/ themselves) can vanish after their fsync — a violation only under POSIX directory-entry durability, beyond the spec\'s "fsync returned" definition',
    foundIn: { scenario: 'steady', personality: 'strict-posix', faults: 'off', runsMax: 3 },
    evidence(e) {
      if (e.v.code.startsWith('X1/')) return ownBlockLoss(e, (e2, v) => (startView(e2)?.blocks.get(v.lane)?.get(v.n) === undefined ? dirEntryNotDurable(e2, blockPath(e2, v.lane, v.n), true) : undefined));
      const file = subjectFile(e);
      if (file !== undefined && !e.v.code.includes('lost-by-crash')) return dirEntryNotDurable(e, file, false);
      return firstEvidence(lostFiles(e), (p) => dirEntryNotDurable(e, p, true));
    },
  },
  {
    id: 'F4',
    design: 'seed',
    personalities: ALL,
    codes: ['I5/abort:decode block file*'],
    needs: 'any disk; a power loss between a block file\'s create and its data, or a failed write',
    title: 'an empty or cut block file (created, data not yet durable, or a failed write) makes the restart panic',
    foundIn: { scenario: 'torn-writes', personality: 'ordered', faults: 'off', runsMax: 30 },
    evidence(e) {
      const s = e.v.subject;
      const m = s?.kind === 'restart' ? /decode block file (\S+?):/.exec(s.error) : null;
      if (m === null) return undefined;
      const path = `${e.stateDir}/blocks/${m[1]}`;
      const bytes = e.forensics.restartOf(e.incarnation)?.disk.files.get(path);
      if (bytes === undefined) return undefined;
      const why = partialWriteOf(e, path);
      if (why === undefined) return undefined;
      return `${rel(e, path)} holds ${bytes.length === 0 ? 'no bytes' : `only ${bytes.length} bytes`} on the disk the node restarted from: its create was kept but ${why}; the loader decodes it as a message without content and panics instead of skipping it`;
    },
  },
  {
    id: 'F5',
    design: 'seed',
    personalities: ALL,
    codes: ['X1/own-equivocation'],
    needs: 'any disk, no faults; a restart before an own block is durable',
    title: 'after a crash the node re-produces an own block it had already disseminated, with different content',
    foundIn: { scenario: 'torn-writes-byte', personality: 'ordered', faults: 'off', runsMax: 30 },
    evidence: (e) =>
      ownBlockLoss(e, (e2, v) => {
        const path = blockPath(e2, v.lane, v.n);
        const f = startView(e2)?.blocks.get(v.lane)?.get(v.n);
        if (f?.kind === 'ok') return undefined;
        // Not yet durable when the node went down: never written, or its write not yet fsynced.
        const w = e2.forensics.lastWrite(path, e2.forensics.endOf(e2.incarnation - 1));
        if (w !== undefined && w.fsync === 'ok') return undefined;
        const r = e2.forensics.restartOf(e2.incarnation) as RestartEvent;
        const crash = r.kind === 'power-loss' ? e2.forensics.crashOf(e2.incarnation - 1) : undefined;
        const lost = crash === undefined ? undefined : lostDataOf(crash, path);
        return `${rel(e2, path)} was ${w === undefined ? 'not yet written' : (lost ?? 'not yet fsynced')} when ${r.kind === 'process' ? 'the process restarted' : 'the power failed'}`;
      }),
  },
  {
    id: 'F6',
    design: 'seed',
    personalities: ALL,
    codes: ['I5/error:persisted AppQC at road index N but no matching commitQC on disk', 'I2/published-lost-by-crash'],
    needs: 'any disk, no faults; a power loss after a fast-forward, before the old CommitQC files are gone',
    title: 'after a fast-forward, an old CommitQC file whose unlink was lost makes the gap-truncating loader drop the AppQC\'s CommitQC: restart fails',
    foundIn: { scenario: 'fast-forward', personality: 'ordered', faults: 'off', runsMax: 30 },
    evidence(e) {
      const files = lostFiles(e);
      for (const p of files) {
        const m = /\/commitqcs\/(\d+)\.pb$/.exec(p);
        if (m === null) continue;
        const s = gapDroppedCommitQC(e, BigInt(m[1] as string));
        if (s !== undefined) return s;
      }
      return undefined;
    },
  },
  {
    id: 'F7',
    design: 'seed',
    personalities: ['ext4', 'ext4-weak', 'ordered'],
    codes: ['I3/voted-block-lost-by-crash', 'X1/own-equivocation'],
    needs: 'any disk; media corruption of a block file below a voted one (a read returns flipped bits)',
    title: 'a corrupt read of one block file at startup truncates the lane at that gap: intact, durable blocks above it that the node voted for are dropped',
    foundIn: { scenario: 'read-corruption', personality: 'ext4-weak', faults: 'off', runsMax: 30 },
    evidence: (e) => (e.v.code.startsWith('X1/') ? ownBlockLoss(e, corruptionTruncated) : anyVote(e, (v) => corruptionTruncated(e, v))),
  },
  {
    id: 'F8',
    design: 'seed',
    personalities: ['ext4', 'ext4-weak', 'ordered'],
    codes: PAGE_CACHE_CODES,
    needs: 'any disk; an fsync failure (EIO) on a block, CommitQC or A/B file, then a process restart',
    title: 'after an fsync failure and a process restart the node loads page-cache-only data as persisted and votes for it (fsyncgate)',
    foundIn: { scenario: 'write-errors', personality: 'ext4-weak', faults: 'off', runsMax: 30 },
    evidence: (e) => pageCacheEvidence(e, true),
  },
  {
    id: 'F8b',
    design: 'seed',
    personalities: ['ext4', 'ext4-weak', 'ordered'],
    codes: PAGE_CACHE_CODES,
    needs: 'any disk, no faults; the process killed between a file\'s write and its fsync, then restarted',
    title: 'after a plain process restart (killed between a write and its fsync) the node loads page-cache-only data as persisted and votes for it',
    foundIn: { scenario: 'read-corruption', personality: 'ext4-weak', faults: 'off', runsMax: 150 },
    evidence: (e) => pageCacheEvidence(e, false),
  },
  {
    id: 'F9',
    design: 'seed',
    personalities: ALL,
    codes: ['I3/voted-block-lost-by-crash', 'X1/own-equivocation'],
    needs: 'any disk, no faults; a power loss between the block deletion and the AppQC write of one iteration',
    title: 'old block files are deleted (step 2) before the AppQC that justifies it is written (step 4): a crash in between loses voted blocks',
    foundIn: { scenario: 'long-haul', personality: 'ordered', faults: 'off', runsMax: 30 },
    evidence: (e) => (e.v.code.startsWith('X1/') ? ownBlockLoss(e, unjustifiedPrune) : anyVote(e, (v) => unjustifiedPrune(e, v))),
  },
  {
    id: 'F10',
    design: 'seed',
    personalities: ALL,
    codes: ['I5/error:NewPersister avail_inner: no valid state*'],
    needs: 'any disk; a failed or torn first write of the A/B file',
    title: 'a torn or failed first write of the A/B file leaves a corrupt slot beside an empty one: the load decision is an error and the node never restarts',
    foundIn: { scenario: 'ab-write-errors', personality: 'ext4-weak', faults: 'off', runsMax: 30 },
    evidence(e) {
      const slots = abSlots(e);
      const empty = slots.find((s) => s.bytes === undefined || s.bytes.length === 0);
      const corrupt = slots.find((s) => s.bytes !== undefined && s.bytes.length > 0 && 'error' in decodeWrapper(s.bytes));
      if (empty === undefined || corrupt === undefined) return undefined;
      const why = partialWriteOf(e, corrupt.path);
      if (why === undefined) return undefined;
      return `${corrupt.name} holds a cut first write (${why}) and ${empty.name} is empty: "Corrupt + NotExist" is an error, not "no data", so the node cannot restart`;
    },
  },
  {
    id: 'F11',
    design: 'seed',
    personalities: ALL,
    codes: ['I5/error:NewPersister avail_inner: unmarshal persisted*'],
    needs: 'a disk that can tear a write and leave its tail zeroed (ext4 without data=ordered, XFS); no faults',
    title: 'an A/B write torn with a zero (or garbage) tail still parses as a wrapper, its payload does not, and the loader never falls back to the other slot — on the first A/B write there is no older valid slot at all',
    foundIn: { scenario: 'torn-targeted', personality: 'ordered', faults: 'off', runsMax: 30 },
    evidence(e) {
      // The power loss that tore the winning slot's last write.
      const slots = abSlots(e);
      const torn = e.forensics.crashes.filter((c) => c.incarnation < e.incarnation && c.torn !== undefined && c.torn.fill !== 'old' && slots.some((x) => x.path === c.torn?.path)).map((c) => c.torn).pop();
      if (torn === undefined) return undefined;
      const winner = slots.find((s) => s.path === torn.path);
      if (winner?.bytes === undefined) return undefined;
      const w = decodeWrapper(winner.bytes);
      if ('error' in w || w.ok.data === undefined || payloadDecodes(e, w.ok.data)) return undefined;
      const other = slots.find((s) => s !== winner) as (typeof slots)[number];
      const ow = other.bytes === undefined || other.bytes.length === 0 ? undefined : decodeWrapper(other.bytes);
      const otherText = ow === undefined ? `${other.name} is empty: this was the first A/B write, there is no older valid slot` : 'error' in ow ? `${other.name} is corrupt too` : `${other.name} holds the valid seq ${ow.ok.seq}, which the loader does not fall back to`;
      return `the power loss tore the A/B write of ${winner.name} (seq ${w.ok.seq}) at byte ${torn.cutAtBytes - torn.offsetBytes} of ${torn.lenBytes} with a ${torn.fill} tail: the wrapper's seq and length survive and parse, its ${e.abPayload === 'anchor' ? 'prune anchor' : 'AppQC'} payload does not; ${otherText}`;
    },
  },
  {
    id: 'F12',
    design: 'seed',
    personalities: ALL,
    codes: ['LIVENESS/livelock:avail/persist'],
    needs: 'any disk, no faults; a prune that empties a lane past its persistence cursor',
    title: 'the persist loop busy-spins when a prune empties a lane past its persistence cursor: the wake predicate holds, the batch is empty, nothing moves the cursor',
    foundIn: { scenario: 'torn-targeted', personality: 'ordered', faults: 'off', runsMax: 30 },
    evidence(e) {
      const inner = e.state()?.core.inner;
      if (inner === undefined || e.emptyBatchesInARow < 100) return undefined;
      for (const [lane, q] of inner.blocks) {
        const cursor = inner.nextBlockToPersist.get(lane) ?? 0n;
        if (q.first === q.next && cursor < q.first) {
          return `lane ${laneShort(lane)}: nextBlockToPersist ${cursor} < blocks.first = blocks.next = ${q.first} (a prune emptied the lane past the cursor); the persist loop collected ${e.emptyBatchesInARow} empty batches in a row`;
        }
      }
      return undefined;
    },
  },
  {
    id: 'F13',
    design: 'seed',
    personalities: ALL,
    codes: ['I4/delete-at-or-above-appqc'],
    needs: 'any disk; media corruption of a CommitQC file read at startup (a sticky bit flip)',
    title: 'a corrupt read of a CommitQC file at startup (a sticky bit flip) makes the loader skip it, and the cleanup then deletes it although no durable AppQC justifies that: a read error destroys durable data',
    foundIn: { scenario: 'read-corruption', personality: 'ordered', faults: 'off', runsMax: 150 },
    evidence(e) {
      const s = e.v.subject;
      if (s?.kind !== 'commitQC') return undefined;
      const path = commitQCPath(e, s.index);
      const c = e.forensics.corruptedReads(e.incarnation, path)[0];
      if (c === undefined) return undefined;
      return `a read of ${rel(e, path)} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}): the loader skipped it, so the CommitQC queue starts above it, and the persist loop's cleanup now deletes the durable file although the durable AppQC does not justify it`;
    },
  },
  {
    id: 'F14',
    design: 'seed',
    personalities: ALL,
    codes: ['I3/vote-not-durable', 'I9/below-cursor-not-durable', 'I3/voted-block-lost-by-crash', ...TRUST_CODES, 'LIVENESS/*'],
    needs: 'any disk; media corruption of a block (or CommitQC, A/B) file that still decodes (a read returns flipped bits)',
    title: 'a file that reads back corrupted but still decodes is loaded as persisted (no checksum, no signature or quorum check on load): the node votes for a header no one proposed, and holds, publishes and serves blocks and QCs that do not verify (X3, X4)',
    foundIn: { scenario: 'swarm-faults', personality: 'ext4-weak', faults: 'swarm', runsMax: 60 },
    evidence(e) {
      const s = e.v.subject;
      // X3/X4: the object that does not verify was loaded, at this incarnation's startup, from a file whose read returned corrupted bytes.
      if (e.v.code.startsWith('X3/') || e.v.code.startsWith('X4/')) {
        const corrupted = (k: number, path: string): string | undefined => {
          const c = e.forensics.corruptedReads(k, path)[0];
          return c === undefined ? undefined : `a read of ${rel(e, path)} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}) that still decode`;
        };
        for (const path of loadedFrom(e)) {
          const why = corrupted(e.incarnation, path);
          if (why !== undefined) return `${why}: the loader, which checks no signature, quorum or payload hash, ${trustVerb(e)}`;
        }
        const again = rewrittenAfterDamagedLoad(e, corrupted);
        return again === undefined ? undefined : `${again}: the loader, which checks no signature, quorum or payload hash, ${trustVerb(e)}`;
      }
      // Liveness: a corrupted read changed a restored block's header; the lane's chain forks there.
      if (e.v.code.startsWith('LIVENESS/')) return forkedByCorruptedBlock(e);
      // Restart form: the vote was for the corrupted read; the restarted node reads the true block.
      if (s?.kind === 'votes') {
        for (const v of s.votes) {
          if (v.missing) continue;
          const path = blockPath(e, v.lane, v.n);
          const c = e.forensics.corruptedReads(v.incarnation, path)[0];
          if (c !== undefined) return `a read of ${rel(e, path)} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}) that still decoded as a block; the node voted for that header, and after the restart it reads the true, different block`;
        }
        return undefined;
      }
      if (s?.kind !== 'block') return undefined;
      const path = blockPath(e, s.lane, s.n);
      const c = e.forensics.corruptedReads(e.incarnation, path)[0];
      if (c === undefined) return undefined;
      // The file itself is on disk; what the node loaded is not what it holds.
      const f = readDisk(e.durable().files, e.stateDir, e.abPayload).blocks.get(s.lane)?.get(s.n);
      if (f?.kind !== 'ok') return undefined;
      return `a read of ${rel(e, path)} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}) that still decode as a block: the loader, with no checksum and no signature check, took it as persisted, and the node vouches for a header that is not the one on disk`;
    },
  },
  {
    id: 'F15',
    design: 'seed',
    personalities: ['strict-posix'],
    codes: ['I3/voted-block-lost-by-crash', 'X1/own-equivocation'],
    needs: 'POSIX directory-entry durability (strict-posix): a power loss that undoes some block unlinks (or creates) but not others; no faults',
    title: 'a power loss that undoes some unlinks of old block files (never followed by a directory fsync) leaves a gap on disk below newer blocks: the gap-truncating block loader drops the voted blocks above it',
    foundIn: { scenario: 'crash-restart', personality: 'strict-posix', faults: 'off', runsMax: 120 },
    evidence: (e) => (e.v.code.startsWith('X1/') ? ownBlockLoss(e, diskGapTruncated) : anyVote(e, (v) => diskGapTruncated(e, v))),
  },
  // F16–F29: seed findings of what recovery trusts (h-oracles2; /work/wt/FINDING-IDS.md)
  {
    id: 'F16',
    design: 'seed',
    personalities: ALL,
    codes: TRUST_CODES,
    needs: 'a disk that can tear a write where an encoded field ends (byte-granular tears: disks without power-loss protection, or sector tears of files spanning sectors); no faults',
    title: 'recovery trusts a torn file that still parses: a CommitQC file cut between its signatures is restored and published as latestCommitQC with fewer signatures than a quorum (an AppQC or block torn inside its signatures likewise); no loader checks a signature, a quorum or a payload hash (spec §1.6)',
    foundIn: { scenario: 'torn-parseable', personality: 'ext4', faults: 'off', runsMax: 60 },
    evidence(e) {
      for (const path of loadedFrom(e)) {
        const t = tornOnStartDisk(e, path);
        if (t !== undefined) return `${t.text}; the loader, which checks no signature, quorum or payload hash, ${trustVerb(e)}`;
      }
      const again = rewrittenAfterDamagedLoad(e, (k, path) => tornOnStartDisk({ ...e, incarnation: k }, path)?.text);
      return again === undefined ? undefined : `${again}: the loader, which checks no signature, quorum or payload hash, ${trustVerb(e)}`;
    },
  },
  {
    id: 'F18',
    design: 'seed',
    personalities: ALL,
    codes: ['I8/appqc-lost-by-crash'],
    needs: 'a disk that can tear a write right after the A/B wrapper\'s seq field (byte-granular tears; torn mode field or byte); no faults',
    title: 'a torn A/B write that kept only the new sequence number (cut right after the wrapper\'s seq field) parses as a slot without payload and wins the load decision: the restart forgets the durable AppQC',
    foundIn: { scenario: 'torn-parseable', personality: 'ordered', faults: 'off', runsMax: 60 },
    evidence(e) {
      const slots = abSlots(e);
      const decoded = slots.map((x) => ({ ...x, w: x.bytes === undefined || x.bytes.length === 0 ? undefined : decodeWrapper(x.bytes) }));
      for (const winner of decoded) {
        if (winner.w === undefined || 'error' in winner.w || winner.w.ok.data !== undefined) continue;
        const other = decoded.find((x) => x !== winner) as (typeof decoded)[number];
        if (other.w === undefined || 'error' in other.w || other.w.ok.data === undefined || other.w.ok.seq >= winner.w.ok.seq) continue;
        const t = tornOnStartDisk(e, winner.path);
        if (t === undefined) continue;
        return `${t.text} as a wrapper with seq ${winner.w.ok.seq} and no payload; it wins the load decision over ${other.name} (seq ${other.w.ok.seq}, with its AppQC) and "no data" restores no AppQC`;
      }
      return undefined;
    },
  },
];

// ---------------------------------------------------------------------------
// The findings of design merged
//
// Merged shares most of its file handling with seed, so most of its findings
// are seed's mechanisms, recognised by the same evidence rules: MF<n> is seed's
// F<n> as it shows in merged (with the extra ways merged's code lets it show).
// A mechanism only merged has would take an id from F30–F49 (none so far). Seed's F1, F2, F6, F7,
// F9, F12, F13 and F15 do not occur in merged (reports/findings.md, "Seed
// findings in design merged"; test/crash/findings-across-designs.test.ts).

const seedFinding = (id: string): Finding => SEED_FINDINGS.find((f) => f.id === id) as Finding;

/** Seed's finding `id` as a finding of design merged: same mechanism and evidence, merged's cell and extra codes. */
function inMerged(id: string, o: Partial<Omit<Finding, 'id' | 'design'>>): Finding {
  const f = seedFinding(id);
  return { ...f, ...o, id: `M${id}`, design: 'merged', sameAs: id };
}

/** Restart errors of merged's strict newInner that name the first missing file of a gap. */
const MERGED_GAP_CODES = ['I5/error:lane validator:edN:public:H: non-contiguous persisted blocks*', 'I5/error:non-contiguous persisted commitQCs*'];

/** The file a merged gap error names as missing (`expected <n>`). */
function gapFile(e: EvidenceInput): string | undefined {
  const s = e.v.subject;
  if (s?.kind !== 'restart') return undefined;
  const b = /lane validator:ed25519:public:([0-9a-f]{64}): non-contiguous persisted blocks: expected (\d+),/.exec(s.error);
  if (b !== null) return blockPath(e, b[1] as LaneId, BigInt(b[2] as string));
  const q = /non-contiguous persisted commitQCs: expected (\d+),/.exec(s.error);
  return q === null ? undefined : commitQCPath(e, BigInt(q[1] as string));
}

/** merged's codes of acting on a loaded anchor: the startup cleanup's unlinks (I4), the admission watermark (I6). */
const ANCHOR_ACTED_CODES = ['I4/block-delete-at-or-above-anchor', 'I4/delete-at-or-above-appqc', 'I6/watermark-not-durable'];

/** MF8/MF8b: the anchor the node acted on came from an A/B slot that was only in the page cache. */
function anchorFromPageCache(e: EvidenceInput, failedFsync: boolean): string | undefined {
  if (!ANCHOR_ACTED_CODES.includes(e.v.code)) return undefined;
  const why = firstEvidence(abSlots(e).map((x) => x.path), (p) => pageCacheTakenAsPersisted(e, p, failedFsync));
  if (why === undefined) return undefined;
  const acted = e.v.code === 'I4/block-delete-at-or-above-anchor' ? 'deleted block files below its prune points' : e.v.code.startsWith('I4/') ? 'deleted CommitQC files below its index' : 'advanced its admission watermark to its prune points';
  return `${why}; the restarted node took that anchor as durable and ${acted}, which the durable anchor does not justify`;
}

/**
 * MF8/MF8b, restart form: a lost voted block's file was unlinked (startup cleanup
 * or deleteOldBlocks) on the strength of an anchor that was only in the page
 * cache; a power loss then brought back the older durable anchor, which needs the block.
 */
function unlinkedOnPageCacheAnchor(e: EvidenceInput, v: { readonly lane: LaneId; readonly n: bigint; readonly incarnation?: number }, failedFsync: boolean): string | undefined {
  const path = blockPath(e, v.lane, v.n);
  const before = e.forensics.endOf(e.incarnation - 1);
  const u = [...e.forensics.blockUnlinks].reverse().find((x) => x.event.seq < before && x.event.path === path && x.event.result === 'ok' && v.n >= x.durablePrunePoint);
  if (u === undefined || startView(e)?.blocks.get(v.lane)?.has(v.n) === true) return undefined;
  const why = firstEvidence(abSlots(e).map((x) => x.path), (p) => pageCacheTakenAsPersisted(e, p, failedFsync, u.event.seq));
  if (why === undefined) return undefined;
  const voted = v.incarnation === undefined ? '' : `, voted for in incarnation ${v.incarnation},`;
  return `${why}; on the strength of that anchor ${rel(e, path)}${voted} was unlinked at ${at(u.event.incarnation, u.event.step)}${u.event.group === undefined ? ' by the startup cleanup' : ` by ${u.event.group}`} although the durable anchor keeps the lane's blocks from ${u.durablePrunePoint}; the power loss brought that older anchor back`;
}

/** MF8/MF8b, merged's gap form: the file the strict newInner misses was only in the page cache when the node loaded it. */
function gapFromPageCache(e: EvidenceInput, failedFsync: boolean): string | undefined {
  const gap = gapFile(e);
  if (gap === undefined) return undefined;
  const why = pageCacheTakenAsPersisted(e, gap, failedFsync);
  if (why !== undefined) return `${why}; the node went on from it, and after the power loss the file is missing below newer ones: merged's newInner refuses the gap ("non-contiguous"), so the node cannot restart`;
  // Or the missing block was unlinked on a page-cache-only anchor, and the power loss kept that unlink but not those above it.
  const m = /\/blocks\/([0-9a-f]{64})_(\d+)\.pb$/.exec(gap);
  const unlinked = m === null ? undefined : unlinkedOnPageCacheAnchor(e, { lane: m[1] as LaneId, n: BigInt(m[2] as string) }, failedFsync);
  return unlinked === undefined ? undefined : `${unlinked}, and kept this unlink but not those of the files above it: merged's newInner refuses the gap ("non-contiguous"), so the node cannot restart`;
}

/** MF8 / MF8b: seed's page-cache rules plus merged's anchor, unlink and gap forms. */
function mergedPageCache(id: 'F8' | 'F8b', failedFsync: boolean): (e: EvidenceInput) => string | undefined {
  return (e) => anchorFromPageCache(e, failedFsync) ?? gapFromPageCache(e, failedFsync) ?? anyVote(e, (v) => unlinkedOnPageCacheAnchor(e, v, failedFsync)) ?? seedFinding(id).evidence(e);
}

/**
 * MF14's anchor forms: an A/B slot read back corrupted in this incarnation, or in
 * an earlier one after which the node wrote an anchor again (merged re-writes the
 * loaded anchor in its first iteration, spec §12 row 33: the damage is now on disk).
 */
function corruptedAnchorReads(e: EvidenceInput): { readonly slot: { readonly name: string }; readonly c: ReturnType<Forensics['corruptedReads']>[number]; readonly rewritten: boolean }[] {
  const slots = abSlots(e);
  const out = [];
  for (let k = e.incarnation; k >= 0; k--) {
    for (const slot of slots) {
      const c = e.forensics.corruptedReads(k, slot.path)[0];
      if (c === undefined) continue;
      const rewritten = k < e.incarnation && slots.some((x) => e.forensics.eventsOf(x.path).some((w) => w.incarnation === k && w.seq > c.seq && w.primitive === 'write' && w.result === 'ok'));
      if (k === e.incarnation || rewritten) out.push({ slot, c, rewritten });
    }
    if (out.length > 0) break;
  }
  return out;
}

/**
 * MF14, forked-lane form: a block file read back corrupted at this restart still
 * decoded; the node holds that header as the lane's block while the disk (and the
 * network) hold the true one, so no later block of the lane chains onto it.
 */
function forkedLane(e: EvidenceInput): string | undefined {
  const inner = e.state()?.core.inner;
  if (inner === undefined) return undefined;
  const disk = readDisk(e.durable().files, e.stateDir, e.abPayload);
  for (const c of e.forensics.corruptedReads(e.incarnation)) {
    const m = c.path === undefined ? null : /\/blocks\/([0-9a-f]{64})_(\d+)\.pb$/.exec(c.path);
    if (m === null || c.path === undefined) continue;
    const lane = m[1] as LaneId;
    const n = BigInt(m[2] as string);
    const held = inner.blocks.get(lane)?.get(n) as { readonly block: { readonly header: Parameters<typeof blockHeaderHash>[0] } } | undefined;
    const onDisk = disk.blocks.get(lane)?.get(n);
    if (held === undefined || onDisk?.kind !== 'ok') continue;
    if (toHex(blockHeaderHash(held.block.header)) === toHex(blockHeaderHash(onDisk.value.block.header))) continue;
    return `a read of ${rel(e, c.path)} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}) that still decoded as a block: the node holds that header as block ${n} of lane ${laneShort(lane)}, not the one on disk, so the lane's next blocks never chain onto it and nothing can move`;
  }
  return undefined;
}

/** The power loss that tore `path`'s last write before this incarnation, in words. */
function tornBefore(e: EvidenceInput, path: string): string | undefined {
  const c = e.forensics.crashes.filter((x) => x.incarnation < e.incarnation && x.torn?.path === path).pop();
  const t = c?.torn;
  return t === undefined ? undefined : `the power loss ending incarnation ${(c as CrashEvent).incarnation} tore the A/B write of ${rel(e, path)} at byte ${t.cutAtBytes - t.offsetBytes} of ${t.lenBytes} (rest ${t.fill})`;
}

const MERGED_FINDINGS: readonly Finding[] = [
  inMerged('F3', {
    codes: [...seedFinding('F3').codes, ...MERGED_GAP_CODES],
    title: 'no directory fsync: new block and CommitQC files (and blocks/, commitqcs/ themselves) can vanish after their fsync; in merged a vanished file below others is a gap its strict newInner refuses, so the node does not restart at all',
    foundIn: { scenario: 'steady', personality: 'strict-posix', faults: 'off', runsMax: 3 },
    evidence(e) {
      const gap = gapFile(e);
      if (gap !== undefined) {
        const why = dirEntryNotDurable(e, gap, true);
        return why === undefined ? undefined : `${why}; merged's newInner refuses the gap this leaves ("non-contiguous"), so the node cannot restart`;
      }
      return seedFinding('F3').evidence(e);
    },
  }),
  inMerged('F4', { foundIn: { scenario: 'crash-restart', personality: 'ordered', faults: 'off', runsMax: 30 } }),
  inMerged('F5', { foundIn: { scenario: 'crash-restart', personality: 'ext4', faults: 'off', runsMax: 30 } }),
  inMerged('F8', {
    codes: [...seedFinding('F8').codes, ...ANCHOR_ACTED_CODES, ...MERGED_GAP_CODES],
    title: 'after an fsync failure and a process restart the node loads page-cache-only data as persisted (fsyncgate): it votes for such blocks, and in merged it acts on an anchor that never reached the disk (the startup cleanup deletes block and CommitQC files, the watermark admits blocks) or builds on a CommitQC or block file a later power loss leaves as a gap',
    foundIn: { scenario: 'ab-write-errors', personality: 'ext4', faults: 'off', runsMax: 60 },
    evidence: mergedPageCache('F8', true),
  }),
  inMerged('F8b', {
    codes: [...seedFinding('F8b').codes, ...ANCHOR_ACTED_CODES, ...MERGED_GAP_CODES],
    foundIn: { scenario: 'ab-write-errors', personality: 'ext4', faults: 'off', runsMax: 120 },
    evidence: mergedPageCache('F8b', false),
  }),
  inMerged('F10', { foundIn: { scenario: 'ab-write-errors', personality: 'ext4', faults: 'off', runsMax: 30 } }),
  inMerged('F11', { foundIn: { scenario: 'torn-targeted', personality: 'ext4', faults: 'off', runsMax: 30 } }),
  inMerged('F14', {
    codes: [...seedFinding('F14').codes, 'I7/*', 'I6/watermark-not-durable', 'I10/run-ended-without-fault', 'LIVENESS/no-progress', 'LIVENESS/deadlock', 'I5/error:lane validator:edN:public:H: parent hash mismatch*', ...MERGED_GAP_CODES],
    title: 'a file that reads back corrupted but still decodes is loaded as persisted (no checksum, no signature check on load): a block the node then votes for, or in merged a prune anchor whose prune points, watermark and index the node then acts on, or a block header the next block is chained onto',
    foundIn: { scenario: 'read-corruption', personality: 'ext4', faults: 'off', runsMax: 120 },
    evidence(e) {
      const chain = e.v.subject?.kind === 'restart' ? /lane validator:ed25519:public:([0-9a-f]{64}): parent hash mismatch at block (\d+)/.exec(e.v.subject.error) : null;
      if (chain !== null) {
        // The parent read back corrupted in an earlier incarnation, still decoded, and the next block was chained onto the damaged header.
        const n = BigInt(chain[2] as string);
        const parent = blockPath(e, chain[1] as LaneId, n - 1n);
        for (let inc = e.incarnation - 1; inc >= 0; inc--) {
          const c = e.forensics.corruptedReads(inc, parent)[0];
          if (c !== undefined) return `a read of ${rel(e, parent)} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}) that still decoded as a block; the node took the damaged header as its lane's tip and block ${n} was chained onto it; a later restart reads the true block ${n - 1n}, and merged's parent-hash check refuses the lane for good`;
        }
        return undefined;
      }
      if (e.v.code === 'LIVENESS/deadlock') return forkedLane(e);
      const gap = gapFile(e);
      const aborted = e.v.code === 'I10/run-ended-without-fault' || e.v.code === 'LIVENESS/no-progress';
      if (e.v.subject?.kind !== 'anchor' && gap === undefined && !aborted) {
        const seed = seedFinding('F14').evidence(e);
        if (seed !== undefined || e.v.subject?.kind !== 'votes') return seed;
      }
      for (const { slot, c, rewritten } of corruptedAnchorReads(e)) {
        const read = `a read of ${slot.name} returned corrupted bytes at ${at(c.incarnation, c.step)} (${c.fault ?? 'read corruption'}) that still decode as a prune anchor: the loader, with no checksum and no signature check, took it as the persisted anchor${rewritten ? ' (and merged\'s first iteration wrote it back to the A/B file, so the next restart loads it again)' : ''}`;
        // Gap form: the damaged anchor's prune points put a lane's (or the CommitQCs') start below the files on disk.
        if (gap !== undefined) return `${read}; its prune points start the restored range below the files on disk, so merged's newInner finds ${rel(e, gap)} missing ("non-contiguous") and the node cannot restart`;
        if (e.v.subject?.kind === 'votes') return `${read}; its prune points start the restored lane above blocks the node had voted for, so the restart drops them`;
        // Abort form: the node ran on the damaged anchor's prune points until a computation over them panicked.
        if (aborted) return rewritten || e.v.code.startsWith('I10/') ? `${read}; the node ran on its prune points and watermark until a computation over them failed: ${e.v.message}` : undefined;
        return `${read}, and the restarted node's state follows it instead of the anchor on disk`;
      }
      return undefined;
    },
  }),
];

/** MF18: seed's F18 (h-oracles2) in merged, found by the merged crash suite before F18 reached main. */
const MF18: Finding = {
  id: 'MF18',
  design: 'merged',
  sameAs: 'F18',
  personalities: ALL,
  codes: ['I8/appqc-lost-by-crash', ...MERGED_GAP_CODES],
  needs: 'a disk that can tear a write right after the A/B wrapper\'s seq field (byte-granular tears); no faults',
  title: 'a torn A/B write that kept only the new sequence number parses as a slot without payload and wins the load decision: the restart forgets the durable prune anchor',
  // The tear it needs is rare in merged's cells (none in 1,200 runs of torn-targeted/ordered or torn-writes/ext4
  // from the default root seed); the crash suite's root seed reaches it in torn-writes/ext4.
  foundIn: { scenario: 'torn-writes', personality: 'ext4', faults: 'off', runsMax: 20, rootSeed: 'ci' },
  evidence(e) {
    const decoded = abSlots(e).map((x) => ({ ...x, w: x.bytes === undefined || x.bytes.length === 0 ? undefined : decodeWrapper(x.bytes) }));
    for (const winner of decoded) {
      if (winner.w === undefined || 'error' in winner.w || winner.w.ok.data !== undefined) continue;
      const other = decoded.find((x) => x !== winner) as (typeof decoded)[number];
      if (other.w === undefined || 'error' in other.w || other.w.ok.data === undefined || other.w.ok.seq >= winner.w.ok.seq) continue;
      const torn = tornBefore(e, winner.path);
      if (torn === undefined) continue;
      const gap = gapFile(e) === undefined ? '' : `; the files below that anchor were already deleted, so merged's newInner, now expecting them from 0, refuses the gap ("non-contiguous")`;
      return `${torn}: it parses as a wrapper with seq ${winner.w.ok.seq} and no payload; it wins the load decision over ${other.name} (seq ${other.w.ok.seq}, with its anchor) and "no data" restores no anchor${gap}`;
    }
    return undefined;
  },
};

/**
 * Seed findings of the trust family (F16–F18: torn or flipped files that still parse,
 * a torn A/B slot without payload) live in the shared loaders and the A/B envelope,
 * which merged did not change: when seed has them, merged has them as MF<n>, with
 * seed's rule and cell. (The campaign found F18's mechanism in merged: torn-targeted
 * on ordered, a torn A/B write that kept only the new seq.)
 */
const MERGED_TRUST_FINDINGS: readonly Finding[] = [MF18, ...['F16', 'F17'].filter((id) => SEED_FINDINGS.some((f) => f.id === id)).map((id) => inMerged(id, {}))];

export const FINDINGS: readonly Finding[] = [...SEED_FINDINGS, ...MERGED_FINDINGS, ...MERGED_TRUST_FINDINGS];

function codeMatches(pattern: string, code: string): boolean {
  return pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : pattern === code;
}

/** Findings belong to faithful designs; a variant or mutant `base~name` inherits its base's. */
export function baseDesign(design: string): string {
  const i = design.indexOf('~');
  return i < 0 ? design : design.slice(0, i);
}

/** Every known finding of `design` whose mechanism the violation shows, with its evidence (all of them). */
export function recognise(design: string, e: EvidenceInput): KnownMatch[] {
  const base = baseDesign(design);
  const out: KnownMatch[] = [];
  for (const f of FINDINGS) {
    if (f.design !== base || !f.codes.some((c) => codeMatches(c, e.v.code))) continue;
    const evidence = f.evidence(e);
    if (evidence !== undefined) out.push({ id: f.id, evidence: `known ${f.id}: ${evidence}` });
  }
  return out;
}

/** The findings of `design` whose mechanism can show as violation `code` (reports group by it). */
export function findingsShowingAs(design: string, code: string): string[] {
  const base = baseDesign(design);
  return FINDINGS.filter((f) => f.design === base && f.codes.some((c) => codeMatches(c, code))).map((f) => f.id);
}

export function findingById(id: string): Finding {
  const f = FINDINGS.find((x) => x.id === id);
  if (f === undefined) throw new RangeError(`unknown finding ${id}`);
  return f;
}

/** Every known finding of `design`, by id (what campaigns look past by default). */
export function findingIdsOf(design: string): string[] {
  const base = baseDesign(design);
  return FINDINGS.filter((f) => f.design === base).map((f) => f.id);
}

/** One label for the findings a failure shows: `F7`, `F7+F9`; undefined for a new failure. */
export function findingLabel(ids: readonly string[]): string | undefined {
  return ids.length === 0 ? undefined : ids.join('+');
}

/** The titles of the findings a label names. */
export function findingTitle(label: string): string {
  return label.split('+').map((id) => `${id}: ${findingById(id).title}`).join(' / ');
}

/**
 * Looks past exactly the findings `ids`: a violation is looked past when every
 * finding its evidence shows is one of them (so a search for one finding stops
 * at a violation that also shows another).
 */
export function acknowledger(ids: readonly string[]): (v: Violation) => boolean {
  const set = new Set(ids);
  return (v) => v.known.length > 0 && v.known.every((k) => set.has(k.id));
}

/** A lane's prune point under a CommitQC (what the durable AppQC justifies deleting). */
export function prunePointOf(qc: CommitQC | undefined, lane: LaneId): bigint {
  return laneRangeOf(qc, lane).first;
}
