/**
 * A campaign: many seeds over a matrix of cells (scenario × design × personality
 * × fault mode), with known findings recognised and every failure turned into a
 * replay token. The vitest crash suite and `crashsim run` both run campaigns.
 *
 * Seeds are split deterministically: cell c, run i uses fast-check seed
 * `seedOf(rootSeed, cellKey, i)`; shard k/n takes the runs with i ≡ k−1 (mod n),
 * so shards merged equal the unsharded campaign.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_WORLD, type WorldSpec } from './arbitraries.js';
import type { ExecOptions, RunResult } from './execute.js';
import { knownFinding, type Finding } from './findings.js';
import { namedScenario } from './named.js';
import type { InvariantId } from './oracles/invariants.js';
import type { FaultMode } from './plan.js';
import { runSeed, scenarioWorld } from './sweep.js';
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

export interface CampaignSpec {
  readonly cells: readonly CellSpec[];
  readonly runsPerCell: number;
  readonly rootSeed: string;
  /** [k, n]: run only shard k of n (1-based) */
  readonly shard?: readonly [number, number];
  /** look past known findings so runs go deeper (default true) */
  readonly acknowledgeKnown?: boolean;
  /** shrink the first new failure of each code */
  readonly shrink?: boolean;
  readonly shrinkRunsMax?: number;
  readonly world?: Partial<WorldSpec>;
  readonly onRun?: (e: { readonly cell: CellSpec; readonly index: number; readonly result: RunResult }) => void;
}

export interface FailureRecord {
  readonly cell: string;
  readonly code: string;
  readonly invariant: InvariantId;
  readonly message: string;
  /** the known finding this matches, if any */
  readonly finding: string | undefined;
  readonly seed: number;
  readonly token: string;
  readonly replay: string;
  /** shrunk counterexample, when shrinking ran */
  readonly shrunkToken: string | undefined;
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
  /** checks per invariant over all runs */
  readonly checks: Partial<Record<InvariantId, number>>;
  /** known findings looked past (acknowledged): code → occurrences */
  readonly acknowledged: Record<string, number>;
  /** runs that ended in a violation: code → count */
  readonly failures: Record<string, number>;
}

export interface CampaignResult {
  readonly cells: readonly CellResult[];
  /** first failure of each (cell, code) */
  readonly failures: readonly FailureRecord[];
  readonly runs: number;
  readonly newFailures: number;
}

/** fast-check seed of run `i` of a cell: stable, independent of shard and of other cells. */
export function seedOf(rootSeed: string, key: string, i: number): number {
  const h = createHash('sha256').update(`${rootSeed}\0${key}\0${i}`).digest();
  return h.readInt32BE(0);
}

export function tokenOf(r: RunResult): string {
  return encodeToken({ plan: r.plan, decisions: r.decisions, traceHash: r.traceHash, verdict: r.violation?.code ?? 'pass' });
}

export async function runCampaign(spec: CampaignSpec): Promise<CampaignResult> {
  if (!Number.isSafeInteger(spec.runsPerCell) || spec.runsPerCell < 0) throw new RangeError(`runsPerCell must be a non-negative integer, got ${spec.runsPerCell}`);
  const [shardK, shardN] = spec.shard ?? [1, 1];
  const cells: CellResult[] = [];
  const failures: FailureRecord[] = [];
  let runs = 0;
  let newFailures = 0;
  for (const cell of spec.cells) {
    const scenario = namedScenario(cell.scenario);
    const world = scenarioWorld(scenario, { ...DEFAULT_WORLD, ...spec.world, design: cell.design, personality: cell.personality, faults: cell.faults });
    const key = cellKey(cell);
    const acc = { runs: 0, passed: 0, crashes: 0, crashImages: 0, steps: 0, fsOps: 0, faultsInjected: 0, checks: {} as Partial<Record<InvariantId, number>>, acknowledged: {} as Record<string, number>, failures: {} as Record<string, number> };
    const exec: ExecOptions = spec.acknowledgeKnown === false ? {} : { acknowledge: (v) => knownFinding(cell.design, cell.personality, v.code, v.faultsBefore) !== undefined };
    const seenCodes = new Set<string>();
    for (let i = 0; i < spec.runsPerCell; i++) {
      if (i % shardN !== shardK - 1) continue;
      const seed = seedOf(spec.rootSeed, key, i);
      const first = await runSeed(scenario, world, seed, { exec });
      const r = first.result;
      spec.onRun?.({ cell, index: i, result: r });
      runs++;
      acc.runs++;
      acc.crashes += r.stats.crashes;
      acc.crashImages += r.stats.crashImagesConsidered;
      acc.steps += r.stats.steps;
      acc.fsOps += r.stats.fsOps;
      acc.faultsInjected += r.stats.faultsInjected;
      for (const [k, v] of Object.entries(r.stats.checks)) acc.checks[k as InvariantId] = (acc.checks[k as InvariantId] ?? 0) + (v ?? 0);
      for (const [k, v] of Object.entries(r.acknowledged)) acc.acknowledged[k] = (acc.acknowledged[k] ?? 0) + v;
      const v = r.violation;
      if (v === undefined) {
        acc.passed++;
        continue;
      }
      acc.failures[v.code] = (acc.failures[v.code] ?? 0) + 1;
      const finding: Finding | undefined = knownFinding(cell.design, cell.personality, v.code, v.faultsBefore);
      if (finding === undefined) newFailures++;
      if (seenCodes.has(v.code)) continue;
      seenCodes.add(v.code);
      let shrunkToken: string | undefined;
      let commands = r.plan.commands.map((c) => JSON.stringify(c));
      if (spec.shrink === true && finding === undefined) {
        const s = await runSeed(scenario, world, seed, { exec, shrink: true, ...(spec.shrinkRunsMax === undefined ? {} : { shrinkRunsMax: spec.shrinkRunsMax }) });
        if (s.shrunk !== undefined) {
          shrunkToken = tokenOf(s.shrunk);
          commands = s.shrunk.plan.commands.map((c) => JSON.stringify(c));
        }
      }
      const token = shrunkToken ?? tokenOf(r);
      failures.push({ cell: key, code: v.code, invariant: v.invariant, message: v.message, finding: finding?.id, seed, token: tokenOf(r), replay: replayCommand(token), shrunkToken, commands });
    }
    cells.push({ cell, ...acc });
  }
  return { cells, failures, runs, newFailures };
}

/** Every (scenario, personality) of the given lists for one design and fault mode. */
export function matrix(scenarios: readonly string[], designs: readonly string[], personalities: readonly Personality[], faults: readonly FaultMode[]): CellSpec[] {
  const out: CellSpec[] = [];
  for (const scenario of scenarios) for (const design of designs) for (const personality of personalities) for (const f of faults) out.push({ scenario, design, personality, faults: f });
  return out;
}
