/**
 * The simulated world: the `Env` (src/env.ts) of the system under test, made
 * of the deterministic scheduler (sim/sched), a `SyncFs` (the VFS), the seeded
 * random streams and a trace.
 *
 *   const world = createWorld({ seed: 's1', fs: vfs, budgetSteps: 100_000 });
 *   const result = await world.host.main('node', (ctx) => runNode(world.env, ctx));
 *
 * - `env.fs`: each SyncFs call is one step (faults live in the SyncFs wrapper
 *   the VFS provides; this module passes calls through). A `beforeFsOp` hook is
 *   consulted before each primitive; answering `crash` halts the world there:
 *   the primitive is not performed, every parked promise is abandoned, and the
 *   driver gets control back (`host.main` rejects with `WorldHalted`). Recovery
 *   runs in a NEW world built on the crash image (`createWorld({ fs: … })`).
 *   Answering `skip` to an fsync ablates that barrier: not performed, the caller
 *   sees success. `fsCallSite` names where the system under test made each call.
 * - `env.random` is the `sut` stream; the scheduler draws from `scheduler`.
 * - `env.log` records into the trace and a bounded ring (`logs()`).
 * - Replay: `decisions()` lists the chosen task id of every step; a world
 *   created with `strategy: { kind: 'replay', decisions }` and the same seed
 *   repeats the run (same trace hash) or fails with ScheduleDivergence.
 */
import { FsError } from '../src/env.js';
import type { Ctx, DirEntry, Env, EnvFs, EnvHost, EnvLog, EnvRandom, Fd, FileStat, LogLevel } from '../src/env.js';
import type { FsPrimitive, SyncFs } from './fs-api.js';
import { RandomStreams } from './random.js';
import { EnvUsageError, WorldHalted } from './sched/errors.js';
import { CallOp, Scheduler } from './sched/scheduler.js';
import type { EnabledOpInfo, RunOutcome, TaskHandle, WorldStatus } from './sched/scheduler.js';
import { createStrategy } from './sched/strategy.js';
import type { StrategyOptions } from './sched/strategy.js';
import { SimAtomicSend, SimWatch } from './sched/sync.js';
import { SimClock, SimTasks } from './sched/tasks.js';
import { Trace } from './trace.js';
import type { TraceArg } from './trace.js';

export { DeadlockError, EnvUsageError, HarnessError, LivelockError, ScheduleDivergence, SimFailure, WorldHalted } from './sched/errors.js';
export type { BlockedTask, FailureKind } from './sched/errors.js';
export type { EnabledOpInfo, RunOutcome, TaskHandle, TaskOutcome, WorldStatus } from './sched/scheduler.js';
export type { StrategyOptions } from './sched/strategy.js';

/** An fs primitive about to be performed (given to the crash hook). */
export interface FsOpInfo {
  /** 0-based count of fs primitives performed before this one in this world. */
  readonly index: number;
  readonly step: number;
  readonly timeMs: number;
  readonly taskId: number;
  readonly taskName: string;
  readonly primitive: FsPrimitive;
  /** As traced: paths, flags/modes as numbers, fds, byte counts. */
  readonly args: readonly TraceArg[];
  /** Where the system under test made the call (`fsCallSite`'s answer, taken at the call), if asked for. */
  readonly site: string | undefined;
}

/**
 * `continue`: perform it; `crash`: power loss before it; `skip` (fsync only): not
 * performed, the caller sees success (an ablated barrier; traced with result `skipped`).
 */
export type FsOpVerdict = 'continue' | 'crash' | 'skip';
export type BeforeFsOpHook = (op: FsOpInfo) => FsOpVerdict;

export interface LogRecord {
  readonly atMs: number;
  readonly level: LogLevel;
  readonly task: string | undefined;
  readonly msg: string;
  readonly fields: Readonly<Record<string, string | number | bigint | boolean>> | undefined;
}

export interface WorldOptions {
  /** Root seed; every random stream derives from it. Non-empty. */
  readonly seed: string;
  /** The file system the world runs on (a VFS, or a VFS built from a crash image). */
  readonly fs: SyncFs;
  /** Steps the whole run may take; then a LivelockError. */
  readonly budgetSteps: number;
  /** Default `{ kind: 'random' }`. */
  readonly strategy?: StrategyOptions;
  /** Record each Env call's source location in the trace (costly: replay/--trace mode). Default false. */
  readonly traceSources?: boolean;
  /** Trace events kept for rendering. Default 256 (enough for failure reports); large for --trace. */
  readonly traceKeepLastEvents?: number;
  /** Yield a macrotask every this many steps. Default 2000. */
  readonly yieldEverySteps?: number;
  /** Consulted before each fs primitive. */
  readonly beforeFsOp?: BeforeFsOpHook;
  /**
   * Called synchronously when the system under test calls an fs primitive (its
   * stack is still there); the answer is the op's `site` in `beforeFsOp`. Costly
   * if it captures a stack: set it only when sites are needed.
   */
  readonly fsCallSite?: (primitive: FsPrimitive) => string | undefined;
  /** Log records kept in `logs()`. Default 1000. */
  readonly logEntriesMax?: number;
  /** Sees every log record as it is made (e.g. to print in --trace mode). */
  readonly onLog?: (rec: LogRecord) => void;
}

