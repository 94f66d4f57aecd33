/**
 * Disk faults, as a `SyncFs` wrapper around a `Vfs` (the fault-free path stays
 * the bare Vfs). Each seed draws its own `FaultProfile` from the `faults` stream
 * (swarm testing: some kinds off, the rest at uneven rates); every decision is
 * drawn from that one stream, so the same seed injects the same faults.
 *
 * Kinds (all probabilities per call, in [0, 1], default 0 = off):
 *  - write EIO / ENOSPC: the write fails and writes nothing;
 *  - short write: only a prefix (1..n−1 bytes, uniform) is written and returned;
 *  - fsync failure: EIO; for a file, its pending data ops are dropped from the
 *    log for good (vfs.ts rule 11: Linux marks the pages clean), reads still see
 *    them; for a directory, nothing becomes durable;
 *  - read corruption (TigerBeetle-style overlay): one bit flips at a random
 *    position inside the range being read and is remembered per file id, so
 *    re-reading does not heal it; a later write over that byte (or O_TRUNC)
 *    does. The VFS's bytes, durable and volatile, stay clean: crash images never
 *    contain it, and `setEnabled(false)` switches the overlay off with the rest.
 * Faults are injected only into calls that would otherwise succeed the checks
 * Linux makes first (a write on a read-only fd still gets EBADF), and each one is
 * reported to `onFault` (for the trace).
 */
import { FsError, O_TRUNC } from '../../src/env.js';
import type { DirEntry, Fd, FileStat } from '../../src/env.js';
import type { SyncFs } from '../fs-api.js';
import type { Rng } from '../random.js';
import type { InodeId } from './model.js';
import type { PositionalFs, TruncatingFs, Vfs } from './vfs.js';

export interface FaultProfile {
  /** Chance that a write (≥ 1 byte, valid fd) fails with EIO, writing nothing. */
  readonly writeEioProbability: number;
  /** Chance that a write (≥ 1 byte, valid fd) fails with ENOSPC, writing nothing. */
  readonly writeEnospcProbability: number;
  /** Chance that an fsync fails with EIO (a file's pending data ops are then dropped). */
  readonly fsyncFailProbability: number;
  /** Chance that a write of ≥ 2 bytes writes and returns only a shorter prefix. */
  readonly shortWriteProbability: number;
  /** Chance that a read returning ≥ 1 byte gets a new, sticky bit flip in the range read. */
  readonly readCorruptionProbability: number;
}

export const FAULT_KINDS = [
  'writeEioProbability', 'writeEnospcProbability', 'fsyncFailProbability', 'shortWriteProbability', 'readCorruptionProbability',
] as const satisfies readonly (keyof FaultProfile)[];

export const NO_FAULTS: FaultProfile = Object.freeze({
  writeEioProbability: 0, writeEnospcProbability: 0, fsyncFailProbability: 0, shortWriteProbability: 0, readCorruptionProbability: 0,
});

/** A complete profile from a partial one; throws RangeError naming the field on a value outside [0, 1]. */
export function faultProfile(p: Partial<FaultProfile> = {}): FaultProfile {
  const out: Record<string, number> = {};
  for (const k of FAULT_KINDS) {
    const v = p[k] ?? 0;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`FaultProfile.${k} must be a number in [0, 1], got ${String(v)}`);
    out[k] = v;
  }
  for (const k of Object.keys(p)) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new RangeError(`FaultProfile: unknown field ${k}`);
  return Object.freeze(out as unknown as FaultProfile);
}

export interface SwarmOptions {
  /** Chance that each fault kind is on for this seed. Default 0.5. */
  readonly enableProbability?: number;
  /** An enabled kind's probability is uniform in [0, this). Default 0.05. */
  readonly probabilityMax?: number;
}

/** Swarm testing: this seed's profile, drawn from `rng` (use the `faults` stream). Two draws per kind, always. */
export function drawFaultProfile(rng: Rng, opts: SwarmOptions = {}): FaultProfile {
  const on = opts.enableProbability ?? 0.5;
  const max = opts.probabilityMax ?? 0.05;
  if (!(on >= 0 && on <= 1)) throw new RangeError(`drawFaultProfile: enableProbability must be in [0, 1], got ${on}`);
  if (!(max >= 0 && max <= 1)) throw new RangeError(`drawFaultProfile: probabilityMax must be in [0, 1], got ${max}`);
  const p: Partial<Record<keyof FaultProfile, number>> = {};
  for (const k of FAULT_KINDS) {
    const enabled = rng.float() < on;
    const rate = rng.float() * max;
    p[k] = enabled ? rate : 0;
  }
  return faultProfile(p);
}

