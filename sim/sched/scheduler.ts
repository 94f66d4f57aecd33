/**
 * The deterministic scheduler: one thread, every Env call a scheduling point.
 *
 * Every Env call registers a *pending op* for the calling task and returns a
 * promise only the scheduler settles. A **step** = choose one enabled task
 * (strategy), perform its oldest enabled op synchronously (an fs primitive, a
 * lock-section body, …), settle that op's promise, then let the job queue run
 * until every live task is parked again at an Env call or has finished.
 *
 * "Run dry" is detected without a macrotask per step: a task counts as running
 * from the settlement of one of its ops until it parks (registers an op) or
 * ends; when the count reaches 0 the step's quiescence promise resolves. One
 * watchdog macrotask is armed while a step waits: when it fires the microtask
 * queue is empty, so a task still counted as running either awaits several Env
 * promises at once (it has pending ops: it is parked) or awaits a promise no
 * Env call made (a harness failure naming the task; never a hang).
 *
 * The virtual clock moves only when no op is enabled and some task sleeps: it
 * jumps to the earliest deadline. A stopped or crashed world never settles any
 * parked promise again (they are abandoned: no unhandled rejections).
 */
import { SimCtx } from './ctx.js';
import type { CtxTask } from './ctx.js';
import {
  DeadlockError,
  EnvUsageError,
  HarnessError,
  LivelockError,
  ScheduleDivergence,
  SimFailure,
} from './errors.js';
import type { BlockedTask, FailurePoint, HaltReason } from './errors.js';
import { nextMacrotask, onNextMacrotask } from './macrotask.js';
import type { ScheduleStrategy } from './strategy.js';
import { ReplayDivergence } from '../random.js';
import type { Trace, TraceArg, TraceEvent } from '../trace.js';
import type { Ctx } from '../../src/env.js';

export type TaskOutcome<T = unknown> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** A task of the simulated world (a goroutine). */
export class Task implements CtxTask {
  /** Registered, not yet performed ops, oldest first (usually 0 or 1). */
  readonly ops: PendingOp[] = [];
  /** Between a settlement and the next park/end. */
  running = false;
  /** The step whose settlement last resumed this task (-1: never). */
  wokenAtStep = -1;
  outcome: TaskOutcome | undefined;
  readonly rootCtx: SimCtx;

  constructor(
    readonly id: number,
    readonly name: string,
    owner: object,
    parentCtx: SimCtx | undefined,
    /** Told once when the task has ended (its scope, or nothing for top-level tasks). */
    readonly onEnd: ((task: Task) => void) | undefined,
  ) {
    this.rootCtx = parentCtx === undefined ? new SimCtx(owner, this, undefined) : parentCtx.child(this);
  }
}

/** One registered Env call of one task, waiting for the step that performs it. */
// Fields are declared and assigned in the constructor (no class-field
// definitions): one op per Env call makes this the hottest constructor, and
// defining fields cost ~8 % of an explore's CPU (measured, node 20).
export abstract class PendingOp<T = unknown> {
  declare source: string | undefined;
  declare readonly promise: Promise<T>;
  // Method syntax keeps PendingOp<T> assignable to PendingOp<unknown>.
  private declare settle: { resolve(v: T): void; reject(e: unknown): void };
  protected declare readonly sched: Scheduler;
  declare readonly task: Task;
  declare readonly ctx: SimCtx;

