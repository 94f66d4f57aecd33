/**
 * A `node:fs`-shaped facade over a VFS, in all three of Node's forms: the sync
 * API (`writeFileSync`), the callback API (`writeFile(…, cb)`) and
 * `fs.promises` with `FileHandle`, plus `createWriteStream`/`createReadStream`
 * and `opendir`. Storage code written against `node:fs` runs on the
 * crash-faithful disk unchanged (hand it this object, or let crashsim's module
 * routing hand it over).
 *
 * Each call is defined once (calls.ts) and issues the primitives Node would;
 * `beforeCall` sees each primitive before it runs (the sync form needs a
 * synchronous hook). Errors look like Node's (`code`, `errno`, `syscall`,
 * `path`, `ENOENT: no such file or directory, open '/x'`). Relative paths
 * resolve against `cwd` (default `/`). Every other key of Node's fs exists too
 * and throws `UnsupportedFsCallError` naming the call (symlinks, hard links,
 * watchers, statfs, cp, openAsBlob, readableWebStream) — never a TypeError.
 *
 * ```ts
 * const vfs = Vfs.create({ personality: 'strict-posix' });
 * const fs = createNodeFs(vfs);
 * fs.mkdirSync('/db');
 * await fs.promises.writeFile('/db/CURRENT', 'v1', { flush: true });   // open, write, fsync, close
 * fs.renameSync('/db/CURRENT', '/db/OLD');
 * crashImages(vfs);    // the rename and the mkdir may each be lost: / and /db were never fsynced
 * ```
 */
import { Buffer } from 'node:buffer';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type * as NodeFsModule from 'node:fs';
import type { Fd } from '../../src/env.js';
import { Calls } from './calls.js';
import type { CallCtx, ReaddirEntry } from './calls.js';
import {
  argError, bigintStats, describeValue, encodingOf, FS_CONSTANTS, NodeFsError, optionsObject, parseFlags, parseMode, runAsync, runSync,
  toBytes, toVfsPath, UnsupportedFsCallError, VfsDirent, VfsStats,
} from './core.js';
import type { BeforeCall, NodeFacadeFs, Op } from './core.js';
import { VfsReadStream, VfsWriteStream } from './streams.js';
import type { StreamEnv, StreamOptions } from './streams.js';

export { NodeFsError, UnsupportedFsCallError, VfsDirent, VfsStats } from './core.js';
export type { BeforeCall, FacadeCall, NodeFacadeFs } from './core.js';
export { VfsReadStream, VfsWriteStream } from './streams.js';

/** Node's `fs` module type: what the facade is, to the code using it. */
export type NodeFsFacade = typeof NodeFsModule;

export interface NodeFsOptions {
  /** Called before each primitive (awaited in the async forms; must be synchronous for the sync form). */
  readonly beforeCall?: BeforeCall;
  /** Called when the program enters a facade call; its result is `FacadeCall.site` for that call's primitives. */
  readonly captureSite?: () => unknown;
  /** Directory relative paths resolve against (absolute). Default `/`. */
  readonly cwd?: string;
  /** readFile refuses larger files (EINVAL). Default 256 MiB. */
  readonly readFileBytesMax?: number;
}

/** Every key of Node 20's `fs`, `fs.promises` and `FileHandle`: the facade has all of them. */
export const NODE_FS_KEYS: readonly string[] = [
  'appendFile', 'appendFileSync', 'access', 'accessSync', 'chown', 'chownSync', 'chmod', 'chmodSync', 'close', 'closeSync',
  'copyFile', 'copyFileSync', 'cp', 'cpSync', 'createReadStream', 'createWriteStream', 'exists', 'existsSync', 'fchown',
  'fchownSync', 'fchmod', 'fchmodSync', 'fdatasync', 'fdatasyncSync', 'fstat', 'fstatSync', 'fsync', 'fsyncSync', 'ftruncate',
  'ftruncateSync', 'futimes', 'futimesSync', 'lchown', 'lchownSync', 'lchmod', 'lchmodSync', 'link', 'linkSync', 'lstat',
  'lstatSync', 'lutimes', 'lutimesSync', 'mkdir', 'mkdirSync', 'mkdtemp', 'mkdtempSync', 'open', 'openSync', 'openAsBlob',
  'readdir', 'readdirSync', 'read', 'readSync', 'readv', 'readvSync', 'readFile', 'readFileSync', 'readlink', 'readlinkSync',
  'realpath', 'realpathSync', 'rename', 'renameSync', 'rm', 'rmSync', 'rmdir', 'rmdirSync', 'stat', 'statfs', 'statSync',
  'statfsSync', 'symlink', 'symlinkSync', 'truncate', 'truncateSync', 'unwatchFile', 'unlink', 'unlinkSync', 'utimes',
  'utimesSync', 'watch', 'watchFile', 'writeFile', 'writeFileSync', 'write', 'writeSync', 'writev', 'writevSync', 'Dirent',
  'Stats', 'ReadStream', 'WriteStream', 'FileReadStream', 'FileWriteStream', '_toUnixTimestamp', 'Dir', 'opendir',
  'opendirSync', 'F_OK', 'R_OK', 'W_OK', 'X_OK', 'constants', 'promises',
];
export const NODE_FS_PROMISES_KEYS: readonly string[] = [
  'access', 'copyFile', 'cp', 'open', 'opendir', 'rename', 'truncate', 'rm', 'rmdir', 'mkdir', 'readdir', 'readlink',
  'symlink', 'lstat', 'stat', 'statfs', 'link', 'unlink', 'chmod', 'lchmod', 'lchown', 'chown', 'utimes', 'lutimes',
  'realpath', 'mkdtemp', 'writeFile', 'appendFile', 'readFile', 'watch', 'constants',
];
export const FILE_HANDLE_KEYS: readonly string[] = [
  'appendFile', 'chmod', 'chown', 'close', 'createReadStream', 'createWriteStream', 'datasync', 'fd', 'read',
  'readableWebStream', 'readFile', 'readLines', 'readv', 'stat', 'sync', 'truncate', 'utimes', 'write', 'writeFile', 'writev',
];