export interface World {
  readonly seed: string;
  readonly host: EnvHost;
  readonly env: Env;
  readonly fs: SyncFs;
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly streams: RandomStreams;

  /** Lower-level driving (scenarios): several top-level tasks, partial runs. */
  spawn<T>(name: string, fn: (ctx: Ctx) => Promise<T>): TaskHandle<T>;
  runUntil(until: () => boolean, waitingFor?: string): Promise<RunOutcome>;
  runSteps(n: number): Promise<RunOutcome>;
  runUntilBlocked(): Promise<RunOutcome>;
  enabledOps(): EnabledOpInfo[];
  readonly step: number;
  readonly nowMs: number;
  readonly status: WorldStatus;

  /** The chosen task id of every step so far. */
  decisions(): number[];
  /**
   * Replay worlds: decisions of the list not used (yet). A replay whose run
   * ended with decisions left over diverged from the recording.
   */
  replayDecisionsLeft(): number;
  setBeforeFsOp(hook: BeforeFsOpHook | undefined): void;
  /** fs primitives performed so far (crash points are 0 … this). */
  readonly fsOpsPerformed: number;
  /** The primitive the world crashed before, if the hook crashed it. */
  readonly crashPoint: FsOpInfo | undefined;
  stop(reason?: string): void;
  /** The last `logEntriesMax` log records, oldest first. */
  logs(): LogRecord[];
}

const DEFAULT_LOG_ENTRIES_MAX = 1000;
const RANDOM_BYTES_MAX = 1 << 20;
const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);

const FS_OP_NAMES: Readonly<Record<FsPrimitive, string>> = {
  stat: 'fs.stat', lstat: 'fs.lstat', open: 'fs.open', fstat: 'fs.fstat', read: 'fs.read', write: 'fs.write',
  fsync: 'fs.fsync', close: 'fs.close', getdents: 'fs.getdents', mkdir: 'fs.mkdir', unlink: 'fs.unlink',
  rmdir: 'fs.rmdir', rename: 'fs.rename',
};

const okResult = (): TraceArg => 'ok';
const statResult = (st: FileStat): TraceArg => (st.isDirectory ? 'dir' : `file ${st.sizeBytes}B`);
const countResult = (n: number): TraceArg => n;
const lengthResult = (v: { readonly length: number }): TraceArg => v.length;

function isPath(p: unknown): p is string {
  return typeof p === 'string' && p.length > 0;
}

