/**
 * A crash-faithful virtual file system: `Vfs` implements `SyncFs` over a private
 * memfs `Volume` (what reads see now) and keeps, beside it, what would survive a
 * crash.
 *
 * State (ids, fds and sequence numbers are the VFS's own, small and
 * deterministic; memfs fds and inode numbers never leave this file):
 *  - volatile: memfs holds the bytes; the VFS holds the namespace (directory
 *    tables of inode ids), modes and open fds, and checks every call the way
 *    Linux does before memfs sees it (memfs accepts much that Linux refuses);
 *  - durable: an immutable inode table (dir id → entries, file id → bytes);
 *  - pending log: every mutation in issue order, as data ops (write; truncate —
 *    `truncate(2)`, `ftruncate(2)` and O_TRUNC — owned by the file) and entry ops (create/mkdir = link,
 *    unlink/rmdir = unlink, rename; owned by the parent directory or, for a
 *    rename, both). See model.ts for how one op applies.
 *
 * Durability rules (what an fsync makes durable, what a crash may keep).
 * Four personalities, from the most forgiving disk to the least: `ordered`,
 * `ext4`, `ext4-weak`, `strict-posix` (roughly: each allows the crash states of
 * the one before and more; `ext4` also allows a few that `ext4-weak`'s
 * path-persisting fsync rules out, e.g. an fsync of a clean file under a
 * directory renamed since).
 *  1. `close` makes nothing durable. `syncAll()` (harness-level, like sync(2))
 *     makes everything durable.
 *  2. A crash keeps all durable state plus some of the pending ops, applied in
 *     issue order; which subsets are possible depends on the personality
 *     (rules 3–9, E1–E6). Never anything that was not written; torn writes
 *     (crash.ts) are a separate, explicit knob.
 *  3. `ordered` (the most forgiving disk): nothing is reordered; a crash keeps a
 *     prefix of the pending log. Hence any fsync (file or dir) makes the whole
 *     log durable.
 *  4. `ext4-weak` (weaker than any real ext4; it finds bugs that need a weaker
 *     journal than ext4's — formerly called `ext4-weak`), fsync(file F): F's
 *     pending data ops become durable, and so do the pending entry ops that make
 *     F reachable at its current path (the op that bound each component of the
 *     path — its own create/rename and any still-pending mkdir/rename of an
 *     ancestor).
 *  5. `ext4-weak`, fsync(dir D): every pending entry op that changes D
 *     becomes durable, plus the ops that make D reachable (as in rule 4).
 *  6. `ext4-weak` journal order: entry ops persist as a prefix in issue order,
 *     so making an entry op durable also makes every earlier entry op durable
 *     (even in other directories), but only up to the latest op needed (real
 *     ext4 commits the whole running transaction, rule E4). Truncates are data
 *     ops here (real ext4 journals them, E1). Crash: a prefix of the pending
 *     entry ops × any subset of the pending data ops (writeback order is free).
 *  7. `strict-posix` (ALICE's abstract persistence model), fsync(file F): only
 *     F's data ops become durable; F's name is not.
 *  8. `strict-posix`, fsync(dir D): each pending entry op that changes D is
 *     marked synced for D; it is durable once every directory it changes is
 *     synced (create/mkdir/unlink/rmdir: the parent; rename: both parents).
 *  9. `strict-posix` crash: any subset of the pending ops (2^k images).
 * 10. fsync of a directory fd is allowed; fsync(file) never persists other files'
 *     data writes in any personality except `ordered` (and, on `ext4`, writes
 *     auto_da_alloc already flushed, E5).
 * 11. A failed fsync (injected by faults.ts) drops the file's pending data ops
 *     (on `ext4` its writes; its truncates are journal metadata and stay): they
 *     can never become durable (Linux marks the pages clean), reads still see them.
 * 12. An unreachable inode's data is irrelevant: images show only what is
 *     reachable from the root.
 * 13. `truncate(path, len)` / `ftruncate(fd, len)` (and O_TRUNC = length 0) log
 *     one truncate op of the file: it cuts the file or zero-extends it. In
 *     `ordered`, `ext4-weak` and `strict-posix` it is one of the file's data ops
 *     (fsync of the file makes it durable with the file's writes; ordered keeps
 *     it in the prefix); in `ext4` it is journaled metadata (E1). A truncate that
 *     cannot change any image (volatile and durable size already `len`, nothing
 *     pending for the file) is not logged.
 *
 * `ext4` — jbd2 journal, data=ordered, delayed allocation (the default ext4
 * mount). Sources: the kernel's fs/ext4 (fsync.c ext4_sync_file; inode.c
 * ext4_truncate and ext4_release_file's auto_da_alloc flush, ext4_writepages;
 * namei.c ext4_rename's ext4_alloc_da_blocks), fs/jbd2 (one running
 * transaction, committed in order; data=ordered waits for the data of blocks
 * a transaction allocates), Documentation/filesystems/ext4.rst (auto_da_alloc),
 * ALICE (Pillai et al., OSDI '14, Table 1, ext4 data=ordered: directory
 * operations atomic and ordered, append → rename ordered thanks to
 * auto_da_alloc, overwrite/append → other ops not ordered) and CrashMonkey
 * (Mohan et al., OSDI '18: fsync persists what a journal commit persists).
 * E1. Metadata ops — create, mkdir, unlink, rmdir, rename, truncate
 *     (truncate(2), ftruncate(2), O_TRUNC) — are journaled in issue order; a
 *     crash keeps a prefix of the pending ones (a periodic commit may persist
 *     any prefix at any time).
 * E2. Writes sit in the page cache and are written back at any time, each file
 *     on its own; writes of one file that touch a common 4 KiB page reach disk
 *     in issue order (writeback writes the page as it is then). A write is
 *     atomic here; tears are the torn knob.
 * E3. Delayed allocation: a write that needs new blocks — it reaches past the
 *     file's committed size, or follows an uncommitted create or truncate of
 *     the file — is visible after a crash only if the journal transaction that
 *     allocates its blocks committed, and that transaction commits after every
 *     metadata op issued before the write. So a file's size grows on disk only
 *     with its written-back data (no zero-filled tails), and such a write
 *     implies the journal prefix up to it. An overwrite inside committed blocks
 *     needs no commit: it may reach disk before earlier metadata ops.
 * E4. fsync(F), file or directory, when F has an uncommitted change (a pending
 *     op on F, on F's name, or — a directory — on an entry in it): commits the
 *     running transaction — every metadata op issued before it — plus every
 *     write of F and every write E5 flushed. fsync of a clean F does nothing.
 * E5. auto_da_alloc: a rename over an existing file flushes the source file's
 *     pending writes before the rename is journaled (on disk whenever the
 *     rename is); a truncate to 0 (O_TRUNC too) marks the file, and the next
 *     close of one of its fds flushes its pending writes (on disk whenever a
 *     metadata op issued after that close is). The window remains: a crash may
 *     keep the truncate and lose the writes (the empty file), as on real ext4.
 * E6. A crash image: a journal prefix (E1) × for each file a set of its
 *     pending writes closed under E2's page order, allowed by E3, including
 *     every write E5 flushed before a kept metadata op.
 * Not modelled (each would change which images exist): transaction boundaries
 * (an fsync assumes F's last change is in the running transaction; a commit
 * boundary between the two would commit less), fdatasync's lighter commit (it
 * is fsync here), an i_disksize update lagging a written-back append (a
 * visible write is visible whole; the torn knob cuts it), data=journal and
 * data=writeback, nodelalloc, fast_commit, async journal commit, hard links,
 * fallocate/punch hole, and the orphan list of unlinked open files.
 *
 * Costs: each op appends one log entry; an fsync scans the log once (O(pending));
 * a volatile directory table is copied on its first change after a snapshot or
 * an image shared it (O(entries in that directory)), changed in place after that;
 * `snapshot()` copies the outer maps (O(files)) and shares every buffer and
 * table; a fork or an image builds its memfs volume only on its first data
 * change (write, truncate): until then metadata ops change the tables alone and
 * reads are served from the immutable content copies.
 */
