/**
 * Hunting a mutant: run its design through a list of cells in index-major
 * order (the order `crashsim run` hands out work) with the base design's known
 * findings looked past, exactly as a CI user runs it, until the first run that
 * breaks an invariant in a way no known finding's evidence explains (NEW).
 * A mutant that only ever shows as a known finding is missed.
 */
import { cellKey, type CellSpec, type FailureRecord, type RunRecord } from './campaign.js';

export interface HuntTask {
  readonly cell: CellSpec;
  readonly index: number;
}

/** The runs of a hunt, index-major: run 0 of every cell, then run 1, … */
export function huntTasks(cells: readonly CellSpec[], runsPerCell: number): HuntTask[] {
  const out: HuntTask[] = [];
  for (let index = 0; index < runsPerCell; index++) for (const cell of cells) out.push({ cell, index });
  return out;
}

export interface HuntOutcome {
  readonly caught: boolean;
  /** runs up to and including the first NEW failure (all runs done when missed) */
  readonly runs: number;
  /** the first NEW failure, in task order */
  readonly failure: FailureRecord | undefined;
  /** its run record (what shrinking starts from) */
  readonly record: RunRecord | undefined;
  /** known findings the runs looked past (id → occurrences): what a missed mutant showed as */
  readonly knownSeen: Readonly<Record<string, number>>;
}

/**
 * Folds the records of a hunt (in task order, possibly more than needed when
 * workers ran ahead) into its outcome: the first NEW failure by task position.
 */
export function huntOutcome(tasks: readonly HuntTask[], records: readonly RunRecord[]): HuntOutcome {
  const pos = new Map(tasks.map((t, i) => [`${cellKey(t.cell)}\0${t.index}`, i]));
  const sorted = [...records].sort((a, b) => (pos.get(`${cellKey(a.cell)}\0${a.index}`) ?? 0) - (pos.get(`${cellKey(b.cell)}\0${b.index}`) ?? 0));
  const knownSeen: Record<string, number> = {};
  for (const r of sorted) {
    for (const [id, n] of Object.entries(r.acknowledgedFindings)) knownSeen[id] = (knownSeen[id] ?? 0) + n;
    if (r.failure !== undefined && r.failure.finding === undefined) {
      return { caught: true, runs: (pos.get(`${cellKey(r.cell)}\0${r.index}`) ?? 0) + 1, failure: r.failure, record: r, knownSeen };
    }
  }
  return { caught: false, runs: sorted.length, failure: undefined, record: undefined, knownSeen };
}
