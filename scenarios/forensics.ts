/**
 * The forensic record of one run: what the executor saw happen to the disk,
 * kept so a violation can be explained by its mechanism (scenarios/findings.ts)
 * instead of by its invariant code alone.
 *
 *  - every fs primitive: incarnation, step, task, the persist write group that
 *    task was in, primitive, path (fds resolved), result or errno, injected fault;
 *  - every power loss: the pending operations, which the chosen image kept and
 *    which it lost, the torn write if any;
 *  - every restart: power loss or process restart, the disk the node started
 *    from, and (process restart) the files whose data was in the page cache only;
 *  - reads that returned corrupted bytes (injected read corruption);
 *  - for every unlink of a block file: the durable AppQC's prune point of its
 *    lane at that moment.
 *
 * It is plain bookkeeping outside the simulated world: recording never changes
 * what the system under test sees or what the trace hashes.
 */
import type { DirEntry, Fd, FileStat } from '../src/env.js';
import { FsError, O_TRUNC } from '../src/env.js';
import type { FsPrimitive, SyncFs } from '../sim/fs-api.js';
import type { TornDetail } from '../sim/vfs/crash.js';
import type { DiskImage, PendingOp } from '../sim/vfs/model.js';
import type { Vfs } from '../sim/vfs/vfs.js';
import type { FsOpInfo } from '../sim/world.js';

export interface FsEvent {
  /** position in the run's record */
  readonly seq: number;
  readonly incarnation: number;
  readonly step: number;
  /** the task's name as the scheduler knows it (e.g. `node/avail/persist`) */
  readonly task: string;
  /** the persist write group the task was running (src/design/loop.ts), if any */
  readonly group: string | undefined;
  readonly primitive: FsPrimitive;
  /** the path, or the path of the fd's file (undefined once unlinked) */
  readonly path: string | undefined;
  /** open: whether it truncated (O_TRUNC) */
  readonly truncating: boolean;
  /** 'ok' or the errno */
  result: string;
  /** the fault injected into this primitive: `<kind>: <detail>` */
  fault: string | undefined;
}

export interface OpRef {
  readonly seq: number;
  readonly kind: 'write' | 'truncate' | 'create' | 'mkdir' | 'unlink' | 'rmdir' | 'rename';
  readonly path: string;
  /** one line, as crash reports print it */
  readonly text: string;
}

export interface CrashEvent {
  /** the incarnation the power loss ended */
  readonly incarnation: number;
  readonly step: number;
  readonly pending: readonly OpRef[];
  readonly kept: readonly OpRef[];
  readonly lost: readonly OpRef[];
  readonly torn: TornDetail | undefined;
}

export interface RestartEvent {
  /** the incarnation that starts */
  readonly incarnation: number;
  readonly kind: 'power-loss' | 'process';
  /** the disk the node starts from (crash image, or the page cache at a process restart) */
  readonly disk: DiskImage;
  /** process restart: files whose bytes (or existence) were not durable when the process died */
  readonly pageCacheOnly: ReadonlySet<string>;
  readonly why: string;
}

export interface BlockUnlink {
  readonly event: FsEvent;
  /** the durable AppQC's road index when the unlink was issued (undefined: none durable) */
  readonly durableAppQC: bigint | undefined;
  /** lr(CommitQC of that AppQC, lane).first: below it the unlink was justified */
  readonly durablePrunePoint: bigint;
}

export function opRef(op: PendingOp, text: string): OpRef {
  switch (op.kind) {
    case 'write':
    case 'truncate':
      return { seq: op.seq, kind: op.kind, path: op.path, text };
    case 'link':
      return { seq: op.seq, kind: op.type === 'dir' ? 'mkdir' : 'create', path: op.path, text };
    case 'unlink':
      return { seq: op.seq, kind: op.type === 'dir' ? 'rmdir' : 'unlink', path: op.path, text };
    case 'rename':
      return { seq: op.seq, kind: 'rename', path: op.toPath, text };
  }
}

export class Forensics {
  readonly fs: FsEvent[] = [];
  readonly crashes: CrashEvent[] = [];
  readonly restarts: RestartEvent[] = [];
  readonly blockUnlinks: BlockUnlink[] = [];
  /** events by path (the rules ask about one file at a time) */
  private readonly byPath = new Map<string, FsEvent[]>();
  /** events that carry an injected fault */
  private readonly faulted: FsEvent[] = [];
  /** task name (last path segment) → the write group it is in */
  private readonly groups = new Map<string, string>();
  /** the primitive being performed (between the world's hook and its return) */
  private current: FsEvent | undefined;