import { Volume } from 'memfs';
import {
  FsError, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY,
} from '../../src/env.js';
import type { DirEntry, Errno, Fd, FileStat } from '../../src/env.js';
import type { SyncFs } from '../fs-api.js';
import {
  applyOp, checkPersonality, describeOp, EMPTY_BYTES, EMPTY_TABLE, imageOf, isDataOp, joinPath, opDirs, opSlots, patchBytes, slotKey,
  stateHash, tablesFromImage,
} from './model.js';
import type {
  ApplyTarget, DirEntryRef, DirTable, DiskImage, DurableState, InodeId, LogEntry, NodeType, PendingOp, Personality,
} from './model.js';

// ---------------------------------------------------------------------------
// Options

export interface VfsOptions {
  /** Durability model (module doc, rules 3–9). */
  readonly personality: Personality;
  /** Open fds at once; `open` beyond fails with EMFILE. Default 1024. */
  readonly openFilesMax?: number;
  /** Entries in the pending log; beyond, the VFS throws VfsLimitError (a harness limit, not an errno). Default 100 000. */
  readonly pendingOpsMax?: number;
  /** Size of one file; a write beyond fails with ENOSPC. Default 64 MiB. */
  readonly fileBytesMax?: number;
}

export interface ResolvedVfsOptions {
  readonly personality: Personality;
  readonly openFilesMax: number;
  readonly pendingOpsMax: number;
  readonly fileBytesMax: number;
}


function resolveOptions(o: VfsOptions): ResolvedVfsOptions {
  checkPersonality(o.personality, 'VfsOptions.personality');
  const positive = (name: string, v: number | undefined, dflt: number): number => {
    const x = v ?? dflt;
    if (!Number.isSafeInteger(x) || x < 1) throw new RangeError(`VfsOptions.${name}: must be a positive integer, got ${x}`);
    return x;
  };
  return {
    personality: o.personality,
    openFilesMax: positive('openFilesMax', o.openFilesMax, 1024),
    pendingOpsMax: positive('pendingOpsMax', o.pendingOpsMax, 100_000),
    fileBytesMax: positive('fileBytesMax', o.fileBytesMax, 64 * 1024 * 1024),
  };
}

/** A harness limit was hit (not something Linux would report): the run is misconfigured or runaway. */
export class VfsLimitError extends Error {
  override readonly name = 'VfsLimitError';
}

// ---------------------------------------------------------------------------
// Public shapes

/** Positional I/O (pread/pwrite): not in SyncFs, used by the fs/promises facade. */
export interface PositionalFs {
  pread(fd: Fd, maxBytes: number, positionBytes: number): Uint8Array;
  pwrite(fd: Fd, data: Uint8Array, positionBytes: number): number;
}

/**
 * truncate(2) / ftruncate(2): not in SyncFs (the system under test does not use
 * them), used by the fs/promises facade. Linux errnos: EINVAL for a negative
 * length, a directory fd or an fd not open for writing; EISDIR for a directory
 * path; ENOSPC beyond `fileBytesMax`. Neither moves the fd's offset.
 */
export interface TruncatingFs {
  truncate(path: string, lenBytes: number): void;
  ftruncate(fd: Fd, lenBytes: number): void;
}

/** What the VFS knows about an open fd (for fault injection and traces). */
export interface FdInfo {
  readonly fd: Fd;
  readonly id: InodeId;
  readonly type: NodeType;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  readonly positionBytes: number;
  /** current path, or undefined once unlinked */
  readonly path: string | undefined;
}

/** Everything crash images are built from. Shared structures: treat as read-only. */
export interface CrashSource {
  readonly personality: Personality;
  readonly durable: DurableState;
  readonly log: readonly LogEntry[];
}

interface InodeMeta {
  readonly type: NodeType;
  readonly modeBits: number;
}

interface ParentRef {
  readonly parentId: InodeId;
  readonly name: string;
}

interface FdState {
  readonly id: InodeId;
  readonly type: NodeType;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  positionBytes: number;
}

/** An immutable capture of a whole VFS; `Vfs.fromSnapshot` forks it, `crash.ts` builds images from it. */
export interface VfsSnapshot extends CrashSource {
  readonly options: ResolvedVfsOptions;
  readonly nextId: InodeId;
  readonly nextSeq: number;
  readonly volatile: {
    readonly dirs: ReadonlyMap<InodeId, DirTable>;
    readonly parents: ReadonlyMap<InodeId, ParentRef>;
    readonly inodes: ReadonlyMap<InodeId, InodeMeta>;
    readonly contents: ReadonlyMap<InodeId, Uint8Array>;
  };
  readonly fds: ReadonlyMap<Fd, Readonly<FdState>>;
  /** ext4 E5: files whose next close flushes their writes */
  readonly daAllocClose: ReadonlySet<InodeId>;
}

// ---------------------------------------------------------------------------

const ROOT_ID: InodeId = 1;
const FIRST_FD = 3;
const DIR_SIZE_BYTES = 4096; // what ext4 reports for a small directory
const PATH_DEPTH_MAX = 4096;
const MEM_ROOT = '/root';
const MEM_ORPHANS = '/orphans';
const O_ACCMODE = 0o3;
/**
 * The process memfs sees (its documented `process` option): the same ids as
 * this process, asked once. memfs otherwise calls process.getuid() and
 * getgid() on every path walk — a system call each, ~30 % of the VFS's CPU on
 * the bench's fs trace (measured). Ownership never leaves this file (the
 * VFS's memfs tree is 0777/0666; Linux checks are the VFS's own).
 */
const MEMFS_UID = process.getuid?.() ?? 0; // nondeterminism-ok: memfs's own bookkeeping, never observable
const MEMFS_GID = process.getgid?.() ?? 0; // nondeterminism-ok: as above
const MEMFS_PROCESS = {
  cwd: (): string => '/',
  platform: 'linux',
  getuid: (): number => MEMFS_UID,
  getgid: (): number => MEMFS_GID,
  emitWarning: (message: string, type: string): void => process.emitWarning(message, type),
  env: {},
};
/** Files up to this size keep an up-to-date immutable copy on every write (reads and snapshots skip memfs). */
const CACHE_PATCH_BYTES_MAX = 64 * 1024;