  constructor(sched: Scheduler, task: Task, ctx: SimCtx) {
    this.sched = sched;
    this.task = task;
    this.ctx = ctx;
    this.source = undefined;
    this.promise = new Promise<T>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  /** Trace name, e.g. `fs.open`, `section`. */
  abstract readonly opName: string;
  abstract args(): readonly TraceArg[];
  abstract enabled(nowMs: number): boolean;
  /**
   * Performs the op as one step and returns its trace result. Must settle the
   * op (`resolve`/`reject`), park it again (`sched.repark`), or halt the world.
   */
  abstract perform(): TraceArg;
  /** For deadlock reports: `waits in section(inner)`, `sleep until 120ms`, … */
  abstract waitsFor(): string;
  /** The virtual time at which this op becomes enabled by itself (sleepers), else Infinity. */
  wakeAtMs(): number {
    return Infinity;
  }
  /** Forget registrations elsewhere (waiter sets) when the op is abandoned. */
  abandon(): void {}

  resolve(value: T): void {
    this.sched.wake(this.task);
    this.settle.resolve(value);
  }

  reject(error: unknown): void {
    this.sched.wake(this.task);
    this.settle.reject(error);
  }
}

/** An op that is enabled at once and does `fn` when performed (fs primitives, yield). */
export class CallOp<T> extends PendingOp<T> {
  declare readonly opName: string;
  private declare readonly callArgs: readonly TraceArg[];
  /** Settles the op (or halts the world) and returns the trace result. */
  private declare readonly fn: (op: CallOp<T>) => TraceArg;

  constructor(sched: Scheduler, task: Task, ctx: SimCtx, opName: string, callArgs: readonly TraceArg[], fn: (op: CallOp<T>) => TraceArg) {
    super(sched, task, ctx);
    this.opName = opName;
    this.callArgs = callArgs;
    this.fn = fn;
  }
  args(): readonly TraceArg[] {
    return this.callArgs;
  }
  enabled(): boolean {
    return true;
  }
  perform(): TraceArg {
    return this.fn(this);
  }
  waitsFor(): string {
    return `is about to ${this.opName}`;
  }
}

/** A spawned task's first step: running its function until it parks. */
class StartOp extends PendingOp<void> {
  readonly opName = 'start';
  constructor(sched: Scheduler, task: Task, private readonly fn: (ctx: Ctx) => unknown) {
    super(sched, task, task.rootCtx);
  }
  args(): readonly TraceArg[] {
    return [];
  }
  enabled(): boolean {
    return true;
  }
  perform(): TraceArg {
    this.sched.startTask(this.task, this.fn);
    return 'ok';
  }
  waitsFor(): string {
    return 'has not started';
  }
}

export interface SchedulerOptions {
  /** For failure reports only (the scheduler draws from the strategy's stream). */
  readonly seed: string;
  readonly strategy: ScheduleStrategy;
  readonly trace: Trace;
  /** Steps a run may take in all; then a LivelockError. */
  readonly budgetSteps: number;
  /** Yield one macrotask every this many steps (progress bars, outer timeouts). Default 2000. */
  readonly yieldEverySteps?: number;
  /** Trace lines carried by a LivelockError. Default 40. */
  readonly livelockTraceLines?: number;
}

export type WorldStatus = 'running' | HaltReason | 'failed';

export interface RunOutcome {
  /**
   * satisfied: the driver's condition holds; steps-done: `runSteps` took its
   * steps; blocked: nothing can run (only from runSteps / runUntilBlocked);
   * crashed/stopped: the world was halted.
   */
  readonly kind: 'satisfied' | 'steps-done' | 'blocked' | HaltReason;
  readonly step: number;
}

/** A top-level task, seen from the driver. */
export interface TaskHandle<T> {
  readonly id: number;
  readonly name: string;
  readonly ctx: Ctx;
  /** undefined while the task runs. */
  outcome(): TaskOutcome<T> | undefined;
  cancel(reason?: string): void;
}

export interface EnabledOpInfo {
  readonly taskId: number;
  readonly taskName: string;
  readonly op: string;
  readonly args: readonly TraceArg[];
}

const DEFAULT_YIELD_EVERY_STEPS = 2000;
/** Live tasks at once; a spawn beyond is refused (a runaway spawner, not a workload). */
export const LIVE_TASKS_MAX = 100_000;
/** Pending Env calls of one task at once (several = Promise.all/race over Env promises). */
export const PENDING_OPS_PER_TASK_MAX = 1_000;
const DEFAULT_LIVELOCK_TRACE_LINES = 40;
const ERROR_SUMMARY_CHARS_MAX = 200;

export function errorSummary(e: unknown): string {
  const s = e instanceof Error ? `${e.name}: ${e.message}` : `thrown ${typeof e}: ${String(e)}`;
  return s.length > ERROR_SUMMARY_CHARS_MAX ? s.slice(0, ERROR_SUMMARY_CHARS_MAX) + '…' : s;
}

export class Scheduler {
  readonly seed: string;
  readonly trace: Trace;
  private readonly strategy: ScheduleStrategy;
  private readonly budgetSteps: number;
  private readonly yieldEverySteps: number;
  private readonly livelockTraceLines: number;

