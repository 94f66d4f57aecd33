/**
 * Scripted one-shot faults for plans (`{c: 'fault', kind, nth}`): the nth next
 * fs primitive of the kind's type fails, exactly once. Random per-seed faults
 * are sim/vfs/faults.ts's FaultyFs; this wrapper sits outside it so a shrunk
 * counterexample can name the one fault that matters.
 */
import { FsError } from '../src/env.js';
import type { DirEntry, Fd, FileStat } from '../src/env.js';
import type { SyncFs } from '../sim/fs-api.js';
import type { Vfs } from '../sim/vfs/vfs.js';
import { FAULT_PRIMITIVE, type FaultKind, type FaultTarget } from './plan.js';

interface Armed {
  readonly kind: FaultKind;
  readonly target: FaultTarget;
  /** calls of the kind's primitive still to let through */
  remaining: number;
}

export interface ScriptedFaultEvent {
  readonly kind: FaultKind;
  readonly path: string | undefined;
  readonly detail: string;
}

/** Whether `path` is a file of kind `target`. */
export function targets(target: FaultTarget, path: string | undefined): boolean {
  if (target === 'any') return true;
  if (path === undefined) return false;
  if (target === 'ab') return /\/avail_inner_[ab]\.pb$/.test(path);
  return path.includes(`/${target}/`);
}

export class ScriptedFaults implements SyncFs {
  private readonly armed: Armed[] = [];
  /** bit flips that stick to a file id (re-reading does not heal) */
  private readonly flips = new Map<number, number>();

  constructor(
    private readonly inner: SyncFs,
    private readonly vfs: Vfs,
    private readonly onFault: (e: ScriptedFaultEvent) => void,
  ) {}

  arm(kind: FaultKind, nth: number, target: FaultTarget = 'any'): void {
    this.armed.push({ kind, target, remaining: nth });
  }

  get pending(): number {
    return this.armed.length;
  }

  disarmAll(): void {
    this.armed.length = 0;
  }

  /** The armed fault that fires on this call of `primitive` on `path`, if any (counts every matching armed fault down). */
  private fire(primitive: 'write' | 'fsync' | 'read', path: string | undefined): FaultKind | undefined {
    let fired: FaultKind | undefined;
    for (let i = 0; i < this.armed.length; i++) {
      const a = this.armed[i] as Armed;
      if (FAULT_PRIMITIVE[a.kind] !== primitive || !targets(a.target, path)) continue;
      if (a.remaining > 0) {
        a.remaining--;
        continue;
      }
      if (fired === undefined) {
        fired = a.kind;
        this.armed.splice(i, 1);
        i--;
      }
    }
    return fired;
  }

  stat(path: string): FileStat { return this.inner.stat(path); }
  lstat(path: string): FileStat { return this.inner.lstat(path); }
  open(path: string, flags: number, mode?: number): Fd { return this.inner.open(path, flags, mode); }
  fstat(fd: Fd): FileStat { return this.inner.fstat(fd); }
  close(fd: Fd): void { this.inner.close(fd); }
  getdents(fd: Fd): DirEntry[] { return this.inner.getdents(fd); }
  mkdir(path: string, mode: number): void { this.inner.mkdir(path, mode); }
  unlink(path: string): void { this.inner.unlink(path); }
  rmdir(path: string): void { this.inner.rmdir(path); }
  rename(from: string, to: string): void { this.inner.rename(from, to); }

  write(fd: Fd, data: Uint8Array): number {
    const info = this.vfs.fdInfo(fd);
    if (info === undefined || !info.writable || data.length === 0) return this.inner.write(fd, data);
    const kind = this.fire('write', info.path);
    if (kind === 'write-eio' || kind === 'write-enospc') {
      this.onFault({ kind, path: info.path, detail: `${data.length} bytes not written` });
      throw new FsError(kind === 'write-eio' ? 'EIO' : 'ENOSPC', 'write', info.path);
    }
    if (kind === 'short-write' && data.length >= 2) {
      const n = Math.ceil(data.length / 2);
      this.onFault({ kind, path: info.path, detail: `wrote ${n} of ${data.length} bytes` });
      return this.inner.write(fd, data.subarray(0, n));
    }
    return this.inner.write(fd, data);
  }

  fsync(fd: Fd): void {
    const info = this.vfs.fdInfo(fd);
    if (info !== undefined && this.fire('fsync', info.path) === 'fsync-fail') {
      const dropped = info.type === 'file' ? this.vfs.discardUnsyncedData(fd) : 0;
      this.onFault({ kind: 'fsync-fail', path: info.path, detail: `dropped ${dropped} pending data ops` });
      throw new FsError('EIO', 'fsync', info.path);
    }
    this.inner.fsync(fd);
  }

  read(fd: Fd, maxBytes: number): Uint8Array {
    const info = this.vfs.fdInfo(fd);
    const out = this.inner.read(fd, maxBytes);
    if (info === undefined || out.length === 0) return out;
    if (this.fire('read', info.path) === 'read-corruption' && !this.flips.has(info.id)) {
      const at = info.positionBytes + (out.length >> 1);
      this.flips.set(info.id, at);
      this.onFault({ kind: 'read-corruption', path: info.path, detail: `bit 0 of byte ${at}` });
    }
    const at = this.flips.get(info.id);
    if (at === undefined || at < info.positionBytes || at >= info.positionBytes + out.length) return out;
    const copy = out.slice();
    copy[at - info.positionBytes] = (copy[at - info.positionBytes] as number) ^ 1;
    return copy;
  }
}
