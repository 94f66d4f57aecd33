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

export type Personality = 'ext4' | 'ext4-weak' | 'strict-posix' | 'ordered';
export const PERSONALITIES: readonly Personality[] = ['ext4', 'ext4-weak', 'strict-posix', 'ordered'];

/** Names personalities used to have, with what to use now (plans, tokens and CLI arguments refuse them with this text). */
export const RENAMED_PERSONALITIES: Readonly<Record<string, string>> = {
  'ext4-ordered': "'ext4-ordered' was renamed 'ext4-weak' (weaker than any real ext4: it finds bugs that need a weaker journal); 'ext4' models a real ext4 (jbd2, data=ordered, delayed allocation)",
};

/** A personality name as given by a user; throws RangeError naming the new name for a renamed one. */
export function checkPersonality(name: unknown, at: string): Personality {
  if (typeof name === 'string' && (PERSONALITIES as readonly string[]).includes(name)) return name as Personality;
  const renamed = typeof name === 'string' ? RENAMED_PERSONALITIES[name] : undefined;
  if (renamed !== undefined) throw new RangeError(`${at}: ${renamed}`);
  throw new RangeError(`${at}: expected one of ${PERSONALITIES.join(', ')}, got ${JSON.stringify(name)}`);
}

/** ext4's data operations are only writes (truncates are journaled metadata); elsewhere truncates are data too. */
export function isJournaledTruncate(personality: Personality, op: PendingOp): boolean {
  return personality === 'ext4' && op.kind === 'truncate';
}

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
  /**
   * ext4 writes flushed by auto_da_alloc (replace-by-rename, replace-by-truncate):
   * on disk in every image whose journal keeps a metadata op with seq ≥ this.
   */
  readonly flushedBeforeSeq?: number;
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
  /** when set, changes go through it (shared results) */
  readonly cons?: Cons | undefined;
}

/**
 * Hash-consing for one crash enumeration: the same change to the same
 * (immutable) input yields the same object, so sorted listings and digests
 * computed for one candidate image are reused by the next. Scoped to one
 * enumeration so it never outlives it.
 */
export class Cons {
  private readonly tables = new WeakMap<DirTable, Map<string, DirTable>>();
  private readonly buffers = new WeakMap<Uint8Array, Map<DataOp, Uint8Array>>();

  table(base: DirTable | undefined, name: string, entry: DirEntryRef | undefined): DirTable {
    const from = base ?? EMPTY_TABLE;
    let m = this.tables.get(from);
    if (m === undefined) this.tables.set(from, (m = new Map()));
    const key = entry === undefined ? `-${name}` : `+${entry.type}:${entry.id}:${name}`;
    let out = m.get(key);
    if (out === undefined) m.set(key, (out = withEntry(from, name, entry)));
    return out;
  }

  buffer(old: Uint8Array, op: DataOp): Uint8Array {
    let m = this.buffers.get(old);
    if (m === undefined) this.buffers.set(old, (m = new Map()));
    let out = m.get(op);
    if (out === undefined) m.set(op, (out = dataResult(old, op)));
    return out;
  }
}

