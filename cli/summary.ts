/**
 * `summary.json`: the machine-readable result of a run (schema below, versioned).
 *
 * Everything outside `meta` is a pure function of the settings and the run
 * records: a serial run, a `--workers N` run and the merge of all `--shard k/n`
 * runs give byte-identical summaries apart from `meta` (timings, run id, shard
 * and worker counts). That is what `buildSummary` guarantees by folding records
 * in (cell, index) order and picking every "first" by the lowest run index.
 */
import { aggregate, cellKey, type CellResult, type CellSpec, type FailureRecord, type RunRecord } from '../scenarios/campaign.js';
import { findingIdsOf, findingsShowingAs, findingTitle } from '../scenarios/findings.js';
import { INVARIANTS, type InvariantId } from '../scenarios/oracles/invariants.js';
import type { FaultMode } from '../scenarios/plan.js';
import { decodeToken } from '../scenarios/token.js';
import type { Personality } from '../sim/vfs/model.js';

export const SUMMARY_SCHEMA_VERSION = 1;
export const SUMMARY_KIND = 'crashsim-run-summary';

/** What defines a run's result: equal in every shard of one sweep. */
export interface Settings {
  readonly seed: string;
  readonly scenarios: readonly string[];
  readonly designs: readonly string[];
  readonly personalities: readonly Personality[];
  readonly faults: readonly FaultMode[];
  readonly runsPerCell: number;
  /** known findings looked past so runs go deeper (reported as known) */
  readonly acknowledgeKnown: boolean;
  /** failures shrunk with fast-check, at most this many executions each; 0 = not shrunk */
  readonly shrinkRunsMax: number;
}

export type Status = 'pass' | 'known' | 'fail';

export interface CellSummary extends CellResult {
  readonly key: string;
  /** pass: nothing broke; known: only known findings; fail: a new failure */
  readonly status: Status;
  /** ids of the known findings seen in this cell (looked past, or where a run stopped) */
  readonly knownFindings: readonly string[];
  /** the same with their occurrences: finding id → count */
  readonly knownCounts: Readonly<Record<string, number>>;
  /** runs that broke an invariant no known finding explains: code → count */
  readonly newFailures: Readonly<Record<string, number>>;
}

export interface ShrunkFailure {
  readonly code: string;
  readonly message: string;
  readonly details: readonly string[];
  readonly token: string;
  readonly replay: string;
  readonly commands: readonly string[];
}

export interface FailureEntry {
  /** new: no known finding explains it (exit code 1); known: an example of a known finding */
  readonly kind: 'new' | 'known';
  readonly cellKey: string;
  readonly cell: CellSpec;
  /** run index within the cell */
  readonly index: number;
  readonly seed: number;
  readonly code: string;
  readonly invariant: InvariantId;
  readonly invariantText: string;
  readonly message: string;
  readonly details: readonly string[];
  readonly finding: string | undefined;
  readonly findingTitle: string | undefined;
  /** one sentence per known finding: the evidence of its mechanism in this run */
  readonly evidence: readonly string[];
  /** known examples: the finding (or '|'-joined candidates) it stands for; the lowest index per cell and value wins */
  readonly exampleOf: string | undefined;
  readonly traceHash: string;
  readonly token: string;
  readonly replay: string;
  readonly commands: readonly string[];
  readonly shrunk: ShrunkFailure | undefined;
  /** why, in words: the pair of operations the nearest passing crash image has the other way round (scenarios/explain.ts) */
  readonly explanation?: string | undefined;
  /** the pending operations the explanation names, as crash reports list them (`#35 unlink /data/…`) */
  readonly explanationOps?: readonly string[] | undefined;
}

export interface InvariantSummary {
  readonly id: InvariantId;
  readonly description: string;
  readonly checks: number;
  /** of those, checks on a state with something to compare (a coverage probe) */
  readonly nontrivialChecks: number;
  /** held: checked, never broken; known: broken only as known findings; broken: a new failure; unchecked */
  readonly status: 'held' | 'known' | 'broken' | 'unchecked';
  readonly findings: readonly string[];
}

