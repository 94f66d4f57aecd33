/**
 * The one port through which the system under test reaches the world.
 *
 * Everything in `src/` that touches files, time, randomness, tasks or locks does
 * so through an `Env`. Two implementations exist:
 *  - `src/env/node-env.ts`: production, over `node:fs/promises` and real timers;
 *  - `sim/world.ts` (the simulator): every call below is a *scheduling point*:
 *    the call registers a pending operation and returns a promise that only the
 *    simulator settles, so a seed decides every interleaving and every crash point.
 *
 * Rules for code in `src/` (they make the simulator's job possible):
 *  1. Every `await` is on a promise returned by an Env call (or on an async
 *     function that only awaits those). No bare timers, no `Promise.race` over
 *     foreign promises, no real I/O.
 *  2. A lock section (`Watch.section`) body is synchronous. It runs as one atomic
 *     step; returning `WAIT` releases the lock and parks until the next
 *     `updated()` (Go's `Wait()`), after which the body runs again from the top.
 *  3. Every call takes the caller's `Ctx`: it names the task (for traces, deadlock
 *     reports and crash points) and carries cancellation.
 */

// ---------------------------------------------------------------------------
// Errors

/** errno names the file-system primitives may fail with (Linux semantics). */
export type Errno =
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'ENOTEMPTY'
  | 'EBADF'
  | 'EACCES'
  | 'EPERM'
  | 'EIO'
  | 'ENOSPC'
  | 'EINVAL'
  | 'EMFILE'
  | 'EROFS';

/** A failed file-system primitive. `message` reads like Go's *PathError: `open /d/x: no such file or directory`. */
export class FsError extends Error {
  override readonly name = 'FsError';
  constructor(
    readonly code: Errno,
    readonly syscall: string,
    readonly path: string | undefined,
    detail?: string,
  ) {
    super(`${syscall}${path === undefined ? '' : ' ' + path}: ${detail ?? errnoText(code)}`);
  }
}

export function errnoText(code: Errno): string {
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EEXIST': return 'file exists';
    case 'ENOTDIR': return 'not a directory';
    case 'EISDIR': return 'is a directory';
    case 'ENOTEMPTY': return 'directory not empty';
    case 'EBADF': return 'bad file descriptor';
    case 'EACCES': return 'permission denied';
    case 'EPERM': return 'operation not permitted';
    case 'EIO': return 'input/output error';
    case 'ENOSPC': return 'no space left on device';
    case 'EINVAL': return 'invalid argument';
    case 'EMFILE': return 'too many open files';
    case 'EROFS': return 'read-only file system';
  }
}

export function isFsError(e: unknown, code?: Errno): e is FsError {
  return e instanceof FsError && (code === undefined || e.code === code);
}

/** The context a wait ended on: Go's `context.Canceled`. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(readonly reason: string = 'context canceled') {
    super(reason);
  }
}

// ---------------------------------------------------------------------------
// File system (spec §2.1). Each method is one primitive = one scheduling step.

/** Linux open(2) flag values; the simulator and the production Env both take these. */
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECTORY = 0o200000;

/** A file descriptor handed out by the Env (small integers; never memfs's). */
export type Fd = number;

export interface FileStat {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly sizeBytes: number;
  /** permission bits, e.g. 0o600 */
  readonly mode: number;
}

export interface DirEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

export interface EnvFs {
  stat(ctx: Ctx, path: string): Promise<FileStat>;
  lstat(ctx: Ctx, path: string): Promise<FileStat>;
  open(ctx: Ctx, path: string, flags: number, mode?: number): Promise<Fd>;
  fstat(ctx: Ctx, fd: Fd): Promise<FileStat>;
  /** Reads up to `maxBytes` at the fd's offset; an empty array means EOF. */
  read(ctx: Ctx, fd: Fd, maxBytes: number): Promise<Uint8Array>;
  /** Writes at the fd's offset; returns the count written, which may be short. */
  write(ctx: Ctx, fd: Fd, data: Uint8Array): Promise<number>;
  fsync(ctx: Ctx, fd: Fd): Promise<void>;
  close(ctx: Ctx, fd: Fd): Promise<void>;
  /** getdents until exhausted on a directory fd: every entry except `.` and `..`, unsorted. */
  getdents(ctx: Ctx, fd: Fd): Promise<DirEntry[]>;
  mkdir(ctx: Ctx, path: string, mode: number): Promise<void>;
  unlink(ctx: Ctx, path: string): Promise<void>;
  rmdir(ctx: Ctx, path: string): Promise<void>;
  rename(ctx: Ctx, from: string, to: string): Promise<void>;
}

