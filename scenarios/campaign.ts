/**
 * A campaign: many seeds over a matrix of cells (scenario × design × personality
 * × fault mode), with known findings recognised and every failure turned into a
 * replay token. The vitest crash suite and `crashsim run` both run campaigns.
 *
 * The unit of work is one run, `runOne(cell, i)`: fast-check seed
 * `seedOf(rootSeed, cellKey, i)`, executed, summarised as a plain serialisable
 * `RunRecord` (workers send these back). `aggregate(records)` folds records into
 * the campaign result in (cell, index) order, so serial, parallel and sharded
 * campaigns (shard k/n takes runs with i ≡ k−1 mod n) give identical results.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_WORLD, type WorldSpec } from './arbitraries.js';
import type { ExecOptions, RunResult } from './execute.js';
import { findingIdsOf, findingLabel } from './findings.js';
import { namedScenario } from './named.js';
import type { InvariantId } from './oracles/invariants.js';
import type { FaultMode } from './plan.js';
import { runSeed, scenarioWorld, shrinkSeed } from './sweep.js';
import { encodeToken, replayCommand } from './token.js';
import type { Personality } from '../sim/vfs/model.js';

export interface CellSpec {
  readonly scenario: string;
  readonly design: string;
  readonly personality: Personality;
  readonly faults: FaultMode;
}

export function cellKey(c: CellSpec): string {
  return `${c.scenario}/${c.design}/${c.personality}/${c.faults}`;
}

export interface RunOptions {
  /** known findings (ids) to look past so runs go deeper; default: every known finding of the cell's design */
  readonly acknowledgeFindings?: readonly string[];
  readonly world?: Partial<WorldSpec>;
}

/** One run, summarised; plain data (crosses worker_threads and report files). */
export interface RunRecord {
  readonly cell: CellSpec;
  readonly index: number;
  readonly seed: number;
  readonly passed: boolean;
  readonly crashes: number;
  readonly crashImages: number;
  readonly steps: number;
  readonly fsOps: number;
  readonly faultsInjected: number;
  /** scripted `fault` commands armed, and how many fired (absent in records of older crashsims: 0) */
  readonly scriptedFaultsArmed?: number;
  readonly scriptedFaultsFired?: number;
  readonly checks: Partial<Record<InvariantId, number>>;
  /** checks on a state with something to compare (absent in records of older crashsims) */
  readonly nontrivialChecks?: Partial<Record<InvariantId, number>>;
  /** coverage probes (scenarios/probes.ts): name → hits (absent in records of older crashsims) */
  readonly probes?: Record<string, number>;
  readonly acknowledged: Record<string, number>;
  /** known findings looked past: finding id → occurrences */
  readonly acknowledgedFindings: Record<string, number>;
  readonly deadEnd: boolean;
  /** unsurvivable damage seen (never a failure): code → occurrences */
  readonly unsurvivable: Record<string, number>;
  readonly failure: FailureRecord | undefined;
}

export interface FailureRecord {
  readonly cell: string;
  readonly code: string;
  readonly invariant: InvariantId;
  readonly message: string;
  readonly details: readonly string[];
  /** the known findings whose evidence the violation shows, as one label (`F7`, `F7+F9`); undefined: new */
  readonly finding: string | undefined;
  /** the same findings as a list of ids */
  readonly findings: readonly string[];
  /** one evidence sentence per known finding (empty for a new failure) */
  readonly evidence: readonly string[];
  readonly seed: number;
  readonly token: string;
  readonly replay: string;
  readonly commands: readonly string[];
}

export interface CellResult {
  readonly cell: CellSpec;
  readonly runs: number;
  readonly passed: number;
  readonly crashes: number;
  readonly crashImages: number;
  readonly steps: number;
  readonly fsOps: number;
  readonly faultsInjected: number;
  /** scripted faults armed and fired over all runs */
  readonly scriptedFaultsArmed: number;
  readonly scriptedFaultsFired: number;
  /** runs that armed scripted faults of which none fired: the run tested no fault */
  readonly runsWithoutFiredFault: number;
  /** checks per invariant over all runs */
  readonly checks: Partial<Record<InvariantId, number>>;
  /** of those, checks on a state with something to compare */
  readonly nontrivialChecks: Partial<Record<InvariantId, number>>;
  /** coverage probes: name → hits over all runs */
  readonly probes: Record<string, number>;
  /** coverage probes: name → runs in which it fired at least once */
  readonly probeRuns: Record<string, number>;
  /** known findings looked past (acknowledged): code → occurrences */
  readonly acknowledged: Record<string, number>;
  /** the same by finding id */
  readonly acknowledgedFindings: Record<string, number>;
  /** runs that ended in a violation: code → count */
  readonly failures: Record<string, number>;
  /** runs that stopped early at a known, unrecoverable finding */
  readonly deadEnds: number;
  /** unsurvivable damage (never a failure): code → occurrences */
  readonly unsurvivable: Record<string, number>;
}