  /** Live tasks by id; Map order = spawn order = ascending id. */
  private readonly live = new Map<number, Task>();
  private nextTaskId = 1;
  private stepCount = 0;
  private now = 0;
  private readonly decisionLog: number[] = [];
  private readonly enabledIds: number[] = [];

  private runningCount = 0;
  private quiescentResolve: (() => void) | undefined;
  private watchdogArmed = false;
  /** Set while a lock-section body runs: Env calls that park are refused. */
  private inSectionBody = false;

  private statusValue: WorldStatus = 'running';
  private haltDetail = '';
  private failure: SimFailure | undefined;
  private driveChain: Promise<unknown> = Promise.resolve();

  constructor(opts: SchedulerOptions) {
    if (!Number.isSafeInteger(opts.budgetSteps) || opts.budgetSteps < 1) throw new RangeError(`budgetSteps must be a positive integer, got ${opts.budgetSteps}`);
    const yieldEvery = opts.yieldEverySteps ?? DEFAULT_YIELD_EVERY_STEPS;
    if (!Number.isSafeInteger(yieldEvery) || yieldEvery < 1) throw new RangeError(`yieldEverySteps must be a positive integer, got ${yieldEvery}`);
    this.seed = opts.seed;
    this.strategy = opts.strategy;
    this.trace = opts.trace;
    this.budgetSteps = opts.budgetSteps;
    this.yieldEverySteps = yieldEvery;
    this.livelockTraceLines = opts.livelockTraceLines ?? DEFAULT_LIVELOCK_TRACE_LINES;
  }

  // -------------------------------------------------------------------------
  // Driver API

  /** Steps performed so far (= length of the decision list). */
  get step(): number {
    return this.stepCount;
  }

  get nowMs(): number {
    return this.now;
  }

  get status(): WorldStatus {
    return this.statusValue;
  }

  /** The failure that ended the run, if one did. */
  get failed(): SimFailure | undefined {
    return this.failure;
  }

  /** The chosen task id of every step so far: replaying it reproduces the run. */
  decisions(): number[] {
    return this.decisionLog.slice();
  }

  /** Starts a top-level task (it begins at a later step). */
  spawn<T>(name: string, fn: (ctx: Ctx) => Promise<T>): TaskHandle<T> {
    const task = this.spawnTask(name, undefined, fn, undefined);
    return {
      id: task.id,
      name: task.name,
      ctx: task.rootCtx,
      outcome: () => task.outcome as TaskOutcome<T> | undefined,
      cancel: (reason) => this.cancel(task.rootCtx, reason),
    };
  }

  /**
   * Steps until `until()` holds (checked before every step). Nothing able to
   * run while it does not hold is a DeadlockError; the budget running out is a
   * LivelockError. Resolves `crashed`/`stopped` if the world is halted.
   */
  runUntil(until: () => boolean, waitingFor = 'a driver condition'): Promise<RunOutcome> {
    return this.serialized(() => this.drive(until, Infinity, waitingFor));
  }

  /** At most `n` steps; resolves `blocked` (not an error) if nothing can run. */
  runSteps(n: number): Promise<RunOutcome> {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`runSteps(n): n must be a non-negative integer, got ${n}`);
    return this.serialized(() => this.drive(() => false, n, undefined));
  }

  /** Steps until nothing can run (then resolves `blocked`). */
  runUntilBlocked(): Promise<RunOutcome> {
    return this.serialized(() => this.drive(() => false, Infinity, undefined));
  }

  /** Ops that could be chosen for the next step. */
  enabledOps(): EnabledOpInfo[] {
    const out: EnabledOpInfo[] = [];
    for (const t of this.live.values()) {
      for (const op of t.ops) if (op.enabled(this.now)) out.push({ taskId: t.id, taskName: t.name, op: op.opName, args: op.args() });
    }
    return out;
  }