export type FaultKind = 'write-eio' | 'write-enospc' | 'short-write' | 'fsync-fail' | 'read-corruption';

export interface FaultEvent {
  readonly kind: FaultKind;
  readonly primitive: 'write' | 'pwrite' | 'fsync' | 'read' | 'pread';
  readonly fd: Fd;
  /** current path of the file, undefined if unlinked */
  readonly path: string | undefined;
  /** e.g. `wrote 3 of 10 bytes`, `dropped 2 pending data ops`, `bit 5 of byte 1234` */
  readonly detail: string;
}

export interface FaultyFsOptions {
  readonly onFault?: (event: FaultEvent) => void;
  /** Start enabled? Default true. */
  readonly enabled?: boolean;
  /** Sticky bit flips per file id; beyond, reads of that file get no new ones. Default 8. */
  readonly corruptionsPerFileMax?: number;
}

interface BitFlip {
  readonly offsetBytes: number;
  readonly bit: number;
}

export class FaultyFs implements SyncFs, PositionalFs, TruncatingFs {
  readonly profile: FaultProfile;
  private on: boolean;
  private readonly onFault: ((event: FaultEvent) => void) | undefined;
  private readonly corruptionsPerFileMax: number;
  private readonly flips = new Map<InodeId, BitFlip[]>();
  private injectedCount = 0;