function isFdLike(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

/** Each SyncFs method as one scheduling step. */
class SimEnvFs implements EnvFs {
  fsOpCount = 0;
  beforeFsOp: BeforeFsOpHook | undefined;
  fsCallSite: ((primitive: FsPrimitive) => string | undefined) | undefined;
  crashPoint: FsOpInfo | undefined;

  constructor(
    private readonly sched: Scheduler,
    private readonly fs: SyncFs,
  ) {}

  stat(ctx: Ctx, path: string): Promise<FileStat> {
    if (!isPath(path)) return this.bad('stat', 'path', path);
    return this.step(ctx, 'stat', [path], () => this.fs.stat(path), statResult);
  }

  lstat(ctx: Ctx, path: string): Promise<FileStat> {
    if (!isPath(path)) return this.bad('lstat', 'path', path);
    return this.step(ctx, 'lstat', [path], () => this.fs.lstat(path), statResult);
  }

  open(ctx: Ctx, path: string, flags: number, mode?: number): Promise<Fd> {
    if (!isPath(path)) return this.bad('open', 'path', path);
    if (!isFdLike(flags)) return this.bad('open', 'flags', flags);
    if (mode !== undefined && !isFdLike(mode)) return this.bad('open', 'mode', mode);
    return this.step(ctx, 'open', [path, flags, mode ?? -1], () => this.fs.open(path, flags, mode), countResult);
  }

  fstat(ctx: Ctx, fd: Fd): Promise<FileStat> {
    if (!isFdLike(fd)) return this.bad('fstat', 'fd', fd);
    return this.step(ctx, 'fstat', [fd], () => this.fs.fstat(fd), statResult);
  }

  read(ctx: Ctx, fd: Fd, maxBytes: number): Promise<Uint8Array> {
    if (!isFdLike(fd)) return this.bad('read', 'fd', fd);
    if (!isFdLike(maxBytes)) return this.bad('read', 'maxBytes', maxBytes);
    return this.step(ctx, 'read', [fd, maxBytes], () => this.fs.read(fd, maxBytes), lengthResult);
  }

  write(ctx: Ctx, fd: Fd, data: Uint8Array): Promise<number> {
    if (!isFdLike(fd)) return this.bad('write', 'fd', fd);
    if (!(data instanceof Uint8Array)) return this.bad('write', 'data', data);
    return this.step(ctx, 'write', [fd, data.length], () => this.fs.write(fd, data), countResult);
  }

  fsync(ctx: Ctx, fd: Fd): Promise<void> {
    if (!isFdLike(fd)) return this.bad('fsync', 'fd', fd);
    return this.step(ctx, 'fsync', [fd], () => this.fs.fsync(fd), okResult);
  }

  close(ctx: Ctx, fd: Fd): Promise<void> {
    if (!isFdLike(fd)) return this.bad('close', 'fd', fd);
    return this.step(ctx, 'close', [fd], () => this.fs.close(fd), okResult);
  }

  getdents(ctx: Ctx, fd: Fd): Promise<DirEntry[]> {
    if (!isFdLike(fd)) return this.bad('getdents', 'fd', fd);
    return this.step(ctx, 'getdents', [fd], () => this.fs.getdents(fd), lengthResult);
  }

  mkdir(ctx: Ctx, path: string, mode: number): Promise<void> {
    if (!isPath(path)) return this.bad('mkdir', 'path', path);
    if (!isFdLike(mode)) return this.bad('mkdir', 'mode', mode);
    return this.step(ctx, 'mkdir', [path, mode], () => this.fs.mkdir(path, mode), okResult);
  }

  unlink(ctx: Ctx, path: string): Promise<void> {
    if (!isPath(path)) return this.bad('unlink', 'path', path);
    return this.step(ctx, 'unlink', [path], () => this.fs.unlink(path), okResult);
  }

  rmdir(ctx: Ctx, path: string): Promise<void> {
    if (!isPath(path)) return this.bad('rmdir', 'path', path);
    return this.step(ctx, 'rmdir', [path], () => this.fs.rmdir(path), okResult);
  }

  rename(ctx: Ctx, from: string, to: string): Promise<void> {
    if (!isPath(from)) return this.bad('rename', 'from', from);
    if (!isPath(to)) return this.bad('rename', 'to', to);
    return this.step(ctx, 'rename', [from, to], () => this.fs.rename(from, to), okResult);
  }

  private bad<T>(primitive: FsPrimitive, what: string, value: unknown): Promise<T> {
    return Promise.reject(new EnvUsageError(`fs.${primitive}: bad ${what} ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`));
  }

  private step<T>(ctx: Ctx, primitive: FsPrimitive, args: readonly TraceArg[], invoke: () => T, summarize: (v: T) => TraceArg): Promise<T> {
    const sctx = this.sched.ctxOf(ctx);
    const task = this.sched.taskOf(sctx);
    const site = this.fsCallSite?.(primitive);
    return this.sched.register(
      new CallOp<T>(this.sched, task, sctx, FS_OP_NAMES[primitive], args, (op) => {
        if (this.beforeFsOp !== undefined) {
          const info: FsOpInfo = {
            index: this.fsOpCount,
            step: this.sched.step,
            timeMs: this.sched.nowMs,
            taskId: task.id,
            taskName: task.name,
            primitive,
            args,
            site,
          };
          const verdict = this.beforeFsOp(info);
          if (verdict === 'crash') {
            this.crashPoint = info;
            this.sched.halt('crashed', `before fs primitive #${info.index} (${primitive}) of ${task.name}`);
            return 'crash';
          }
          if (verdict === 'skip') {
            if (primitive !== 'fsync') throw new RangeError(`beforeFsOp: only an fsync can be skipped, not ${primitive}`);
            this.fsOpCount++;
            op.resolve(undefined as T);
            return 'skipped';
          }
        }
        this.fsOpCount++;
        let v: T;
        try {
          v = invoke();
        } catch (e) {
          // Only an errno is the file system's answer; anything else (a VFS limit, a
          // harness bug) is the harness failing, not something the SUT should see.
          if (!(e instanceof FsError)) throw e;
          op.reject(e);
          return e.code;
        }
        op.resolve(v);
        return summarize(v);
      }),
    );
  }
}

class SimLog implements EnvLog {
  private readonly ring: LogRecord[] = [];
  private ringStart = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly capacity: number,
    private readonly onLog: ((rec: LogRecord) => void) | undefined,
  ) {}

  log(ctx: Ctx | undefined, level: LogLevel, msg: string, fields?: Readonly<Record<string, string | number | bigint | boolean>>): void {
    if (!LOG_LEVELS.has(level)) throw new EnvUsageError(`log: bad level ${String(level)}`);
    const task = ctx === undefined ? undefined : this.sched.ctxOf(ctx).task;
    const args: TraceArg[] = [level, String(msg)];
    if (fields !== undefined) for (const k of Object.keys(fields)) args.push(k, String(fields[k]));
    this.sched.record(task, 'log', args, 'ok');
    const rec: LogRecord = { atMs: this.sched.nowMs, level, task: task?.name, msg: String(msg), fields };
    if (this.capacity > 0) {
      if (this.ring.length < this.capacity) this.ring.push(rec);
      else {
        this.ring[this.ringStart] = rec;
        this.ringStart = (this.ringStart + 1) % this.capacity;
      }
    }
    this.onLog?.(rec);
  }

  entries(): LogRecord[] {
    return [...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)];
  }
}