/** A mutable state whose tables and buffers are immutable (replaced on change). */
class TableState implements ApplyTarget, DurableState {
  /** bumped on every change: what `durableImage()` memoizes on */
  version = 0;
  constructor(
    readonly rootId: InodeId,
    readonly dirs: Map<InodeId, DirTable>,
    readonly files: Map<InodeId, Uint8Array>,
  ) {}
  getDir(id: InodeId): DirTable | undefined {
    return this.dirs.get(id);
  }
  setDir(id: InodeId, table: DirTable): void {
    this.version++;
    this.dirs.set(id, table);
  }
  getFile(id: InodeId): Uint8Array | undefined {
    return this.files.get(id);
  }
  setFile(id: InodeId, bytes: Uint8Array): void {
    this.version++;
    this.files.set(id, bytes);
  }
  copy(): TableState {
    return new TableState(this.rootId, new Map(this.dirs), new Map(this.files));
  }
}

interface Lookup {
  /** normalised path, for messages and op descriptions */
  readonly path: string;
  /** the directory slot the final component names; undefined for "/" and a final "." or ".." */
  readonly slot: ParentRef | undefined;
  readonly finalDot: '.' | '..' | undefined;
  readonly entry: DirEntryRef | undefined;
  readonly trailingSlash: boolean;
}

interface MemState {
  readonly vol: Volume;
  /**
   * one memfs fd per file inode open for writing, shared by the VFS's writable
   * fds on it. Read-only fds hold none: a file's content is in memfs only while
   * it is dirty, and it is dirty only while a writable fd holds it open (the
   * last close copies it back), so reads are served from the immutable copy.
   */
  readonly memFds: Map<InodeId, { memFd: number; refs: number }>;
}

function fail(code: Errno, syscall: string, path?: string, detail?: string): never {
  throw new FsError(code, syscall, path, detail);
}

export class Vfs implements SyncFs, PositionalFs, TruncatingFs {
  readonly personality: Personality;
  readonly options: ResolvedVfsOptions;
  private nextId: InodeId;
  private nextSeq: number;
  private readonly durable: TableState;
  private log: LogEntry[];
  private readonly vDirs: Map<InodeId, DirTable>;
  private readonly vParent: Map<InodeId, ParentRef>;
  private readonly inodes: Map<InodeId, InodeMeta>;
  /** Immutable copies of file contents; valid for every live file not in `dirty`. */
  private readonly vContent: Map<InodeId, Uint8Array>;
  private readonly dirty = new Set<InodeId>();
  /** pending data ops per file (derived from the log; lets fsync skip the scan) */
  private readonly pendingData = new Map<InodeId, number>();
  private readonly fds: Map<Fd, FdState>;
  /** ext4 E5: files truncated to 0 whose writes the next close flushes */
  private readonly daAllocClose: Set<InodeId>;
  private mem: MemState | undefined;
  private durableImageMemo: { readonly version: number; readonly image: DiskImage } | undefined;
  /**
   * Volatile directory tables this VFS made and nobody else holds (not in a
   * snapshot, an image or a memo): changed in place instead of copied. Tables
   * are otherwise immutable: snapshots, images and the hash memos share them.
   */
  private readonly ownedTables = new Set<DirTable>();

  private constructor(options: ResolvedVfsOptions, s: {
    nextId: InodeId; nextSeq: number; durable: TableState; log: LogEntry[];
    vDirs: Map<InodeId, DirTable>; vParent: Map<InodeId, ParentRef>; inodes: Map<InodeId, InodeMeta>;
    vContent: Map<InodeId, Uint8Array>; fds: Map<Fd, FdState>; daAllocClose?: ReadonlySet<InodeId>;
  }) {
    this.options = options;
    this.personality = options.personality;
    this.nextId = s.nextId;
    this.nextSeq = s.nextSeq;
    this.durable = s.durable;
    this.log = s.log;
    this.vDirs = s.vDirs;
    this.vParent = s.vParent;
    this.inodes = s.inodes;
    this.vContent = s.vContent;
    this.fds = s.fds;
    this.daAllocClose = new Set(s.daAllocClose ?? []);
    for (const e of this.log) if (isDataOp(e.op)) this.pendingData.set(e.op.id, (this.pendingData.get(e.op.id) ?? 0) + 1);
  }

  /** An empty file system: just "/" (durable). */
  static create(opts: VfsOptions): Vfs {
    return Vfs.fromImage({ dirs: ['/'], files: new Map() }, opts);
  }

  /**
   * A VFS whose durable and volatile states both equal `image` (empty log, no
   * open fds): the disk after a crash, for recovery to run on. Its memfs volume
   * is built on the first data change (a recovery that only reads never needs
   * it: clean contents are read from the immutable copies).
   */
  static fromImage(image: DiskImage, opts: VfsOptions): Vfs {
    const options = resolveOptions(opts);
    let t;
    try {
      t = tablesFromImage(image, ROOT_ID);
    } catch (e) {
      throw e instanceof RangeError ? new RangeError(`fromImage: ${e.message}`) : e;
    }
    const parents = new Map<InodeId, ParentRef>();
    const inodes = new Map<InodeId, InodeMeta>([[ROOT_ID, { type: 'dir', modeBits: 0o755 }]]);
    for (const n of t.nodes) {
      parents.set(n.id, { parentId: n.parentId, name: n.name });
      inodes.set(n.id, { type: n.type, modeBits: n.type === 'dir' ? 0o700 : 0o600 }); // images carry no modes
    }
    const vfs = new Vfs(options, {
      nextId: t.nextId, nextSeq: 1, durable: new TableState(ROOT_ID, t.dirs, t.files), log: [],
      vDirs: new Map(t.dirs), vParent: parents, inodes, vContent: new Map(t.files), fds: new Map(),
    });
    return vfs;
  }

  /** A live VFS continuing independently from `s` (memfs is rebuilt when first needed). */
  static fromSnapshot(s: VfsSnapshot): Vfs {
    const fds = new Map<Fd, FdState>();
    for (const [fd, f] of s.fds) fds.set(fd, { ...f });
    return new Vfs(s.options, {
      nextId: s.nextId, nextSeq: s.nextSeq,
      durable: new TableState(s.durable.rootId, new Map(s.durable.dirs), new Map(s.durable.files)),
      log: s.log.slice(),
      vDirs: new Map(s.volatile.dirs), vParent: new Map(s.volatile.parents), inodes: new Map(s.volatile.inodes),
      vContent: new Map(s.volatile.contents), fds, daAllocClose: s.daAllocClose,
    });
  }

  // -------------------------------------------------------------------------
  // SyncFs

  stat(path: string): FileStat {
    const lk = this.lookup(path, 'stat');
    if (lk.entry === undefined) fail('ENOENT', 'stat', lk.path);
    if (lk.trailingSlash && lk.entry.type === 'file') fail('ENOTDIR', 'stat', lk.path);
    return this.statOf(lk.entry.id);
  }

  /** Same as stat: the VFS has no symbolic links. */
  lstat(path: string): FileStat {
    const lk = this.lookup(path, 'lstat');
    if (lk.entry === undefined) fail('ENOENT', 'lstat', lk.path);
    if (lk.trailingSlash && lk.entry.type === 'file') fail('ENOTDIR', 'lstat', lk.path);
    return this.statOf(lk.entry.id);
  }