  /** A copy of the record so far (the explorer forks a run at each crash point). */
  snapshot(): Forensics {
    const f = new Forensics();
    f.importFrom(this);
    return f;
  }

  /** Continues the record `from` (a snapshot of the run this one forks). */
  importFrom(from: Forensics): void {
    for (const e of from.fs) this.add(e);
    for (const e of from.faulted) this.faulted.push(e);
    this.crashes.push(...from.crashes);
    this.restarts.push(...from.restarts);
    this.blockUnlinks.push(...from.blockUnlinks);
  }

  private add(e: FsEvent): void {
    this.fs.push(e);
    if (e.path === undefined) return;
    let list = this.byPath.get(e.path);
    if (list === undefined) this.byPath.set(e.path, (list = []));
    list.push(e);
  }

  /** The persist driver's begin/end of a write group (AvailObserver.onWriteGroup). */
  writeGroup(task: string, group: string, phase: 'begin' | 'end'): void {
    if (phase === 'begin') this.groups.set(task, group);
    else this.groups.delete(task);
  }

  /** A new incarnation: no task is inside a write group. */
  newIncarnation(): void {
    this.groups.clear();
    this.current = undefined;
  }

  /** Called from the world's beforeFsOp hook for a primitive that will be performed. */
  begin(incarnation: number, op: FsOpInfo, path: string | undefined, truncating: boolean): FsEvent {
    const task = op.taskName;
    const short = task.slice(task.lastIndexOf('/') + 1);
    const e: FsEvent = { seq: this.fs.length, incarnation, step: op.step, task, group: this.groups.get(short), primitive: op.primitive, path, truncating, result: 'ok', fault: undefined };
    this.add(e);
    this.current = e;
    return e;
  }

  /** A fault layer injected a fault into the primitive being performed. */
  fault(text: string): void {
    const c = this.current;
    if (c === undefined) return;
    if (c.fault === undefined) this.faulted.push(c);
    c.fault = c.fault === undefined ? text : `${c.fault}; ${text}`;
  }

  /** The primitive being performed returned bytes a sticky flip of an earlier fault corrupts (no new fault event). */
  corruptedBySticky(): void {
    const c = this.current;
    if (c === undefined || c.fault !== undefined) return;
    c.fault = 'read-corruption: a sticky bit flip from an earlier fault';
    this.faulted.push(c);
  }

  end(result: string): void {
    if (this.current !== undefined) this.current.result = result;
    this.current = undefined;
  }

  // ---------------------------------------------------------------------------
  // Questions the evidence rules ask

  /** Events on `path`, oldest first. */
  eventsOf(path: string): readonly FsEvent[] {
    return this.byPath.get(path) ?? [];
  }

  /** The number of events recorded in incarnations up to `incarnation` (events before its end). */
  endOf(incarnation: number): number {
    for (let i = this.fs.length - 1; i >= 0; i--) if ((this.fs[i] as FsEvent).incarnation <= incarnation) return i + 1;
    return 0;
  }

  /**
   * The last H1 of `path` (from its truncating open on): whether its fsync
   * returned, failed, or never ran, and every event of it.
   */
  lastWrite(path: string, beforeSeq = Number.MAX_SAFE_INTEGER): { readonly open: FsEvent; readonly events: readonly FsEvent[]; readonly fsync: 'ok' | 'failed' | 'none'; readonly writeFailed: FsEvent | undefined } | undefined {
    const evs = this.eventsOf(path);
    let end = evs.length;
    while (end > 0 && (evs[end - 1] as FsEvent).seq >= beforeSeq) end--;
    let start = -1;
    for (let i = end - 1; i >= 0; i--) {
      const e = evs[i] as FsEvent;
      if (e.primitive === 'open' && e.truncating) {
        start = i;
        break;
      }
    }
    if (start < 0) return undefined;
    const events = evs.slice(start, end);
    let fsync: 'ok' | 'failed' | 'none' = 'none';
    let writeFailed: FsEvent | undefined;
    for (const e of events) {
      if (e.primitive === 'fsync') fsync = e.result === 'ok' ? 'ok' : 'failed';
      if (e.primitive === 'write' && (e.result !== 'ok' || e.fault !== undefined) && writeFailed === undefined) writeFailed = e;
    }
    return { open: events[0] as FsEvent, events, fsync, writeFailed };
  }

