/**
 * Seed sweeps: seed k → the plan fast-check draws first for k → its verdict;
 * on a violation, optionally shrink: fast-check from that same seed (it shrinks
 * within the scenario's shape), then a delta-debugging pass over the plan's
 * commands (it drops whole commands and simplifies the rest, beyond the shape).
 * Both keep a candidate only if it breaks the invariant the same way (same code).
 *
 * Shrinking is bounded by a count of executions, not by time, so a shrunk
 * counterexample is the same on every machine.
 */
import fc from 'fast-check';
import type { WorldSpec } from './arbitraries.js';
import type { NamedScenario } from './named.js';
import { executePlan, type ExecOptions, type RunResult } from './execute.js';
import type { Command, Plan } from './plan.js';

export interface SeedOutcome {
  readonly seed: number;
  readonly result: RunResult;
  /** the shrunk counterexample, when shrinking ran */
  readonly shrunk: RunResult | undefined;
  /** plans executed while shrinking */
  readonly shrinkRuns: number;
}

/** Executions one shrink may spend. */
export const DEFAULT_SHRINK_RUNS_MAX = 150;

/** The world a scenario runs in: the sweep's choices, then what the scenario fixes. */
export function scenarioWorld(scenario: NamedScenario, base: WorldSpec): WorldSpec {
  return { ...base, ...scenario.world };
}

/** The plan fast-check draws first for `seed` (the same one `fc.check(…, {seed, numRuns: 1})` starts from). */
export function planFor(scenario: NamedScenario, world: WorldSpec, seed: number): Plan {
  const [p] = fc.sample(scenario.arb(world), { seed, numRuns: 1 });
  if (p === undefined) throw new Error('fc.sample returned nothing');
  return p;
}

/** Shrinks a failing plan drawn for `seed` to a smaller plan that breaks the same way (violation code). */
export async function shrinkSeed(scenario: NamedScenario, world: WorldSpec, seed: number, code: string, runsMax = DEFAULT_SHRINK_RUNS_MAX, opts: ExecOptions = {}): Promise<{ result: RunResult | undefined; runs: number }> {
  let runs = 0;
  let best: RunResult | undefined;
  const details = await fc.check(
    fc.asyncProperty(scenario.arb(world), async (plan: Plan) => {
      // Past the budget every candidate "passes": fast-check then keeps what it has.
      if (runs >= runsMax) return true;
      runs++;
      const r = await executePlan(plan, opts);
      const fails = r.violation?.code === code;
      if (fails) best = r;
      return !fails;
    }),
    { seed, numRuns: 1, endOnFailure: false },
  );
  if (!details.failed || best === undefined) return { result: undefined, runs };
  const m = await minimizePlan(best, code, runsMax, opts);
  return { result: m.result, runs: runs + m.runs };
}

/** Simpler variants of one command, most aggressive first. */
function simpler(c: Command): Command[] {
  switch (c.c) {
    case 'produce':
    case 'peerBlocks':
    case 'commitQC':
      return c.count > 1 ? [{ ...c, count: 1 }, { ...c, count: c.count >> 1 }].filter((x) => x.count >= 1) : [];
    case 'run':
      return c.steps > 0 ? [{ ...c, steps: 0 }, { ...c, steps: c.steps >> 1 }] : [];
    case 'appQC':
      return c.ahead > 0 ? [{ ...c, ahead: 0 }, { ...c, ahead: c.ahead - 1 }] : [];
    case 'crash':
      return [...(c.image > 0 ? [{ ...c, image: 0 }] : []), ...(c.afterFsOps > 0 ? [{ ...c, afterFsOps: 0 }, { ...c, afterFsOps: c.afterFsOps >> 1 }] : [])];
    case 'fault':
      return c.nth > 0 ? [{ ...c, nth: 0 }] : [];
    default:
      return [];
  }
}

/**
 * Delta debugging (Zeller's ddmin) over `failing.plan.commands`, then one pass of
 * per-command simplification: keeps every change after which the plan still
 * breaks with `code`. Deterministic; at most `runsMax` executions.
 */
export async function minimizePlan(failing: RunResult, code: string, runsMax: number, opts: ExecOptions = {}): Promise<{ result: RunResult; runs: number }> {
  let best = failing;
  let runs = 0;
  const attempt = async (commands: readonly Command[]): Promise<boolean> => {
    if (runs >= runsMax) return false;
    runs++;
    const r = await executePlan({ ...best.plan, commands }, opts);
    if (r.violation?.code !== code) return false;
    best = r;
    return true;
  };
  let n = 2;
  while (best.plan.commands.length >= 2 && runs < runsMax) {
    const cmds = best.plan.commands;
    const chunk = Math.ceil(cmds.length / n);
    let reduced = false;
    for (let i = 0; i * chunk < cmds.length && !reduced; i++) {
      reduced = await attempt([...cmds.slice(0, i * chunk), ...cmds.slice((i + 1) * chunk)]);
    }
    if (reduced) n = Math.max(n - 1, 2);
    else if (n >= cmds.length) break;
    else n = Math.min(cmds.length, n * 2);
  }
  // Adjacent runs read better as one.
  for (let i = best.plan.commands.length - 1; i > 0 && runs < runsMax; i--) {
    const a = best.plan.commands[i - 1] as Command;
    const b = best.plan.commands[i] as Command;
    if (a.c === 'run' && b.c === 'run') await attempt([...best.plan.commands.slice(0, i - 1), { c: 'run', steps: a.steps + b.steps }, ...best.plan.commands.slice(i + 1)]);
  }
  for (let i = 0; i < best.plan.commands.length && runs < runsMax; i++) {
    for (const variant of simpler(best.plan.commands[i] as Command)) {
      const cmds = best.plan.commands.slice();
      cmds[i] = variant;
      if (await attempt(cmds)) break;
    }
  }
  return { result: best, runs };
}

/** `world` must already include the scenario's fixed fields (scenarioWorld). */
export async function runSeed(scenario: NamedScenario, world: WorldSpec, seed: number, opts: { shrink?: boolean; shrinkRunsMax?: number; exec?: ExecOptions } = {}): Promise<SeedOutcome> {
  const plan = planFor(scenario, world, seed);
  const result = await executePlan(plan, opts.exec ?? {});
  if (result.violation === undefined || opts.shrink !== true) return { seed, result, shrunk: undefined, shrinkRuns: 0 };
  const s = await shrinkSeed(scenario, world, seed, result.violation.code, opts.shrinkRunsMax, opts.exec ?? {});
  return { seed, result, shrunk: s.result, shrinkRuns: s.runs };
}