  open(path: string, flags: number, mode = 0o666): Fd {
    if (!Number.isSafeInteger(flags) || flags < 0) fail('EINVAL', 'open', String(path), `invalid flags ${flags}`);
    const acc = flags & O_ACCMODE;
    if (acc !== O_RDONLY && acc !== O_WRONLY && acc !== O_RDWR) fail('EINVAL', 'open', String(path), `invalid access mode ${acc}`);
    if (this.fds.size >= this.options.openFilesMax) fail('EMFILE', 'open', String(path));
    const lk = this.lookup(path, 'open');
    // Linux refuses O_CREAT with a trailing slash before it looks at the last component.
    if ((flags & O_CREAT) !== 0 && lk.trailingSlash) fail('EISDIR', 'open', lk.path);
    let entry = lk.entry;
    if (entry !== undefined) {
      if ((flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0) fail('EEXIST', 'open', lk.path);
      if (entry.type === 'dir') {
        if (acc !== O_RDONLY || (flags & (O_CREAT | O_TRUNC)) !== 0) fail('EISDIR', 'open', lk.path);
      } else if (lk.trailingSlash || (flags & O_DIRECTORY) !== 0) {
        fail('ENOTDIR', 'open', lk.path);
      }
    } else {
      if ((flags & O_CREAT) === 0) fail('ENOENT', 'open', lk.path);
      const slot = lk.slot as ParentRef; // only "/", "." and ".." lack a slot, and they always exist
      entry = { id: this.createNode(slot, 'file', mode, lk.path), type: 'file' };
    }
    const fd = this.lowestFreeFd();
    const state: FdState = {
      id: entry.id, type: entry.type, positionBytes: 0,
      readable: acc !== O_WRONLY, writable: acc !== O_RDONLY, append: (flags & O_APPEND) !== 0,
    };
    this.fds.set(fd, state);
    if (entry.type === 'file') {
      if (state.writable) this.acquireMemFd(entry.id);
      if ((flags & O_TRUNC) !== 0 && lk.entry !== undefined) this.resizeFile(entry.id, 0, lk.path, 'open');
    }
    return fd;
  }

  fstat(fd: Fd): FileStat {
    return this.statOf(this.fdState(fd, 'fstat').id);
  }

  /** truncate(2): cut or zero-extend the file at `path` to `lenBytes` (rule 13). */
  truncate(path: string, lenBytes: number): void {
    // Linux checks the length before it resolves the path.
    if (!Number.isSafeInteger(lenBytes) || lenBytes < 0) fail('EINVAL', 'truncate', String(path), `invalid length ${lenBytes}`);
    const lk = this.lookup(path, 'truncate');
    if (lk.entry === undefined) fail('ENOENT', 'truncate', lk.path);
    if (lk.entry.type === 'dir') fail('EISDIR', 'truncate', lk.path);
    if (lk.trailingSlash) fail('ENOTDIR', 'truncate', lk.path);
    this.resizeFile(lk.entry.id, lenBytes, lk.path, 'truncate');
  }

  /** ftruncate(2): cut or zero-extend the open file to `lenBytes` (rule 13); the offset stays. */
  ftruncate(fd: Fd, lenBytes: number): void {
    const f = this.fdState(fd, 'ftruncate');
    if (!Number.isSafeInteger(lenBytes) || lenBytes < 0) fail('EINVAL', 'ftruncate', undefined, `invalid length ${lenBytes}`);
    // Linux: EINVAL (not EBADF) for a directory or an fd not open for writing.
    if (f.type === 'dir' || !f.writable) fail('EINVAL', 'ftruncate');
    this.resizeFile(f.id, lenBytes, this.currentPath(f.id) ?? `<unlinked inode ${f.id}>`, 'ftruncate');
  }

  read(fd: Fd, maxBytes: number): Uint8Array {
    const f = this.readableFd(fd, 'read', maxBytes);
    const out = this.readAt(f.id, maxBytes, f.positionBytes);
    f.positionBytes += out.length;
    return out;
  }

  pread(fd: Fd, maxBytes: number, positionBytes: number): Uint8Array {
    const f = this.readableFd(fd, 'pread', maxBytes);
    if (!Number.isSafeInteger(positionBytes) || positionBytes < 0) fail('EINVAL', 'pread', undefined, `invalid position ${positionBytes}`);
    return this.readAt(f.id, maxBytes, positionBytes);
  }

  write(fd: Fd, data: Uint8Array): number {
    const f = this.writableFd(fd, 'write', data);
    const at = f.append ? this.sizeOf(f.id) : f.positionBytes;
    const n = this.writeAt(f.id, data, at, 'write');
    f.positionBytes = at + n;
    return n;
  }

  /** Linux quirk kept: on an O_APPEND fd, pwrite appends. */
  pwrite(fd: Fd, data: Uint8Array, positionBytes: number): number {
    const f = this.writableFd(fd, 'pwrite', data);
    if (!Number.isSafeInteger(positionBytes) || positionBytes < 0) fail('EINVAL', 'pwrite', undefined, `invalid position ${positionBytes}`);
    return this.writeAt(f.id, data, f.append ? this.sizeOf(f.id) : positionBytes, 'pwrite');
  }

  fsync(fd: Fd): void {
    const f = this.fdState(fd, 'fsync');
    if (this.personality === 'ordered') {
      this.syncAll(); // rule 3
      return;
    }
    if (this.personality === 'ext4') {
      this.ext4Commit(f.id); // E4
      return;
    }
    if (f.type === 'file') this.promoteData(f.id); // rules 4 and 7
    if (this.personality === 'ext4-weak') {
      let upTo = this.bindingSeq(f.id); // rule 4
      if (f.type === 'dir') {
        for (const e of this.log) if (!isDataOp(e.op) && opDirs(e.op).includes(f.id)) upTo = Math.max(upTo, e.op.seq); // rule 5
      }
      if (upTo > 0) this.promoteEntryPrefix(upTo); // rule 6
    } else if (f.type === 'dir') {
      this.markDirSynced(f.id); // rule 8
    }
  }

  close(fd: Fd): void {
    const f = this.fdState(fd, 'close');
    if (this.daAllocClose.delete(f.id)) this.ext4Flush(f.id, this.nextSeq); // E5, replace-by-truncate
    this.fds.delete(fd);
    if (f.type === 'file' && f.writable) this.releaseMemFd(f.id);
    this.forgetIfGone(f.id);
  }

  getdents(fd: Fd): DirEntry[] {
    const f = this.fdState(fd, 'getdents');
    if (f.type !== 'dir') fail('ENOTDIR', 'getdents');
    const out: DirEntry[] = [];
    for (const [name, e] of this.vDirs.get(f.id) ?? EMPTY_TABLE) out.push({ name, isDirectory: e.type === 'dir' });
    return out;
  }

  mkdir(path: string, mode: number): void {
    const lk = this.lookup(path, 'mkdir');
    if (lk.entry !== undefined || lk.slot === undefined) fail('EEXIST', 'mkdir', lk.path);
    this.createNode(lk.slot, 'dir', mode, lk.path);
  }

  unlink(path: string): void {
    const lk = this.lookup(path, 'unlink');
    if (lk.entry === undefined) fail('ENOENT', 'unlink', lk.path);
    if (lk.entry.type === 'dir' || lk.slot === undefined) fail('EISDIR', 'unlink', lk.path);
    if (lk.trailingSlash) fail('ENOTDIR', 'unlink', lk.path);
    this.removeNode(lk.slot, lk.entry, lk.path);
  }

  rmdir(path: string): void {
    const lk = this.lookup(path, 'rmdir');
    if (lk.entry === undefined) fail('ENOENT', 'rmdir', lk.path);
    if (lk.entry.type !== 'dir') fail('ENOTDIR', 'rmdir', lk.path);
    if (lk.finalDot === '..') fail('ENOTEMPTY', 'rmdir', lk.path);
    if (lk.slot === undefined) fail('EINVAL', 'rmdir', lk.path, lk.finalDot === '.' ? undefined : 'device or resource busy');
    if ((this.vDirs.get(lk.entry.id) ?? EMPTY_TABLE).size > 0) fail('ENOTEMPTY', 'rmdir', lk.path);
    this.removeNode(lk.slot, lk.entry, lk.path);
  }

  rename(from: string, to: string): void {
    const src = this.lookup(from, 'rename');
    const dst = this.lookup(to, 'rename');
    // Linux says EBUSY for "/", "." and ".."; Errno has no EBUSY.
    if (src.slot === undefined || dst.slot === undefined) fail('EINVAL', 'rename', src.path, 'device or resource busy');
    if (src.entry === undefined) fail('ENOENT', 'rename', src.path);
    const moving = src.entry;
    if (moving.type === 'dir' && this.isAncestorOrSelf(moving.id, dst.slot.parentId)) fail('EINVAL', 'rename', src.path);
    if (moving.type === 'file' && (src.trailingSlash || dst.trailingSlash)) fail('ENOTDIR', 'rename', src.path);
    const target = dst.entry;
    if (target !== undefined && target.type === 'dir' && this.isAncestorOrSelf(target.id, src.slot.parentId)) fail('ENOTEMPTY', 'rename', dst.path);
    if (target?.id === moving.id) return; // same inode: Linux does nothing
    if (target !== undefined) {
      if (moving.type === 'dir' && target.type === 'file') fail('ENOTDIR', 'rename', dst.path);
      if (moving.type === 'file' && target.type === 'dir') fail('EISDIR', 'rename', dst.path);
      if (target.type === 'dir' && (this.vDirs.get(target.id) ?? EMPTY_TABLE).size > 0) fail('ENOTEMPTY', 'rename', dst.path);
    }
    this.checkLogRoom();
    // E5, replace-by-rename: the source's writes are flushed before the rename is journaled.
    if (this.personality === 'ext4' && target !== undefined && moving.type === 'file') this.ext4Flush(moving.id, this.nextSeq);
    // memfs not built yet: it will be built from the tables as they are then
    this.mem?.vol.renameSync(this.memPath(moving.id), this.memPathOfSlot(dst.slot));
    this.setVolatileEntry(src.slot, undefined);
    this.setVolatileEntry(dst.slot, moving);
    this.vParent.set(moving.id, dst.slot);
    if (target !== undefined) this.detach(target);
    this.append({
      kind: 'rename', seq: this.nextSeq++, id: moving.id, type: moving.type,
      fromParentId: src.slot.parentId, fromName: src.slot.name, toParentId: dst.slot.parentId, toName: dst.slot.name,
      fromPath: src.path, toPath: dst.path,
    });
  }

  // -------------------------------------------------------------------------
  // Harness API

  /** Makes everything durable (sync(2) for the whole VFS). */
  syncAll(): void {
    for (const e of this.log) applyOp(this.durable, e.op);
    this.log = [];
    this.pendingData.clear();
  }

  /**
   * What survives any crash now. The same object until the durable state
   * changes (the oracles read it at every check; readers memoize on it), so
   * callers must not mutate it.
   */
  durableImage(): DiskImage {
    const m = this.durableImageMemo;
    if (m !== undefined && m.version === this.durable.version) return m.image;
    const image = imageOf(this.durable);
    this.durableImageMemo = { version: this.durable.version, image };
    return image;
  }

  /** What reads see now (reachable tree). */
  volatileImage(): DiskImage {
    this.refreshContents();
    this.ownedTables.clear(); // imageOf memoizes on tables: they are shared from now on
    return imageOf({ rootId: ROOT_ID, getDir: (id) => this.vDirs.get(id), getFile: (id) => this.vContent.get(id) });
  }

  /** The seq the next logged op will get (ops logged by a primitive: from this value before it to this value after). */
  get nextOpSeq(): number {
    return this.nextSeq;
  }

  /** The pending log (copy; entries are immutable). */
  pendingLog(): readonly LogEntry[] {
    return this.log.slice();
  }

  /** One line per pending op, in issue order (`#7 write /d/x @0 +120B`). */
  describePending(): string[] {
    return this.log.map((e) => describeOp(e.op) + (e.durable ? ' (durable)' : ''));
  }

  /** The inputs of crash.ts, detached from later changes to this VFS. */
  crashSource(): CrashSource {
    return { personality: this.personality, durable: this.durable.copy(), log: this.log.slice() };
  }

  /** An immutable capture of the whole VFS (shares buffers and tables; O(files) map copies). */
  snapshot(): VfsSnapshot {
    this.refreshContents();
    this.ownedTables.clear(); // the snapshot shares every table from now on
    const fds = new Map<Fd, Readonly<FdState>>();
    for (const [fd, f] of this.fds) fds.set(fd, Object.freeze({ ...f }));
    return Object.freeze({
      personality: this.personality,
      options: this.options,
      nextId: this.nextId,
      nextSeq: this.nextSeq,
      durable: this.durable.copy(),
      log: this.log.slice(),
      volatile: Object.freeze({
        dirs: new Map(this.vDirs), parents: new Map(this.vParent), inodes: new Map(this.inodes),
        contents: new Map(this.vContent),
      }),
      fds,
      daAllocClose: new Set(this.daAllocClose),
    });
  }

  /** Fd details, or undefined for an fd that is not open. */
  fdInfo(fd: Fd): FdInfo | undefined {
    const f = this.fds.get(fd);
    if (f === undefined) return undefined;
    return {
      fd, id: f.id, type: f.type, readable: f.readable, writable: f.writable, append: f.append,
      positionBytes: f.positionBytes, path: this.currentPath(f.id),
    };
  }

  /** `path` normalised as the VFS reports it (`/a/./b/` → `/a/b`); the input itself if it cannot be resolved. */
  normalPath(path: string): string {
    try {
      return this.lookup(path, 'stat').path;
    } catch (e) {
      if (e instanceof FsError) return path;
      throw e;
    }
  }

  /** The inode `path` names now, or undefined (no such path, or a bad one). */
  inodeOf(path: string): InodeId | undefined {
    try {
      return this.lookup(path, 'stat').entry?.id;
    } catch (e) {
      if (e instanceof FsError) return undefined;
      throw e;
    }
  }

  /** Size of an open file (bytes). */
  fdSizeBytes(fd: Fd): number {
    return this.sizeOf(this.fdState(fd, 'fstat').id);
  }

  /**
   * Rule 11: an fsync of this fd failed, so the file's pending data ops are
   * dropped for good (reads still see them). Returns how many ops were dropped.
   */
  discardUnsyncedData(fd: Fd): number {
    const f = this.fdState(fd, 'fsync');
    const before = this.log.length;
    const dropped = (e: LogEntry): boolean => !e.durable && e.op.id === f.id && (e.op.kind === 'write' || (e.op.kind === 'truncate' && this.personality !== 'ext4'));
    this.log = this.log.filter((e) => !dropped(e));
    this.recountPendingData();
    return before - this.log.length;
  }

  /** Content hash of the durable image (cheap identity for tests and traces). */
  durableHash(): string {
    return stateHash(this.durable);
  }

  // -------------------------------------------------------------------------
  // Durability

  /**
   * A file's pending data ops become durable. They commute with every entry op
   * and none of the file's data ops stays behind, so they go straight into the
   * durable state. They are usually the newest entries: search from the end.
   */
  private promoteData(id: InodeId): void {
    const count = this.pendingData.get(id) ?? 0;
    if (count === 0) return;
    const at: number[] = [];
    for (let i = this.log.length - 1; i >= 0 && at.length < count; i--) {
      const op = (this.log[i] as LogEntry).op;
      if (isDataOp(op) && op.id === id) at.push(i);
    }
    if (at.length !== count) throw new Error(`vfs invariant: inode ${id} has ${at.length} pending data ops, counted ${count}`);
    for (let j = at.length - 1; j >= 0; j--) applyOp(this.durable, (this.log[at[j] as number] as LogEntry).op);
    for (const i of at) this.log.splice(i, 1); // descending indices: earlier ones stay valid
    this.pendingData.delete(id);
  }

  /** ext4 rule 6: every entry op up to `upTo` becomes durable (a prefix of the entry ops, so all of it folds). */
  private promoteEntryPrefix(upTo: number): void {
    const kept: LogEntry[] = [];
    for (const e of this.log) {
      if (!isDataOp(e.op) && e.op.seq <= upTo) applyOp(this.durable, e.op);
      else kept.push(e);
    }
    this.log = kept;
  }

  /** strict-posix rule 8: entry ops changing `dirId` are synced for it; those synced for all their dirs are durable. */
  private markDirSynced(dirId: InodeId): void {
    let promoted = false;
    this.log = this.log.map((e) => {
      if (e.durable || isDataOp(e.op)) return e;
      const dirs = opDirs(e.op);
      if (!dirs.includes(dirId) || e.syncedDirs.includes(dirId)) return e;
      const syncedDirs = [...e.syncedDirs, dirId];
      const durable = dirs.every((d) => syncedDirs.includes(d));
      promoted ||= durable;
      return { op: e.op, syncedDirs, durable };
    });
    if (promoted) this.fold();
  }

  /** ext4 rule 4: seq of the latest pending entry op binding a component of id's current path (0 if none). */
  private bindingSeq(id: InodeId): number {
    const wanted = new Set<string>();
    let cur = id;
    for (let depth = 0; ; depth++) {
      const p = this.vParent.get(cur);
      if (p === undefined) break;
      if (depth > PATH_DEPTH_MAX) throw new Error(`vfs invariant: parent chain of inode ${id} loops`);
      wanted.add(`${slotKey(p.parentId, p.name)}>${cur}`);
      cur = p.parentId;
    }
    if (cur !== ROOT_ID) return 0; // unlinked somewhere up the chain: nothing binds it
    let upTo = 0;
    for (const e of this.log) {
      const op = e.op;
      if (op.kind === 'link' && wanted.has(`${slotKey(op.parentId, op.name)}>${op.id}`)) upTo = op.seq;
      else if (op.kind === 'rename' && wanted.has(`${slotKey(op.toParentId, op.toName)}>${op.id}`)) upTo = op.seq;
    }
    return upTo;
  }

  /**
   * Moves durable ops into the durable state, in issue order, when they commute
   * with every earlier op that stays in the log (entry ops: disjoint slots;
   * data ops: another file; an entry and a data op always commute, model.ts);
   * the rest stay in the log, marked durable, and are applied to every image.
   */
  private fold(): void {
    const blockedSlots = new Set<string>();
    const blockedFiles = new Set<InodeId>();
    const kept: LogEntry[] = [];
    for (const e of this.log) {
      if (isDataOp(e.op)) {
        if (e.durable && !blockedFiles.has(e.op.id)) {
          applyOp(this.durable, e.op);
          continue;
        }
        blockedFiles.add(e.op.id);
      } else {
        const slots = opSlots(e.op);
        if (e.durable && !slots.some((sl) => blockedSlots.has(sl))) {
          applyOp(this.durable, e.op);
          continue;
        }
        for (const sl of slots) blockedSlots.add(sl);
      }
      kept.push(e);
    }
    this.log = kept;
  }

  private recountPendingData(): void {
    this.pendingData.clear();
    for (const e of this.log) if (isDataOp(e.op)) this.pendingData.set(e.op.id, (this.pendingData.get(e.op.id) ?? 0) + 1);
  }

  /** E4: fsync of inode `id` commits the running transaction if `id` has an uncommitted change. */
  private ext4Commit(id: InodeId): void {
    const touches = (e: LogEntry): boolean => {
      const op = e.op;
      if (isDataOp(op)) return op.id === id;
      return op.id === id || opDirs(op).includes(id);
    };
    if (!this.log.some((e) => !e.durable && touches(e))) return;
    this.log = this.log.map((e) => {
      if (e.durable) return e;
      const op = e.op;
      const commits = op.kind !== 'write' || op.id === id || e.flushedBeforeSeq !== undefined;
      return commits ? { ...e, durable: true } : e;
    });
    this.fold();
    this.recountPendingData();
  }

  /** E5: the file's pending writes are flushed now: on disk with any metadata op from seq `beforeSeq` on. */
  private ext4Flush(id: InodeId, beforeSeq: number): void {
    this.log = this.log.map((e) =>
      !e.durable && e.op.kind === 'write' && e.op.id === id && e.flushedBeforeSeq === undefined ? { ...e, flushedBeforeSeq: beforeSeq } : e);
  }

  private append(op: PendingOp): void {
    this.log.push({ op, durable: false, syncedDirs: [] });
    if (isDataOp(op)) this.pendingData.set(op.id, (this.pendingData.get(op.id) ?? 0) + 1);
  }

  private checkLogRoom(): void {
    if (this.log.length >= this.options.pendingOpsMax) {
      throw new VfsLimitError(`pending log full: ${this.log.length} ops (pendingOpsMax); fsync more, call syncAll(), or raise the limit`);
    }
  }

  // -------------------------------------------------------------------------
  // Namespace

  private lookup(path: string, syscall: string): Lookup {
    if (typeof path !== 'string') fail('EINVAL', syscall, String(path), 'path must be a string');
    if (path.length === 0) fail('ENOENT', syscall, path);
    if (path.includes('\0')) fail('EINVAL', syscall, path.replaceAll('\0', '\\0'), 'path contains a NUL byte');
    const parts = path.split('/').filter((p) => p.length > 0);
    const trailingSlash = path.endsWith('/') && parts.length > 0;
    let dirId = ROOT_ID;
    let dirPath = '/';
    for (let i = 0; i < parts.length - 1; i++) {
      const name = parts[i] as string;
      if (name === '.') continue;
      if (name === '..') {
        const p = this.vParent.get(dirId);
        if (p !== undefined) {
          dirId = p.parentId;
          dirPath = this.currentPath(dirId) ?? '/';
        }
        continue;
      }
      const e = (this.vDirs.get(dirId) ?? EMPTY_TABLE).get(name);
      if (e === undefined) fail('ENOENT', syscall, path);
      if (e.type !== 'dir') fail('ENOTDIR', syscall, path);
      dirId = e.id;
      dirPath = joinPath(dirPath, name);
    }
    const last = parts[parts.length - 1];
    if (last === undefined) return { path: '/', slot: undefined, finalDot: undefined, entry: { id: ROOT_ID, type: 'dir' }, trailingSlash: false };
    if (last === '.' || last === '..') {
      const id = last === '.' ? dirId : (this.vParent.get(dirId)?.parentId ?? ROOT_ID);
      return { path: joinPath(dirPath, last), slot: undefined, finalDot: last, entry: { id, type: 'dir' }, trailingSlash };
    }
    return {
      path: joinPath(dirPath, last),
      slot: { parentId: dirId, name: last },
      finalDot: undefined,
      entry: (this.vDirs.get(dirId) ?? EMPTY_TABLE).get(last),
      trailingSlash,
    };
  }

  private createNode(slot: ParentRef, type: NodeType, mode: number, path: string): InodeId {
    if (!Number.isSafeInteger(mode) || mode < 0) fail('EINVAL', type === 'dir' ? 'mkdir' : 'open', path, `invalid mode ${mode}`);
    this.checkLogRoom();
    const m = this.mem; // not built yet: it will be built from the tables as they are then
    const id = this.nextId++;
    if (type === 'dir') {
      m?.vol.mkdirSync(this.memPathOfSlot(slot), { mode: 0o777 });
      this.vDirs.set(id, EMPTY_TABLE);
    } else {
      m?.vol.writeFileSync(this.memPathOfSlot(slot), EMPTY_BYTES, { mode: 0o666 });
      this.vContent.set(id, EMPTY_BYTES);
    }
    this.inodes.set(id, { type, modeBits: mode & 0o7777 });
    this.setVolatileEntry(slot, { id, type });
    this.vParent.set(id, slot);
    this.append({ kind: 'link', seq: this.nextSeq++, parentId: slot.parentId, name: slot.name, id, type, path });
    return id;
  }

  private removeNode(slot: ParentRef, entry: DirEntryRef, path: string): void {
    this.checkLogRoom();
    const m = this.mem; // not built yet: it will be built from the tables as they are then
    if (m !== undefined) {
      const memPath = this.memPathOfSlot(slot);
      if (entry.type === 'dir') m.vol.rmdirSync(memPath);
      else m.vol.unlinkSync(memPath);
    }
    this.setVolatileEntry(slot, undefined);
    this.detach(entry);
    this.append({ kind: 'unlink', seq: this.nextSeq++, parentId: slot.parentId, name: slot.name, id: entry.id, type: entry.type, path });
  }

  /** An inode lost its only name: forget it unless an fd still holds it. */
  private detach(entry: DirEntryRef): void {
    this.vParent.delete(entry.id);
    if (entry.type === 'dir') {
      const table = this.vDirs.get(entry.id);
      if (table !== undefined) this.ownedTables.delete(table);
      this.vDirs.delete(entry.id);
    }
    this.forgetIfGone(entry.id);
  }

  private forgetIfGone(id: InodeId): void {
    if (this.vParent.has(id) || id === ROOT_ID) return;
    for (const f of this.fds.values()) if (f.id === id) return;
    this.daAllocClose.delete(id);
    this.inodes.delete(id);
    this.vContent.delete(id);
    this.dirty.delete(id);
  }

  private setVolatileEntry(slot: ParentRef, entry: DirEntryRef | undefined): void {
    const cur = this.vDirs.get(slot.parentId) ?? EMPTY_TABLE;
    // A table nothing else has seen is changed in place; a shared one is copied first.
    const next = this.ownedTables.has(cur) ? (cur as Map<string, DirEntryRef>) : new Map(cur);
    if (entry === undefined) next.delete(slot.name);
    else next.set(slot.name, entry);
    if (next !== cur) {
      this.ownedTables.add(next);
      this.vDirs.set(slot.parentId, next);
    }
  }

  private isAncestorOrSelf(ancestor: InodeId, id: InodeId): boolean {
    let cur: InodeId | undefined = id;
    for (let depth = 0; cur !== undefined; depth++) {
      if (cur === ancestor) return true;
      if (depth > PATH_DEPTH_MAX) throw new Error(`vfs invariant: parent chain of inode ${id} loops`);
      cur = this.vParent.get(cur)?.parentId;
    }
    return false;
  }

  /** Current path of a linked inode, undefined once unlinked (or under an unlinked dir). */
  private currentPath(id: InodeId): string | undefined {
    const names: string[] = [];
    let cur = id;
    for (let depth = 0; cur !== ROOT_ID; depth++) {
      const p = this.vParent.get(cur);
      if (p === undefined) return undefined;
      if (depth > PATH_DEPTH_MAX) throw new Error(`vfs invariant: parent chain of inode ${id} loops`);
      names.push(p.name);
      cur = p.parentId;
    }
    return '/' + names.reverse().join('/');
  }

  private statOf(id: InodeId): FileStat {
    const meta = this.inodes.get(id);
    if (meta === undefined) throw new Error(`vfs invariant: inode ${id} has no metadata`);
    const isDir = meta.type === 'dir';
    return { isFile: !isDir, isDirectory: isDir, sizeBytes: isDir ? DIR_SIZE_BYTES : this.sizeOf(id), mode: meta.modeBits };
  }

  // -------------------------------------------------------------------------
  // Fds and file contents

  private fdState(fd: Fd, syscall: string): FdState {
    const f = typeof fd === 'number' ? this.fds.get(fd) : undefined;
    if (f === undefined) fail('EBADF', syscall);
    return f;
  }

  private readableFd(fd: Fd, syscall: string, maxBytes: number): FdState {
    const f = this.fdState(fd, syscall);
    if (!f.readable) fail('EBADF', syscall);
    if (f.type === 'dir') fail('EISDIR', syscall);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) fail('EINVAL', syscall, undefined, `invalid length ${maxBytes}`);
    return f;
  }