export interface CampaignResult {
  readonly cells: readonly CellResult[];
  /** first failure of each (cell, code), in (cell, index) order */
  readonly failures: readonly FailureRecord[];
  readonly runs: number;
  /** runs whose violation matches no known finding */
  readonly newFailures: number;
}

/** fast-check seed of run `i` of a cell: stable, independent of shard and of other cells. */
export function seedOf(rootSeed: string, key: string, i: number): number {
  return createHash('sha256').update(`${rootSeed}\0${key}\0${i}`).digest().readInt32BE(0);
}

export function tokenOf(r: RunResult): string {
  return encodeToken({ plan: r.plan, decisions: r.decisions, traceHash: r.traceHash, verdict: r.violation?.code ?? 'pass', acknowledged: r.acknowledgeFindings });
}

function worldOf(cell: CellSpec, opts: RunOptions): WorldSpec {
  return scenarioWorld(namedScenario(cell.scenario), { ...DEFAULT_WORLD, ...opts.world, design: cell.design, personality: cell.personality, faults: cell.faults });
}

function execOf(cell: CellSpec, opts: RunOptions): ExecOptions {
  return { acknowledgeFindings: opts.acknowledgeFindings ?? findingIdsOf(cell.design) };
}

function failureOf(cell: CellSpec, seed: number, r: RunResult): FailureRecord | undefined {
  const v = r.violation;
  if (v === undefined) return undefined;
  const token = tokenOf(r);
  return {
    cell: cellKey(cell),
    code: v.code,
    invariant: v.invariant,
    message: v.message,
    details: v.details,
    finding: findingLabel(v.known.map((k) => k.id)),
    findings: v.known.map((k) => k.id),
    evidence: v.known.map((k) => k.evidence),
    seed,
    token,
    replay: replayCommand(token),
    commands: r.plan.commands.map((c) => JSON.stringify(c)),
  };
}

/** Runs run `index` of `cell`. */
export async function runOne(cell: CellSpec, index: number, rootSeed: string, opts: RunOptions = {}): Promise<{ record: RunRecord; result: RunResult }> {
  const seed = seedOf(rootSeed, cellKey(cell), index);
  const { result: r } = await runSeed(namedScenario(cell.scenario), worldOf(cell, opts), seed, { exec: execOf(cell, opts) });
  const record: RunRecord = {
    cell,
    index,
    seed,
    passed: r.violation === undefined,
    crashes: r.stats.crashes,
    crashImages: r.stats.crashImagesConsidered,
    steps: r.stats.steps,
    fsOps: r.stats.fsOps,
    faultsInjected: r.stats.faultsInjected,
    scriptedFaultsArmed: r.stats.scriptedFaultsArmed,
    scriptedFaultsFired: r.stats.scriptedFaultsFired,
    checks: r.stats.checks,
    nontrivialChecks: r.stats.nontrivialChecks,
    probes: { ...r.stats.probes },
    acknowledged: r.acknowledged,
    acknowledgedFindings: r.acknowledgedFindings,
    deadEnd: r.deadEnd !== undefined,
    unsurvivable: r.unsurvivable,
    failure: failureOf(cell, seed, r),
  };
  return { record, result: r };
}

/** Shrinks a failing run with fast-check (bounded, deterministic); the failure record of the shrunk plan. */
export async function shrinkFailure(record: RunRecord, opts: RunOptions & { readonly shrinkRunsMax?: number } = {}): Promise<FailureRecord | undefined> {
  if (record.failure === undefined) return undefined;
  const s = await shrinkSeed(namedScenario(record.cell.scenario), worldOf(record.cell, opts), record.seed, record.failure.code, opts.shrinkRunsMax, execOf(record.cell, opts));
  return s.result === undefined ? undefined : failureOf(record.cell, record.seed, s.result);
}

/** The run indices of `cell` that shard k of n takes. */
export function shardIndices(runsPerCell: number, shard: readonly [number, number] = [1, 1]): number[] {
  const [k, n] = shard;
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(k) || k < 1 || k > n) throw new RangeError(`shard must be k/n with 1 ≤ k ≤ n, got ${k}/${n}`);
  const out: number[] = [];
  for (let i = k - 1; i < runsPerCell; i += n) out.push(i);
  return out;
}

