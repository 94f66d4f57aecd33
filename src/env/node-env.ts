/**
 * The production Env: real files (node:fs/promises), real timers, real randomness.
 *
 * This is the one module of `src/` allowed to touch the real world; every such
 * line carries a `nondeterminism-ok` marker. Semantics follow `src/env.ts` so
 * that the system under test behaves the same here as in the simulator:
 *  - fds are our own small integers mapped to FileHandles (never the OS's);
 *  - a directory fd remembers its path, and `getdents` lists by that path;
 *  - node errors become `FsError` with the errno (unknown codes map to EIO);
 *  - a lock section is a synchronous body, so it needs no real mutex; `WAIT`
 *    parks the task until the next `updated()` or cancellation.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import {
  CancelledError,
  FsError,
  O_APPEND,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  WAIT,
} from '../env.js';
import type {
  AtomicSend,
  Ctx,
  DirEntry,
  Env,
  EnvFs,
  EnvHost,
  EnvLog,
  EnvTasks,
  Errno,
  Fd,
  FileStat,
  LogLevel,
  Scope,
  SectionControl,
  Wait,
  Watch,
} from '../env.js';

// ---------------------------------------------------------------------------
// Contexts

class NodeCtx implements Ctx {
  private cancelled: CancelledError | undefined;
  private readonly listeners = new Set<(e: CancelledError) => void>();
  private readonly detachFromParent: (() => void) | undefined;

  constructor(
    readonly taskName: string,
    readonly taskId: number,
    parent?: NodeCtx,
  ) {
    if (parent !== undefined) {
      const parentErr = parent.err();
      if (parentErr !== undefined) this.cancelled = parentErr;
      else this.detachFromParent = parent.onCancel((e) => this.cancel(e.reason));
    }
  }

  err(): CancelledError | undefined {
    return this.cancelled;
  }

  cancel(reason = 'context canceled'): void {
    if (this.cancelled !== undefined) return;
    this.cancelled = new CancelledError(reason);
    this.detachFromParent?.();
    const ls = [...this.listeners];
    this.listeners.clear();
    for (const l of ls) l(this.cancelled);
  }

  /** Registers a one-shot listener; returns its removal. Not called if already cancelled. */
  onCancel(fn: (e: CancelledError) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

function asNodeCtx(ctx: Ctx): NodeCtx {
  if (!(ctx instanceof NodeCtx)) throw new TypeError(`node Env: foreign Ctx for task ${ctx.taskName}`);
  return ctx;
}

/** Resolves via `park(resolve)` unless `ctx` is cancelled first, which rejects with its error. */
function parkUntil<T>(ctx: NodeCtx, park: (resolve: (v: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unpark: () => void = () => {};
    const detach = ctx.onCancel((e) => {
      unpark();
      reject(e);
    });
    unpark = park((v) => {
      detach();
      resolve(v);
    });
  });
}

// ---------------------------------------------------------------------------
// Watch and AtomicSend

class NodeWatch<T> implements Watch<T> {
  private readonly waiters = new Set<() => void>();
  private readonly ctl: SectionControl = {
    updated: () => {
      const ws = [...this.waiters];
      this.waiters.clear();
      for (const w of ws) w();
    },
  };

  constructor(
    readonly name: string,
    private readonly value: T,
  ) {}

  async section<R>(ctx: Ctx, body: (value: T, ctl: SectionControl) => R | Wait): Promise<R> {
    const nctx = asNodeCtx(ctx);
    for (;;) {
      const r = body(this.value, this.ctl);
      if (r !== WAIT) return r as R;
      // Go's WaitUntil: the predicate (the body) is evaluated before the context.
      const e = nctx.err();
      if (e !== undefined) throw e;
      await parkUntil<void>(nctx, (resolve) => {
        const w = (): void => resolve();
        this.waiters.add(w);
        return () => this.waiters.delete(w);
      });
    }
  }
}

class NodeAtomicSend<T> implements AtomicSend<T> {
  private readonly waiters = new Set<{ pred: (v: T) => boolean; wake: (v: T) => void }>();

  constructor(
    readonly name: string,
    private value: T,
  ) {}

  load(): T {
    return this.value;
  }

  store(value: T): void {
    this.value = value;
    for (const w of [...this.waiters]) {
      if (w.pred(value)) {
        this.waiters.delete(w);
        w.wake(value);
      }
    }
  }

  wait(ctx: Ctx, pred: (value: T) => boolean): Promise<T> {
    const nctx = asNodeCtx(ctx);
    if (pred(this.value)) return Promise.resolve(this.value);
    const e = nctx.err();
    if (e !== undefined) return Promise.reject(e);
    return parkUntil<T>(nctx, (resolve) => {
      const w = { pred, wake: resolve };
      this.waiters.add(w);
      return () => this.waiters.delete(w);
    });
  }
}

// ---------------------------------------------------------------------------
// Tasks

class NodeTasks implements EnvTasks {
  private nextTaskId: number;
  constructor(firstTaskId: number) {
    this.nextTaskId = firstTaskId;
  }

  newTaskId(): number {
    return this.nextTaskId++;
  }

  async run(ctx: Ctx, scopeName: string, body: (ctx: Ctx, scope: Scope) => Promise<void>): Promise<void> {
    const parent = asNodeCtx(ctx);
    const scopeCtx = new NodeCtx(parent.taskName, parent.taskId, parent);
    let failure: { error: unknown } | undefined;
    const fail = (e: unknown): void => {
      if (failure !== undefined) return;
      failure = { error: e };
      scopeCtx.cancel(`scope ${scopeName} failed`);
    };
    const running = new Set<Promise<void>>();
    const scope: Scope = {
      spawn: (name, fn) => {
        const taskCtx = new NodeCtx(`${scopeName}/${name}`, this.newTaskId(), scopeCtx);
        // The task begins after the current synchronous step, as in the simulator.
        const p: Promise<void> = Promise.resolve()
          .then(() => fn(taskCtx))
          .then(
            () => undefined,
            (e: unknown) => fail(e),
          )
          .finally(() => running.delete(p));
        running.add(p);
      },
    };
    try {
      await body(scopeCtx, scope);
    } catch (e) {
      fail(e);
    }
    // Tasks may spawn more tasks; wait until the set is empty.
    while (running.size > 0) await Promise.all([...running]);
    scopeCtx.cancel(`scope ${scopeName} ended`);
    if (failure !== undefined) throw failure.error;
  }

  withCancel(parent: Ctx): { ctx: Ctx; cancel: (reason?: string) => void } {
    const p = asNodeCtx(parent);
    const child = new NodeCtx(p.taskName, p.taskId, p);
    return { ctx: child, cancel: (reason) => child.cancel(reason) };
  }

  done(ctx: Ctx): Promise<CancelledError> {
    const nctx = asNodeCtx(ctx);
    const e = nctx.err();
    if (e !== undefined) return Promise.resolve(e);
    return new Promise((resolve) => nctx.onCancel(resolve));
  }

  yield(_ctx: Ctx): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve)); // nondeterminism-ok: production Env
  }
}