  private writableFd(fd: Fd, syscall: string, data: Uint8Array): FdState {
    const f = this.fdState(fd, syscall);
    if (!f.writable || f.type === 'dir') fail('EBADF', syscall);
    if (!(data instanceof Uint8Array)) fail('EINVAL', syscall, undefined, 'data must be a Uint8Array');
    return f;
  }

  private lowestFreeFd(): Fd {
    let fd = FIRST_FD;
    while (this.fds.has(fd)) fd++;
    return fd;
  }

  private readAt(id: InodeId, maxBytes: number, positionBytes: number): Uint8Array {
    const n = Math.max(0, Math.min(maxBytes, this.sizeOf(id) - positionBytes));
    const out = new Uint8Array(n);
    if (n === 0) return out;
    const clean = this.dirty.has(id) ? undefined : this.vContent.get(id);
    if (clean !== undefined) {
      out.set(clean.subarray(positionBytes, positionBytes + n));
      return out;
    }
    const got = this.memState().vol.readSync(this.memFd(id), out, 0, n, positionBytes);
    if (got !== n) throw new Error(`vfs invariant: memfs read ${got} of ${n} bytes`);
    return out;
  }

  private writeAt(id: InodeId, data: Uint8Array, positionBytes: number, syscall: string): number {
    if (data.length === 0) return 0;
    if (positionBytes + data.length > this.options.fileBytesMax) fail('ENOSPC', syscall, this.currentPath(id), `file would exceed fileBytesMax (${this.options.fileBytesMax} bytes)`);
    this.checkLogRoom();
    this.memState().vol.writeSync(this.memFd(id), data, 0, data.length, positionBytes);
    const bytes = data.slice();
    const clean = this.dirty.has(id) ? undefined : this.vContent.get(id);
    if (clean !== undefined && clean.length === 0 && positionBytes === 0) this.vContent.set(id, bytes); // whole-file write: share the op's copy
    else if (clean !== undefined && Math.max(clean.length, positionBytes + bytes.length) <= CACHE_PATCH_BYTES_MAX) this.vContent.set(id, patchBytes(clean, positionBytes, bytes));
    else this.dirty.add(id);
    this.append({ kind: 'write', seq: this.nextSeq++, id, offsetBytes: positionBytes, bytes, path: this.currentPath(id) ?? `<unlinked inode ${id}>` });
    return data.length;
  }

