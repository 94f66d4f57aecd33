/**
 * fast-check arbitraries of Plans: the model-based workloads of issue 4.
 *
 * Every choice is a plan field (commands, steps, crash points, image indices,
 * scheduler decisions, one-shot faults), so a failure shrinks jointly: fewer
 * commands, fewer steps (earlier crash points), image index → 0 (fewer kept
 * pending operations: images are ordered prefix-0 first), decisions → 0 (the
 * round-robin default, i.e. fewer preemptions).
 *
 * The plan for seed k is the first value fast-check draws with seed k, so
 * `fc.check(prop, { seed: k, numRuns: 1 })` draws the same plan and shrinks it
 * (scenarios/sweep.ts).
 */
import fc from 'fast-check';
import type { Personality } from '../sim/vfs/model.js';
import { FAULT_KINDS, PLAN_VERSION, type Ablation, type Command, type FaultMode, type Plan, type ScheduleSpec, type TornMode } from './plan.js';

/** The fixed part of a plan: what a sweep varies by flag, not by seed. */
export interface WorldSpec {
  readonly design: string;
  readonly personality: Personality;
  readonly faults: FaultMode;
  readonly torn: TornMode;
  /** draw one-shot `fault` commands too */
  readonly scriptedFaults: boolean;
  readonly committeeSize: number;
  readonly liveness: boolean;
  readonly budgetSteps: number;
  readonly livenessBudgetSteps: number;
  /** longest command list */
  readonly commandsMax: number;
  /** how the scheduler is driven: guided decisions (shrinkable) or seeded random */
  readonly scheduling: 'guided' | 'random';
  /** a barrier taken out of the system under test (`crashsim ablate`) */
  readonly ablation?: Ablation;
}

export const DEFAULT_WORLD: WorldSpec = {
  design: 'seed',
  personality: 'ext4-weak',
  faults: 'off',
  torn: 'off',
  scriptedFaults: false,
  committeeSize: 4,
  liveness: true,
  budgetSteps: 60_000,
  livenessBudgetSteps: 50_000,
  commandsMax: 40,
  scheduling: 'guided',
};

function commandArb(w: WorldSpec): fc.Arbitrary<Command> {
  const peers = w.committeeSize - 1;
  const options: Array<{ weight: number; arbitrary: fc.Arbitrary<Command> }> = [
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((count): Command => ({ c: 'produce', count })) },
    { weight: 6, arbitrary: fc.record({ peer: fc.integer({ min: 0, max: peers - 1 }), count: fc.integer({ min: 1, max: 6 }) }).map(({ peer, count }): Command => ({ c: 'peerBlocks', peer, count })) },
    { weight: 3, arbitrary: fc.constant<Command>({ c: 'votes' }) },
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }).map((count): Command => ({ c: 'commitQC', count })) },
    { weight: 3, arbitrary: fc.constant<Command>({ c: 'appVotes' }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }).map((ahead): Command => ({ c: 'appQC', ahead })) },
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 400 }).map((steps): Command => ({ c: 'run', steps })) },
    { weight: 3, arbitrary: fc.record({ afterFsOps: fc.integer({ min: 0, max: 80 }), image: fc.nat({ max: 4095 }) }).map(({ afterFsOps, image }): Command => ({ c: 'crash', afterFsOps, image })) },
    { weight: 1, arbitrary: fc.constant<Command>({ c: 'restart' }) },
  ];
  if (w.scriptedFaults) {
    options.push({ weight: 2, arbitrary: fc.record({ kind: fc.constantFrom(...FAULT_KINDS), nth: fc.nat({ max: 20 }) }).map(({ kind, nth }): Command => ({ c: 'fault', kind, nth })) });
  }
  return fc.oneof(...options);
}

export function planArb(w: WorldSpec = DEFAULT_WORLD): fc.Arbitrary<Plan> {
  const schedule =
    w.scheduling === 'guided'
      ? fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) }), { maxLength: 400 }).map((decisions) => ({ kind: 'guided' as const, decisions }))
      : fc.constant({ kind: 'random' as const });
  return fc
    .record({
      seed: fc.nat().map((n) => `p${n}`),
      nodeIndex: fc.integer({ min: 0, max: w.committeeSize - 1 }),
      schedule,
      commands: fc.array(commandArb(w), { minLength: 1, maxLength: w.commandsMax }),
    })
    .map(({ seed, nodeIndex, schedule: s, commands }) => planOf(w, { seed, nodeIndex, schedule: s, commands }));
}

/** A plan in world `w`: the world's fixed fields plus what was drawn. */
export function planOf(w: WorldSpec, p: { readonly seed: string; readonly nodeIndex: number; readonly schedule: ScheduleSpec; readonly commands: readonly Command[] }): Plan {
  return {
    v: PLAN_VERSION,
    design: w.design,
    personality: w.personality,
    faults: w.faults,
    torn: w.torn,
    committeeSize: w.committeeSize,
    nodeIndex: p.nodeIndex,
    seed: p.seed,
    schedule: p.schedule,
    commands: p.commands,
    liveness: w.liveness,
    budgetSteps: w.budgetSteps,
    livenessBudgetSteps: w.livenessBudgetSteps,
    ...(w.ablation === undefined ? {} : { ablation: w.ablation }),
  };
}
