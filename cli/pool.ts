/**
 * Runs a list of campaign tasks serially (in this thread) or on N worker
 * threads. Work is handed out one whole simulation at a time (the unit that
 * pays for a worker round trip on 2 cores); records come back in completion
 * order and `aggregate` puts them in (cell, index) order, so the result does not
 * depend on the number of workers.
 *
 * A `WorkerPool` outlives one list: a command starts its workers once and runs
 * the sweep and the known-finding re-runs on them, so each worker loads the
 * code, builds the committee fixtures and fills its memos (signatures, decodes)
 * once. Workers run the same code as this thread: the compiled dist/ when this
 * thread runs it (bin/dist.mjs), else the TypeScript through tsx.
 */
import { Worker } from 'node:worker_threads';
import { runOne, type CellSpec, type RunOptions, type RunRecord } from '../scenarios/campaign.js';
import type { Ablation } from '../scenarios/plan.js';

export interface Task {
  readonly cell: CellSpec;
  readonly index: number;
  /** known findings (ids) to look past; undefined: every known finding of the cell's design (runOne's default) */
  readonly acknowledgeFindings: readonly string[] | undefined;
  /** a barrier taken out (crashsim ablate); part of every plan the task draws */
  readonly ablation?: Ablation;
}

export interface TaskMessage {
  readonly id: number;
  readonly rootSeed: string;
  readonly task: Task;
}

export type WorkerReply = { readonly id: number; readonly record: RunRecord } | { readonly id: number; readonly error: string };

export interface PoolOptions {
  readonly workers: number;
  readonly rootSeed: string;
  /** called for each finished run, in completion order */
  readonly onRecord?: (record: RunRecord, task: Task) => void;
  /** checked before each task is handed out: true = hand out no more (time budget) */
  readonly shouldStop?: () => boolean;
  /** worker threads to run on (started once by the command); default: a pool for this list alone */
  readonly pool?: WorkerPool;
}

/** runOne options of a task. */
export function runOptionsOf(t: Task): RunOptions {
  return {
    ...(t.acknowledgeFindings === undefined ? {} : { acknowledgeFindings: t.acknowledgeFindings }),
    ...(t.ablation === undefined ? {} : { world: { ablation: t.ablation } }),
  };
}

export class WorkerFailure extends Error {
  override readonly name = 'WorkerFailure';
}

/** Runs `tasks`; returns the records of the tasks that ran, in task order (all of them unless shouldStop cut it short). */
export async function runTasks(tasks: readonly Task[], opts: PoolOptions): Promise<RunRecord[]> {
  if (!Number.isSafeInteger(opts.workers) || opts.workers < 1) throw new RangeError(`workers must be a positive integer, got ${opts.workers}`);
  if (opts.pool !== undefined) return opts.pool.run(tasks, opts);
  if (opts.workers === 1 || tasks.length <= 1) return runSerial(tasks, opts);
  const pool = new WorkerPool(Math.min(opts.workers, tasks.length));
  try {
    return await pool.run(tasks, opts);
  } finally {
    await pool.close();
  }
}

async function runSerial(tasks: readonly Task[], opts: PoolOptions): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (const t of tasks) {
    if (opts.shouldStop?.() === true) break;
    const { record } = await runOne(t.cell, t.index, opts.rootSeed, runOptionsOf(t));
    out.push(record);
    opts.onRecord?.(record, t);
    // Let the event loop breathe (progress bar timers, signals) between simulations.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}

/** The worker thread entry of the code this thread runs. */
function workerEntry(): URL {
  return import.meta.url.endsWith('.js') ? new URL('./worker-main.js', import.meta.url) : new URL('./worker-entry.mjs', import.meta.url);
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  busy: boolean;
}

interface Batch {
  readonly tasks: readonly Task[];
  readonly opts: PoolOptions;
  readonly out: Array<RunRecord | undefined>;
  next: number;
  inFlight: number;
  readonly resolve: (r: RunRecord[]) => void;
  readonly reject: (e: Error) => void;
}

/**
 * `size` worker threads running one task list at a time. Started at
 * construction (they load while the caller prepares); `close` ends them. A
 * failed task or a dead worker fails the list and breaks the pool. Between
 * lists the workers are unref'd: a pool nobody closed never keeps the process
 * alive.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private batch: Batch | undefined;
  private broken: Error | undefined;
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`workers must be a positive integer, got ${size}`);
    for (let i = 0; i < size; i++) {
      const w = new Worker(workerEntry());
      w.unref();
      const slot: Slot = { worker: w, ready: false, busy: false };
      this.slots.push(slot);
      w.on('message', (m: WorkerReply | { ready: true }) => {
        if ('ready' in m) {
          slot.ready = true;
          this.dispatch(slot);
          return;
        }
        slot.busy = false;
        const b = this.batch;
        if (b === undefined) return;
        b.inFlight--;
        if ('error' in m) return this.fail(new WorkerFailure(`run ${m.id} failed in a worker: ${m.error}`));
        b.out[m.id] = m.record;
        b.opts.onRecord?.(m.record, b.tasks[m.id] as Task);
        this.dispatch(slot);
      });
      w.on('error', (e) => this.fail(new WorkerFailure(`a worker thread died: ${e instanceof Error ? e.message : String(e)}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new WorkerFailure(`a worker thread exited with code ${code}`));
      });
    }
  }

  /** Runs `tasks` on the pool; records in task order (those that ran). */
  run(tasks: readonly Task[], opts: PoolOptions): Promise<RunRecord[]> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new WorkerFailure('the worker pool is closed'));
    if (this.batch !== undefined) return Promise.reject(new Error('WorkerPool.run: a task list is already running'));
    return new Promise<RunRecord[]>((resolve, reject) => {
      const done = (): void => {
        for (const s of this.slots) s.worker.unref();
      };
      this.batch = {
        tasks, opts, out: new Array<RunRecord | undefined>(tasks.length), next: 0, inFlight: 0,
        resolve: (r) => { done(); resolve(r); },
        reject: (e) => { done(); reject(e); },
      };
      for (const s of this.slots) s.worker.ref();
      for (const s of this.slots) this.dispatch(s);
      this.settleIfDone();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(slot: Slot): void {
    const b = this.batch;
    if (b === undefined || !slot.ready || slot.busy) return;
    if (b.next >= b.tasks.length || b.opts.shouldStop?.() === true) {
      b.next = b.tasks.length; // hand out no more
      this.settleIfDone();
      return;
    }
    const id = b.next++;
    b.inFlight++;
    slot.busy = true;
    const msg: TaskMessage = { id, rootSeed: b.opts.rootSeed, task: b.tasks[id] as Task };
    slot.worker.postMessage(msg);
  }

  private settleIfDone(): void {
    const b = this.batch;
    if (b === undefined || b.inFlight > 0 || (b.next < b.tasks.length && b.opts.shouldStop?.() !== true)) return;
    this.batch = undefined;
    b.resolve(b.out.filter((r): r is RunRecord => r !== undefined));
  }

  private fail(err: Error): void {
    if (this.broken !== undefined) return;
    this.broken = err;
    const b = this.batch;
    this.batch = undefined;
    void this.close();
    b?.reject(err);
  }
}
