/**
 * A test-only fault decorator over `EnvFs`: fail the N-th matching call of a
 * primitive with an errno, and record every call. It works on any Env (the
 * machine runs as root, so permission-based faults cannot be produced on the
 * real file system). Fd-based calls match on the path the fd was opened with.
 */
import { FsError } from '../../src/env.js';
import type { Ctx, DirEntry, Env, EnvFs, EnvHost, Errno, Fd, FileStat } from '../../src/env.js';

export type FsCall = keyof EnvFs;

export interface FaultRule {
  readonly syscall: FsCall;
  /** the call's path (or the fd's path) must satisfy this; default: any path */
  readonly path?: (path: string) => boolean;
  /** fail the N-th matching call (1-based); default 1 */
  readonly nth?: number;
  /** keep failing every matching call from the N-th on; default false */
  readonly sticky?: boolean;
  readonly errno: Errno;
}

export interface RecordedCall {
  readonly syscall: FsCall;
  readonly path: string | undefined;
  readonly failed?: Errno | undefined;
}

export class FaultyFs implements EnvFs {
  readonly calls: RecordedCall[] = [];
  private readonly rules: { rule: FaultRule; seen: number }[] = [];
  private readonly fdPaths = new Map<Fd, string>();

  /** Called after each recorded call (e.g. to interleave with observer events). */
  onCall: ((c: RecordedCall) => void) | undefined;
  /** When set, every write writes at most this many bytes (a short write). */
  writeBytesMax: number | undefined;

  constructor(private readonly inner: EnvFs) {}

  addFault(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0 });
  }

  clearFaults(): void {
    this.rules.length = 0;
  }

  /** The recorded calls as `syscall path` strings, relative to `root` when given. */
  trace(root?: string): string[] {
    return this.calls.map((c) => {
      const p = c.path === undefined ? '' : root !== undefined && c.path.startsWith(root) ? c.path.slice(root.length) || '/' : c.path;
      return `${c.syscall} ${p}${c.failed !== undefined ? ` !${c.failed}` : ''}`.trim();
    });
  }

  private check(syscall: FsCall, path: string | undefined): void {
    let failed: Errno | undefined;
    for (const r of this.rules) {
      if (r.rule.syscall !== syscall) continue;
      if (r.rule.path !== undefined && (path === undefined || !r.rule.path(path))) continue;
      r.seen++;
      const nth = r.rule.nth ?? 1;
      if (r.seen === nth || (r.rule.sticky === true && r.seen > nth)) failed ??= r.rule.errno;
    }
    const call = { syscall, path, failed };
    this.calls.push(call);
    this.onCall?.(call);
    if (failed !== undefined) throw new FsError(failed, syscall, path);
  }

  async stat(ctx: Ctx, path: string): Promise<FileStat> {
    this.check('stat', path);
    return this.inner.stat(ctx, path);
  }
  async lstat(ctx: Ctx, path: string): Promise<FileStat> {
    this.check('lstat', path);
    return this.inner.lstat(ctx, path);
  }
  async open(ctx: Ctx, path: string, flags: number, mode?: number): Promise<Fd> {
    this.check('open', path);
    const fd = await this.inner.open(ctx, path, flags, mode);
    this.fdPaths.set(fd, path);
    return fd;
  }
  async fstat(ctx: Ctx, fd: Fd): Promise<FileStat> {
    this.check('fstat', this.fdPaths.get(fd));
    return this.inner.fstat(ctx, fd);
  }
  async read(ctx: Ctx, fd: Fd, maxBytes: number): Promise<Uint8Array> {
    this.check('read', this.fdPaths.get(fd));
    return this.inner.read(ctx, fd, maxBytes);
  }
  async write(ctx: Ctx, fd: Fd, data: Uint8Array): Promise<number> {
    this.check('write', this.fdPaths.get(fd));
    const cap = this.writeBytesMax;
    return this.inner.write(ctx, fd, cap === undefined ? data : data.subarray(0, cap));
  }
  async fsync(ctx: Ctx, fd: Fd): Promise<void> {
    this.check('fsync', this.fdPaths.get(fd));
    return this.inner.fsync(ctx, fd);
  }
  async close(ctx: Ctx, fd: Fd): Promise<void> {
    const path = this.fdPaths.get(fd);
    this.fdPaths.delete(fd);
    try {
      this.check('close', path);
    } catch (e) {
      // close(2) releases the fd even when it reports an error.
      await this.inner.close(ctx, fd).catch(() => undefined);
      throw e;
    }
    return this.inner.close(ctx, fd);
  }
  async getdents(ctx: Ctx, fd: Fd): Promise<DirEntry[]> {
    this.check('getdents', this.fdPaths.get(fd));
    return this.inner.getdents(ctx, fd);
  }
  async mkdir(ctx: Ctx, path: string, mode: number): Promise<void> {
    this.check('mkdir', path);
    return this.inner.mkdir(ctx, path, mode);
  }
  async unlink(ctx: Ctx, path: string): Promise<void> {
    this.check('unlink', path);
    return this.inner.unlink(ctx, path);
  }
  async rmdir(ctx: Ctx, path: string): Promise<void> {
    this.check('rmdir', path);
    return this.inner.rmdir(ctx, path);
  }
  async rename(ctx: Ctx, from: string, to: string): Promise<void> {
    this.check('rename', from);
    return this.inner.rename(ctx, from, to);
  }
}

/** The same Env with its file system replaced (every other part shared). */
export function envWithFs(env: Env, fs: EnvFs): Env {
  return {
    fs,
    tasks: env.tasks,
    clock: env.clock,
    random: env.random,
    log: env.log,
    newWatch: (name, value) => env.newWatch(name, value),
    newAtomicSend: (name, value) => env.newAtomicSend(name, value),
  };
}

/** A host whose Env goes through a FaultyFs; `main` is the original host's. */
export function withFaultyFs(host: EnvHost): { host: EnvHost; fs: FaultyFs } {
  const fs = new FaultyFs(host.env.fs);
  const env = envWithFs(host.env, fs);
  return { host: { env, main: (name, fn) => host.main(name, fn) }, fs };
}