/** What the facade does not model, named in the error a call to it throws. */
const UNSUPPORTED_WHY: Readonly<Record<string, string>> = {
  link: 'hard links are not modelled', symlink: 'symbolic links are not modelled', watch: 'watchers are not modelled',
  watchFile: 'watchers are not modelled', unwatchFile: 'watchers are not modelled', statfs: 'no file-system statistics',
  cp: 'use copyFile per file', openAsBlob: 'Blobs are not modelled', _toUnixTimestamp: 'an internal of Node',
  readableWebStream: 'web streams are not modelled; use createReadStream',
};

const DEFAULT_READ_BUFFER_BYTES = 16 * 1024;

// ---------------------------------------------------------------------------
// Argument parsing shared by the three forms

function fdArg(fd: unknown): Fd {
  if (typeof fd !== 'number' || !Number.isSafeInteger(fd) || fd < 0) {
    throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "fd" argument must be of type number (a non-negative integer). Received ${describeValue(fd)}`);
  }
  return fd;
}

/** Node's `position`: a non-negative number (or bigint) = positional; null, undefined or -1 = the fd's offset. */
function positionArg(p: unknown): number | null {
  if (p === null || p === undefined || p === -1 || p === -1n) return null;
  const n = typeof p === 'bigint' ? Number(p) : p;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw argError('range', 'ERR_OUT_OF_RANGE', `The value of "position" is out of range. It must be >= -1 && <= ${Number.MAX_SAFE_INTEGER}. Received ${String(p)}`);
  }
  return n;
}

/** Node's truncate length: an integer; negative means 0. */
function lenArg(len: unknown): number {
  if (len === undefined || len === null) return 0;
  if (typeof len !== 'number') throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "len" argument must be of type number. Received ${describeValue(len)}`);
  if (!Number.isSafeInteger(len)) throw argError('range', 'ERR_OUT_OF_RANGE', `The value of "len" is out of range. It must be an integer. Received ${len}`);
  return Math.max(0, len);
}

function bytesView(b: unknown, argName: string): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "${argName}" argument must be an instance of Buffer, TypedArray, or DataView. Received ${describeValue(b)}`);
}

function rangeCheck(name: string, v: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) {
    throw argError('range', 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be >= 0 && <= ${max}. Received ${v}`);
  }
}

interface ReadArgs {
  readonly buffer: ArrayBufferView;
  readonly view: Uint8Array;
  readonly offset: number;
  readonly length: number;
  readonly position: number | null;
}

/** read(fd, buffer, offset?, length?, position?) | read(fd, buffer, {…}) | read(fd, {buffer, …}) | read(fd). */
function readArgs(args: readonly unknown[]): ReadArgs {
  let [buffer, offset, length, position] = args;
  if (buffer !== undefined && !ArrayBuffer.isView(buffer) && typeof buffer === 'object' && buffer !== null) {
    ({ buffer, offset, length, position } = buffer as Record<string, unknown>);
  } else if (ArrayBuffer.isView(buffer) && typeof offset === 'object' && offset !== null) {
    ({ offset, length, position } = offset as Record<string, unknown>);
  }
  buffer ??= Buffer.alloc(DEFAULT_READ_BUFFER_BYTES);
  const view = bytesView(buffer, 'buffer');
  const off = offset === undefined || offset === null ? 0 : Number(offset);
  rangeCheck('offset', off, view.byteLength);
  const len = length === undefined || length === null ? view.byteLength - off : Number(length);
  rangeCheck('length', len, view.byteLength - off);
  return { buffer: buffer as ArrayBufferView, view: view.subarray(off, off + len), offset: 0, length: len, position: positionArg(position) };
}

