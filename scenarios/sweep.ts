/**
 * Seed sweeps: seed k → the plan fast-check draws first for k → its verdict;
 * on a violation, optionally shrink with fast-check from that same seed.
 *
 * Shrinking is bounded by a count of executions, not by time, so a shrunk
 * counterexample is the same on every machine.
 */
import fc from 'fast-check';
import type { WorldSpec } from './arbitraries.js';
import type { NamedScenario } from './named.js';
import { executePlan, type ExecOptions, type RunResult } from './execute.js';
import type { InvariantId } from './oracles/invariants.js';
import type { Plan } from './plan.js';

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

/** Shrinks a failing plan drawn for `seed` to a smaller plan that breaks the same invariant. */
export async function shrinkSeed(scenario: NamedScenario, world: WorldSpec, seed: number, invariant: InvariantId, runsMax = DEFAULT_SHRINK_RUNS_MAX, opts: ExecOptions = {}): Promise<{ result: RunResult | undefined; runs: number }> {
  let runs = 0;
  let best: RunResult | undefined;
  const details = await fc.check(
    fc.asyncProperty(scenario.arb(world), async (plan: Plan) => {
      // Past the budget every candidate "passes": fast-check then keeps what it has.
      if (runs >= runsMax) return true;
      runs++;
      const r = await executePlan(plan, opts);
      const fails = r.violation?.invariant === invariant;
      if (fails) best = r;
      return !fails;
    }),
    { seed, numRuns: 1, endOnFailure: false },
  );
  if (!details.failed) return { result: undefined, runs };
  return { result: best, runs };
}

/** `world` must already include the scenario's fixed fields (scenarioWorld). */
export async function runSeed(scenario: NamedScenario, world: WorldSpec, seed: number, opts: { shrink?: boolean; shrinkRunsMax?: number; exec?: ExecOptions } = {}): Promise<SeedOutcome> {
  const plan = planFor(scenario, world, seed);
  const result = await executePlan(plan, opts.exec ?? {});
  if (result.violation === undefined || opts.shrink !== true) return { seed, result, shrunk: undefined, shrinkRuns: 0 };
  const s = await shrinkSeed(scenario, world, seed, result.violation.invariant, opts.shrinkRunsMax, opts.exec ?? {});
  return { seed, result, shrunk: s.result, shrinkRuns: s.runs };
}