export interface Totals {
  readonly cells: number;
  readonly runs: number;
  readonly passed: number;
  readonly crashPoints: number;
  readonly crashImages: number;
  readonly invariantChecks: number;
  readonly steps: number;
  readonly fsOps: number;
  readonly faultsInjected: number;
  /** runs that armed scripted faults of which none fired (they tested no fault) */
  readonly runsWithoutFiredFault: number;
  readonly deadEnds: number;
  /** known-finding occurrences (acknowledged violations + runs that stopped at a known finding) */
  readonly knownOccurrences: number;
  /** runs that met at least one known finding (looked past it or stopped at it) */
  readonly knownRuns: number;
  /** runs that broke an invariant in a way no known finding explains */
  readonly newFailures: number;
}

/** Coverage probes over the whole sweep (scenarios/probes.ts): what the runs actually exercised (runs whose scripted faults never fired: Totals.runsWithoutFiredFault). */
export interface CoverageSummary {
  /** probe name → hits over every run, and the runs in which it fired at least once */
  readonly probes: Readonly<Record<string, { readonly hits: number; readonly runs: number }>>;
}

export interface Meta {
  readonly runId: string;
  readonly crashsimVersion: string;
  readonly node: string;
  readonly startedAt: string;
  /** the whole command: sweep, known-finding examples, shrinking, reports */
  readonly elapsedMs: number;
  /** the sweep alone (what runsPerSecond divides by) */
  readonly sweepMs: number;
  readonly workers: number;
  /** shard count and the shards this summary covers (a merge covers several) */
  readonly shards: { readonly count: number; readonly covered: readonly number[] };
  readonly runsPerSecond: number;
  /** set when --time-budget stopped handing out runs */
  readonly stoppedByTimeBudget: boolean;
  readonly mergedFrom: readonly string[] | undefined;
}

export interface Summary {
  readonly schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  readonly kind: typeof SUMMARY_KIND;
  readonly settings: Settings;
  /** false for a single shard of several, or when the time budget cut the sweep short */
  readonly complete: boolean;
  readonly incompleteReason: string | undefined;
  /** exitCode: what the command exits with (README "Exit codes": 0, 1, 4, 130, 143) */
  readonly verdict: { readonly status: Status; readonly exitCode: number; readonly newFailures: number; readonly knownFindings: readonly string[]; readonly text: string };
  readonly totals: Totals;
  readonly invariants: readonly InvariantSummary[];
  readonly coverage: CoverageSummary;
  readonly cells: readonly CellSummary[];
  /** new failures (first of each cell × code) and known-finding examples, with tokens */
  readonly failures: readonly FailureEntry[];
  /** every run, in (cell, index) order: what `crashsim merge` folds */
  readonly records: readonly RunRecord[];
  readonly meta: Meta;
}

export function settingsCells(s: Settings): CellSpec[] {
  const out: CellSpec[] = [];
  for (const scenario of s.scenarios) for (const design of s.designs) for (const personality of s.personalities) for (const faults of s.faults) out.push({ scenario, design, personality, faults });
  return out;
}

/**
 * The known findings a run's failure is (none: a new failure). Reads a list of ids
 * when the record carries one (a failure may be recognised as several findings by
 * their mechanisms), else the single id.
 */
export function findingsOfFailure(f: FailureRecord): readonly string[] {
  const many = (f as { readonly findings?: readonly string[] }).findings;
  if (Array.isArray(many)) return many;
  return f.finding === undefined ? [] : [f.finding];
}