  /** Rule 13: the file becomes `lenBytes` long; logged unless it cannot change any image. */
  private resizeFile(id: InodeId, lenBytes: number, path: string, syscall: string): void {
    if (lenBytes > this.options.fileBytesMax) fail('ENOSPC', syscall, path, `file would exceed fileBytesMax (${this.options.fileBytesMax} bytes)`);
    // E5: ext4_truncate marks any truncate to 0, even of an empty file.
    if (this.personality === 'ext4' && lenBytes === 0) this.daAllocClose.add(id);
    const volatileBytes = this.sizeOf(id);
    const durableBytes = this.durable.files.get(id)?.length ?? 0;
    if (volatileBytes === lenBytes && durableBytes === lenBytes && !this.pendingData.has(id)) return;
    this.checkLogRoom();
    const m = this.memState();
    const held = m.memFds.get(id);
    if (held !== undefined) m.vol.ftruncateSync(held.memFd, lenBytes);
    else m.vol.truncateSync(this.memPath(id), lenBytes);
    const clean = this.dirty.has(id) ? undefined : this.vContent.get(id);
    if (lenBytes === 0) {
      this.vContent.set(id, EMPTY_BYTES);
      this.dirty.delete(id);
    } else if (clean !== undefined && (held === undefined || lenBytes <= CACHE_PATCH_BYTES_MAX)) {
      // A file without an fd must keep a complete cache (refreshContents reads only open files).
      const next = new Uint8Array(lenBytes);
      next.set(clean.subarray(0, Math.min(clean.length, lenBytes)));
      this.vContent.set(id, next);
    } else {
      this.dirty.add(id);
    }
    this.append({ kind: 'truncate', seq: this.nextSeq++, id, lenBytes, path });
  }