/** A copy-on-write overlay over a durable state: the base is never touched. */
export class Overlay implements ApplyTarget {
  private readonly dirDelta = new Map<InodeId, DirTable>();
  private readonly fileDelta = new Map<InodeId, Uint8Array>();
  constructor(readonly base: DurableState, readonly cons?: Cons) {}

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
function resizeBytes(old: Uint8Array, lenBytes: number): Uint8Array {
  if (lenBytes === old.length) return old;
  if (lenBytes < old.length) return old.slice(0, lenBytes);
  const out = new Uint8Array(lenBytes);
  out.set(old);
  return out;
}

function dataResult(old: Uint8Array, op: DataOp): Uint8Array {
  return op.kind === 'write' ? patchBytes(old, op.offsetBytes, op.bytes) : resizeBytes(old, op.lenBytes);
}

/** Applies one op by the rules in the module doc. Returns false if the op was dropped. */
export function applyOp(t: ApplyTarget, op: PendingOp): boolean {
  const cons = t.cons;
  const entry = (table: DirTable | undefined, name: string, e: DirEntryRef | undefined): DirTable =>
    cons === undefined ? withEntry(table, name, e) : cons.table(table, name, e);
  switch (op.kind) {
    case 'write':
    case 'truncate': {
      const old = t.getFile(op.id) ?? EMPTY_BYTES;
      t.setFile(op.id, cons === undefined ? dataResult(old, op) : cons.buffer(old, op));
      return true;
    }
    case 'link':
      t.setDir(op.parentId, entry(t.getDir(op.parentId), op.name, { id: op.id, type: op.type }));
      return true;
    case 'unlink': {
      const table = t.getDir(op.parentId);
      if (table?.get(op.name)?.id !== op.id) return false;
      t.setDir(op.parentId, entry(table, op.name, undefined));
      return true;
    }
    case 'rename': {
      const from = t.getDir(op.fromParentId);
      if (from?.get(op.fromName)?.id !== op.id) return false;
      t.setDir(op.fromParentId, entry(from, op.fromName, undefined));
      // Read the destination after the source change: both may be one table.
      t.setDir(op.toParentId, entry(t.getDir(op.toParentId), op.toName, { id: op.id, type: op.type }));
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

/** Read access to a state: what imageOf and stateHash walk. */
export interface StateView {
  readonly rootId: InodeId;
  getDir(id: InodeId): DirTable | undefined;
  getFile(id: InodeId): Uint8Array | undefined;
}

// Tables and buffers are immutable, so sorted listings and digests can be cached by identity.
const sortedCache = new WeakMap<DirTable, readonly (readonly [string, DirEntryRef])[]>();
const digestCache = new WeakMap<Uint8Array, string>();
interface DirDigestMemo {
  readonly keys: readonly (Uint8Array | string)[];
  readonly digest: string;
}
const dirDigestCache = new WeakMap<DirTable, DirDigestMemo>();
const CYCLE_KEY = 'cycle';

function sortedEntries(table: DirTable): readonly (readonly [string, DirEntryRef])[] {
  let out = sortedCache.get(table);
  if (out === undefined) {
    out = [...table.keys()].sort(byName).map((name) => [name, table.get(name) as DirEntryRef] as const);
    sortedCache.set(table, out);
  }
  return out;
}

function digestOf(bytes: Uint8Array): string {
  let d = digestCache.get(bytes);
  if (d === undefined) {
    d = createHash('sha256').update(bytes).digest('hex');
    digestCache.set(bytes, d);
  }
  return d;
}

/** The reachable tree of a state as a DiskImage (cycles and detached tables are skipped). */
export function imageOf(state: StateView): DiskImage {
  const dirs: string[] = [];
  const files = new Map<string, Uint8Array>();
  const onPath = new Set<InodeId>();
  const visit = (id: InodeId, path: string): void => {
    if (onPath.has(id)) return; // a cycle from reordered directory renames: unreachable
    onPath.add(id);
    dirs.push(path);
    for (const [name, e] of sortedEntries(state.getDir(id) ?? EMPTY_TABLE)) {
      if (e.type === 'dir') visit(e.id, joinPath(path, name));
      else files.set(joinPath(path, name), state.getFile(e.id) ?? EMPTY_BYTES);
    }
    onPath.delete(id);
  };
  visit(state.rootId, '/');
  return { dirs, files };
}

/**
 * SHA-256 (hex) of the reachable tree of a state: a Merkle hash over directory
 * listings (name, type, child digest). Equal iff same directories and same file
 * bytes. A directory whose listing and child digests are unchanged reuses its
 * cached digest, so hashing many images of one disk costs O(entries), not O(bytes).
 */
export function stateHash(state: StateView): string {
  const onPath = new Set<InodeId>();
  const dirDigest = (id: InodeId): string => {
    onPath.add(id);
    const table = state.getDir(id) ?? EMPTY_TABLE;
    const entries = sortedEntries(table);
    const memo = dirDigestCache.get(table);
    // Keys: the file's buffer (compared by identity) or the child dir's digest. Allocate only on a miss.
    let keys: (Uint8Array | string)[] | undefined = memo === undefined || memo.keys.length !== entries.length ? [] : undefined;
    for (let i = 0; i < entries.length; i++) {
      const e = (entries[i] as readonly [string, DirEntryRef])[1];
      const k = e.type === 'file' ? (state.getFile(e.id) ?? EMPTY_BYTES) : onPath.has(e.id) ? CYCLE_KEY : dirDigest(e.id);
      if (keys === undefined && (memo as DirDigestMemo).keys[i] !== k) keys = (memo as DirDigestMemo).keys.slice(0, i);
      keys?.push(k);
    }
    onPath.delete(id);
    if (keys === undefined) return (memo as DirDigestMemo).digest;
    const h = createHash('sha256');
    entries.forEach(([name, e], i) => {
      const k = keys[i] as Uint8Array | string;
      if (k !== CYCLE_KEY) h.update(`${e.type === 'dir' ? 'd' : 'f'}\0${name}\0${typeof k === 'string' ? k : digestOf(k)}\0`);
    });
    const digest = h.digest('hex');
    dirDigestCache.set(table, { keys, digest });
    return digest;
  };
  return dirDigest(state.rootId);
}

/** A state's tables rebuilt from an image: ids in image order ("/" = rootId). */
export interface ImageTables {
  readonly rootId: InodeId;
  readonly nextId: InodeId;
  readonly dirs: Map<InodeId, DirTable>;
  readonly files: Map<InodeId, Uint8Array>;
  /** every node but the root, parents before children */
  readonly nodes: readonly { readonly id: InodeId; readonly type: NodeType; readonly parentId: InodeId; readonly name: string }[];
}

/** Parses an image into tables; throws RangeError on a malformed one (missing parent, duplicate, bad path). */
export function tablesFromImage(image: DiskImage, rootId: InodeId): ImageTables {
  if (image.dirs[0] !== '/') throw new RangeError('image.dirs must start with "/"');
  const ids = new Map<string, InodeId>([['/', rootId]]);
  const tables = new Map<InodeId, Map<string, DirEntryRef>>([[rootId, new Map()]]);
  const files = new Map<InodeId, Uint8Array>();
  const nodes: { id: InodeId; type: NodeType; parentId: InodeId; name: string }[] = [];
  let nextId = rootId + 1;
  const attach = (path: string, type: NodeType): InodeId => {
    const i = path.lastIndexOf('/');
    const name = path.slice(i + 1);
    if (!path.startsWith('/') || name === '' || name === '.' || name === '..' || path.includes('//')) {
      throw new RangeError(`${JSON.stringify(path)} is not a normalised absolute path`);
    }
    const parent = i === 0 ? '/' : path.slice(0, i);
    const parentId = ids.get(parent);
    if (parentId === undefined) throw new RangeError(`${path} has no parent directory ${parent} in image.dirs`);
    if (ids.has(path)) throw new RangeError(`${path} appears twice`);
    const id = nextId++;
    ids.set(path, id);
    (tables.get(parentId) as Map<string, DirEntryRef>).set(name, { id, type });
    nodes.push({ id, type, parentId, name });
    return id;
  };
  for (const d of image.dirs.slice(1)) tables.set(attach(d, 'dir'), new Map());
  for (const [p, bytes] of image.files) {
    if (!(bytes instanceof Uint8Array)) throw new RangeError(`content of ${p} is not a Uint8Array`);
    files.set(attach(p, 'file'), bytes);
  }
  return { rootId, nextId, dirs: new Map(tables), files, nodes };
}

/** The same hash as stateHash, for a plain image. */
export function imageHash(image: DiskImage): string {
  const t = tablesFromImage(image, 1);
  return stateHash({ rootId: t.rootId, getDir: (id) => t.dirs.get(id), getFile: (id) => t.files.get(id) });
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
