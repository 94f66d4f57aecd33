/**
 * Runs a list of campaign tasks serially (in this thread) or on N worker
 * threads. Work is handed out one whole simulation at a time (the unit that
 * pays for a worker round trip on 2 cores); records come back in completion
 * order and `aggregate` puts them in (cell, index) order, so the result does not
 * depend on the number of workers.
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
  if (opts.workers === 1 || tasks.length <= 1) return runSerial(tasks, opts);
  return runParallel(tasks, opts);
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

function runParallel(tasks: readonly Task[], opts: PoolOptions): Promise<RunRecord[]> {
  const workerCount = Math.min(opts.workers, tasks.length);
  // by task id: completion order varies, the returned order must not
  const out: Array<RunRecord | undefined> = new Array<RunRecord | undefined>(tasks.length);
  const workers: Worker[] = [];
  let next = 0;
  let inFlight = 0;
  let settled = false;
  return new Promise<RunRecord[]>((resolve, reject) => {
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (err !== undefined) reject(err);
      else resolve(out.filter((r): r is RunRecord => r !== undefined));
    };
    const dispatch = (w: Worker): void => {
      if (settled) return;
      if (next >= tasks.length || opts.shouldStop?.() === true) {
        if (inFlight === 0) finish(undefined);
        return;
      }
      const id = next++;
      inFlight++;
      const msg: TaskMessage = { id, rootSeed: opts.rootSeed, task: tasks[id] as Task };
      w.postMessage(msg);
    };
    for (let i = 0; i < workerCount; i++) {
      const w = new Worker(new URL('./worker-entry.mjs', import.meta.url));
      workers.push(w);
      w.on('message', (m: WorkerReply | { ready: true }) => {
        if ('ready' in m) return dispatch(w);
        inFlight--;
        if ('error' in m) return finish(new WorkerFailure(`run ${m.id} failed in a worker: ${m.error}`));
        out[m.id] = m.record;
        opts.onRecord?.(m.record, tasks[m.id] as Task);
        dispatch(w);
      });
      w.on('error', (e) => finish(new WorkerFailure(`a worker thread died: ${e instanceof Error ? e.message : String(e)}`)));
      w.on('exit', (code) => {
        if (code !== 0) finish(new WorkerFailure(`a worker thread exited with code ${code}`));
      });
    }
  });
}
