/**
 * Go's utils.Watch (a mutex with a broadcast condition) and utils.AtomicSend,
 * simulated. A lock section is one step: the mutex is never held across
 * steps (bodies are synchronous), so acquiring is always enabled.
 *
 * Section semantics (Go's WaitUntil): the body runs; if it returns WAIT and the
 * ctx is cancelled, the section rejects with CancelledError (the predicate was
 * checked first); otherwise the task parks until the watch's next `updated()`
 * (then the body reruns in a later step) or the ctx's cancellation (then it
 * rejects without rerunning the body).
 *
 * AtomicSend.wait: the predicate is evaluated at the call and again at every
 * `store`, always on the latest value; the op is enabled while it holds (or the
 * ctx is cancelled). When performed it resolves with the current value if the
 * predicate holds, else rejects with the cancellation.
 */
import { WAIT } from '../../src/env.js';
import type { AtomicSend, Ctx, SectionControl, Wait, Watch } from '../../src/env.js';
import type { SimCtx } from './ctx.js';
import { EnvUsageError } from './errors.js';
import { errorSummary, PendingOp } from './scheduler.js';
import type { Scheduler, Task } from './scheduler.js';
import type { TraceArg } from '../trace.js';

const NAME_CHARS_MAX = 200;

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_CHARS_MAX) {
    throw new EnvUsageError(`${kind} name must be a string of 1..${NAME_CHARS_MAX} characters`);
  }
}

function isThenable(v: unknown): boolean {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export class SimWatch<T> implements Watch<T> {
  /** Sections parked after WAIT, until the next `updated()`. */
  readonly waiters = new Set<SectionOp<T, unknown>>();
  /** True while one of this watch's bodies runs (updated() is legal only then). */
  private bodyActive = false;
  private readonly ctl: SectionControl = { updated: () => this.updated() };

  constructor(
    private readonly sched: Scheduler,
    readonly name: string,
    private readonly value: T,
  ) {
    checkName('watch', name);
  }

  section<R>(ctx: Ctx, body: (value: T, ctl: SectionControl) => R | Wait): Promise<R> {
    const sctx = this.sched.ctxOf(ctx);
    return this.sched.register(new SectionOp<T, R>(this.sched, this.sched.taskOf(sctx), sctx, this, body));
  }

  /** Runs one body under the (virtual) mutex. */
  runBody<R>(body: (value: T, ctl: SectionControl) => R | Wait): R | Wait {
    this.bodyActive = true;
    try {
      return this.sched.runSectionBody(() => body(this.value, this.ctl));
    } finally {
      this.bodyActive = false;
    }
  }

  private updated(): void {
    if (!this.bodyActive) throw new EnvUsageError(`updated() of watch ${this.name} called outside one of its sections`);
    const n = this.waiters.size;
    for (const w of this.waiters) w.woken = true;
    this.waiters.clear();
    this.sched.record(undefined, 'updated', [this.name, n], 'ok');
  }
}

class SectionOp<T, R> extends PendingOp<R> {
  readonly opName = 'section';
  /** false until the first run of the body returned WAIT */
  private parked = false;
  /** an updated() happened since the task parked */
  woken = false;

  constructor(
    sched: Scheduler,
    task: Task,
    ctx: SimCtx,
    private readonly watch: SimWatch<T>,
    private readonly body: (value: T, ctl: SectionControl) => R | Wait,
  ) {
    super(sched, task, ctx);
  }

  args(): readonly TraceArg[] {
    return [this.watch.name];
  }

  enabled(): boolean {
    return !this.parked || this.woken || this.ctx.err() !== undefined;
  }

  perform(): TraceArg {
    if (this.parked && !this.woken) {
      this.watch.waiters.delete(this);
      this.reject(this.ctx.err());
      return 'cancelled';
    }
    let r: R | Wait;
    try {
      r = this.watch.runBody(this.body);
    } catch (e) {
      this.reject(e);
      return `threw ${errorSummary(e)}`;
    }
    if (r === WAIT) {
      const cancelled = this.ctx.err();
      if (cancelled !== undefined) {
        this.reject(cancelled);
        return 'cancelled';
      }
      this.parked = true;
      this.woken = false;
      this.watch.waiters.add(this);
      this.sched.repark(this);
      return 'wait';
    }
    if (isThenable(r)) {
      this.reject(new EnvUsageError(`section(${this.watch.name}) body returned a promise: bodies must be synchronous`));
      return 'threw EnvUsageError';
    }
    this.resolve(r);
    return 'ok';
  }

  waitsFor(): string {
    return this.parked ? `waits in section(${this.watch.name})` : `is about to enter section(${this.watch.name})`;
  }

  override abandon(): void {
    this.watch.waiters.delete(this);
  }
}

export class SimAtomicSend<T> implements AtomicSend<T> {
  readonly waiters = new Set<AtomicWaitOp<T>>();

  constructor(
    private readonly sched: Scheduler,
    readonly name: string,
    private value: T,
  ) {
    checkName('atomic', name);
  }

  load(): T {
    return this.value;
  }

  store(value: T): void {
    this.value = value;
    let woken = 0;
    for (const w of this.waiters) if (w.evaluate(value)) woken++;
    this.sched.record(undefined, 'store', [this.name, woken], 'ok');
  }

  wait(ctx: Ctx, pred: (value: T) => boolean): Promise<T> {
    const sctx = this.sched.ctxOf(ctx);
    const op = new AtomicWaitOp<T>(this.sched, this.sched.taskOf(sctx), sctx, this, pred);
    op.evaluate(this.value);
    const p = this.sched.register(op);
    this.waiters.add(op);
    return p;
  }
}

class AtomicWaitOp<T> extends PendingOp<T> {
  readonly opName = 'atomic.wait';
  private holds = false;
  private predError: { error: unknown } | undefined;

  constructor(
    sched: Scheduler,
    task: Task,
    ctx: SimCtx,
    private readonly cell: SimAtomicSend<T>,
    private readonly pred: (value: T) => boolean,
  ) {
    super(sched, task, ctx);
  }

  /** Re-evaluates the predicate on the latest value; returns whether it holds. */
  evaluate(value: T): boolean {
    if (this.predError !== undefined) return true;
    try {
      this.holds = this.pred(value) === true;
    } catch (error) {
      this.predError = { error };
      return true;
    }
    return this.holds;
  }

  args(): readonly TraceArg[] {
    return [this.cell.name];
  }

  enabled(): boolean {
    return this.holds || this.predError !== undefined || this.ctx.err() !== undefined;
  }

  perform(): TraceArg {
    this.cell.waiters.delete(this);
    if (this.predError !== undefined) {
      this.reject(this.predError.error);
      return `threw ${errorSummary(this.predError.error)}`;
    }
    if (this.holds) {
      this.resolve(this.cell.load());
      return 'ok';
    }
    this.reject(this.ctx.err());
    return 'cancelled';
  }

  waitsFor(): string {
    return `waits on atomic(${this.cell.name})`;
  }

  override abandon(): void {
    this.cell.waiters.delete(this);
  }
}
