/**
 * Hunting a mutant (or an ablation): run its design through a list of cells in
 * index-major order (the order `crashsim run` hands out work) with the base
 * design's known findings looked past, exactly as a CI user runs it, until the
 * first run that breaks an invariant in a way no known finding's evidence
 * explains (NEW) — and that the base design does not break the same way on the
 * very same plan (or on its shrunk counterexample). A NEW failure the base design has too is the base design's own
 * (a bug no finding names yet), not the change being caught: it is counted
 * apart and the hunt goes on. A mutant that only ever shows as a known finding
 * is missed.
 */
import { cellKey, type CellSpec, type FailureRecord, type RunRecord } from './campaign.js';
import { executePlan } from './execute.js';
import type { Plan } from './plan.js';
import { decodeToken } from './token.js';

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

/** One key per run of a hunt: its cell and index. */
export const runKey = (r: HuntTask): string => `${cellKey(r.cell)}\0${r.index}`;

const isNew = (r: RunRecord): boolean => r.failure !== undefined && r.failure.finding === undefined;

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
  /** NEW failures before it that the base design has too on the same plan (not counted as caught) */
  readonly baseOwn: readonly FailureRecord[];
}

/**
 * Folds the records of a hunt (in task order, possibly more than needed when
 * workers ran ahead) into its outcome: the first NEW failure by task position
 * that is not one of `baseOwn` (run keys of NEW failures the base design shares).
 */
export function huntOutcome(tasks: readonly HuntTask[], records: readonly RunRecord[], baseOwn: ReadonlySet<string> = new Set()): HuntOutcome {
  const pos = new Map(tasks.map((t, i) => [runKey(t), i]));
  const sorted = [...records].sort((a, b) => (pos.get(runKey(a)) ?? 0) - (pos.get(runKey(b)) ?? 0));
  const knownSeen: Record<string, number> = {};
  const own: FailureRecord[] = [];
  for (const r of sorted) {
    for (const [id, n] of Object.entries(r.acknowledgedFindings)) knownSeen[id] = (knownSeen[id] ?? 0) + n;
    if (!isNew(r)) continue;
    if (baseOwn.has(runKey(r))) {
      own.push(r.failure as FailureRecord);
      continue;
    }
    return { caught: true, runs: (pos.get(runKey(r)) ?? 0) + 1, failure: r.failure, record: r, knownSeen, baseOwn: own };
  }
  return { caught: false, runs: sorted.length, failure: undefined, record: undefined, knownSeen, baseOwn: own };
}

/**
 * Whether the base design breaks the same way (same code, NEW) on the very plan of
 * `failure` — the plan `toBase` turns back into the base design's (the mutant's base,
 * or the plan without its ablation), with the same findings looked past.
 */
export async function baseBreaksTheSame(failure: FailureRecord, toBase: (p: Plan) => Plan): Promise<boolean> {
  const t = decodeToken(failure.token);
  const r = await executePlan(toBase(t.plan), { acknowledgeFindings: t.acknowledged });
  return r.violation !== undefined && r.violation.known.length === 0 && r.violation.code === failure.code;
}

/**
 * The check a hunt makes of each NEW failure: is it the base design's own? Yes when the
 * base breaks the same way on the failing run's plan, or — shrinking can strip the
 * timing a change only shifted — on its shrunk counterexample (same code).
 */
export function baseOwnCheck(toBase: (p: Plan) => Plan, shrink?: (r: RunRecord) => Promise<FailureRecord | undefined>): (r: RunRecord) => Promise<boolean> {
  return async (r) => {
    const f = r.failure as FailureRecord;
    if (await baseBreaksTheSame(f, toBase)) return true;
    const s = shrink === undefined ? undefined : await shrink(r);
    return s !== undefined && s.finding === undefined && s.code === f.code && (await baseBreaksTheSame(s, toBase));
  };
}

/**
 * Runs `tasks` (through `run`, which may stop at the first NEW failure and may run
 * ahead) until the first NEW failure `isBaseOwn` does not claim for the base design.
 * Returns the records up to and including it (all, if there is none) and the run
 * keys of the NEW failures the base design shares.
 */
export async function huntUntilNew<T extends HuntTask>(tasks: readonly T[], run: (slice: readonly T[]) => Promise<RunRecord[]>, isBaseOwn: (r: RunRecord) => Promise<boolean>): Promise<{ records: RunRecord[]; baseOwn: Set<string>; foundAtMs: number | undefined }> {
  const pos = new Map(tasks.map((t, i) => [runKey(t), i]));
  const at = (r: RunRecord): number => pos.get(runKey(r)) ?? Number.MAX_SAFE_INTEGER;
  const records: RunRecord[] = [];
  const baseOwn = new Set<string>();
  let from = 0;
  while (from < tasks.length) {
    const got = (await run(tasks.slice(from))).sort((a, b) => at(a) - at(b));
    // When the NEW failure that counts came in (its check, e.g. a shrink, is not part of the hunt's time).
    const foundAtMs = performance.now();
    const first = got.find(isNew);
    if (first === undefined) return { records: [...records, ...got], baseOwn, foundAtMs: undefined };
    records.push(...got.filter((r) => at(r) <= at(first)));
    if (!(await isBaseOwn(first))) return { records, baseOwn, foundAtMs };
    baseOwn.add(runKey(first));
    from = at(first) + 1;
  }
  return { records, baseOwn, foundAtMs: undefined };
}