  private sizeOf(id: InodeId): number {
    const clean = this.dirty.has(id) ? undefined : this.vContent.get(id);
    if (clean !== undefined) return clean.length;
    return this.memState().vol.fstatSync(this.memFd(id)).size as number;
  }

  /** Brings the content cache up to date (only files written since the last refresh are read). */
  private refreshContents(): void {
    if (this.dirty.size === 0) return;
    const m = this.memState();
    for (const id of this.dirty) {
      const fd = this.memFd(id);
      const size = m.vol.fstatSync(fd).size as number;
      const bytes = new Uint8Array(size);
      if (size > 0) m.vol.readSync(fd, bytes, 0, size, 0);
      this.vContent.set(id, bytes);
    }
    this.dirty.clear();
  }

  // -------------------------------------------------------------------------
  // memfs

  /** The memfs volume, built from the volatile state on first use after a fork. */
  private memState(): MemState {
    if (this.mem !== undefined) return this.mem;
    const vol = Volume.fromJSON({}, '/', { process: MEMFS_PROCESS });
    vol.mkdirSync(MEM_ROOT, { mode: 0o777 });
    const build = (dirId: InodeId, memDir: string, depth: number): void => {
      if (depth > PATH_DEPTH_MAX) throw new Error('vfs invariant: directory tree too deep or cyclic');
      for (const [name, e] of this.vDirs.get(dirId) ?? EMPTY_TABLE) {
        const p = `${memDir}/${name}`;
        if (e.type === 'dir') {
          vol.mkdirSync(p, { mode: 0o777 });
          build(e.id, p, depth + 1);
        } else {
          vol.writeFileSync(p, this.cleanContent(e.id), { mode: 0o666 });
        }
      }
    };
    build(ROOT_ID, MEM_ROOT, 0);
    const memFds = new Map<InodeId, { memFd: number; refs: number }>();
    for (const f of this.fds.values()) {
      if (f.type !== 'file' || !f.writable) continue;
      const held = memFds.get(f.id);
      if (held !== undefined) {
        held.refs++;
        continue;
      }
      const linked = this.currentPath(f.id);
      let memFd: number;
      if (linked !== undefined) {
        memFd = vol.openSync(MEM_ROOT + linked, 'r+');
      } else {
        // Unlinked but still open: recreate it, open it, unlink it again.
        if (!vol.existsSync(MEM_ORPHANS)) vol.mkdirSync(MEM_ORPHANS, { mode: 0o777 });
        const p = `${MEM_ORPHANS}/${f.id}`;
        vol.writeFileSync(p, this.cleanContent(f.id), { mode: 0o666 });
        memFd = vol.openSync(p, 'r+');
        vol.unlinkSync(p);
      }
      memFds.set(f.id, { memFd, refs: 1 });
    }
    this.mem = { vol, memFds };
    return this.mem;
  }

