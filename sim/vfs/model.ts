/**
 * The VFS's persistent data model: inode ids, directory tables, the pending
 * operations of the durability log, how one operation applies to a state, and
 * the plain `DiskImage` a state turns into. Pure functions only; `vfs.ts` (live
 * file system) and `crash.ts` (crash images) both build on it, so a crash image
 * and the durable state can never disagree on what an operation means.
 *
 * Application rules (the same for durable promotion and for crash images):
 *  - every operation applies by inode id, never by path, so a later rename of an
 *    ancestor does not redirect it;
 *  - `link` (create/mkdir) sets slot (parent, name) to the inode, replacing
 *    whatever was there (one directory slot holds one name);
 *  - `unlink` (unlink/rmdir) clears the slot only if it still names that inode;
 *  - `rename` applies only if the source slot still names the inode (else the
 *    whole operation is dropped); it clears the source slot and sets the
 *    destination slot, replacing whatever was there;
 *  - a directory without a table reads as empty; an operation on it creates the
 *    table, which stays unreachable until the directory's own `link` applies, so
 *    the entry has no visible effect (this is how "an operation whose target
 *    does not exist in the image is dropped" is realised);
 *  - anything a replacing `link`/`rename` or an `rmdir` of a non-empty table
 *    detaches becomes unreachable, as does a directory cycle that a subset of
 *    directory renames can produce in a `strict-posix` image; an image only
 *    shows what is reachable from the root;
 *  - `write` patches bytes (a gap past the end reads as zeros); `truncate` cuts or
 *    zero-extends. Buffers are never mutated in place: each change copies.
 *
 * Two operations commute when they touch disjoint directory slots (entry
 * operations) or different files (data operations); data and entry operations
 * always commute. `vfs.ts` relies on this to fold durable operations into the
 * durable state early.
 */
import { createHash } from 'node:crypto';

export type Personality = 'ext4-ordered' | 'strict-posix' | 'ordered';
export const PERSONALITIES: readonly Personality[] = ['ext4-ordered', 'strict-posix', 'ordered'];

/** The VFS's own inode number (monotonic per VFS; never memfs's). */
export type InodeId = number;
export type NodeType = 'file' | 'dir';

export interface DirEntryRef {
  readonly id: InodeId;
  readonly type: NodeType;
}

/** A directory's entries. Never mutated once shared: changes copy the table. */
export type DirTable = ReadonlyMap<string, DirEntryRef>;

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
export const EMPTY_TABLE: DirTable = new Map();

// ---------------------------------------------------------------------------
// Pending operations

interface OpBase {
  /** Issue order within one VFS: 1, 2, 3, … (also the op's name in reports: `#seq`). */
  readonly seq: number;
}

export interface WriteOp extends OpBase {
  readonly kind: 'write';
  readonly id: InodeId;
  readonly offsetBytes: number;
  readonly bytes: Uint8Array;
  /** path of the file when the op was issued (reports only) */
  readonly path: string;
}

export interface TruncateOp extends OpBase {
  readonly kind: 'truncate';
  readonly id: InodeId;
  readonly lenBytes: number;
  readonly path: string;
}

/** create (type file) or mkdir (type dir). */
export interface LinkOp extends OpBase {
  readonly kind: 'link';
  readonly parentId: InodeId;
  readonly name: string;
  readonly id: InodeId;
  readonly type: NodeType;
  readonly path: string;
}

/** unlink (type file) or rmdir (type dir). */
export interface UnlinkOp extends OpBase {
  readonly kind: 'unlink';
  readonly parentId: InodeId;
  readonly name: string;
  readonly id: InodeId;
  readonly type: NodeType;
  readonly path: string;
}

export interface RenameOp extends OpBase {
  readonly kind: 'rename';
  readonly fromParentId: InodeId;
  readonly fromName: string;
  readonly toParentId: InodeId;
  readonly toName: string;
  readonly id: InodeId;
  readonly type: NodeType;
  readonly fromPath: string;
  readonly toPath: string;
}

export type DataOp = WriteOp | TruncateOp;
export type EntryOp = LinkOp | UnlinkOp | RenameOp;
export type PendingOp = DataOp | EntryOp;

export function isDataOp(op: PendingOp): op is DataOp {
  return op.kind === 'write' || op.kind === 'truncate';
}

/** The directories whose fsync an entry op waits for under strict-posix. */
export function opDirs(op: EntryOp): readonly InodeId[] {
  if (op.kind !== 'rename') return [op.parentId];
  return op.fromParentId === op.toParentId ? [op.fromParentId] : [op.fromParentId, op.toParentId];
}