  /** Every live task and what it waits for. */
  blockedTasks(): BlockedTask[] {
    const out: BlockedTask[] = [];
    for (const t of this.live.values()) {
      const waitsFor = t.ops.length > 0 ? t.ops.map((op) => op.waitsFor()).join(' and ') : t.running ? 'is running' : 'has no pending Env call';
      out.push({ taskId: t.id, taskName: t.name, waitsFor });
    }
    return out;
  }

  /** Stops the world for good: no further step, no parked promise ever settles. */
  stop(reason = 'stopped by the driver'): void {
    this.halt('stopped', reason);
  }

  /** Halts the world (used by a crash hook from inside a step). Idempotent. */
  halt(reason: HaltReason, detail: string): void {
    if (this.statusValue !== 'running') return;
    this.statusValue = reason;
    this.haltDetail = detail;
    this.record(undefined, reason === 'crashed' ? 'crash' : 'stop', [detail], 'ok');
  }

  get haltReasonDetail(): string {
    return this.haltDetail;
  }

  // -------------------------------------------------------------------------
  // API for the Env pieces (tasks, locks, clock, fs)

  /** The SimCtx behind `ctx`, refusing foreign and ended-task contexts. */
  ctxOf(ctx: Ctx): SimCtx {
    if (!(ctx instanceof SimCtx)) throw new EnvUsageError(`not a simulator Ctx (task ${String((ctx as Partial<Ctx> | undefined)?.taskName)})`);
    if (ctx.owner !== this) throw new EnvUsageError(`Ctx of task ${ctx.taskName} belongs to another world`);
    return ctx;
  }

  /** The task `ctx` names, which must be live. */
  taskOf(ctx: SimCtx): Task {
    const task = this.live.get(ctx.taskId);
    if (task === undefined) throw new EnvUsageError(`Env call with the Ctx of task ${ctx.taskName}, which has ended`);
    return task;
  }

  /** Registers an op for its task (the task parks) and returns its promise. */
  register<T>(op: PendingOp<T>): Promise<T> {
    if (this.inSectionBody) {
      throw new EnvUsageError(`${op.task.name}: ${op.opName} called inside a lock section body (bodies are synchronous and make no waiting Env calls)`);
    }
    const task = op.task;
    // A task parked before this step began runs no code now: someone else holds its Ctx.
    if (!task.running && task.wokenAtStep !== this.stepCount) {
      throw new EnvUsageError(
        `${op.opName} with the Ctx of task ${task.name}, which is parked: a Ctx must only be used by its own task ` +
          '(a spawned task gets its own Ctx; derive cancellable ones inside it with withCancel)',
      );
    }
    if (task.ops.length >= PENDING_OPS_PER_TASK_MAX) {
      throw new EnvUsageError(`${task.name}: more than ${PENDING_OPS_PER_TASK_MAX} pending Env calls at once`);
    }
    op.source = this.trace.callerSource();
    task.ops.push(op);
    this.park(task);
    return op.promise;
  }

  /** Puts an op performed in this step back to wait (a section body returned WAIT). */
  repark(op: PendingOp): void {
    op.task.ops.push(op);
  }

  /** Creates a task whose function starts at a later step. */
  spawnTask(name: string, parentCtx: SimCtx | undefined, fn: (ctx: Ctx) => unknown, onEnd: ((task: Task) => void) | undefined): Task {
    if (name.length === 0) throw new EnvUsageError('task name must be non-empty');
    if (this.live.size >= LIVE_TASKS_MAX) throw new EnvUsageError(`spawn(${name}): more than ${LIVE_TASKS_MAX} live tasks`);
    const task = new Task(this.nextTaskId++, name, this, parentCtx, onEnd);
    this.live.set(task.id, task);
    this.strategy.taskCreated(task.id);
    const start = new StartOp(this, task, fn);
    start.source = this.trace.callerSource();
    task.ops.push(start);
    return task;
  }

  /** Runs a body with Env waiting calls refused (a lock section). */
  runSectionBody<R>(body: () => R): R {
    this.inSectionBody = true;
    try {
      return body();
    } finally {
      this.inSectionBody = false;
    }
  }