/** Folds run records (any order; duplicates are an error) into a campaign result in (cell, index) order. */
export function aggregate(cells: readonly CellSpec[], records: readonly RunRecord[]): CampaignResult {
  const byCell = new Map<string, RunRecord[]>();
  for (const c of cells) byCell.set(cellKey(c), []);
  for (const r of records) {
    const list = byCell.get(cellKey(r.cell));
    if (list === undefined) throw new RangeError(`record for a cell outside the campaign: ${cellKey(r.cell)}`);
    list.push(r);
  }
  const results: CellResult[] = [];
  const failures: FailureRecord[] = [];
  let runs = 0;
  let newFailures = 0;
  for (const cell of cells) {
    const list = (byCell.get(cellKey(cell)) as RunRecord[]).slice().sort((a, b) => a.index - b.index);
    for (let i = 1; i < list.length; i++) if ((list[i] as RunRecord).index === (list[i - 1] as RunRecord).index) throw new RangeError(`run ${(list[i] as RunRecord).index} of ${cellKey(cell)} appears twice`);
    const acc: CellResult = { cell, runs: 0, passed: 0, crashes: 0, crashImages: 0, steps: 0, fsOps: 0, faultsInjected: 0, scriptedFaultsArmed: 0, scriptedFaultsFired: 0, runsWithoutFiredFault: 0, checks: {}, acknowledged: {}, acknowledgedFindings: {}, failures: {}, deadEnds: 0, unsurvivable: {}, nontrivialChecks: {}, probes: {}, probeRuns: {} };
    const m = acc as { -readonly [K in keyof CellResult]: CellResult[K] };
    const seenCodes = new Set<string>();
    for (const r of list) {
      runs++;
      m.runs++;
      if (r.passed) m.passed++;
      m.crashes += r.crashes;
      m.crashImages += r.crashImages;
      m.steps += r.steps;
      m.fsOps += r.fsOps;
      m.faultsInjected += r.faultsInjected;
      m.scriptedFaultsArmed += r.scriptedFaultsArmed ?? 0;
      m.scriptedFaultsFired += r.scriptedFaultsFired ?? 0;
      if ((r.scriptedFaultsArmed ?? 0) > 0 && (r.scriptedFaultsFired ?? 0) === 0) m.runsWithoutFiredFault++;
      if (r.deadEnd) m.deadEnds++;
      for (const [k, v] of Object.entries(r.checks)) m.checks[k as InvariantId] = (m.checks[k as InvariantId] ?? 0) + (v ?? 0);
      for (const [k, v] of Object.entries(r.nontrivialChecks ?? {})) m.nontrivialChecks[k as InvariantId] = (m.nontrivialChecks[k as InvariantId] ?? 0) + (v ?? 0);
      for (const [k, v] of Object.entries(r.probes ?? {})) {
        m.probes[k] = (m.probes[k] ?? 0) + v;
        if (v > 0) m.probeRuns[k] = (m.probeRuns[k] ?? 0) + 1;
      }
      for (const [k, v] of Object.entries(r.acknowledged)) m.acknowledged[k] = (m.acknowledged[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.acknowledgedFindings)) m.acknowledgedFindings[k] = (m.acknowledgedFindings[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.unsurvivable ?? {})) m.unsurvivable[k] = (m.unsurvivable[k] ?? 0) + v;
      const f = r.failure;
      if (f === undefined) continue;
      m.failures[f.code] = (m.failures[f.code] ?? 0) + 1;
      if (f.finding === undefined) newFailures++;
      if (!seenCodes.has(f.code)) {
        seenCodes.add(f.code);
        failures.push(f);
      }
    }
    results.push(acc);
  }
  return { cells: results, failures, runs, newFailures };
}

export interface CampaignSpec extends RunOptions {
  readonly cells: readonly CellSpec[];
  readonly runsPerCell: number;
  readonly rootSeed: string;
  /** [k, n]: run only shard k of n (1-based) */
  readonly shard?: readonly [number, number];
  readonly onRun?: (record: RunRecord) => void;
}

/** Serial campaign (the CLI adds worker threads on top of runOne/aggregate). */
export async function runCampaign(spec: CampaignSpec): Promise<CampaignResult> {
  if (!Number.isSafeInteger(spec.runsPerCell) || spec.runsPerCell < 0) throw new RangeError(`runsPerCell must be a non-negative integer, got ${spec.runsPerCell}`);
  const indices = shardIndices(spec.runsPerCell, spec.shard);
  const records: RunRecord[] = [];
  for (const cell of spec.cells) {
    for (const i of indices) {
      const { record } = await runOne(cell, i, spec.rootSeed, spec);
      spec.onRun?.(record);
      records.push(record);
    }
  }
  return aggregate(spec.cells, records);
}

/** Every combination of the given lists. */
export function matrix(scenarios: readonly string[], designs: readonly string[], personalities: readonly Personality[], faults: readonly FaultMode[]): CellSpec[] {
  const out: CellSpec[] = [];
  for (const scenario of scenarios) for (const design of designs) for (const personality of personalities) for (const f of faults) out.push({ scenario, design, personality, faults: f });
  return out;
}