export function slotKey(parentId: InodeId, name: string): string {
  return `${parentId}/${name}`;
}

/** Directory slots an entry op reads or writes (for the commutation check). */
export function opSlots(op: EntryOp): readonly string[] {
  if (op.kind !== 'rename') return [slotKey(op.parentId, op.name)];
  return [slotKey(op.fromParentId, op.fromName), slotKey(op.toParentId, op.toName)];
}

/** One line a human reads in a report: `#7 write /d/x @0 +120B`. */
export function describeOp(op: PendingOp): string {
  switch (op.kind) {
    case 'write': return `#${op.seq} write ${op.path} @${op.offsetBytes} +${op.bytes.length}B`;
    case 'truncate': return `#${op.seq} truncate ${op.path} to ${op.lenBytes}B`;
    case 'link': return `#${op.seq} ${op.type === 'dir' ? 'mkdir' : 'create'} ${op.path}`;
    case 'unlink': return `#${op.seq} ${op.type === 'dir' ? 'rmdir' : 'unlink'} ${op.path}`;
    case 'rename': return `#${op.seq} rename ${op.fromPath} -> ${op.toPath}`;
  }
}

/** An entry of the durability log: the op plus how far it is on its way to durable. */
export interface LogEntry {
  readonly op: PendingOp;
  /** made durable by an fsync but not yet folded into the durable state (strict-posix only) */
  readonly durable: boolean;
  /** strict-posix: directories fsynced since the op was issued (a rename needs both) */
  readonly syncedDirs: readonly InodeId[];
}

// ---------------------------------------------------------------------------
// States

/** What survives a crash for sure. Tables and buffers are shared, never mutated. */
export interface DurableState {
  readonly rootId: InodeId;
  readonly dirs: ReadonlyMap<InodeId, DirTable>;
  readonly files: ReadonlyMap<InodeId, Uint8Array>;
}

/** A target operations apply to: a mutable view over tables and buffers that are themselves immutable. */
export interface ApplyTarget {
  getDir(id: InodeId): DirTable | undefined;
  setDir(id: InodeId, table: DirTable): void;
  getFile(id: InodeId): Uint8Array | undefined;
  setFile(id: InodeId, bytes: Uint8Array): void;
}

/** A copy-on-write overlay over a durable state: the base is never touched. */
export class Overlay implements ApplyTarget {
  private readonly dirDelta = new Map<InodeId, DirTable>();
  private readonly fileDelta = new Map<InodeId, Uint8Array>();
  constructor(readonly base: DurableState) {}

  get rootId(): InodeId {
    return this.base.rootId;
  }
  getDir(id: InodeId): DirTable | undefined {
    return this.dirDelta.get(id) ?? this.base.dirs.get(id);
  }
  setDir(id: InodeId, table: DirTable): void {
    this.dirDelta.set(id, table);
  }
  getFile(id: InodeId): Uint8Array | undefined {
    return this.fileDelta.get(id) ?? this.base.files.get(id);
  }
  setFile(id: InodeId, bytes: Uint8Array): void {
    this.fileDelta.set(id, bytes);
  }
}

function withEntry(table: DirTable | undefined, name: string, entry: DirEntryRef | undefined): DirTable {
  const next = new Map(table ?? EMPTY_TABLE);
  if (entry === undefined) next.delete(name);
  else next.set(name, entry);
  return next;
}

/** `old` with `bytes` written at `offsetBytes` (zero-filled gap), as a new buffer. */
export function patchBytes(old: Uint8Array, offsetBytes: number, bytes: Uint8Array): Uint8Array {
  const end = offsetBytes + bytes.length;
  const out = new Uint8Array(Math.max(old.length, end));
  out.set(old.subarray(0, Math.min(old.length, out.length)));
  out.set(bytes, offsetBytes);
  return out;
}

/** `old` cut or zero-extended to `lenBytes`, as a new buffer (or `old` itself if unchanged). */
export function resizeBytes(old: Uint8Array, lenBytes: number): Uint8Array {
  if (lenBytes === old.length) return old;
  if (lenBytes < old.length) return old.slice(0, lenBytes);
  const out = new Uint8Array(lenBytes);
  out.set(old);
  return out;
}