  cancel(ctx: SimCtx, reason?: string): void {
    if (ctx.cancel(reason)) this.record(ctx.task, 'cancel', [ctx.err()?.reason ?? ''], 'ok');
  }

  /** Records an event that is not a step (task end, clock jump, log, …); task undefined = the world. */
  record(task: CtxTask | undefined, op: string, args: readonly TraceArg[], result: TraceArg): void {
    this.trace.record({
      step: this.stepCount,
      timeMs: this.now,
      taskId: task?.id ?? 0,
      taskName: task?.name ?? 'world',
      op,
      args,
      choices: 0,
      result,
      source: undefined,
    });
  }

  wake(task: Task): void {
    task.wokenAtStep = this.stepCount;
    if (task.running) return;
    task.running = true;
    this.runningCount++;
  }

  startTask(task: Task, fn: (ctx: Ctx) => unknown): void {
    this.wake(task);
    let p: Promise<unknown>;
    try {
      p = Promise.resolve(fn(task.rootCtx));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (value) => this.endTask(task, { ok: true, value }),
      (error: unknown) => this.endTask(task, { ok: false, error }),
    );
  }

  // -------------------------------------------------------------------------
  // Internals

  private park(task: Task): void {
    if (!task.running) return;
    task.running = false;
    this.decRunning();
  }

  private decRunning(): void {
    this.runningCount--;
    if (this.runningCount < 0) throw new Error(`scheduler: running-task count went negative`);
    if (this.runningCount === 0 && this.quiescentResolve !== undefined) {
      const r = this.quiescentResolve;
      this.quiescentResolve = undefined;
      r();
    }
  }

  private endTask(task: Task, outcome: TaskOutcome): void {
    if (task.outcome !== undefined) throw new Error(`scheduler: task ${task.name} ended twice`);
    task.outcome = outcome;
    this.live.delete(task.id);
    // Ops the task registered but no longer awaits (Promise.race losers) die with it.
    for (const op of task.ops) {
      op.abandon();
      this.record(task, 'drop', [op.opName], 'abandoned');
    }
    task.ops.length = 0;
    this.record(task, 'end', [], outcome.ok ? 'ok' : errorSummary(outcome.error));
    this.strategy.taskEnded(task.id);
    task.rootCtx.detach();
    task.onEnd?.(task);
    if (task.running) {
      task.running = false;
      this.decRunning();
    }
  }

  private at(): FailurePoint {
    return { seed: this.seed, step: this.stepCount, timeMs: this.now };
  }

  private fail(f: SimFailure): SimFailure {
    if (this.failure === undefined) {
      this.failure = f;
      this.statusValue = 'failed';
    }
    return this.failure;
  }

  private serialized(run: () => Promise<RunOutcome>): Promise<RunOutcome> {
    const p = this.driveChain.then(run);
    this.driveChain = p.catch(() => undefined);
    return p;
  }

