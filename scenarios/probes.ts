/**
 * Coverage probes ("sometimes" assertions, as in FoundationDB's and Antithesis's
 * test harnesses): counters of what a run actually exercised, so a sweep can say
 * that the fault it was about fired, that crashes landed in each interesting
 * window, and that invariants were checked on states with something in them.
 * A probe that never fires across a scenario's runs means the scenario tests
 * less than its name says (the crash suite fails on it, test/crash/suite.ts).
 *
 * Probe names (`<group>/<name>`):
 *  - `fault/<kind>`: a disk fault injected (write-eio, write-enospc, short-write,
 *    fsync-fail, read-corruption) or a torn write in the chosen crash image (torn);
 *  - `crash/<class>`: the window a power loss hit (CRASH_CLASSES);
 *  - `race/prune-past-cursor`: a prune moved a lane's queue past its persistence
 *    cursor (the persist/prune race of spec §8.2);
 *  - `restart/process`: a process restart without power loss.
 * Non-trivial invariant checks are counted by the oracle (Oracle.nontrivialChecks).
 */
import type { FsOpInfo } from '../sim/world.js';

export const CRASH_CLASSES = ['before-write', 'before-fsync', 'fsync-to-rename', 'during-prune', 'during-restart', 'idle', 'other'] as const;
export type CrashClass = (typeof CRASH_CLASSES)[number];

export const CRASH_CLASS_TEXT: Readonly<Record<CrashClass, string>> = {
  'before-write': 'before a write',
  'before-fsync': 'before an fsync',
  'fsync-to-rename': 'between an fsync and the rename (or close) after it',
  'during-prune': 'while old files are deleted (DeleteBefore: listing or unlinking blocks/, commitqcs/)',
  'during-restart': 'while the node starts (loading, startup cleanup)',
  idle: 'with every task blocked (between events)',
  other: 'before another primitive (open, stat, mkdir, …)',
};

export class Probes {
  private readonly hits = new Map<string, number>();
  /** per task: its last primitive, and the one before (a crash point is itself seen before the crash) */
  private lastPrimitiveOfTask = new Map<number, string>();
  private previousPrimitiveOfTask = new Map<number, string | undefined>();

  hit(name: string, n = 1): void {
    this.hits.set(name, (this.hits.get(name) ?? 0) + n);
  }

  /** A new incarnation: tasks (and their ids) start over. */
  newIncarnation(): void {
    this.lastPrimitiveOfTask = new Map();
    this.previousPrimitiveOfTask = new Map();
  }

  /** Sees every fs primitive an incarnation performs (before it is performed). */
  seeFsOp(op: FsOpInfo): void {
    this.previousPrimitiveOfTask.set(op.taskId, this.lastPrimitiveOfTask.get(op.taskId));
    this.lastPrimitiveOfTask.set(op.taskId, op.primitive);
  }

  /** The window a power loss before `point` (already seen by seeFsOp) hits; `starting`: the node has not finished NewState; `pathOf` resolves an fd or path argument. */
  crashClass(point: FsOpInfo | undefined, starting: boolean, pathOf: (arg: unknown) => string | undefined): CrashClass {
    if (starting) return 'during-restart';
    if (point === undefined) return 'idle';
    const p = point.primitive;
    const path = pathOf(point.args[0]);
    if (p === 'unlink' || p === 'rmdir') return 'during-prune';
    if ((p === 'open' || p === 'getdents') && path !== undefined && /\/(blocks|commitqcs)\/?$/.test(path)) return 'during-prune';
    if ((p === 'rename' || p === 'close') && this.previousPrimitiveOfTask.get(point.taskId) === 'fsync') return 'fsync-to-rename';
    if (p === 'fsync') return 'before-fsync';
    if (p === 'write') return 'before-write';
    return 'other';
  }

  /** name → hits, sorted by name */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.hits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** `<scenario>: <probe>` for every probe a cell's scenario promises (`sometimes`) that fired in none of its runs. */
export function silentProbes(cells: readonly { readonly cell: { readonly scenario: string }; readonly probeRuns: Readonly<Record<string, number>> }[], sometimes: (scenario: string) => readonly string[]): string[] {
  const out: string[] = [];
  for (const c of cells) for (const p of sometimes(c.cell.scenario)) if ((c.probeRuns[p] ?? 0) === 0) out.push(`${c.cell.scenario}: ${p}`);
  return out;
}
