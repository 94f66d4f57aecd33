/**
 * Contexts of the simulated world: a tree (Go's context.Context) whose nodes
 * name the task they belong to. Cancellation propagates eagerly to every
 * descendant, so `err()` is O(1) and a parked op's enabledness is a field read.
 */
import { CancelledError } from '../../src/env.js';
import type { Ctx } from '../../src/env.js';

/** What a context needs to know about its task. */
export interface CtxTask {
  readonly id: number;
  readonly name: string;
}

export class SimCtx implements Ctx {
  private error: CancelledError | undefined;
  private children: Set<SimCtx> | undefined;
  private parent: SimCtx | undefined;

  constructor(
    /** The world that created this context (foreign contexts are refused). */
    readonly owner: object,
    readonly task: CtxTask,
    parent: SimCtx | undefined,
  ) {
    if (parent !== undefined) {
      if (parent.error !== undefined) this.error = parent.error;
      else {
        this.parent = parent;
        (parent.children ??= new Set()).add(this);
      }
    }
  }

  get taskName(): string {
    return this.task.name;
  }

  get taskId(): number {
    return this.task.id;
  }

  err(): CancelledError | undefined {
    return this.error;
  }

  /** A child context; of the same task unless `task` is given (a spawned task's root). */
  child(task: CtxTask = this.task): SimCtx {
    return new SimCtx(this.owner, task, this);
  }

  /**
   * Cancels this context and every descendant with one shared error.
   * Returns false (and does nothing) if it was already cancelled.
   */
  cancel(reason?: string): boolean {
    if (this.error !== undefined) return false;
    this.detach();
    const error = new CancelledError(reason);
    const stack: SimCtx[] = [this];
    for (let c = stack.pop(); c !== undefined; c = stack.pop()) {
      if (c.error !== undefined) continue;
      c.error = error;
      if (c.children !== undefined) for (const k of c.children) stack.push(k);
      c.children = undefined;
      c.parent = undefined;
    }
    return true;
  }

  /** Forgets this context in its parent (a finished task's root; an ended scope). */
  detach(): void {
    this.parent?.children?.delete(this);
    this.parent = undefined;
  }
}