  private async drive(until: () => boolean, maxSteps: number, waitingFor: string | undefined): Promise<RunOutcome> {
    if (this.runningCount > 0) await this.quiescence();
    let taken = 0;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.statusValue === 'crashed' || this.statusValue === 'stopped') return { kind: this.statusValue, step: this.stepCount };
      if (until()) return { kind: 'satisfied', step: this.stepCount };
      if (taken >= maxSteps) return { kind: 'steps-done', step: this.stepCount };
      if (this.stepCount >= this.budgetSteps) {
        throw this.fail(new LivelockError(this.at(), this.budgetSteps, this.trace.lines(this.livelockTraceLines)));
      }
      this.collectEnabled();
      if (this.enabledIds.length === 0) {
        if (this.advanceClock()) continue;
        if (waitingFor === undefined) return { kind: 'blocked', step: this.stepCount };
        throw this.fail(new DeadlockError(this.at(), waitingFor, this.blockedTasks()));
      }
      this.performStep(this.choose());
      taken++;
      if (this.runningCount > 0) await this.quiescence();
      this.stepCount++;
      if (this.stepCount % this.yieldEverySteps === 0) await nextMacrotask();
    }
  }

  private collectEnabled(): void {
    const ids = this.enabledIds;
    ids.length = 0;
    for (const t of this.live.values()) {
      for (const op of t.ops) {
        if (op.enabled(this.now)) {
          ids.push(t.id);
          break;
        }
      }
    }
  }

  private choose(): Task {
    let chosen: number;
    try {
      chosen = this.strategy.choose(this.enabledIds, this.stepCount);
    } catch (e) {
      if (e instanceof ReplayDivergence) throw this.fail(new ScheduleDivergence(this.at(), `replay diverged: ${e.message}`, []));
      throw e;
    }
    const task = this.live.get(chosen);
    if (task === undefined || !this.enabledIds.includes(chosen)) {
      const enabled = this.enabledIds.map((id) => `${this.live.get(id)?.name ?? '?'} (task ${id})`).join(', ');
      const what = task === undefined ? `task ${chosen}, which does not exist or has ended` : `task ${chosen} (${task.name}), which is blocked: it ${this.blockedTasks().find((b) => b.taskId === chosen)?.waitsFor ?? '?'}`;
      throw this.fail(new ScheduleDivergence(this.at(), `schedule diverged: decision #${this.stepCount} (${this.strategy.kind}) picks ${what}`, [`enabled: ${enabled}`]));
    }
    return task;
  }

  private performStep(task: Task): void {
    const idx = task.ops.findIndex((op) => op.enabled(this.now));
    const op = task.ops[idx];
    if (op === undefined) throw new Error(`scheduler: chosen task ${task.name} has no enabled op`);
    task.ops.splice(idx, 1);
    this.decisionLog.push(task.id);
    const ev: TraceEvent = {
      step: this.stepCount,
      timeMs: this.now,
      taskId: task.id,
      taskName: task.name,
      op: op.opName,
      args: op.args(),
      choices: this.enabledIds.length,
      result: undefined,
      source: op.source,
    };
    this.trace.record(ev);
    let result: TraceArg;
    try {
      result = op.perform();
    } catch (e) {
      throw this.fail(new HarnessError(this.at(), `internal error performing ${op.opName} of ${task.name}: ${errorSummary(e)}`, []));
    }
    this.trace.complete(ev, result);
  }

  private advanceClock(): boolean {
    let next = Infinity;
    for (const t of this.live.values()) {
      for (const op of t.ops) {
        const at = op.wakeAtMs();
        if (at < next) next = at;
      }
    }
    if (next === Infinity) return false;
    if (!(next > this.now)) throw new Error(`scheduler: sleeper due at ${next}ms is not enabled at ${this.now}ms`);
    this.now = next;
    this.record(undefined, 'clock', [next], 'ok');
    return true;
  }

  private quiescence(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.quiescentResolve = resolve;
      if (!this.watchdogArmed) {
        this.watchdogArmed = true;
        onNextMacrotask(this.onWatchdog);
      }
    });
  }

  /** Fires once the microtask queue is empty; only matters if a step is still not quiescent. */
  private readonly onWatchdog = (): void => {
    this.watchdogArmed = false;
    const resolveQuiescence = this.quiescentResolve;
    if (resolveQuiescence === undefined) return;
    const stuck: Task[] = [];
    const multiWaiters: Task[] = [];
    for (const t of this.live.values()) if (t.running) (t.ops.length > 0 ? multiWaiters : stuck).push(t);
    if (stuck.length === 0) {
      // Tasks awaiting several Env promises at once are parked on the others.
      for (const t of multiWaiters) this.park(t);
      if (this.runningCount !== 0) {
        this.fail(new HarnessError(this.at(), `internal error: ${this.runningCount} tasks counted as running but none is`, []));
        this.quiescentResolve = undefined;
        resolveQuiescence();
      }
      return;
    }
    this.fail(new HarnessError(this.at(), 'a task awaited a promise that no Env call created (or used another task\'s Ctx)', [
      ...stuck.map((t) => `  ${t.name} (task ${t.id}) neither reached an Env call nor finished after its last step`),
      '  every await in simulated code must be on an Env promise (src/env.ts rule 1)',
    ]));
    this.quiescentResolve = undefined;
    resolveQuiescence();
  };
}