  private cleanContent(id: InodeId): Uint8Array {
    const c = this.vContent.get(id);
    if (c === undefined || this.dirty.has(id)) throw new Error(`vfs invariant: no content for inode ${id} while rebuilding memfs`);
    return c;
  }

  private memPath(id: InodeId): string {
    const p = this.currentPath(id);
    if (p === undefined) throw new Error(`vfs invariant: inode ${id} has no path`);
    return p === '/' ? MEM_ROOT : MEM_ROOT + p;
  }

  private memPathOfSlot(slot: ParentRef): string {
    const parent = this.memPath(slot.parentId);
    return `${parent}/${slot.name}`;
  }

  private memFd(id: InodeId): number {
    const held = this.memState().memFds.get(id);
    if (held === undefined) throw new Error(`vfs invariant: inode ${id} is not open`);
    return held.memFd;
  }

  private acquireMemFd(id: InodeId): void {
    const m = this.mem;
    if (m === undefined) return; // not built yet: the build opens one for every open fd
    const held = m.memFds.get(id);
    if (held !== undefined) held.refs++;
    else m.memFds.set(id, { memFd: m.vol.openSync(this.memPath(id), 'r+'), refs: 1 });
  }

  private releaseMemFd(id: InodeId): void {
    const m = this.mem;
    const held = m?.memFds.get(id);
    if (m === undefined || held === undefined) return; // memfs not built since the fork: nothing held
    if (--held.refs > 0) return;
    if (this.dirty.has(id)) {
      // Keep the content cache complete for files that outlive their last fd.
      const size = m.vol.fstatSync(held.memFd).size as number;
      const bytes = new Uint8Array(size);
      if (size > 0) m.vol.readSync(held.memFd, bytes, 0, size, 0);
      this.vContent.set(id, bytes);
      this.dirty.delete(id);
    }
    m.vol.closeSync(held.memFd);
    m.memFds.delete(id);
  }
}