// ---------------------------------------------------------------------------
// Tasks and contexts

/** A task's identity plus cancellation (Go's context.Context, with the goroutine named). */
export interface Ctx {
  /** Stable, human-readable task name, e.g. `node/persist`; used in traces. */
  readonly taskName: string;
  /** Unique id of the task within its world (deterministic, assigned in spawn order). */
  readonly taskId: number;
  /** `undefined` while live; the cancellation error once cancelled. */
  err(): CancelledError | undefined;
}

/** Go's `scope.Scope`: tasks spawned here share the scope's cancellation. */
export interface Scope {
  /** Starts `fn` as a new task named `<parent>/<name>`; it begins at a later step. */
  spawn(name: string, fn: (ctx: Ctx) => Promise<void>): void;
}

export interface EnvTasks {
  /**
   * Go's `scope.Run`: runs `body` in the calling task with a child context (same
   * task, own cancellation) and waits for every task spawned into the scope. The
   * first of body or a spawned task to fail cancels the scope; `run` rejects with
   * that first error. Tasks are named `<scopeName>/<taskName>`.
   */
  run(ctx: Ctx, scopeName: string, body: (ctx: Ctx, scope: Scope) => Promise<void>): Promise<void>;
  /** A child context of the same task and its cancel function (Go's context.WithCancel). */
  withCancel(parent: Ctx): { ctx: Ctx; cancel: (reason?: string) => void };
  /** Parks until the context is cancelled; resolves with the cancellation error. */
  done(ctx: Ctx): Promise<CancelledError>;
  /** A scheduling point that does nothing: lets other tasks run. */
  yield(ctx: Ctx): Promise<void>;
}

// ---------------------------------------------------------------------------
// Locks: Go's utils.Watch (mutex + broadcast) and utils.AtomicSend.

/** Returned by a section body to mean Go's `Wait()`: release, park until `updated()`, rerun. */
export const WAIT: unique symbol = Symbol('WAIT');
export type Wait = typeof WAIT;

export interface SectionControl {
  /** Go's `Updated()`: wakes every task parked in a section of this watch. */
  updated(): void;
}

/** A value guarded by one mutex with a broadcast condition (spec §0.3). */
export interface Watch<T> {
  /**
   * One lock section: acquires the mutex (a scheduling point), runs `body`
   * synchronously, releases. If `body` returns `WAIT`: when `ctx` is cancelled
   * the section rejects with CancelledError (the predicate is checked first, as
   * in Go's WaitUntil); otherwise the task parks until the next `updated()` and
   * the body runs again. State the body keeps between reruns lives in its closure.
   */
  section<R>(ctx: Ctx, body: (value: T, ctl: SectionControl) => R | Wait): Promise<R>;
}

/** Go's AtomicSend: a lock-free readable cell whose stores wake its own waiters. */
export interface AtomicSend<T> {
  load(): T;
  /** Replaces the value and wakes every waiter whose predicate now holds. Synchronous. */
  store(value: T): void;
  /** Resolves with the current value once `pred` holds (checked first); rejects on cancellation. */
  wait(ctx: Ctx, pred: (value: T) => boolean): Promise<T>;
}

// ---------------------------------------------------------------------------
// Time, randomness, logging

export interface EnvClock {
  /** Milliseconds since the world began (virtual in the simulator). */
  nowMs(): number;
  sleep(ctx: Ctx, durationMs: number): Promise<void>;
}

export interface EnvRandom {
  /** `n` random bytes (seeded in the simulator). */
  bytes(n: number): Uint8Array;
  /** A uniform integer in [0, bound). */
  int(bound: number): number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface EnvLog {
  log(ctx: Ctx | undefined, level: LogLevel, msg: string, fields?: Readonly<Record<string, string | number | bigint | boolean>>): void;
}

// ---------------------------------------------------------------------------

export interface Env {
  readonly fs: EnvFs;
  readonly tasks: EnvTasks;
  readonly clock: EnvClock;
  readonly random: EnvRandom;
  readonly log: EnvLog;
  newWatch<T>(name: string, value: T): Watch<T>;
  newAtomicSend<T>(name: string, value: T): AtomicSend<T>;
}

/**
 * What an Env implementation offers its *driver* (tests, scenarios, the node
 * binary); the system under test never sees it.
 */
export interface EnvHost {
  readonly env: Env;
  /**
   * Runs `fn` as a new top-level task and resolves with its result. In the
   * simulator this drives the scheduler until `fn` settles (failing with a
   * deadlock or budget report if it cannot); in production it simply calls `fn`.
   */
  main<T>(name: string, fn: (ctx: Ctx) => Promise<T>): Promise<T>;
}