export function failureEntry(kind: 'new' | 'known', cell: CellSpec, index: number, f: FailureRecord, exampleOf: string | undefined): FailureEntry {
  const finding = f.finding;
  return {
    kind,
    cellKey: cellKey(cell),
    cell,
    index,
    seed: f.seed,
    code: f.code,
    invariant: f.invariant,
    invariantText: INVARIANTS[f.invariant],
    message: f.message,
    details: f.details,
    finding,
    findingTitle: finding === undefined ? undefined : findingTitle(finding),
    evidence: f.evidence ?? [],
    exampleOf,
    traceHash: decodeToken(f.token).traceHash,
    token: f.token,
    replay: f.replay,
    commands: f.commands,
    shrunk: undefined,
  };
}

/** Key of a failure entry: what shards and merges agree on. */
export function entryKey(e: Pick<FailureEntry, 'cellKey' | 'kind' | 'code' | 'exampleOf'>): string {
  return `${e.cellKey}\0${e.kind}\0${e.exampleOf ?? e.code}`;
}

export interface Extras {
  /** known-finding examples (acknowledging runs): any number per key; the lowest index wins */
  readonly knownExamples: readonly FailureEntry[];
  /** shrunk versions, by token of the unshrunk failure */
  readonly shrunk: ReadonlyMap<string, ShrunkFailure>;
  /** explanations, by token of the unshrunk failure */
  readonly explanations?: ReadonlyMap<string, { readonly text: string; readonly ops: readonly string[] }>;
}

/** The known findings whose mechanism can show as a violation code (by code alone: for grouping counts, never to classify). */
export function candidateFindings(cell: CellSpec, code: string): string[] {
  return findingsShowingAs(cell.design, code);
}

/** Every known finding of the cell's design except `ids`: what a known-example re-run looks past. */
export function allFindingsBut(cell: CellSpec, ids: readonly string[]): string[] {
  return findingIdsOf(cell.design).filter((id) => !ids.includes(id));
}

export interface ExampleTarget {
  readonly cell: CellSpec;
  /** the lowest run index that looked past the finding */
  readonly index: number;
  /** the finding the example stands for */
  readonly group: string;
  readonly findings: readonly string[];
}

/**
 * Per cell and per known finding its runs looked past (each recognised by the
 * evidence of its mechanism), the lowest run index: what known examples re-run
 * (looking past every other finding, the re-run goes where the sweep's run went
 * until it meets this one).
 */