interface WriteArgs {
  readonly bytes: Uint8Array;
  readonly position: number | null;
  /** what Node hands back as `buffer` */
  readonly original: unknown;
}

/** write(fd, buffer, offset?, length?, position?) | write(fd, buffer, {…}) | write(fd, string, position?, encoding?). */
function writeArgs(args: readonly unknown[]): WriteArgs {
  const [data, a, b, c] = args;
  if (typeof data === 'string') {
    return { bytes: Buffer.from(data, typeof b === 'string' ? (b as BufferEncoding) : 'utf8'), position: positionArg(a), original: data };
  }
  const view = bytesView(data, 'buffer');
  let offset = a;
  let length = b;
  let position = c;
  if (typeof a === 'object' && a !== null) ({ offset, length, position } = a as Record<string, unknown>);
  const off = offset === undefined || offset === null ? 0 : Number(offset);
  rangeCheck('offset', off, view.byteLength);
  const len = length === undefined || length === null ? view.byteLength - off : Number(length);
  rangeCheck('length', len, view.byteLength - off);
  return { bytes: view.subarray(off, off + len), position: positionArg(position), original: data };
}

function buffersArg(buffers: unknown): Uint8Array[] {
  if (!Array.isArray(buffers)) throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "buffers" argument must be an ArrayBufferView[]. Received ${describeValue(buffers)}`);
  return buffers.map((b) => bytesView(b, 'buffers'));
}

function decode(bytes: Buffer, encoding: BufferEncoding | 'buffer' | undefined): Buffer | string {
  return encoding === undefined || encoding === 'buffer' ? bytes : bytes.toString(encoding);
}

function nameOut(name: string, encoding: BufferEncoding | 'buffer' | undefined): string | Buffer {
  return encoding === 'buffer' ? Buffer.from(name) : name;
}

function readdirResult(entries: readonly ReaddirEntry[], options: unknown): (string | Buffer | VfsDirent)[] {
  const o = optionsObject(options);
  const enc = encodingOf(options);
  if (o.withFileTypes === true) {
    return entries.map((e) => {
      const base = e.name.slice(e.name.lastIndexOf('/') + 1);
      return new VfsDirent(nameOut(base, enc), e.parentPath, e.isDirectory);
    });
  }
  return entries.map((e) => nameOut(e.name, enc));
}

// ---------------------------------------------------------------------------
// The facade

/** One facade's state: every function of it reaches the disk through this. */
interface State {
  readonly fs: NodeFacadeFs;
  readonly calls: Calls;
  readonly cwd: string;
  readonly hook: BeforeCall | undefined;
  readonly captureSite: (() => unknown) | undefined;
}

type Def = {
  /** parses the arguments (throwing Node's argument errors synchronously) and returns the call's steps */
  readonly build: (st: State, c: CallCtx, args: unknown[]) => Op<unknown>;
  /** the sync form's (and promise form's) result from the op's result; default: as is */
  readonly value?: (r: any) => unknown;
  /** the callback's arguments after `null`; default: [value] */
  readonly cbArgs?: (r: any) => unknown[];
};

const ctx = (st: State, api: string): CallCtx => ({ api, site: st.captureSite?.() });
const P = (st: State, p: unknown, name = 'path'): string => toVfsPath(p, st.cwd, name);
const run = <T>(st: State, op: Op<T>): Promise<T> => runAsync(op, st.hook);
/** fd or path, for readFile/writeFile/appendFile/truncate */
const target = (st: State, p: unknown): string | Fd => (typeof p === 'number' ? fdArg(p) : P(st, p));

function* statOp(st: State, c: CallCtx, path: string, prim: 'stat' | 'lstat', o: Record<string, unknown>): Op<unknown> {
  let s: VfsStats;
  try {
    s = yield* st.calls.stat(c, path, prim);
  } catch (e) {
    if (o.throwIfNoEntry === false && e instanceof NodeFsError && e.code === 'ENOENT') return undefined;
    throw e;
  }
  return o.bigint === true ? bigintStats(s) : s;
}

const writeFileDef = (dfltFlag: string): Def => ({
  build: (st, c, [path, data, options]) => {
    const o = optionsObject(options);
    const enc = encodingOf(options);
    const bytes = toBytes(data, enc === 'buffer' ? undefined : enc);
    return st.calls.writeFile(c, target(st, path), [bytes], parseFlags(o.flag, dfltFlag), parseMode(o.mode, 0o666), o.flush === true);
  },
});

const DEFS: Record<string, Def> = {
  open: { build: (st, c, [path, flags, mode]) => st.calls.open(c, P(st, path), parseFlags(flags, 'r'), parseMode(mode, 0o666)) },
  close: { build: (st, c, [fd]) => st.calls.close(c, fdArg(fd)), cbArgs: () => [] },
  read: {
    build: (st, c, [fd, ...rest]) => {
      const a = readArgs(rest);
      const f = fdArg(fd);
      return (function* () {
        const bytesRead = yield* st.calls.read(c, f, a.view, 0, a.length, a.position);
        return { bytesRead, buffer: a.buffer };
      })();
    },
    value: (r: { bytesRead: number }) => r.bytesRead,
    cbArgs: (r: { bytesRead: number; buffer: unknown }) => [r.bytesRead, r.buffer],
  },
  write: {
    build: (st, c, [fd, ...rest]) => {
      const a = writeArgs(rest);
      const f = fdArg(fd);
      return (function* () {
        const bytesWritten = yield* st.calls.write(c, f, a.bytes, a.position);
        return { bytesWritten, buffer: a.original };
      })();
    },
    value: (r: { bytesWritten: number }) => r.bytesWritten,
    cbArgs: (r: { bytesWritten: number; buffer: unknown }) => [r.bytesWritten, r.buffer],
  },
  readv: {
    build: (st, c, [fd, buffers, position]) => {
      const bufs = buffersArg(buffers);
      const f = fdArg(fd);
      const pos = positionArg(position);
      return (function* () {
        return { bytesRead: yield* st.calls.readv(c, f, bufs, pos), buffers };
      })();
    },
    value: (r: { bytesRead: number }) => r.bytesRead,
    cbArgs: (r: { bytesRead: number; buffers: unknown }) => [r.bytesRead, r.buffers],
  },
  writev: {
    build: (st, c, [fd, buffers, position]) => {
      const bufs = buffersArg(buffers);
      const f = fdArg(fd);
      const pos = positionArg(position);
      return (function* () {
        return { bytesWritten: yield* st.calls.writev(c, f, bufs, pos), buffers };
      })();
    },
    value: (r: { bytesWritten: number }) => r.bytesWritten,
    cbArgs: (r: { bytesWritten: number; buffers: unknown }) => [r.bytesWritten, r.buffers],
  },
  fsync: { build: (st, c, [fd]) => st.calls.fsync(c, fdArg(fd)), cbArgs: () => [] },
  fdatasync: { build: (st, c, [fd]) => st.calls.fsync(c, fdArg(fd), 'fdatasync'), cbArgs: () => [] },
  ftruncate: { build: (st, c, [fd, len]) => st.calls.ftruncate(c, fdArg(fd), lenArg(len)), cbArgs: () => [] },
  truncate: {
    build: (st, c, [path, len]) => {
      const t = target(st, path);
      return typeof t === 'number' ? st.calls.ftruncate(c, t, lenArg(len)) : st.calls.truncate(c, t, lenArg(len));
    },
    cbArgs: () => [],
  },
  stat: { build: (st, c, [path, o]) => statOp(st, c, P(st, path), 'stat', optionsObject(o)) },
  lstat: { build: (st, c, [path, o]) => statOp(st, c, P(st, path), 'lstat', optionsObject(o)) },
  fstat: {
    build: (st, c, [fd, o]) => {
      const f = fdArg(fd);
      const big = optionsObject(o).bigint === true;
      return (function* () {
        const s = yield* st.calls.fstat(c, f);
        return big ? bigintStats(s) : s;
      })();
    },
  },
  mkdir: {
    build: (st, c, [path, options]) => {
      const p = P(st, path);
      const o = typeof options === 'number' || typeof options === 'string' ? { mode: options } : optionsObject(options);
      const mode = parseMode(o.mode, 0o777);
      if (o.recursive === true) return st.calls.mkdirRecursive(c, p, mode);
      return st.calls.mkdir(c, p, mode);
    },
  },
  rmdir: {
    build: (st, c, [path, options]) => {
      const p = P(st, path);
      return optionsObject(options).recursive === true ? st.calls.rm(c, p, true, false) : st.calls.rmdir(c, p);
    },
    cbArgs: () => [],
  },
  rm: {
    build: (st, c, [path, options]) => {
      const o = optionsObject(options);
      return st.calls.rm(c, P(st, path), o.recursive === true, o.force === true);
    },
    cbArgs: () => [],
  },
  unlink: { build: (st, c, [path]) => st.calls.unlink(c, P(st, path)), cbArgs: () => [] },
  rename: { build: (st, c, [from, to]) => st.calls.rename(c, P(st, from, 'oldPath'), P(st, to, 'newPath')), cbArgs: () => [] },
  readdir: {
    build: (st, c, [path, options]) => {
      const p = P(st, path);
      return (function* () {
        return readdirResult(yield* st.calls.readdir(c, p, optionsObject(options).recursive === true), options);
      })();
    },
  },
  readFile: {
    build: (st, c, [path, options]) => {
      const t = target(st, path);
      const o = optionsObject(options);
      const enc = encodingOf(options);
      return (function* () {
        return decode(yield* st.calls.readFile(c, t, o.flag), enc);
      })();
    },
  },
  writeFile: writeFileDef('w'),
  appendFile: writeFileDef('a'),
  copyFile: {
    build: (st, c, [src, dest, mode]) => st.calls.copyFile(c, P(st, src, 'src'), P(st, dest, 'dest'), typeof mode === 'number' ? mode : 0),
    cbArgs: () => [],
  },
  exists: { build: (st, c, [path]) => st.calls.exists(c, P(st, path)) },
  access: { build: (st, c, [path]) => st.calls.access(c, P(st, path)), cbArgs: () => [] },
  realpath: {
    build: (st, c, [path, options]) => {
      const p = P(st, path);
      const enc = encodingOf(options);
      return (function* () {
        return nameOut(yield* st.calls.realpath(c, p), enc);
      })();
    },
  },
  'realpath.native': {
    build: (st, c, [path, options]) => {
      const p = P(st, path);
      const enc = encodingOf(options);
      return (function* () {
        return nameOut(yield* st.calls.realpathNative(c, p), enc);
      })();
    },
  },
  mkdtemp: {
    build: (st, c, [prefix]) => {
      if (typeof prefix !== 'string') throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "prefix" argument must be of type string. Received ${describeValue(prefix)}`);
      return st.calls.mkdtemp(c, P(st, prefix, 'prefix'));
    },
  },
  readlink: { build: (st, c, [path]) => st.calls.readlink(c, P(st, path)) },
  opendir: {
    build: (st, c, [path]) => {
      const p = P(st, path);
      return (function* () {
        return new VfsDir(p, yield* st.calls.listDir(c, p));
      })();
    },
  },
};
for (const name of ['chmod', 'chown', 'utimes']) DEFS[name] = { build: (st, c, [path]) => st.calls.metadataByPath(c, P(st, path), 'stat'), cbArgs: () => [] };
for (const name of ['lchmod', 'lchown', 'lutimes']) DEFS[name] = { build: (st, c, [path]) => st.calls.metadataByPath(c, P(st, path), 'lstat'), cbArgs: () => [] };
for (const name of ['fchmod', 'fchown', 'futimes']) DEFS[name] = { build: (st, c, [fd]) => st.calls.metadataByFd(c, fdArg(fd)), cbArgs: () => [] };


