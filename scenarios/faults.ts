/**
 * Scripted one-shot faults for plans (`{c: 'fault', kind, nth}`): the nth next
 * fs primitive of the kind's type fails, exactly once. Random per-seed faults
 * are sim/vfs/faults.ts's FaultyFs; this wrapper sits outside it so a shrunk
 * counterexample can name the one fault that matters.
 *
 * What is armed lives in a `ScriptedFaultState` the run keeps across
 * incarnations: a fault armed before a process restart or a power loss still
 * counts the restarted node's calls (its startup reads included). A read
 * corruption flips one bit of one byte, both drawn from the run's seed; it is
 * sticky (a latent error on the medium: re-reads, restarts and power losses
 * keep it) until a write over that byte or a truncate below it heals it.
 */
import { FsError, O_TRUNC } from '../src/env.js';
import type { DirEntry, Fd, FileStat } from '../src/env.js';
import type { SyncFs } from '../sim/fs-api.js';
import type { Rng } from '../sim/random.js';
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

interface Flip {
  readonly offsetBytes: number;
  readonly bit: number;
}

/** Whether `path` is a file of kind `target`. */
export function targets(target: FaultTarget, path: string | undefined): boolean {
  if (target === 'any') return true;
  if (path === undefined) return false;
  if (target === 'ab') return /\/avail_inner_[ab]\.pb$/.test(path);
  return path.includes(`/${target}/`);
}

/** The scripted faults of one run, across its incarnations. */
export class ScriptedFaultState {
  readonly armed: Armed[] = [];
  /** sticky flips by the path of the file they sit in (paths survive a crash; inode ids do not) */
  readonly flips = new Map<string, Flip[]>();
  armedCount = 0;
  firedCount = 0;

  constructor(readonly rng: Rng) {}

  arm(kind: FaultKind, nth: number, target: FaultTarget = 'any'): void {
    this.armed.push({ kind, target, remaining: nth });
    this.armedCount++;
  }

  /** Faults armed and not fired yet. */
  get pending(): number {
    return this.armed.length;
  }

  disarmAll(): void {
    this.armed.length = 0;
  }
}

export class ScriptedFaults implements SyncFs {
  constructor(
    private readonly inner: SyncFs,
    private readonly vfs: Vfs,
    private readonly onFault: (e: ScriptedFaultEvent) => void,
    readonly state: ScriptedFaultState,
  ) {}

  arm(kind: FaultKind, nth: number, target: FaultTarget = 'any'): void {
    this.state.arm(kind, nth, target);
  }

  get pending(): number {
    return this.state.pending;
  }

  disarmAll(): void {
    this.state.disarmAll();
  }

  /** The armed fault that fires on this call of `primitive` on `path`, if any (counts every matching armed fault down). */
  private fire(primitive: 'write' | 'fsync' | 'read', path: string | undefined): FaultKind | undefined {
    const armed = this.state.armed;
    let fired: FaultKind | undefined;
    for (let i = 0; i < armed.length; i++) {
      const a = armed[i] as Armed;
      if (FAULT_PRIMITIVE[a.kind] !== primitive || !targets(a.target, path)) continue;
      if (a.remaining > 0) {
        a.remaining--;
        continue;
      }
      if (fired === undefined) {
        fired = a.kind;
        armed.splice(i, 1);
        i--;
      }
    }
    if (fired !== undefined) this.state.firedCount++;
    return fired;
  }

  stat(path: string): FileStat { return this.inner.stat(path); }
  lstat(path: string): FileStat { return this.inner.lstat(path); }
  fstat(fd: Fd): FileStat { return this.inner.fstat(fd); }
  close(fd: Fd): void { this.inner.close(fd); }
  getdents(fd: Fd): DirEntry[] { return this.inner.getdents(fd); }
  mkdir(path: string, mode: number): void { this.inner.mkdir(path, mode); }
  rmdir(path: string): void { this.inner.rmdir(path); }

  open(path: string, flags: number, mode?: number): Fd {
    const fd = this.inner.open(path, flags, mode);
    if ((flags & O_TRUNC) !== 0) {
      const p = this.vfs.fdInfo(fd)?.path;
      if (p !== undefined) this.state.flips.delete(p);
    }
    return fd;
  }

  unlink(path: string): void {
    const p = this.vfs.normalPath(path);
    this.inner.unlink(path);
    this.state.flips.delete(p);
  }

  rename(from: string, to: string): void {
    const f = this.vfs.normalPath(from);
    const t = this.vfs.normalPath(to);
    this.inner.rename(from, to);
    // The flips move with the file; whatever the target held is gone.
    const moved = this.state.flips.get(f);
    this.state.flips.delete(f);
    this.state.flips.delete(t);
    if (moved !== undefined) this.state.flips.set(t, moved);
  }

  write(fd: Fd, data: Uint8Array): number {
    const info = this.vfs.fdInfo(fd);
    if (info === undefined || !info.writable || data.length === 0) return this.inner.write(fd, data);
    const kind = this.fire('write', info.path);
    if (kind === 'write-eio' || kind === 'write-enospc') {
      this.onFault({ kind, path: info.path, detail: `${data.length} bytes not written` });
      throw new FsError(kind === 'write-eio' ? 'EIO' : 'ENOSPC', 'write', info.path);
    }
    const at = info.append ? this.vfs.fdSizeBytes(fd) : info.positionBytes;
    let chunk = data;
    if (kind === 'short-write' && data.length >= 2) {
      chunk = data.subarray(0, Math.ceil(data.length / 2));
      this.onFault({ kind, path: info.path, detail: `wrote ${chunk.length} of ${data.length} bytes` });
    }
    const n = this.inner.write(fd, chunk);
    if (info.path !== undefined) this.heal(info.path, at, at + n);
    return n;
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
    if (info === undefined || info.path === undefined || out.length === 0) return out;
    const flips = this.state.flips;
    if (this.fire('read', info.path) === 'read-corruption') {
      // Byte and bit from the run's seed: any byte of the range read.
      const flip = { offsetBytes: info.positionBytes + this.state.rng.int(out.length), bit: this.state.rng.int(8) };
      flips.set(info.path, [...(flips.get(info.path) ?? []), flip]);
      this.onFault({ kind: 'read-corruption', path: info.path, detail: `bit ${flip.bit} of byte ${flip.offsetBytes}` });
    }
    const list = flips.get(info.path);
    if (list === undefined) return out;
    let copy: Uint8Array | undefined;
    for (const f of list) {
      const i = f.offsetBytes - info.positionBytes;
      if (i < 0 || i >= out.length) continue;
      copy ??= out.slice();
      copy[i] = (copy[i] as number) ^ (1 << f.bit);
    }
    return copy ?? out;
  }

  private heal(path: string, fromBytes: number, toBytes: number): void {
    const list = this.state.flips.get(path);
    if (list === undefined || toBytes <= fromBytes) return;
    const kept = list.filter((f) => f.offsetBytes < fromBytes || f.offsetBytes >= toBytes);
    if (kept.length === 0) this.state.flips.delete(path);
    else this.state.flips.set(path, kept);
  }
}