export function exampleTargets(cells: readonly CellSpec[], records: readonly RunRecord[]): ExampleTarget[] {
  const first = new Map<string, ExampleTarget>();
  for (const r of records) {
    for (const id of Object.keys(r.acknowledgedFindings)) {
      const findings = [id];
      const group = id;
      const k = `${cellKey(r.cell)}\0${group}`;
      const cur = first.get(k);
      if (cur === undefined || r.index < cur.index) first.set(k, { cell: r.cell, index: r.index, group, findings });
    }
  }
  const order = new Map(cells.map((c, i) => [cellKey(c), i]));
  return [...first.values()].sort((a, b) => (order.get(cellKey(a.cell)) ?? 0) - (order.get(cellKey(b.cell)) ?? 0) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

/** Whether a summary covers everything its settings ask for, and what the command exits with when nothing new broke. */
export interface Completeness {
  readonly complete: boolean;
  readonly reason: string | undefined;
  /** 0: complete, or one shard of several (merge decides); 4: incomplete (missing shards, time budget) */
  readonly exitCode: number;
  /** an interrupted command exits with this (130, 143) whatever it found */
  readonly interruptedExitCode?: number;
}

export const COMPLETE: Completeness = { complete: true, reason: undefined, exitCode: 0 };

export function buildSummary(settings: Settings, records: readonly RunRecord[], extras: Extras, meta: Meta, complete: Completeness): Summary {
  const cells = settingsCells(settings);
  const campaign = aggregate(cells, records);
  const order = new Map(cells.map((c, i) => [cellKey(c), i]));
  const sortedRecords = [...records].sort((a, b) => (order.get(cellKey(a.cell)) ?? 0) - (order.get(cellKey(b.cell)) ?? 0) || a.index - b.index);
  const indexOfToken = new Map<string, number>();
  for (const r of sortedRecords) if (r.failure !== undefined) indexOfToken.set(r.failure.token, r.index);

  // Failures: aggregate's first-of-each-(cell, code), then the known examples (lowest index per key).
  const failures: FailureEntry[] = [];
  for (const f of campaign.failures) {
    const cell = cells.find((c) => cellKey(c) === f.cell) as CellSpec;
    const kind = f.finding === undefined ? 'new' : 'known';
    failures.push(failureEntry(kind, cell, indexOfToken.get(f.token) ?? -1, f, kind === 'known' ? f.finding : undefined));
  }
  const examples = new Map<string, FailureEntry>();
  for (const e of extras.knownExamples) {
    const k = entryKey(e);
    const cur = examples.get(k);
    if (cur === undefined || e.index < cur.index) examples.set(k, e);
  }
  const sortedExamples = [...examples.values()].sort((a, b) => (order.get(a.cellKey) ?? 0) - (order.get(b.cellKey) ?? 0) || ((a.exampleOf ?? '') < (b.exampleOf ?? '') ? -1 : (a.exampleOf ?? '') > (b.exampleOf ?? '') ? 1 : 0));
  // Groups can lead to the same finding (F3 and F1|F3 both end at F3): one example per
  // cell and finding, the lowest run index.
  const bestOfFinding = new Map<string, FailureEntry>();
  for (const e of sortedExamples) {
    const k = `${e.cellKey}\0${e.finding ?? e.code}`;
    const cur = bestOfFinding.get(k);
    if (cur === undefined || e.index < cur.index) bestOfFinding.set(k, e);
  }
  const kept = new Set(bestOfFinding.values());
  for (const e of sortedExamples) if (kept.has(e)) failures.push(e);
  const withShrunk = failures.map((e) => {
    const why = extras.explanations?.get(e.token);
    return { ...e, shrunk: extras.shrunk.get(e.token), ...(why === undefined ? {} : { explanation: why.text, explanationOps: why.ops }) };
  });

  // Cells, with their status and known findings: a pure function of the run records
  // (each record says which finding every violation it looked past was, and a run that
  // stopped at a known finding says which), so serial, sharded and merged runs agree.
  const freshByCell = new Map<string, Record<string, number>>();
  const knownByCell = new Map<string, Record<string, number>>();
  let knownOccurrences = 0;
  let knownRuns = 0;
  for (const r of sortedRecords) {
    const key = cellKey(r.cell);
    const known = knownByCell.get(key) ?? {};
    knownByCell.set(key, known);
    for (const [id, n] of Object.entries(r.acknowledgedFindings)) known[id] = (known[id] ?? 0) + n;
    for (const n of Object.values(r.acknowledged)) knownOccurrences += n;
    const ids = r.failure === undefined ? [] : findingsOfFailure(r.failure);
    if (ids.length > 0 || Object.keys(r.acknowledgedFindings).length > 0) knownRuns++;
    if (r.failure === undefined) continue;
    for (const id of ids) known[id] = (known[id] ?? 0) + 1;
    if (ids.length > 0) {
      knownOccurrences++;
      continue;
    }
    const m = freshByCell.get(key) ?? {};
    m[r.failure.code] = (m[r.failure.code] ?? 0) + 1;
    freshByCell.set(key, m);
  }
  const cellSummaries: CellSummary[] = campaign.cells.map((c) => {
    const known = knownByCell.get(cellKey(c.cell)) ?? {};
    const fresh = freshByCell.get(cellKey(c.cell)) ?? {};
    const ids = Object.keys(known).sort(byFindingId);
    const status: Status = Object.keys(fresh).length > 0 ? 'fail' : ids.length > 0 ? 'known' : 'pass';
    return { ...c, key: cellKey(c.cell), status, knownFindings: ids, knownCounts: Object.fromEntries(ids.map((id) => [id, known[id] ?? 0])), newFailures: fresh };
  });

  const sum = (f: (c: CellResult) => number): number => campaign.cells.reduce((a, c) => a + f(c), 0);
  const totals: Totals = {
    cells: cells.length,
    runs: campaign.runs,
    passed: sum((c) => c.passed),
    crashPoints: sum((c) => c.crashes),
    crashImages: sum((c) => c.crashImages),
    invariantChecks: sum((c) => Object.values(c.checks).reduce((a, v) => a + (v ?? 0), 0)),
    steps: sum((c) => c.steps),
    fsOps: sum((c) => c.fsOps),
    faultsInjected: sum((c) => c.faultsInjected),
    runsWithoutFiredFault: sum((c) => c.runsWithoutFiredFault ?? 0),
    deadEnds: sum((c) => c.deadEnds),
    knownOccurrences,
    knownRuns,
    newFailures: campaign.newFailures,
  };

  const invariants: InvariantSummary[] = (Object.keys(INVARIANTS) as InvariantId[]).map((id) => {
    const checks = sum((c) => c.checks[id] ?? 0);
    const nontrivialChecks = sum((c) => c.nontrivialChecks[id] ?? 0);
    const findings = new Set<string>();
    let broken = false;
    for (const r of sortedRecords) {
      // A record pairs its looked-past codes with finding ids only as sets: a code's
      // findings are its candidates among the ids the record names.
      for (const code of Object.keys(r.acknowledged)) {
        if (!code.startsWith(`${id}/`)) continue;
        for (const f of candidateFindings(r.cell, code)) if (r.acknowledgedFindings[f] !== undefined) findings.add(f);
      }
      if (r.failure === undefined || r.failure.invariant !== id) continue;
      const ids = findingsOfFailure(r.failure);
      for (const f of ids) findings.add(f);
      if (ids.length === 0) broken = true;
    }
    const status = broken ? 'broken' : findings.size > 0 ? 'known' : checks > 0 ? 'held' : 'unchecked';
    return { id, description: INVARIANTS[id], checks, nontrivialChecks, status, findings: [...findings].sort(byFindingId) };
  });

  const probes: Record<string, { hits: number; runs: number }> = {};
  for (const c of campaign.cells) {
    for (const [k, hits] of Object.entries(c.probes)) {
      const p = (probes[k] ??= { hits: 0, runs: 0 });
      p.hits += hits;
      p.runs += c.probeRuns[k] ?? 0;
    }
  }
  const coverage: CoverageSummary = {
    probes: Object.fromEntries(Object.entries(probes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };

  const knownIds = new Set<string>();
  for (const c of cellSummaries) for (const f of c.knownFindings) knownIds.add(f);
  const status: Status = totals.newFailures > 0 ? 'fail' : knownIds.size > 0 ? 'known' : 'pass';
  const knownList = [...knownIds].sort(byFindingId);
  const text =
    status === 'fail'
      ? `${totals.newFailures} run(s) broke an invariant in a way no known finding explains`
      : totals.runs === 0
        ? 'nothing ran: no invariant was checked'
        : status === 'known'
          ? `no new failures; known findings seen: ${knownList.join(', ')}`
          : `no failures: every invariant held in every run${complete.complete ? '' : ' that ran'}`;
  const exitCode = complete.interruptedExitCode ?? (status === 'fail' ? 1 : totals.runs === 0 ? 4 : complete.exitCode);
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    kind: SUMMARY_KIND,
    settings,
    complete: complete.complete,
    incompleteReason: complete.reason,
    verdict: { status, exitCode, newFailures: totals.newFailures, knownFindings: knownList, text },
    totals,
    invariants,
    coverage,
    cells: cellSummaries,
    failures: withShrunk,
    records: sortedRecords,
    meta,
  };
}

function byFindingId(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1)) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A summary without `meta`: what must be equal between serial, parallel and merged-shard runs. */
export function comparable(s: Summary): Omit<Summary, 'meta'> {
  const { meta: _meta, ...rest } = s;
  return rest;
}
