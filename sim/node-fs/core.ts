/**
 * The machinery under the `node:fs` facade (index.ts): how one facade call
 * becomes a sequence of VFS primitives, Node-shaped errors, paths, flags and
 * the `Stats`/`Dirent` classes.
 *
 * A call is written once, as a generator that yields one `Step` per primitive
 * (calls.ts). The sync form runs the steps at once; the callback and promise
 * forms run them with an awaited `beforeCall` before each, so a scheduler or a
 * crash explorer sees every primitive. Errors a primitive throws are thrown back
 * into the generator, so `try/finally` in a call (close the fd) works in all
 * three forms alike. An error thrown by the hook itself (an exploration limit)
 * abandons the call: it is the harness's, not the code under test's.
 */
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { errnoText, FsError, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../src/env.js';
import type { DirEntry, Errno, Fd, FileStat } from '../../src/env.js';
import type { SyncFs } from '../fs-api.js';
import type { PositionalFs, TruncatingFs } from '../vfs/vfs.js';

// ---------------------------------------------------------------------------
// What the facade runs on

/** A Vfs, or a FaultyFs around one (inode numbers and fd paths are optional: stat's `ino` reads 0 without them). */
export type NodeFacadeFs = SyncFs & PositionalFs & TruncatingFs & {
  inodeOf?(path: string): number | undefined;
  fdInfo?(fd: Fd): { readonly id: number; readonly path: string | undefined } | undefined;
};

/** One primitive about to run: what a `beforeCall` hook sees. */
export interface FacadeCall {
  /** the VFS primitive: open, read, pread, write, pwrite, fsync, ftruncate, rename, … */
  readonly primitive: string;
  /** the Node API the program called (writeFile, rename, FileHandle.sync, …) */
  readonly api: string;
  readonly path?: string;
  /** rename's destination */
  readonly dest?: string;
  readonly fd?: Fd;
  /** what `captureSite` returned when the program entered the facade call */
  readonly site?: unknown;
}

export interface Step {
  readonly call: FacadeCall;
  readonly run: () => unknown;
}

/** A facade call: yields its primitives, returns the call's result. */
export type Op<T> = Generator<Step, T, unknown>;

/** One primitive as a step of a call. */
export function* prim<T>(call: FacadeCall, run: () => T): Op<T> {
  return (yield { call, run }) as T;
}

export type BeforeCall = (call: FacadeCall) => void | Promise<void>;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Runs a call's steps synchronously (the *Sync form). */
export function runSync<T>(op: Op<T>, hook: BeforeCall | undefined): T {
  let r = op.next();
  while (r.done !== true) {
    const step = r.value;
    if (hook !== undefined) {
      const h = hook(step.call);
      if (isThenable(h)) throw new TypeError(`${step.call.api}: this facade's beforeCall hook is asynchronous, so the synchronous fs API cannot be used on it`);
    }
    let value: unknown;
    try {
      value = step.run();
    } catch (e) {
      r = op.throw(toNodeError(e, step.call));
      continue;
    }
    r = op.next(value);
  }
  return r.value;
}

/** Runs a call's steps, awaiting the hook before each (the callback and promise forms). */
export async function runAsync<T>(op: Op<T>, hook: BeforeCall | undefined): Promise<T> {
  let r = op.next();
  while (r.done !== true) {
    const step = r.value;
    if (hook !== undefined) await hook(step.call);
    let value: unknown;
    try {
      value = step.run();
    } catch (e) {
      r = op.throw(toNodeError(e, step.call));
      continue;
    }
    r = op.next(value);
  }
  return r.value;
}

// ---------------------------------------------------------------------------
// Errors

/** Linux errno numbers, negated as Node reports them in `err.errno`. */
const ERRNO_NUMBER: Readonly<Record<Errno, number>> = {
  EPERM: -1, ENOENT: -2, EIO: -5, EBADF: -9, EACCES: -13, EEXIST: -17, ENOTDIR: -20, EISDIR: -21,
  EINVAL: -22, EMFILE: -24, ENOSPC: -28, EROFS: -30, ENOTEMPTY: -39,
};

/**
 * A failed primitive, shaped like Node's fs errors: `code`, negative `errno`,
 * `syscall`, `path` (and `dest` for rename), message
 * `ENOENT: no such file or directory, open '/d/x'`. Still an `FsError`.
 */
export class NodeFsError extends FsError {
  readonly errno: number;
  readonly dest: string | undefined;
  constructor(code: Errno, syscall: string, path: string | undefined, dest?: string, detail?: string) {
    super(code, syscall, path, detail);
    this.errno = ERRNO_NUMBER[code];
    this.dest = dest;
    const where = path === undefined ? '' : ` '${path}'${dest === undefined ? '' : ` -> '${dest}'`}`;
    this.message = `${code}: ${detail ?? errnoText(code)}, ${syscall}${where}`;
  }
}

function toNodeError(e: unknown, call: FacadeCall): unknown {
  if (e instanceof NodeFsError || !(e instanceof FsError)) return e;
  return new NodeFsError(e.code, e.syscall, e.path ?? call.path, call.primitive === 'rename' ? call.dest : undefined, detailOf(e));
}

/** The detail text of an FsError (its message after `syscall path: `), unless it is just the errno's text. */
function detailOf(e: FsError): string | undefined {
  const prefix = `${e.syscall}${e.path === undefined ? '' : ' ' + e.path}: `;
  const text = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  return text === errnoText(e.code) ? undefined : text;
}

export function nodeError(code: Errno, syscall: string, path?: string, detail?: string): NodeFsError {
  return new NodeFsError(code, syscall, path, undefined, detail);
}

/** A Node API the simulated disk does not provide: named, never a TypeError. */
export class UnsupportedFsCallError extends Error {
  override readonly name = 'UnsupportedFsCallError';
  readonly code = 'ERR_CRASHSIM_UNSUPPORTED';
  constructor(readonly call: string, why?: string) {
    super(`${call} is not supported on crashsim's simulated disk${why === undefined ? '' : ` (${why})`}; see docs/library.md, "What the facade covers"`);
  }
}

/** Node's argument errors (TypeError/RangeError with Node's code). */
export function argError(kind: 'type' | 'range', code: string, message: string): Error {
  const e = kind === 'type' ? new TypeError(message) : new RangeError(message);
  Object.defineProperty(e, 'code', { value: code, enumerable: false });
  return e;
}

// ---------------------------------------------------------------------------
// Paths, flags, data

export type PathLike = string | Uint8Array | URL;

/** A Node path argument as an absolute VFS path (relative paths resolve against `cwd`, no normalisation). */
export function toVfsPath(p: unknown, cwd: string, argName = 'path'): string {
  let s: string;
  if (typeof p === 'string') s = p;
  else if (p instanceof Uint8Array) s = Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8');
  else if (p instanceof URL) {
    if (p.protocol !== 'file:') throw argError('type', 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
    s = fileURLToPath(p);
  } else {
    throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "${argName}" argument must be of type string or an instance of Buffer or URL. Received ${describeValue(p)}`);
  }
  if (s.includes('\0')) throw argError('type', 'ERR_INVALID_ARG_VALUE', `The argument '${argName}' must be a string, Uint8Array, or URL without null bytes. Received ${JSON.stringify(s)}`);
  if (s === '' || s.startsWith('/')) return s;
  return cwd === '/' ? `/${s}` : `${cwd}/${s}`;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return `function ${v.name}`;
  if (typeof v === 'object') return `an instance of ${(v as object).constructor?.name ?? 'Object'}`;
  return `type ${typeof v} (${String(v)})`;
}

export const O_SYNC = 0o4010000;
export const O_DSYNC = 0o10000;
const O_NOFOLLOW = 0o400000;
const O_NOATIME = 0o1000000;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const O_NOCTTY = 0o400;
const O_DIRECT = 0o40000;
const O_LARGEFILE = 0o100000;
const O_TMPFILE = 0o20200000;
const KNOWN_FLAGS = O_RDONLY | O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY;
/** Bits the VFS has no use for: accepted and dropped (they change nothing a crash can show). */
const IGNORED_FLAGS = O_NOFOLLOW | O_NOATIME | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_DIRECT | O_LARGEFILE;

const STRING_FLAGS: Readonly<Record<string, number>> = {
  r: O_RDONLY, rs: O_RDONLY | O_SYNC, sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR, 'rs+': O_RDWR | O_SYNC, 'sr+': O_RDWR | O_SYNC,
  w: O_WRONLY | O_CREAT | O_TRUNC, wx: O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, xw: O_WRONLY | O_CREAT | O_TRUNC | O_EXCL,
  'w+': O_RDWR | O_CREAT | O_TRUNC, 'wx+': O_RDWR | O_CREAT | O_TRUNC | O_EXCL, 'xw+': O_RDWR | O_CREAT | O_TRUNC | O_EXCL,
  a: O_WRONLY | O_CREAT | O_APPEND, ax: O_WRONLY | O_CREAT | O_APPEND | O_EXCL, xa: O_WRONLY | O_CREAT | O_APPEND | O_EXCL,
  as: O_WRONLY | O_CREAT | O_APPEND | O_SYNC, sa: O_WRONLY | O_CREAT | O_APPEND | O_SYNC,
  'a+': O_RDWR | O_CREAT | O_APPEND, 'ax+': O_RDWR | O_CREAT | O_APPEND | O_EXCL, 'xa+': O_RDWR | O_CREAT | O_APPEND | O_EXCL,
  'as+': O_RDWR | O_CREAT | O_APPEND | O_SYNC, 'sa+': O_RDWR | O_CREAT | O_APPEND | O_SYNC,
};

export interface OpenFlags {
  /** what the VFS's open(2) gets */
  readonly vfsFlags: number;
  /** O_SYNC/O_DSYNC: every write is made durable before it returns */
  readonly syncWrites: boolean;
}

/** Node's string or numeric flags (Linux values). */
export function parseFlags(flags: unknown, dflt: string): OpenFlags {
  let n: number;
  if (flags === undefined || flags === null) n = STRING_FLAGS[dflt] as number;
  else if (typeof flags === 'string') {
    const v = STRING_FLAGS[flags];
    if (v === undefined) throw argError('type', 'ERR_INVALID_ARG_VALUE', `The argument 'flags' is invalid. Received ${JSON.stringify(flags)}`);
    n = v;
  } else if (typeof flags === 'number' && Number.isSafeInteger(flags) && flags >= 0) n = flags;
  else throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "flags" argument must be of type string or number. Received ${describeValue(flags)}`);
  if ((n & O_TMPFILE) === O_TMPFILE) throw new UnsupportedFsCallError('open with O_TMPFILE', 'files without a name are not modelled');
  const syncWrites = (n & (O_SYNC | O_DSYNC)) !== 0;
  const rest = n & ~(KNOWN_FLAGS | IGNORED_FLAGS | O_SYNC | O_DSYNC);
  if (rest !== 0) throw new UnsupportedFsCallError(`open with flags 0o${rest.toString(8)}`);
  return { vfsFlags: n & KNOWN_FLAGS, syncWrites };
}

export function parseMode(mode: unknown, dflt: number): number {
  if (mode === undefined || mode === null) return dflt;
  if (typeof mode === 'number' && Number.isSafeInteger(mode) && mode >= 0) return mode & 0o7777;
  if (typeof mode === 'string' && /^[0-7]+$/.test(mode)) return parseInt(mode, 8) & 0o7777;
  throw argError('type', 'ERR_INVALID_ARG_VALUE', `The argument 'mode' must be a 32-bit unsigned integer or an octal string. Received ${describeValue(mode)}`);
}

/** Bytes of `data` (a string in `encoding`, or any ArrayBufferView), sharing memory where possible. */
export function toBytes(data: unknown, encoding: BufferEncoding | undefined, argName = 'data'): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "${argName}" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${describeValue(data)}`);
}

export function encodingOf(options: unknown): BufferEncoding | 'buffer' | undefined {
  if (typeof options === 'string') return options as BufferEncoding;
  if (typeof options === 'object' && options !== null) {
    const e = (options as { encoding?: unknown }).encoding;
    if (typeof e === 'string') return e as BufferEncoding | 'buffer';
  }
  return undefined;
}

export function optionsObject(options: unknown): Record<string, unknown> {
  return typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
}

// ---------------------------------------------------------------------------
// Stats, Dirent, constants

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFMT = 0o170000;
/** Timestamps are not modelled: every time reads as the epoch, deterministically. */
const EPOCH = 0;

/** Node's `fs.Stats` for a VFS file or directory (no timestamps, ownership or links modelled). */
export class VfsStats {
  readonly dev = 1;
  readonly mode: number;
  readonly nlink = 1;
  readonly uid = 0;
  readonly gid = 0;
  readonly rdev = 0;
  readonly blksize = 4096;
  readonly ino: number;
  readonly size: number;
  readonly blocks: number;
  readonly atimeMs = EPOCH;
  readonly mtimeMs = EPOCH;
  readonly ctimeMs = EPOCH;
  readonly birthtimeMs = EPOCH;
  constructor(s: FileStat, ino = 0) {
    this.mode = (s.isDirectory ? S_IFDIR : S_IFREG) | s.mode;
    this.size = s.sizeBytes;
    this.blocks = Math.ceil(s.sizeBytes / 512);
    this.ino = ino;
  }
  // A fixed epoch, never the clock: stat times are the same in every run.
  get atime(): Date { return new Date(EPOCH); } // nondeterminism-ok: constant
  get mtime(): Date { return new Date(EPOCH); } // nondeterminism-ok: constant
  get ctime(): Date { return new Date(EPOCH); } // nondeterminism-ok: constant
  get birthtime(): Date { return new Date(EPOCH); } // nondeterminism-ok: constant
  isFile(): boolean { return (this.mode & S_IFMT) === S_IFREG; }
  isDirectory(): boolean { return (this.mode & S_IFMT) === S_IFDIR; }
  isSymbolicLink(): boolean { return false; }
  isBlockDevice(): boolean { return false; }
  isCharacterDevice(): boolean { return false; }
  isFIFO(): boolean { return false; }
  isSocket(): boolean { return false; }
}

/** `stat(path, { bigint: true })`: the same fields as bigints. */
export function bigintStats(s: VfsStats): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['dev', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'blksize', 'ino', 'size', 'blocks', 'atimeMs', 'mtimeMs', 'ctimeMs', 'birthtimeMs'] as const) {
    out[k] = BigInt(s[k]);
  }
  for (const k of ['atimeNs', 'mtimeNs', 'ctimeNs', 'birthtimeNs']) out[k] = 0n;
  for (const k of ['atime', 'mtime', 'ctime', 'birthtime'] as const) out[k] = s[k];
  for (const m of ['isFile', 'isDirectory', 'isSymbolicLink', 'isBlockDevice', 'isCharacterDevice', 'isFIFO', 'isSocket'] as const) out[m] = () => s[m]();
  return out;
}

/** Node's `fs.Dirent`. */
export class VfsDirent {
  constructor(readonly name: string | Buffer, readonly parentPath: string, private readonly dir: boolean) {}
  /** deprecated alias of parentPath, still read by libraries */
  get path(): string { return this.parentPath; }
  isFile(): boolean { return !this.dir; }
  isDirectory(): boolean { return this.dir; }
  isSymbolicLink(): boolean { return false; }
  isBlockDevice(): boolean { return false; }
  isCharacterDevice(): boolean { return false; }
  isFIFO(): boolean { return false; }
  isSocket(): boolean { return false; }
}

export function direntOf(e: DirEntry, parentPath: string, asBuffer: boolean): VfsDirent {
  return new VfsDirent(asBuffer ? Buffer.from(e.name) : e.name, parentPath, e.isDirectory);
}

/** `fs.constants` with Linux values (the VFS is a Linux file system whatever the host). */
export const FS_CONSTANTS = Object.freeze({
  UV_FS_SYMLINK_DIR: 1, UV_FS_SYMLINK_JUNCTION: 2,
  O_RDONLY, O_WRONLY, O_RDWR,
  UV_DIRENT_UNKNOWN: 0, UV_DIRENT_FILE: 1, UV_DIRENT_DIR: 2, UV_DIRENT_LINK: 3, UV_DIRENT_FIFO: 4, UV_DIRENT_SOCKET: 5, UV_DIRENT_CHAR: 6, UV_DIRENT_BLOCK: 7,
  S_IFMT, S_IFREG, S_IFDIR, S_IFCHR: 0o020000, S_IFBLK: 0o060000, S_IFIFO: 0o010000, S_IFLNK: 0o120000, S_IFSOCK: 0o140000,
  O_CREAT, O_EXCL, UV_FS_O_FILEMAP: 0, O_NOCTTY, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOATIME, O_NOFOLLOW, O_SYNC, O_DSYNC,
  O_DIRECT, O_NONBLOCK,
  S_IRWXU: 0o700, S_IRUSR: 0o400, S_IWUSR: 0o200, S_IXUSR: 0o100, S_IRWXG: 0o70, S_IRGRP: 0o40, S_IWGRP: 0o20, S_IXGRP: 0o10,
  S_IRWXO: 0o7, S_IROTH: 0o4, S_IWOTH: 0o2, S_IXOTH: 0o1,
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  UV_FS_COPYFILE_EXCL: 1, COPYFILE_EXCL: 1, UV_FS_COPYFILE_FICLONE: 2, COPYFILE_FICLONE: 2, UV_FS_COPYFILE_FICLONE_FORCE: 4, COPYFILE_FICLONE_FORCE: 4,
});