/** Applies one op by the rules in the module doc. Returns false if the op was dropped. */
export function applyOp(t: ApplyTarget, op: PendingOp): boolean {
  switch (op.kind) {
    case 'write':
      t.setFile(op.id, patchBytes(t.getFile(op.id) ?? EMPTY_BYTES, op.offsetBytes, op.bytes));
      return true;
    case 'truncate':
      t.setFile(op.id, resizeBytes(t.getFile(op.id) ?? EMPTY_BYTES, op.lenBytes));
      return true;
    case 'link':
      t.setDir(op.parentId, withEntry(t.getDir(op.parentId), op.name, { id: op.id, type: op.type }));
      return true;
    case 'unlink': {
      const table = t.getDir(op.parentId);
      if (table?.get(op.name)?.id !== op.id) return false;
      t.setDir(op.parentId, withEntry(table, op.name, undefined));
      return true;
    }
    case 'rename': {
      const from = t.getDir(op.fromParentId);
      if (from?.get(op.fromName)?.id !== op.id) return false;
      t.setDir(op.fromParentId, withEntry(from, op.fromName, undefined));
      // Read the destination after the source change: both may be one table.
      t.setDir(op.toParentId, withEntry(t.getDir(op.toParentId), op.toName, { id: op.id, type: op.type }));
      return true;
    }
  }
}

// ---------------------------------------------------------------------------
// Disk images

/**
 * What a disk holds, as plain data: every directory path ("/" first) and every
 * file path with its bytes, both in tree order (pre-order, names sorted by code
 * unit). Buffers are shared with the VFS: never mutate them.
 */
export interface DiskImage {
  readonly dirs: readonly string[];
  readonly files: ReadonlyMap<string, Uint8Array>;
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The reachable tree of a state as a DiskImage (cycles and detached tables are skipped). */
export function imageOf(state: { readonly rootId: InodeId; getDir(id: InodeId): DirTable | undefined; getFile(id: InodeId): Uint8Array | undefined }): DiskImage {
  const dirs: string[] = [];
  const files = new Map<string, Uint8Array>();
  const onPath = new Set<InodeId>();
  const visit = (id: InodeId, path: string): void => {
    if (onPath.has(id)) return; // a cycle from reordered directory renames: unreachable
    onPath.add(id);
    dirs.push(path);
    const table = state.getDir(id) ?? EMPTY_TABLE;
    for (const name of [...table.keys()].sort(byName)) {
      const e = table.get(name) as DirEntryRef;
      const child = joinPath(path, name);
      if (e.type === 'dir') visit(e.id, child);
      else files.set(child, state.getFile(e.id) ?? EMPTY_BYTES);
    }
    onPath.delete(id);
  };
  visit(state.rootId, '/');
  return { dirs, files };
}

export function durableView(d: DurableState): { rootId: InodeId; getDir(id: InodeId): DirTable | undefined; getFile(id: InodeId): Uint8Array | undefined } {
  return { rootId: d.rootId, getDir: (id) => d.dirs.get(id), getFile: (id) => d.files.get(id) };
}

// Buffers in images are immutable, so their digests can be cached by identity.
const digestCache = new WeakMap<Uint8Array, string>();

function digestOf(bytes: Uint8Array): string {
  let d = digestCache.get(bytes);
  if (d === undefined) {
    d = createHash('sha256').update(bytes).digest('hex');
    digestCache.set(bytes, d);
  }
  return d;
}

/** SHA-256 (hex) of an image's canonical form; equal iff same dirs and same file bytes. */
export function imageHash(image: DiskImage): string {
  const h = createHash('sha256');
  for (const d of image.dirs) h.update(`d\0${d}\0`);
  for (const [p, bytes] of image.files) h.update(`f\0${p}\0${bytes.length}\0${digestOf(bytes)}\0`);
  return h.digest('hex');
}

/** Equality of two images (same dirs, same files, same bytes). */
export function sameImage(a: DiskImage, b: DiskImage): boolean {
  return imageHash(a) === imageHash(b);
}

/** A readable listing, one line per dir/file: `/d/`, `/d/x 5B "hello"`. For test failures and reports. */
export function renderImage(image: DiskImage, previewBytesMax = 16): string {
  const lines: string[] = [];
  for (const d of image.dirs) lines.push(d === '/' ? '/' : `${d}/`);
  for (const [p, b] of image.files) {
    const shown = Buffer.from(b.subarray(0, previewBytesMax)).toString('hex');
    lines.push(`${p} ${b.length}B ${shown}${b.length > previewBytesMax ? '…' : ''}`);
  }
  return lines.join('\n');
}