// ---------------------------------------------------------------------------
// File system

const KNOWN_ERRNOS: ReadonlySet<string> = new Set<Errno>([
  'ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'EBADF', 'EACCES',
  'EPERM', 'EIO', 'ENOSPC', 'EINVAL', 'EMFILE', 'EROFS',
]);

function toFsError(e: unknown, syscall: string, path: string | undefined): FsError {
  if (e instanceof FsError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && KNOWN_ERRNOS.has(code)) return new FsError(code as Errno, syscall, path);
  const msg = e instanceof Error ? e.message : String(e);
  return new FsError('EIO', syscall, path, `${code ?? 'unknown error'}: ${msg}`);
}

/** Our open(2) flag values (Linux numbering) → this platform's. */
function nodeOpenFlags(flags: number): number {
  const access = flags & 0o3;
  let out = access === O_RDONLY ? fsc.O_RDONLY : access === O_WRONLY ? fsc.O_WRONLY : access === O_RDWR ? fsc.O_RDWR : -1;
  if (out < 0) throw new FsError('EINVAL', 'open', undefined, `bad access mode in flags 0o${flags.toString(8)}`);
  const known = O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | 0o3;
  if ((flags & ~known) !== 0) throw new FsError('EINVAL', 'open', undefined, `unsupported flags 0o${flags.toString(8)}`);
  if (flags & O_CREAT) out |= fsc.O_CREAT;
  if (flags & O_EXCL) out |= fsc.O_EXCL;
  if (flags & O_TRUNC) out |= fsc.O_TRUNC;
  if (flags & O_APPEND) out |= fsc.O_APPEND;
  if (flags & O_DIRECTORY) out |= fsc.O_DIRECTORY;
  return out;
}

function toFileStat(st: import('node:fs').Stats): FileStat {
  return { isFile: st.isFile(), isDirectory: st.isDirectory(), sizeBytes: st.size, mode: st.mode & 0o7777 };
}

interface OpenFile {
  readonly handle: FileHandle;
  readonly path: string;
}

export interface NodeFsOptions {
  /** Most fds open at once; further opens fail with EMFILE. */
  readonly openFilesMax: number;
  /** Largest single read or write request. */
  readonly ioBytesMax: number;
}

