/**
 * `crashsim explore`: every crash point of one persist iteration × every crash
 * image the personality allows there, recovery checked on each, exact counts
 * (scenarios/explore.ts: the workload runs once; each crash point is a
 * copy-on-write snapshot of the VFS that forks into its images).
 */
import { readFileSync, statSync } from 'node:fs';
import { DEFAULT_WORLD } from '../../scenarios/arbitraries.js';
import { explore, renderExplore } from '../../scenarios/explore.js';
import { namedScenario } from '../../scenarios/named.js';
import { parsePlan, PlanError, PLAN_VERSION, type Command, type Plan, type TornMode } from '../../scenarios/plan.js';
import { planFor, scenarioWorld } from '../../scenarios/sweep.js';
import type { Personality } from '../../sim/vfs/model.js';
import { describeFsError, EXIT, UsageError } from '../errors.js';
import { DEFAULT_PERSONALITY } from '../options.js';
import type { Io } from '../output.js';

/**
 * The default workload: a peer delivers two blocks, so the first persist
 * iteration creates, writes and fsyncs two block files — small enough to
 * enumerate in about a second. (--commands '[…,{"c":"commitQC","count":1}]'
 * with --iteration 2 explores a CommitQC write, and so on.)
 */
export const DEFAULT_EXPLORE_COMMANDS: readonly Command[] = [{ c: 'peerBlocks', peer: 0, count: 2 }];

/** A plan file larger than this is refused (plans are a few KiB). */
export const PLAN_FILE_BYTES_MAX = 8 * 1024 * 1024;

export interface ExploreCommandOptions {
  readonly scenario?: string;
  readonly seed?: number;
  readonly commands?: string;
  readonly plan?: string;
  /** unset: seed, or the plan file's */
  readonly design?: string;
  readonly personality?: Personality;
  readonly torn?: TornMode;
  readonly iteration: number;
  readonly json?: boolean;
}

function planOf(o: ExploreCommandOptions): { plan: Plan; what: string } {
  const sources = [o.scenario !== undefined, o.commands !== undefined, o.plan !== undefined].filter(Boolean).length;
  if (sources > 1) throw new UsageError('give at most one of --scenario, --commands, --plan');
  if (o.seed !== undefined && o.scenario === undefined) throw new UsageError('--seed picks the draw of a named scenario: give it with --scenario <id> (a --plan or --commands workload has no seed to pick)');
  const base = { design: o.design ?? 'seed', personality: o.personality ?? DEFAULT_PERSONALITY, torn: o.torn ?? 'off' };
  if (o.scenario !== undefined) {
    let sc;
    try {
      sc = namedScenario(o.scenario);
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const seed = o.seed ?? 1;
    const plan = planFor(sc, scenarioWorld(sc, { ...DEFAULT_WORLD, ...base }), seed);
    return { plan: { ...plan, ...base, liveness: false }, what: `scenario ${o.scenario}, seed ${seed} (${plan.commands.length} commands)` };
  }
  if (o.plan !== undefined) {
    if (o.plan.trim() === '') throw new UsageError('--plan must name a plan file; got an empty string');
    let text: string;
    try {
      if (statSync(o.plan).size > PLAN_FILE_BYTES_MAX) throw new UsageError(`${o.plan}: larger than ${PLAN_FILE_BYTES_MAX} bytes; not a plan file`);
      text = readFileSync(o.plan, 'utf8');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read the plan file ${JSON.stringify(o.plan)}: ${describeFsError(e)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${o.plan}: not JSON (${e instanceof Error ? e.message : String(e)}); docs/scenarios.md shows the plan format`);
    }
    try {
      const plan = parsePlan(json);
      // Options given on the command line override the plan's world; the rest is the plan's.
      const overridden = { ...plan, ...(o.design === undefined ? {} : { design: o.design }), ...(o.personality === undefined ? {} : { personality: o.personality }), ...(o.torn === undefined ? {} : { torn: o.torn }) };
      return { plan: overridden, what: `plan file ${o.plan}` };
    } catch (e) {
      throw new UsageError(`${o.plan}: ${e instanceof PlanError ? e.message : String(e)}`);
    }
  }
  let commands: unknown = DEFAULT_EXPLORE_COMMANDS;
  if (o.commands !== undefined) {
    try {
      commands = JSON.parse(o.commands);
    } catch {
      throw new UsageError('--commands must be a JSON array of plan commands, e.g. [{"c":"peerBlocks","peer":0,"count":1}]');
    }
  }
  const raw = { v: PLAN_VERSION, ...base, faults: 'off', committeeSize: 4, nodeIndex: 0, seed: 'explore', schedule: { kind: 'guided', decisions: [] }, commands, liveness: false, budgetSteps: DEFAULT_WORLD.budgetSteps, livenessBudgetSteps: DEFAULT_WORLD.livenessBudgetSteps };
  try {
    const plan = parsePlan(raw);
    return { plan, what: o.commands === undefined ? 'the default workload (peer 0 delivers 2 blocks)' : `${plan.commands.length} command(s) from --commands` };
  } catch (e) {
    throw new UsageError(`--commands: ${e instanceof PlanError ? e.message : String(e)}`);
  }
}

export async function exploreCommand(o: ExploreCommandOptions, io: Io): Promise<number> {
  const { plan, what } = planOf(o);
  const t0 = performance.now();
  io.out(`SEED=${plan.seed}`);
  io.out(`crashsim explore: design=${plan.design} personality=${plan.personality} torn=${plan.torn} iteration=${o.iteration} workload: ${what}`);
  const report = await explore(plan, { iteration: o.iteration });
  const ms = performance.now() - t0;
  // Which failing outcomes no known finding explains.
  const fresh = new Set<string>();
  for (const p of report.crashPoints) for (const [code, label] of Object.entries(p.outcomeFindings)) if (label === 'NEW') fresh.add(code);
  if (report.workloadViolation !== undefined && report.workloadViolation.known.length === 0) fresh.add(report.workloadViolation.code);
  if (o.json === true) {
    io.out(JSON.stringify({ ...report, newCodes: [...fresh], elapsedMs: Math.round(ms) }, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 1));
  } else {
    for (const line of renderExplore(report).split('\n')) io.out(line);
    const known = new Set<string>();
    for (const p of report.crashPoints) for (const [code, label] of Object.entries(p.outcomeFindings)) if (label !== 'NEW') known.add(`${label} ${code}`);
    for (const p of report.crashPoints) {
      if (p.firstFailure === undefined) continue;
      io.out(`  point ${p.index}: ${p.firstFailure.code} on image "${p.firstFailure.image}": ${p.firstFailure.message}`);
    }
    if (known.size > 0) io.out(`known findings: ${[...known].join('; ')}`);
    if (fresh.size > 0) io.out(`NEW failures: ${[...fresh].join(', ')} (${(ms / 1000).toFixed(1)} s)`);
    else if (report.crashPoints.length === 0) io.out(`nothing explored: ${report.incomplete ?? `persist iteration #${o.iteration} has no crash points`} (exit ${EXIT.incomplete})`);
    else io.out(`no new failures (${(ms / 1000).toFixed(1)} s)`);
  }
  if (fresh.size > 0) return EXIT.failed;
  // Nothing was explored: the workload never reached the iteration asked for.
  return report.crashPoints.length === 0 ? EXIT.incomplete : EXIT.ok;
}
