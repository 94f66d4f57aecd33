/**
 * EnvTasks (Go's scope.Run, context.WithCancel, ctx.Done, a yield) and EnvClock
 * on the simulated scheduler.
 *
 * `run(ctx, name, body)`: `body` runs in the calling task with a child ctx;
 * `scope.spawn(n, fn)` creates task `<name>/<n>` (its own ctx, a child of the
 * scope's), started at a later step. The first error of the body or a spawned
 * task cancels the scope; `run` waits for every spawned task (one `join` step)
 * and rejects with that first error. Spawning into a scope whose join has
 * been performed is refused.
 *
 * `sleep(ctx, ms)`: enabled when the virtual clock reaches the deadline or the
 * ctx is cancelled; a cancelled ctx rejects with CancelledError (as the
 * production Env does), otherwise it resolves.
 */
import type { CancelledError, Ctx, EnvClock, EnvTasks, Scope } from '../../src/env.js';
import type { SimCtx } from './ctx.js';
import { EnvUsageError } from './errors.js';
import { CallOp, PendingOp } from './scheduler.js';
import type { Scheduler, Task } from './scheduler.js';
import type { TraceArg } from '../trace.js';

const SCOPE_NAME_CHARS_MAX = 200;

class SimScope implements Scope {
  /** Spawned tasks not yet ended. */
  readonly liveTasks = new Set<Task>();
  closed = false;
  failure: { error: unknown } | undefined;

  constructor(
    private readonly sched: Scheduler,
    readonly name: string,
    readonly ctx: SimCtx,
  ) {}

  spawn(name: string, fn: (ctx: Ctx) => Promise<void>): void {
    if (typeof name !== 'string' || name.length === 0) throw new EnvUsageError(`scope ${this.name}: task name must be a non-empty string`);
    if (typeof fn !== 'function') throw new EnvUsageError(`scope ${this.name}: spawn(${name}) needs a function`);
    if (this.closed) throw new EnvUsageError(`scope ${this.name}: spawn(${name}) after the scope ended`);
    const task = this.sched.spawnTask(`${this.name}/${name}`, this.ctx, fn, (t) => this.taskEnded(t));
    this.liveTasks.add(task);
  }

  fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = { error };
    this.sched.cancel(this.ctx, `scope ${this.name} failed`);
  }

  private taskEnded(task: Task): void {
    this.liveTasks.delete(task);
    if (task.outcome !== undefined && !task.outcome.ok) this.fail(task.outcome.error);
  }
}

/** `run`'s last step: every spawned task has ended. */
class JoinOp extends PendingOp<void> {
  readonly opName = 'join';
  constructor(sched: Scheduler, task: Task, ctx: SimCtx, private readonly scope: SimScope) {
    super(sched, task, ctx);
  }
  args(): readonly TraceArg[] {
    return [this.scope.name];
  }
  enabled(): boolean {
    return this.scope.liveTasks.size === 0;
  }
  perform(): TraceArg {
    this.scope.closed = true;
    this.resolve();
    return this.scope.failure === undefined ? 'ok' : 'failed';
  }
  waitsFor(): string {
    const names = [...this.scope.liveTasks].map((t) => t.name).join(', ');
    return `joins scope(${this.scope.name}), waiting for ${names}`;
  }
}

/** `done(ctx)`: enabled once the ctx is cancelled. */
class DoneOp extends PendingOp<CancelledError> {
  readonly opName = 'done';
  args(): readonly TraceArg[] {
    return [];
  }
  enabled(): boolean {
    return this.ctx.err() !== undefined;
  }
  perform(): TraceArg {
    this.resolve(this.ctx.err() as CancelledError);
    return 'ok';
  }
  waitsFor(): string {
    return 'waits for done(ctx)';
  }
}

class SleepOp extends PendingOp<void> {
  readonly opName = 'sleep';
  constructor(sched: Scheduler, task: Task, ctx: SimCtx, readonly deadlineMs: number) {
    super(sched, task, ctx);
  }
  args(): readonly TraceArg[] {
    return [this.deadlineMs];
  }
  enabled(nowMs: number): boolean {
    return nowMs >= this.deadlineMs || this.ctx.err() !== undefined;
  }
  override wakeAtMs(): number {
    return this.deadlineMs;
  }
  perform(): TraceArg {
    const cancelled = this.ctx.err();
    if (cancelled !== undefined) {
      this.reject(cancelled);
      return 'cancelled';
    }
    this.resolve();
    return 'ok';
  }
  waitsFor(): string {
    return `sleep until ${this.deadlineMs}ms`;
  }
}

export class SimTasks implements EnvTasks {
  constructor(private readonly sched: Scheduler) {}

  async run(ctx: Ctx, scopeName: string, body: (ctx: Ctx, scope: Scope) => Promise<void>): Promise<void> {
    const parent = this.sched.ctxOf(ctx);
    const task = this.sched.taskOf(parent);
    if (typeof scopeName !== 'string' || scopeName.length === 0 || scopeName.length > SCOPE_NAME_CHARS_MAX) {
      throw new EnvUsageError(`scope name must be a string of 1..${SCOPE_NAME_CHARS_MAX} characters`);
    }
    const scope = new SimScope(this.sched, scopeName, parent.child());
    try {
      await body(scope.ctx, scope);
    } catch (e) {
      scope.fail(e);
    }
    await this.sched.register(new JoinOp(this.sched, task, scope.ctx, scope));
    // Go's scope cancels its context when it ends; it also detaches it from the parent.
    scope.ctx.cancel(`scope ${scopeName} ended`);
    if (scope.failure !== undefined) throw scope.failure.error;
  }

  withCancel(parent: Ctx): { ctx: Ctx; cancel: (reason?: string) => void } {
    const p = this.sched.ctxOf(parent);
    const child = p.child();
    return { ctx: child, cancel: (reason?: string) => this.sched.cancel(child, reason) };
  }

  done(ctx: Ctx): Promise<CancelledError> {
    const sctx = this.sched.ctxOf(ctx);
    return this.sched.register(new DoneOp(this.sched, this.sched.taskOf(sctx), sctx));
  }

  yield(ctx: Ctx): Promise<void> {
    const sctx = this.sched.ctxOf(ctx);
    return this.sched.register(
      new CallOp<void>(this.sched, this.sched.taskOf(sctx), sctx, 'yield', [], (op) => {
        op.resolve();
        return 'ok';
      }),
    );
  }
}

/** Sleeps longer than this are refused (a typo such as seconds-for-ms would stall virtual time). */
const SLEEP_MS_MAX = 365 * 24 * 3600 * 1000;

export class SimClock implements EnvClock {
  constructor(private readonly sched: Scheduler) {}

  nowMs(): number {
    return this.sched.nowMs;
  }

  sleep(ctx: Ctx, durationMs: number): Promise<void> {
    const sctx = this.sched.ctxOf(ctx);
    if (typeof durationMs !== 'number' || !(durationMs >= 0 && durationMs <= SLEEP_MS_MAX)) {
      return Promise.reject(new RangeError(`sleep: duration must be a number of ms in [0, ${SLEEP_MS_MAX}], got ${String(durationMs)}`));
    }
    return this.sched.register(new SleepOp(this.sched, this.sched.taskOf(sctx), sctx, this.sched.nowMs + durationMs));
  }
}