  /** Failed fsyncs of `path` (an injected EIO). */
  failedFsyncs(path: string): FsEvent[] {
    return this.eventsOf(path).filter((e) => e.primitive === 'fsync' && e.result !== 'ok');
  }

  /** Reads of `path` in `incarnation` that returned corrupted bytes. */
  corruptedReads(incarnation: number, path?: string): FsEvent[] {
    return this.faulted.filter((e) => e.incarnation === incarnation && e.primitive === 'read' && e.fault?.startsWith('read-corruption') === true && (path === undefined || e.path === path));
  }

  /** The restart that began `incarnation`, if it was one. */
  restartOf(incarnation: number): RestartEvent | undefined {
    return this.restarts.find((r) => r.incarnation === incarnation);
  }

  /** The power loss that ended `incarnation`, if any. */
  crashOf(incarnation: number): CrashEvent | undefined {
    return this.crashes.find((c) => c.incarnation === incarnation);
  }
}

/**
 * A SyncFs wrapper that records each primitive's result or errno into the
 * forensic record (the world performs a primitive right after its beforeFsOp
 * hook, synchronously, so begin and end pair up exactly).
 */
export class RecordingFs implements SyncFs {
  constructor(
    private readonly inner: SyncFs,
    private readonly forensics: Forensics,
    /** whether reads of this fd come back with a sticky bit flip (the scripted fault state) */
    private readonly stickyFlip?: (fd: Fd) => boolean,
  ) {}

  private call<T>(f: () => T): T {
    try {
      const v = f();
      this.forensics.end('ok');
      return v;
    } catch (e) {
      this.forensics.end(e instanceof FsError ? e.code : 'exception');
      throw e;
    }
  }

  stat(path: string): FileStat { return this.call(() => this.inner.stat(path)); }
  lstat(path: string): FileStat { return this.call(() => this.inner.lstat(path)); }
  open(path: string, flags: number, mode?: number): Fd { return this.call(() => this.inner.open(path, flags, mode)); }
  fstat(fd: Fd): FileStat { return this.call(() => this.inner.fstat(fd)); }
  read(fd: Fd, maxBytes: number): Uint8Array {
    return this.call(() => {
      const out = this.inner.read(fd, maxBytes);
      if (out.length > 0 && this.stickyFlip?.(fd) === true) this.forensics.corruptedBySticky();
      return out;
    });
  }
  write(fd: Fd, data: Uint8Array): number { return this.call(() => this.inner.write(fd, data)); }
  fsync(fd: Fd): void { this.call(() => this.inner.fsync(fd)); }
  close(fd: Fd): void { this.call(() => this.inner.close(fd)); }
  getdents(fd: Fd): DirEntry[] { return this.call(() => this.inner.getdents(fd)); }
  mkdir(path: string, mode: number): void { this.call(() => this.inner.mkdir(path, mode)); }
  unlink(path: string): void { this.call(() => this.inner.unlink(path)); }
  rmdir(path: string): void { this.call(() => this.inner.rmdir(path)); }
  rename(from: string, to: string): void { this.call(() => this.inner.rename(from, to)); }
}

/** The path an fs primitive works on (fd primitives resolved through the VFS). */
export function pathOf(vfs: Vfs, op: FsOpInfo): string | undefined {
  const a = op.args[0];
  if (typeof a === 'string') return a;
  if (typeof a === 'number') return vfs.fdInfo(a)?.path;
  return undefined;
}

/** Whether an open's flags truncate. */
export function truncates(op: FsOpInfo): boolean {
  return op.primitive === 'open' && typeof op.args[1] === 'number' && (op.args[1] & O_TRUNC) !== 0;
}

/** Files whose page-cache bytes differ from (or are missing in) the durable image. */
export function pageCacheOnlyFiles(volatile: DiskImage, durable: DiskImage): Set<string> {
  const out = new Set<string>();
  for (const [p, b] of volatile.files) {
    const d = durable.files.get(p);
    if (d === undefined || d.length !== b.length || !Buffer.from(d.buffer, d.byteOffset, d.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) out.add(p);
  }
  return out;
}
