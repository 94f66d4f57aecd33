/**
 * Typed failures of a simulated run. Each carries the seed and the step so a
 * report can say how to replay it; none of them is ever an uncaught exception.
 */

export type FailureKind = 'deadlock' | 'livelock' | 'harness' | 'replay-divergence';

/** Where a run stood when it failed. */
export interface FailurePoint {
  readonly seed: string;
  /** Steps performed so far (= decisions recorded). */
  readonly step: number;
  readonly timeMs: number;
}

/** Base of every simulator verdict that is not the system under test's own error. */
export abstract class SimFailure extends Error {
  abstract readonly kind: FailureKind;
  readonly seed: string;
  readonly step: number;
  readonly timeMs: number;

  constructor(at: FailurePoint, summary: string, details: readonly string[]) {
    super([`${summary} [seed=${at.seed} step=${at.step} t=${at.timeMs}ms]`, ...details].join('\n'));
    this.seed = at.seed;
    this.step = at.step;
    this.timeMs = at.timeMs;
  }
}

/** A live task and what it waits for, e.g. `{ taskName: 'node/persist', waitsFor: 'waits in section(inner)' }`. */
export interface BlockedTask {
  readonly taskId: number;
  readonly taskName: string;
  readonly waitsFor: string;
}

/** Every task is blocked, none can wake, and the driver still waits for something. */
export class DeadlockError extends SimFailure {
  override readonly name = 'DeadlockError';
  readonly kind = 'deadlock';
  constructor(at: FailurePoint, readonly waitingFor: string, readonly blocked: readonly BlockedTask[]) {
    super(at, `deadlock: no task can run and none can wake, while the driver waits for ${waitingFor}`,
      blocked.length === 0 ? ['  (no live tasks)'] : blocked.map((b) => `  ${b.taskName} (task ${b.taskId}) ${b.waitsFor}`));
  }
}

/** The step budget ran out: some tasks keep running without the driver's goal being reached. */
export class LivelockError extends SimFailure {
  override readonly name = 'LivelockError';
  readonly kind = 'livelock';
  constructor(at: FailurePoint, readonly budgetSteps: number, readonly lastTrace: readonly string[]) {
    super(at, `livelock: step budget of ${budgetSteps} steps exhausted`,
      [`last ${lastTrace.length} trace lines:`, ...lastTrace.map((l) => `  ${l}`)]);
  }
}

/** The harness cannot continue deterministically (e.g. a task awaited a promise no Env call created). */
export class HarnessError extends SimFailure {
  override readonly name = 'HarnessError';
  readonly kind = 'harness';
}

/** A replayed decision list does not fit the run (tampered, truncated, or the code changed). */
export class ScheduleDivergence extends SimFailure {
  override readonly name = 'ScheduleDivergence';
  readonly kind = 'replay-divergence';
}

/** Misuse of the Env by the code under test or a scenario; rejects that one call. */
export class EnvUsageError extends Error {
  override readonly name = 'EnvUsageError';
}

export type HaltReason = 'crashed' | 'stopped';

/** `host.main` rejects with this when the driver crashed or stopped the world before the task ended. */
export class WorldHalted extends Error {
  override readonly name = 'WorldHalted';
  constructor(readonly reason: HaltReason, readonly step: number, detail: string) {
    super(`world ${reason} at step ${step}${detail === '' ? '' : ': ' + detail}`);
  }
}