const PROMISE_DEF_KEYS = [
  'access', 'copyFile', 'rename', 'rm', 'rmdir', 'mkdir', 'readdir', 'readlink', 'lstat', 'stat', 'unlink', 'chmod', 'lchmod',
  'lchown', 'chown', 'utimes', 'lutimes', 'realpath', 'mkdtemp', 'opendir',
];

const STATE = Symbol('crashsim.facadeState');

/**
 * An object with every key in `keys` whose members are made on first use
 * (a facade is made per crash state, and most programs touch a few calls).
 * It behaves as a plain object: `in`, Object.keys, spreading, assignment.
 */
function lazyObject(keys: readonly string[], make: (k: string) => unknown, st: State): Record<string, unknown> {
  const keySet = new Set(keys);
  const cache: Record<string | symbol, unknown> = {};
  Object.defineProperty(cache, STATE, { value: st, enumerable: false });
  const materialize = (t: Record<string | symbol, unknown>, k: string | symbol): void => {
    if (typeof k === 'string' && keySet.has(k) && !Object.prototype.hasOwnProperty.call(t, k)) t[k] = make(k);
  };
  return new Proxy(cache, {
    get(t, k, recv) {
      materialize(t, k);
      return Reflect.get(t, k, recv);
    },
    has(t, k) {
      return (typeof k === 'string' && keySet.has(k)) || Reflect.has(t, k);
    },
    ownKeys(t) {
      return [...new Set<string | symbol>([...keys, ...Reflect.ownKeys(t)])];
    },
    getOwnPropertyDescriptor(t, k) {
      materialize(t, k);
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
  });
}

/** One member of the `fs` object: a sync or callback form, a stream factory, a class, a constant, or an unsupported call. */
function fsMember(st: State, k: string): unknown {
  if (k === 'promises') return lazyObject(NODE_FS_PROMISES_KEYS, (m) => promisesMember(st, m), st);
  if (k === 'constants') return FS_CONSTANTS;
  if (k === 'F_OK' || k === 'R_OK' || k === 'W_OK' || k === 'X_OK') return FS_CONSTANTS[k];
  const cls = CLASSES[k];
  if (cls !== undefined) return cls;
  if (k === 'existsSync') {
    // existsSync never throws (not even for a bad argument)
    return named('existsSync', (path: unknown): boolean => {
      try {
        return runSync(st.calls.exists(ctx(st, 'existsSync'), P(st, path)), st.hook);
      } catch (e) {
        if (e instanceof TypeError) return false;
        throw e;
      }
    });
  }
  if (k === 'createWriteStream' || k === 'createReadStream') {
    return named(k, (path: unknown, o?: unknown) => {
      const so = streamOptions(o);
      const at = so.fd === undefined || so.fd === null ? P(st, path) : undefined;
      const env = streamEnv(st, k);
      return k === 'createWriteStream' ? new VfsWriteStream(env, at, so) : new VfsReadStream(env, at, so);
    });
  }
  const sync = k.endsWith('Sync');
  const name = sync ? k.slice(0, -4) : k;
  const def = DEFS[name];
  if (def === undefined) {
    return named(k, () => {
      throw new UnsupportedFsCallError(`fs.${k}`, UNSUPPORTED_WHY[name]);
    });
  }
  const value = def.value ?? ((r: unknown) => r);
  let f: (...args: unknown[]) => unknown;
  if (sync) {
    f = named(k, (...args: unknown[]) => value(runSync(def.build(st, ctx(st, k), args), st.hook)));
  } else {
    const cbArgs = def.cbArgs ?? ((r: unknown) => [value(r)]);
    f = named(k, (...args: unknown[]) => {
      const cb = args.pop();
      if (typeof cb !== 'function') throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "cb" argument must be of type function. Received ${describeValue(cb)}`);
      const op = def.build(st, ctx(st, k), args);
      run(st, op).then(
        (r) => process.nextTick(() => (k === 'exists' ? cb(r) : cb(null, ...cbArgs(r)))),
        (e: unknown) => process.nextTick(() => (k === 'exists' ? cb(false) : cb(e))),
      );
    });
    // util.promisify(fs.read) etc. resolve to Node's result objects, as with the real module.
    Object.defineProperty(f, promisify.custom, { value: (...args: unknown[]) => run(st, def.build(st, ctx(st, k), args)), enumerable: false });
  }
  if (name === 'realpath') {
    const native = DEFS['realpath.native'] as Def;
    (f as unknown as { native: unknown }).native = sync
      ? named('realpathSync.native', (...args: unknown[]) => runSync(native.build(st, ctx(st, 'realpathSync.native'), args), st.hook))
      : named('realpath.native', (...args: unknown[]) => {
        const cb = args.pop() as (e: unknown, r?: unknown) => void;
        run(st, native.build(st, ctx(st, 'realpath.native'), args)).then((r) => process.nextTick(() => cb(null, r)), (e: unknown) => process.nextTick(() => cb(e)));
      });
  }
  return f;
}

const CLASSES: Readonly<Record<string, unknown>> = {
  Stats: VfsStats, Dirent: VfsDirent, ReadStream: VfsReadStream, WriteStream: VfsWriteStream, FileReadStream: VfsReadStream,
  FileWriteStream: VfsWriteStream,
};

const streamEnv = (st: State, api: string): StreamEnv => ({ calls: st.calls, run: (op) => run(st, op), ctx: ctx(st, api) });
const streamOptions = (o: unknown): StreamOptions => (typeof o === 'string' ? { encoding: o as BufferEncoding } : (optionsObject(o) as StreamOptions));

/** fs/promises' data: a string, a view, or an (async) iterable of them. */
async function chunksOf(data: unknown, o: unknown): Promise<Uint8Array[]> {
  const enc = encodingOf(o);
  const e = enc === 'buffer' ? undefined : enc;
  if (typeof data === 'string' || ArrayBuffer.isView(data)) return [toBytes(data, e)];
  if (typeof data === 'object' && data !== null && (Symbol.asyncIterator in data || Symbol.iterator in data)) {
    const out: Uint8Array[] = [];
    for await (const chunk of data as AsyncIterable<unknown>) out.push(toBytes(chunk, e));
    return out;
  }
  return [toBytes(data, e)];
}

/** Node's FileHandle (fs.promises.open). */
export class VfsFileHandle {
  #fd: Fd;
  readonly #st: State;
  constructor(st: State, fd: Fd) {
    this.#st = st;
    this.#fd = fd;
  }
  /** -1 once closed, as in Node */
  get fd(): Fd {
    return this.#fd;
  }
  #live(m: string): Fd {
    if (this.#fd < 0) throw new NodeFsError('EBADF', m, undefined, undefined, 'file handle is closed');
    return this.#fd;
  }
  async #do<T>(m: string, op: (c: CallCtx, fd: Fd) => Op<T>): Promise<T> {
    const c = ctx(this.#st, `FileHandle.${m}`);
    return run(this.#st, op(c, this.#live(m)));
  }
  read(...args: unknown[]): Promise<{ bytesRead: number; buffer: unknown }> {
    return this.#do('read', (c, fd) => (DEFS.read as Def).build(this.#st, c, [fd, ...args]) as Op<{ bytesRead: number; buffer: unknown }>);
  }
  write(...args: unknown[]): Promise<{ bytesWritten: number; buffer: unknown }> {
    return this.#do('write', (c, fd) => (DEFS.write as Def).build(this.#st, c, [fd, ...args]) as Op<{ bytesWritten: number; buffer: unknown }>);
  }
  readv(buffers: unknown, position?: unknown): Promise<unknown> {
    return this.#do('readv', (c, fd) => (DEFS.readv as Def).build(this.#st, c, [fd, buffers, position]));
  }
  writev(buffers: unknown, position?: unknown): Promise<unknown> {
    return this.#do('writev', (c, fd) => (DEFS.writev as Def).build(this.#st, c, [fd, buffers, position]));
  }
  sync(): Promise<void> {
    return this.#do('sync', (c, fd) => this.#st.calls.fsync(c, fd));
  }
  datasync(): Promise<void> {
    return this.#do('datasync', (c, fd) => this.#st.calls.fsync(c, fd, 'fdatasync'));
  }
  truncate(len?: unknown): Promise<void> {
    return this.#do('truncate', (c, fd) => this.#st.calls.ftruncate(c, fd, lenArg(len)));
  }
  stat(o?: unknown): Promise<unknown> {
    return this.#do('stat', (c, fd) => (DEFS.fstat as Def).build(this.#st, c, [fd, o]));
  }
  chmod(): Promise<void> {
    return this.#do('chmod', (c, fd) => this.#st.calls.metadataByFd(c, fd));
  }
  chown(): Promise<void> {
    return this.#do('chown', (c, fd) => this.#st.calls.metadataByFd(c, fd));
  }
  utimes(): Promise<void> {
    return this.#do('utimes', (c, fd) => this.#st.calls.metadataByFd(c, fd));
  }
  readFile(o?: unknown): Promise<Buffer | string> {
    const enc = encodingOf(o);
    const calls = this.#st.calls;
    return this.#do('readFile', (c, fd) => (function* () {
      return decode(yield* calls.readToEnd(c, fd, undefined), enc);
    })());
  }
  async writeFile(data: unknown, o?: unknown): Promise<void> {
    const chunks = await chunksOf(data, o);
    const flush = optionsObject(o).flush === true;
    return this.#do('writeFile', (c, fd) => this.#st.calls.writeFile(c, fd, chunks, parseFlags('w', 'w'), 0o666, flush));
  }
  appendFile(data: unknown, o?: unknown): Promise<void> {
    return this.writeFile(data, o);
  }
  async close(): Promise<void> {
    const fd = this.#live('close');
    await run(this.#st, this.#st.calls.close(ctx(this.#st, 'FileHandle.close'), fd));
    this.#fd = -1;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#fd >= 0) await this.close();
  }
  createWriteStream(o?: unknown): VfsWriteStream {
    return new VfsWriteStream(streamEnv(this.#st, 'FileHandle.createWriteStream'), undefined, { ...optionsObject(o), fd: this });
  }
  createReadStream(o?: unknown): VfsReadStream {
    return new VfsReadStream(streamEnv(this.#st, 'FileHandle.createReadStream'), undefined, { ...optionsObject(o), fd: this });
  }
  readLines(o?: unknown): ReturnType<typeof createInterface> {
    return createInterface({ input: this.createReadStream(o), crlfDelay: Infinity });
  }
  readableWebStream(): never {
    throw new UnsupportedFsCallError('FileHandle.readableWebStream', UNSUPPORTED_WHY.readableWebStream);
  }
}

/** One member of `fs.promises`. */
function promisesMember(st: State, k: string): unknown {
  if (k === 'constants') return FS_CONSTANTS;
  const form = (f: (...args: unknown[]) => Promise<unknown>): unknown => named(k, async (...args: unknown[]) => f(...args));
  const api = `promises.${k}`;
  switch (k) {
    case 'open':
      return form(async (path, flags, mode) => new VfsFileHandle(st, await run(st, (DEFS.open as Def).build(st, ctx(st, api), [path, flags, mode]) as Op<Fd>)));
    case 'readFile':
      return form(async (path, o) => (path instanceof VfsFileHandle ? path.readFile(o) : run(st, (DEFS.readFile as Def).build(st, ctx(st, api), [path, o]))));
    case 'writeFile':
    case 'appendFile':
      return form(async (path, data, o) => {
        if (path instanceof VfsFileHandle) return path.writeFile(data, o);
        const c = ctx(st, api);
        const t = target(st, path);
        const chunks = await chunksOf(data, o);
        const opts = optionsObject(o);
        await run(st, st.calls.writeFile(c, t, chunks, parseFlags(opts.flag, k === 'writeFile' ? 'w' : 'a'), parseMode(opts.mode, 0o666), opts.flush === true));
        return undefined;
      });
    case 'truncate':
      return form(async (path, len) => (path instanceof VfsFileHandle ? path.truncate(len) : run(st, (DEFS.truncate as Def).build(st, ctx(st, api), [path, len]))));
  }
  if (PROMISE_DEF_KEYS.includes(k)) {
    const def = DEFS[k] as Def;
    const value = def.value ?? ((r: unknown) => r);
    return form(async (...args) => value(await run(st, def.build(st, ctx(st, api), args))));
  }
  return form(async () => {
    throw new UnsupportedFsCallError(`fs.promises.${k}`, UNSUPPORTED_WHY[k]);
  });
}

/** A `node:fs`-shaped object over `fs` (see the module doc). Members are made on first use, so a facade costs almost nothing to create. */
export function createNodeFs(fs: NodeFacadeFs, options: NodeFsOptions = {}): NodeFsFacade {
  const cwd = options.cwd ?? '/';
  if (!cwd.startsWith('/')) throw new RangeError(`createNodeFs: cwd must be an absolute path, got ${JSON.stringify(cwd)}`);
  const st: State = { fs, calls: new Calls(fs, options.readFileBytesMax ?? 256 * 1024 * 1024), cwd, hook: options.beforeCall, captureSite: options.captureSite };
  return lazyObject(NODE_FS_KEYS, (k) => fsMember(st, k), st) as unknown as NodeFsFacade;
}

/** The file system under a facade made by createNodeFs (undefined for anything else). */
export function facadeDisk(facade: unknown): NodeFacadeFs | undefined {
  if (typeof facade !== 'object' || facade === null) return undefined;
  return ((facade as Record<symbol, State | undefined>)[STATE])?.fs;
}

function named<F extends (...args: any[]) => unknown>(name: string, f: F): F {
  Object.defineProperty(f, 'name', { value: name });
  return f;
}

/** `fs.Dir` from opendir: the listing is read when the directory is opened. */
export class VfsDir {
  #closed = false;
  #next = 0;
  constructor(readonly path: string, private readonly entries: readonly { readonly name: string; readonly isDirectory: boolean }[]) {}
  readSync(): VfsDirent | null {
    if (this.#closed) throw argError('type', 'ERR_DIR_CLOSED', 'Directory handle was closed');
    const e = this.entries[this.#next++];
    return e === undefined ? null : new VfsDirent(e.name, this.path, e.isDirectory);
  }
  read(cb?: (err: Error | null, d?: VfsDirent | null) => void): Promise<VfsDirent | null> | undefined {
    let r: VfsDirent | null;
    try {
      r = this.readSync();
    } catch (e) {
      if (cb === undefined) return Promise.reject(e);
      process.nextTick(cb, e);
      return undefined;
    }
    if (cb === undefined) return Promise.resolve(r);
    process.nextTick(cb, null, r);
    return undefined;
  }
  closeSync(): void {
    if (this.#closed) throw argError('type', 'ERR_DIR_CLOSED', 'Directory handle was closed');
    this.#closed = true;
  }
  close(cb?: (err: Error | null) => void): Promise<void> | undefined {
    try {
      this.closeSync();
    } catch (e) {
      if (cb === undefined) return Promise.reject(e);
      process.nextTick(cb, e);
      return undefined;
    }
    if (cb === undefined) return Promise.resolve();
    process.nextTick(cb, null);
    return undefined;
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<VfsDirent> {
    try {
      for (let d = this.readSync(); d !== null; d = this.readSync()) yield d;
    } finally {
      if (!this.#closed) this.closeSync();
    }
  }
}
