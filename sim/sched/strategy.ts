/**
 * Scheduling strategies: which enabled task performs the next step.
 *
 * A run's schedule is its **decision list**: for every step, the id of the task
 * that performed it (task ids are assigned in spawn order, so they are stable
 * across runs of the same schedule). A task with several enabled ops (it awaits
 * several Env promises at once) performs its oldest one, so the task id is
 * enough. `replay` takes such a list and nothing else; random and PCT draw only
 * from the `scheduler` stream they are given.
 */
import { ReplayDivergence } from '../random.js';
import type { Rng } from '../random.js';

export interface ScheduleStrategy {
  readonly kind: StrategyOptions['kind'];
  /** A new task exists (called in spawn order). */
  taskCreated(taskId: number): void;
  /** A task finished; it will never be enabled again. */
  taskEnded(taskId: number): void;
  /** Returns one of `enabled` (task ids, ascending, never empty) for step number `step`. */
  choose(enabled: readonly number[], step: number): number;
}

export type StrategyOptions =
  | { readonly kind: 'random' }
  | {
      readonly kind: 'pct';
      /** Bug depth d ≥ 1: d − 1 priority change points. Default 3. */
      readonly depth?: number;
      /** Estimated steps k of a run: change points are drawn in [0, k). Default 1000. */
      readonly estimatedSteps?: number;
    }
  | { readonly kind: 'replay'; readonly decisions: readonly number[] }
  /**
   * Steered by a shrinkable list (fast-check generates it): decision i steers
   * step i; 0 = the default policy (round-robin after the task that ran last),
   * k > 0 = the ((k − 1) mod m)-th of the m enabled tasks. Past the list: default.
   * Shrinking the list toward zeros means fewer preemptions.
   */
  | { readonly kind: 'guided'; readonly decisions: readonly number[] };

const PCT_DEPTH_MAX = 64;

export function createStrategy(opts: StrategyOptions, rng: Rng): ScheduleStrategy {
  switch (opts.kind) {
    case 'random':
      return new RandomStrategy(rng);
    case 'pct': {
      const depth = opts.depth ?? 3;
      const k = opts.estimatedSteps ?? 1000;
      if (!Number.isSafeInteger(depth) || depth < 1 || depth > PCT_DEPTH_MAX) throw new RangeError(`pct depth must be an integer in [1, ${PCT_DEPTH_MAX}], got ${depth}`);
      if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`pct estimatedSteps must be a positive integer, got ${k}`);
      return new PctStrategy(rng, depth, k);
    }
    case 'replay':
      for (const [i, d] of opts.decisions.entries()) {
        if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`replay decision #${i} must be a task id (integer ≥ 1), got ${String(d)}`);
      }
      return new ReplayStrategy(opts.decisions);
    case 'guided':
      for (const [i, d] of opts.decisions.entries()) {
        if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`guided decision #${i} must be an integer ≥ 0, got ${String(d)}`);
      }
      return new GuidedStrategy(opts.decisions);
  }
}

/** Uniform among the enabled tasks. */
class RandomStrategy implements ScheduleStrategy {
  readonly kind = 'random';
  constructor(private readonly rng: Rng) {}
  taskCreated(): void {}
  taskEnded(): void {}
  choose(enabled: readonly number[]): number {
    return enabled[this.rng.int(enabled.length)] as number;
  }
}

/**
 * Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * ASPLOS 2010): every task gets a distinct random priority ≥ d (a new task is
 * inserted at a uniformly drawn rank among the live ones); the highest-priority
 * enabled task always runs; at each of d − 1 change points (steps drawn
 * uniformly in [0, k)) the task about to run is demoted to priority i (the i-th
 * change point), below every initial priority, so a preemption happens exactly
 * there. A bug of depth d is then found with probability ≥ 1/(n·k^(d−1)).
 */
class PctStrategy implements ScheduleStrategy {
  readonly kind = 'pct';
  /** Undemoted tasks, lowest priority first. */
  private readonly ranked: number[] = [];
  /** Demoted tasks → their low priority (1 … d−1). */
  private readonly demoted = new Map<number, number>();
  /** changeSteps[i] = the step at which the running task drops to priority i + 1. */
  private readonly changeSteps: number[] = [];

  constructor(private readonly rng: Rng, depth: number, estimatedSteps: number) {
    for (let i = 0; i < depth - 1; i++) this.changeSteps.push(rng.int(estimatedSteps));
  }

  taskCreated(taskId: number): void {
    this.ranked.splice(this.rng.int(this.ranked.length + 1), 0, taskId);
  }

  taskEnded(taskId: number): void {
    const i = this.ranked.indexOf(taskId);
    if (i >= 0) this.ranked.splice(i, 1);
    this.demoted.delete(taskId);
  }

  choose(enabled: readonly number[], step: number): number {
    let best = this.highest(enabled);
    for (let i = 0; i < this.changeSteps.length; i++) {
      if (this.changeSteps[i] !== step) continue;
      const r = this.ranked.indexOf(best);
      if (r >= 0) this.ranked.splice(r, 1);
      this.demoted.set(best, i + 1);
      best = this.highest(enabled);
    }
    return best;
  }

  private highest(enabled: readonly number[]): number {
    for (let r = this.ranked.length - 1; r >= 0; r--) {
      const id = this.ranked[r] as number;
      if (enabled.includes(id)) return id;
    }
    let best = -1;
    let bestPriority = 0;
    for (const id of enabled) {
      const p = this.demoted.get(id) ?? 0;
      if (p > bestPriority) {
        best = id;
        bestPriority = p;
      }
    }
    if (best < 0) throw new Error(`pct: none of the enabled tasks ${enabled.join(',')} has a priority`);
    return best;
  }
}

/** Follows a recorded decision list; running past its end is a divergence. */
class ReplayStrategy implements ScheduleStrategy {
  readonly kind = 'replay';
  constructor(private readonly decisions: readonly number[]) {}
  taskCreated(): void {}
  taskEnded(): void {}
  choose(_enabled: readonly number[], step: number): number {
    const d = this.decisions[step];
    if (d === undefined) throw new ReplayDivergence(`the decision list ends after ${this.decisions.length} decisions but the run needs step ${step}`);
    return d;
  }
}

/** See StrategyOptions 'guided'. Draws no randomness: the list and the default policy decide. */
class GuidedStrategy implements ScheduleStrategy {
  readonly kind = 'guided';
  private last = 0;
  constructor(private readonly decisions: readonly number[]) {}
  taskCreated(): void {}
  taskEnded(): void {}
  choose(enabled: readonly number[], step: number): number {
    const d = this.decisions[step] ?? 0;
    let chosen: number;
    if (d > 0) chosen = enabled[(d - 1) % enabled.length] as number;
    else {
      // Round-robin: the first enabled id after the last task, wrapping around.
      chosen = enabled[0] as number;
      for (const id of enabled) {
        if (id > this.last) {
          chosen = id;
          break;
        }
      }
    }
    this.last = chosen;
    return chosen;
  }
}