export function createWorld(opts: WorldOptions): World {
  if (typeof opts.seed !== 'string' || opts.seed.length === 0) throw new RangeError('createWorld: seed must be a non-empty string');
  if (opts.fs === undefined || opts.fs === null) throw new RangeError('createWorld: fs (a SyncFs) is required');
  const logEntriesMax = opts.logEntriesMax ?? DEFAULT_LOG_ENTRIES_MAX;
  if (!Number.isSafeInteger(logEntriesMax) || logEntriesMax < 0) throw new RangeError(`createWorld: logEntriesMax must be a non-negative integer, got ${logEntriesMax}`);

  const streams = new RandomStreams(opts.seed);
  const trace = new Trace({ keepLastEvents: opts.traceKeepLastEvents, captureSources: opts.traceSources });
  const strategy = createStrategy(opts.strategy ?? { kind: 'random' }, streams.stream('scheduler'));
  const sched = new Scheduler({ seed: opts.seed, strategy, trace, budgetSteps: opts.budgetSteps, yieldEverySteps: opts.yieldEverySteps });
  const fs = new SimEnvFs(sched, opts.fs);
  fs.beforeFsOp = opts.beforeFsOp;
  fs.fsCallSite = opts.fsCallSite;
  const log = new SimLog(sched, logEntriesMax, opts.onLog);
  const sut = streams.stream('sut');
  const random: EnvRandom = {
    bytes(n: number): Uint8Array {
      if (!Number.isSafeInteger(n) || n < 0 || n > RANDOM_BYTES_MAX) throw new RangeError(`random.bytes(n): n must be an integer in [0, ${RANDOM_BYTES_MAX}], got ${n}`);
      return sut.bytes(n);
    },
    int: (bound: number): number => sut.int(bound),
  };

  const env: Env = {
    fs,
    tasks: new SimTasks(sched),
    clock: new SimClock(sched),
    random,
    log,
    newWatch: <T>(name: string, value: T) => new SimWatch<T>(sched, name, value),
    newAtomicSend: <T>(name: string, value: T) => new SimAtomicSend<T>(sched, name, value),
  };

  const host: EnvHost = {
    env,
    async main<T>(name: string, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
      const handle = sched.spawn(name, fn);
      const outcome = await sched.runUntil(() => handle.outcome() !== undefined, `task ${name} to finish`);
      const result = handle.outcome();
      if (result === undefined) {
        throw new WorldHalted(outcome.kind === 'crashed' ? 'crashed' : 'stopped', outcome.step, sched.haltReasonDetail);
      }
      if (result.ok) return result.value;
      throw result.error;
    },
  };

  return {
    seed: opts.seed,
    host,
    env,
    fs: opts.fs,
    scheduler: sched,
    trace,
    streams,
    spawn: (name, fn) => sched.spawn(name, fn),
    runUntil: (until, waitingFor) => sched.runUntil(until, waitingFor),
    runSteps: (n) => sched.runSteps(n),
    runUntilBlocked: () => sched.runUntilBlocked(),
    enabledOps: () => sched.enabledOps(),
    get step() {
      return sched.step;
    },
    get nowMs() {
      return sched.nowMs;
    },
    get status() {
      return sched.status;
    },
    decisions: () => sched.decisions(),
    replayDecisionsLeft: () => (opts.strategy?.kind === 'replay' ? opts.strategy.decisions.length - sched.step : 0),
    setBeforeFsOp: (hook) => {
      fs.beforeFsOp = hook;
    },
    get fsOpsPerformed() {
      return fs.fsOpCount;
    },
    get crashPoint() {
      return fs.crashPoint;
    },
    stop: (reason) => sched.stop(reason),
    logs: () => log.entries(),
  };
}