  constructor(readonly vfs: Vfs, profile: Partial<FaultProfile>, private readonly rng: Rng, opts: FaultyFsOptions = {}) {
    this.profile = faultProfile(profile);
    this.on = opts.enabled ?? true;
    this.onFault = opts.onFault;
    this.corruptionsPerFileMax = opts.corruptionsPerFileMax ?? 8;
    if (!Number.isSafeInteger(this.corruptionsPerFileMax) || this.corruptionsPerFileMax < 0) {
      throw new RangeError(`FaultyFsOptions.corruptionsPerFileMax must be an integer ≥ 0, got ${this.corruptionsPerFileMax}`);
    }
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Off = no new faults and no overlay on reads (the liveness phase); on again restores the overlay. */
  setEnabled(on: boolean): void {
    this.on = on;
  }

  /** Faults injected so far. */
  get injected(): number {
    return this.injectedCount;
  }

  stat(path: string): FileStat {
    return this.vfs.stat(path);
  }
  lstat(path: string): FileStat {
    return this.vfs.lstat(path);
  }
  fstat(fd: Fd): FileStat {
    return this.vfs.fstat(fd);
  }
  getdents(fd: Fd): DirEntry[] {
    return this.vfs.getdents(fd);
  }
  mkdir(path: string, mode: number): void {
    this.vfs.mkdir(path, mode);
  }
  unlink(path: string): void {
    this.vfs.unlink(path);
  }
  rmdir(path: string): void {
    this.vfs.rmdir(path);
  }
  rename(from: string, to: string): void {
    this.vfs.rename(from, to);
  }
  close(fd: Fd): void {
    this.vfs.close(fd);
  }

  open(path: string, flags: number, mode?: number): Fd {
    const fd = this.vfs.open(path, flags, mode);
    if ((flags & O_TRUNC) !== 0) {
      const info = this.vfs.fdInfo(fd);
      if (info !== undefined) this.flips.delete(info.id);
    }
    return fd;
  }

  /** No faults of its own; a cut heals the flips it removes (a zero-extension reads fresh zeros). */
  truncate(path: string, lenBytes: number): void {
    this.vfs.truncate(path, lenBytes);
    const id = this.vfs.inodeOf(path);
    if (id !== undefined) this.heal(id, lenBytes, Number.MAX_SAFE_INTEGER);
  }

  ftruncate(fd: Fd, lenBytes: number): void {
    this.vfs.ftruncate(fd, lenBytes);
    const info = this.vfs.fdInfo(fd);
    if (info !== undefined) this.heal(info.id, lenBytes, Number.MAX_SAFE_INTEGER);
  }

  write(fd: Fd, data: Uint8Array): number {
    return this.faultyWrite('write', fd, data, undefined);
  }

  pwrite(fd: Fd, data: Uint8Array, positionBytes: number): number {
    return this.faultyWrite('pwrite', fd, data, positionBytes);
  }

  fsync(fd: Fd): void {
    const info = this.vfs.fdInfo(fd);
    if (this.on && info !== undefined && this.rng.chance(this.profile.fsyncFailProbability)) {
      const dropped = info.type === 'file' ? this.vfs.discardUnsyncedData(fd) : 0;
      this.report({ kind: 'fsync-fail', primitive: 'fsync', fd, path: info.path, detail: info.type === 'file' ? `dropped ${dropped} pending data ops` : 'directory: nothing made durable' });
      throw new FsError('EIO', 'fsync', info.path);
    }
    this.vfs.fsync(fd);
  }

  read(fd: Fd, maxBytes: number): Uint8Array {
    const info = this.vfs.fdInfo(fd);
    const out = this.vfs.read(fd, maxBytes);
    return info === undefined ? out : this.corrupt('read', fd, info.id, info.path, info.positionBytes, out);
  }

  pread(fd: Fd, maxBytes: number, positionBytes: number): Uint8Array {
    const info = this.vfs.fdInfo(fd);
    const out = this.vfs.pread(fd, maxBytes, positionBytes);
    return info === undefined ? out : this.corrupt('pread', fd, info.id, info.path, positionBytes, out);
  }

  private faultyWrite(primitive: 'write' | 'pwrite', fd: Fd, data: Uint8Array, positionBytes: number | undefined): number {
    const info = this.vfs.fdInfo(fd);
    const eligible = this.on && info !== undefined && info.writable && info.type === 'file' && data instanceof Uint8Array && data.length > 0;
    let n = eligible ? data.length : 0;
    if (eligible) {
      if (this.rng.chance(this.profile.writeEioProbability)) {
        this.report({ kind: 'write-eio', primitive, fd, path: info.path, detail: `${n} bytes not written` });
        throw new FsError('EIO', primitive, info.path);
      }
      if (this.rng.chance(this.profile.writeEnospcProbability)) {
        this.report({ kind: 'write-enospc', primitive, fd, path: info.path, detail: `${n} bytes not written` });
        throw new FsError('ENOSPC', primitive, info.path);
      }
      if (n >= 2 && this.rng.chance(this.profile.shortWriteProbability)) {
        n = 1 + this.rng.int(n - 1);
        this.report({ kind: 'short-write', primitive, fd, path: info.path, detail: `wrote ${n} of ${data.length} bytes` });
      }
    }
    const at = info === undefined ? 0 : info.append ? this.vfs.fdSizeBytes(fd) : (positionBytes ?? info.positionBytes);
    const chunk = eligible && n < data.length ? data.subarray(0, n) : data;
    const wrote = positionBytes === undefined ? this.vfs.write(fd, chunk) : this.vfs.pwrite(fd, chunk, positionBytes);
    if (info !== undefined) this.heal(info.id, at, wrote);
    return wrote;
  }

  /** Adds a sticky flip with the configured chance, then applies every flip of the file inside the range. */
  private corrupt(primitive: 'read' | 'pread', fd: Fd, id: InodeId, path: string | undefined, atBytes: number, out: Uint8Array): Uint8Array {
    if (!this.on || out.length === 0) return out;
    let list = this.flips.get(id);
    if ((list?.length ?? 0) < this.corruptionsPerFileMax && this.rng.chance(this.profile.readCorruptionProbability)) {
      const flip = { offsetBytes: atBytes + this.rng.int(out.length), bit: this.rng.int(8) };
      list = [...(list ?? []), flip];
      this.flips.set(id, list);
      this.report({ kind: 'read-corruption', primitive, fd, path, detail: `bit ${flip.bit} of byte ${flip.offsetBytes}` });
    }
    if (list === undefined) return out;
    let copy: Uint8Array | undefined;
    for (const f of list) {
      const i = f.offsetBytes - atBytes;
      if (i < 0 || i >= out.length) continue;
      copy ??= out.slice();
      copy[i] = (copy[i] as number) ^ (1 << f.bit);
    }
    return copy ?? out;
  }

  private heal(id: InodeId, atBytes: number, lenBytes: number): void {
    const list = this.flips.get(id);
    if (list === undefined || lenBytes === 0) return;
    const kept = list.filter((f) => f.offsetBytes < atBytes || f.offsetBytes >= atBytes + lenBytes);
    if (kept.length === 0) this.flips.delete(id);
    else this.flips.set(id, kept);
  }

  private report(e: FaultEvent): void {
    this.injectedCount++;
    this.onFault?.(e);
  }
}
