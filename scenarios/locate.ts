/**
 * Finding a known finding again: run its cell (Finding.foundIn) seed after seed,
 * looking past every *other* known finding, until a run breaks it. The findings
 * test asserts each is found within its budget; `npm run findings` records a
 * shrunk replay token for each (reports/findings.json).
 */
import { runOne, shrinkFailure, type CellSpec, type FailureRecord, type RunRecord } from './campaign.js';
import { findingIdsOf, type Finding } from './findings.js';

export const FINDINGS_ROOT_SEED = 'findings';

export interface Located {
  readonly finding: Finding;
  readonly cell: CellSpec;
  /** runs tried, including the one that found it */
  readonly runs: number;
  /** the run that found it (undefined: not found within Finding.foundIn.runsMax) */
  readonly record: RunRecord | undefined;
}

/** Every known finding of f's design except f: what a search for f looks past. */
export function allBut(f: Finding): string[] {
  return findingIdsOf(f.design).filter((id) => id !== f.id);
}

export function findingCell(f: Finding): CellSpec {
  return { scenario: f.foundIn.scenario, design: f.design, personality: f.foundIn.personality, faults: f.foundIn.faults };
}

export async function locateFinding(f: Finding, rootSeed = f.foundIn.rootSeed ?? FINDINGS_ROOT_SEED): Promise<Located> {
  const cell = findingCell(f);
  for (let i = 0; i < f.foundIn.runsMax; i++) {
    const { record } = await runOne(cell, i, rootSeed, { acknowledgeFindings: allBut(f) });
    if (record.failure?.finding?.split('+').includes(f.id) === true) return { finding: f, cell, runs: i + 1, record };
  }
  return { finding: f, cell, runs: f.foundIn.runsMax, record: undefined };
}

/** The shrunk counterexample of a located finding (bounded, deterministic shrinking). */
export async function shrinkLocated(l: Located, shrinkRunsMax?: number): Promise<FailureRecord | undefined> {
  if (l.record === undefined) return undefined;
  const s = await shrinkFailure(l.record, { acknowledgeFindings: allBut(l.finding), ...(shrinkRunsMax === undefined ? {} : { shrinkRunsMax }) });
  return s !== undefined && s.finding?.split('+').includes(l.finding.id) === true ? s : l.record.failure;
}