class NodeFs implements EnvFs {
  private readonly files = new Map<Fd, OpenFile>();

  constructor(private readonly opts: NodeFsOptions) {}

  private file(fd: Fd, syscall: string): OpenFile {
    const f = this.files.get(fd);
    if (f === undefined) throw new FsError('EBADF', syscall, undefined);
    return f;
  }

  private allocFd(): Fd {
    // Lowest free number, like the kernel; bounded by openFilesMax.
    for (let fd = 3; fd < 3 + this.opts.openFilesMax; fd++) if (!this.files.has(fd)) return fd;
    return -1;
  }

  async stat(_ctx: Ctx, path: string): Promise<FileStat> {
    try {
      return toFileStat(await fsp.stat(path)); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'stat', path);
    }
  }

  async lstat(_ctx: Ctx, path: string): Promise<FileStat> {
    try {
      return toFileStat(await fsp.lstat(path)); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'lstat', path);
    }
  }

  async open(_ctx: Ctx, path: string, flags: number, mode = 0o666): Promise<Fd> {
    const nflags = nodeOpenFlags(flags);
    if (this.allocFd() < 0) throw new FsError('EMFILE', 'open', path);
    let handle: FileHandle;
    try {
      handle = await fsp.open(path, nflags, mode); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'open', path);
    }
    const fd = this.allocFd();
    if (fd < 0) {
      await handle.close().catch(() => undefined);
      throw new FsError('EMFILE', 'open', path);
    }
    this.files.set(fd, { handle, path });
    return fd;
  }

  async fstat(_ctx: Ctx, fd: Fd): Promise<FileStat> {
    const f = this.file(fd, 'fstat');
    try {
      return toFileStat(await f.handle.stat()); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'fstat', f.path);
    }
  }

  async read(_ctx: Ctx, fd: Fd, maxBytes: number): Promise<Uint8Array> {
    const f = this.file(fd, 'read');
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > this.opts.ioBytesMax) {
      throw new FsError('EINVAL', 'read', f.path, `read size ${maxBytes} outside [1, ${this.opts.ioBytesMax}]`);
    }
    const buf = new Uint8Array(maxBytes);
    try {
      const { bytesRead } = await f.handle.read(buf, 0, maxBytes, null); // nondeterminism-ok: production Env
      return buf.subarray(0, bytesRead);
    } catch (e) {
      throw toFsError(e, 'read', f.path);
    }
  }

  async write(_ctx: Ctx, fd: Fd, data: Uint8Array): Promise<number> {
    const f = this.file(fd, 'write');
    const len = Math.min(data.length, this.opts.ioBytesMax);
    try {
      const { bytesWritten } = await f.handle.write(data, 0, len, null); // nondeterminism-ok: production Env
      return bytesWritten;
    } catch (e) {
      throw toFsError(e, 'write', f.path);
    }
  }

  async fsync(_ctx: Ctx, fd: Fd): Promise<void> {
    const f = this.file(fd, 'fsync');
    try {
      await f.handle.sync(); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'fsync', f.path);
    }
  }

  async close(_ctx: Ctx, fd: Fd): Promise<void> {
    const f = this.file(fd, 'close');
    // The fd is released even when close reports an error (as on Linux).
    this.files.delete(fd);
    try {
      await f.handle.close(); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'close', f.path);
    }
  }

  async getdents(_ctx: Ctx, fd: Fd): Promise<DirEntry[]> {
    const f = this.file(fd, 'getdents');
    try {
      const st = await f.handle.stat(); // nondeterminism-ok: production Env
      if (!st.isDirectory()) throw new FsError('ENOTDIR', 'getdents', f.path);
      const ents = await fsp.readdir(f.path, { withFileTypes: true }); // nondeterminism-ok: production Env
      return ents.map((d) => ({ name: d.name, isDirectory: d.isDirectory() }));
    } catch (e) {
      throw toFsError(e, 'getdents', f.path);
    }
  }

  async mkdir(_ctx: Ctx, path: string, mode: number): Promise<void> {
    try {
      await fsp.mkdir(path, { mode }); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'mkdir', path);
    }
  }

  async unlink(_ctx: Ctx, path: string): Promise<void> {
    try {
      await fsp.unlink(path); // nondeterminism-ok: production Env
    } catch (e) {
      // Linux unlink(2) of a directory is EISDIR; node may report EPERM.
      throw toFsError(e, 'unlink', path);
    }
  }

  async rmdir(_ctx: Ctx, path: string): Promise<void> {
    try {
      await fsp.rmdir(path); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'rmdir', path);
    }
  }

  async rename(_ctx: Ctx, from: string, to: string): Promise<void> {
    try {
      await fsp.rename(from, to); // nondeterminism-ok: production Env
    } catch (e) {
      throw toFsError(e, 'rename', from);
    }
  }

  /** Closes every fd still open (host teardown). */
  async closeAll(): Promise<void> {
    const fs = [...this.files.values()];
    this.files.clear();
    await Promise.all(fs.map((f) => f.handle.close().catch(() => undefined)));
  }
}

// ---------------------------------------------------------------------------
// Logging

export interface LogEntry {
  readonly atMs: number;
  readonly level: LogLevel;
  readonly task: string | undefined;
  readonly msg: string;
  readonly fields: Readonly<Record<string, string | number | bigint | boolean>> | undefined;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

class RingLog implements EnvLog {
  private readonly ring: LogEntry[] = [];
  private start = 0;

  constructor(
    private readonly capacity: number,
    private readonly nowMs: () => number,
    private readonly sink: ((e: LogEntry) => void) | undefined,
    private readonly sinkLevel: LogLevel,
  ) {}

  log(ctx: Ctx | undefined, level: LogLevel, msg: string, fields?: Readonly<Record<string, string | number | bigint | boolean>>): void {
    const e: LogEntry = { atMs: this.nowMs(), level, task: ctx?.taskName, msg, fields };
    if (this.ring.length < this.capacity) this.ring.push(e);
    else {
      this.ring[this.start] = e;
      this.start = (this.start + 1) % this.capacity;
    }
    if (this.sink !== undefined && LEVEL_RANK[level] >= LEVEL_RANK[this.sinkLevel]) this.sink(e);
  }

  entries(): LogEntry[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }
}

// ---------------------------------------------------------------------------

export interface NodeEnvOptions {
  /** Log entries kept in memory (oldest dropped first). Default 2000. */
  readonly logEntriesMax?: number;
  /** Optional sink for log entries at or above `logSinkLevel` (default: none, i.e. quiet). */
  readonly logSink?: (e: LogEntry) => void;
  readonly logSinkLevel?: LogLevel;
  /** Default 1024. */
  readonly openFilesMax?: number;
  /** Default 64 MiB. */
  readonly ioBytesMax?: number;
}

export interface NodeEnvHost extends EnvHost {
  /** The in-memory log ring, oldest first. */
  recentLogs(): LogEntry[];
  /** Closes fds left open (by aborted tasks); the Env stays usable. */
  closeOpenFiles(): Promise<void>;
}

export function createNodeEnv(opts: NodeEnvOptions = {}): NodeEnvHost {
  const startMs = performance.now(); // nondeterminism-ok: production Env
  const nowMs = (): number => performance.now() - startMs; // nondeterminism-ok: production Env
  const tasks = new NodeTasks(1);
  const fs = new NodeFs({ openFilesMax: opts.openFilesMax ?? 1024, ioBytesMax: opts.ioBytesMax ?? 64 * 1024 * 1024 });
  const log = new RingLog(opts.logEntriesMax ?? 2000, nowMs, opts.logSink, opts.logSinkLevel ?? 'warn');
  const env: Env = {
    fs,
    tasks,
    clock: {
      nowMs,
      sleep(ctx: Ctx, durationMs: number): Promise<void> {
        if (!(durationMs >= 0)) return Promise.reject(new RangeError(`sleep: bad duration ${durationMs}`));
        const nctx = asNodeCtx(ctx);
        const e = nctx.err();
        if (e !== undefined) return Promise.reject(e);
        return parkUntil<void>(nctx, (resolve) => {
          const t = setTimeout(resolve, durationMs); // nondeterminism-ok: production Env
          return () => clearTimeout(t);
        });
      },
    },
    random: {
      bytes: (n: number) => new Uint8Array(randomBytes(n)), // nondeterminism-ok: production Env
      int(bound: number): number {
        if (!Number.isSafeInteger(bound) || bound < 1) throw new RangeError(`random.int: bad bound ${bound}`);
        return bound === 1 ? 0 : randomInt(bound); // nondeterminism-ok: production Env
      },
    },
    log,
    newWatch: <T>(name: string, value: T): Watch<T> => new NodeWatch(name, value),
    newAtomicSend: <T>(name: string, value: T): AtomicSend<T> => new NodeAtomicSend(name, value),
  };
  return {
    env,
    async main<T>(name: string, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
      return fn(new NodeCtx(name, tasks.newTaskId()));
    },
    recentLogs: () => log.entries(),
    closeOpenFiles: () => fs.closeAll(),
  };
}
