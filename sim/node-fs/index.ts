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

type Def = {
  /** parses the arguments (throwing Node's argument errors synchronously) and returns the call's steps */
  readonly build: (c: CallCtx, args: unknown[]) => Op<unknown>;
  /** the sync form's (and promise form's) result from the op's result; default: as is */
  readonly value?: (r: any) => unknown;
  /** the callback's arguments after `null`; default: [value] */
  readonly cbArgs?: (r: any) => unknown[];
};

/** A `node:fs`-shaped object over `fs` (see the module doc). */
export function createNodeFs(fs: NodeFacadeFs, options: NodeFsOptions = {}): NodeFsFacade {
  const cwd = options.cwd ?? '/';
  if (!cwd.startsWith('/')) throw new RangeError(`createNodeFs: cwd must be an absolute path, got ${JSON.stringify(cwd)}`);
  const calls = new Calls(fs, options.readFileBytesMax ?? 256 * 1024 * 1024);
  const hook = options.beforeCall;
  const ctx = (api: string): CallCtx => ({ api, site: options.captureSite?.() });
  const P = (p: unknown, name = 'path'): string => toVfsPath(p, cwd, name);
  const run = <T>(op: Op<T>): Promise<T> => runAsync(op, hook);

  // fd or path, for readFile/writeFile/appendFile/truncate
  const target = (p: unknown): string | Fd => (typeof p === 'number' ? fdArg(p) : P(p));

  const statOp = function* (c: CallCtx, path: string, prim: 'stat' | 'lstat', o: Record<string, unknown>): Op<unknown> {
    let s: VfsStats;
    try {
      s = yield* calls.stat(c, path, prim);
    } catch (e) {
      if (o.throwIfNoEntry === false && e instanceof NodeFsError && e.code === 'ENOENT') return undefined;
      throw e;
    }
    return o.bigint === true ? bigintStats(s) : s;
  };

  const writeFileDef = (dfltFlag: string): Def => ({
    build: (c, [path, data, options]) => {
      const o = optionsObject(options);
      const enc = encodingOf(options);
      const bytes = toBytes(data, enc === 'buffer' ? undefined : enc);
      return calls.writeFile(c, target(path), [bytes], parseFlags(o.flag, dfltFlag), parseMode(o.mode, 0o666), o.flush === true);
    },
  });

  const defs: Record<string, Def> = {
    open: { build: (c, [path, flags, mode]) => calls.open(c, P(path), parseFlags(flags, 'r'), parseMode(mode, 0o666)) },
    close: { build: (c, [fd]) => calls.close(c, fdArg(fd)), cbArgs: () => [] },
    read: {
      build: (c, [fd, ...rest]) => {
        const a = readArgs(rest);
        const f = fdArg(fd);
        return (function* () {
          const bytesRead = yield* calls.read(c, f, a.view, 0, a.length, a.position);
          return { bytesRead, buffer: a.buffer };
        })();
      },
      value: (r: { bytesRead: number }) => r.bytesRead,
      cbArgs: (r: { bytesRead: number; buffer: unknown }) => [r.bytesRead, r.buffer],
    },
    write: {
      build: (c, [fd, ...rest]) => {
        const a = writeArgs(rest);
        const f = fdArg(fd);
        return (function* () {
          const bytesWritten = yield* calls.write(c, f, a.bytes, a.position);
          return { bytesWritten, buffer: a.original };
        })();
      },
      value: (r: { bytesWritten: number }) => r.bytesWritten,
      cbArgs: (r: { bytesWritten: number; buffer: unknown }) => [r.bytesWritten, r.buffer],
    },
    readv: {
      build: (c, [fd, buffers, position]) => {
        const bufs = buffersArg(buffers);
        const f = fdArg(fd);
        const pos = positionArg(position);
        return (function* () {
          return { bytesRead: yield* calls.readv(c, f, bufs, pos), buffers };
        })();
      },
      value: (r: { bytesRead: number }) => r.bytesRead,
      cbArgs: (r: { bytesRead: number; buffers: unknown }) => [r.bytesRead, r.buffers],
    },
    writev: {
      build: (c, [fd, buffers, position]) => {
        const bufs = buffersArg(buffers);
        const f = fdArg(fd);
        const pos = positionArg(position);
        return (function* () {
          return { bytesWritten: yield* calls.writev(c, f, bufs, pos), buffers };
        })();
      },
      value: (r: { bytesWritten: number }) => r.bytesWritten,
      cbArgs: (r: { bytesWritten: number; buffers: unknown }) => [r.bytesWritten, r.buffers],
    },
    fsync: { build: (c, [fd]) => calls.fsync(c, fdArg(fd)), cbArgs: () => [] },
    fdatasync: { build: (c, [fd]) => calls.fsync(c, fdArg(fd), 'fdatasync'), cbArgs: () => [] },
    ftruncate: { build: (c, [fd, len]) => calls.ftruncate(c, fdArg(fd), lenArg(len)), cbArgs: () => [] },
    truncate: {
      build: (c, [path, len]) => {
        const t = target(path);
        return typeof t === 'number' ? calls.ftruncate(c, t, lenArg(len)) : calls.truncate(c, t, lenArg(len));
      },
      cbArgs: () => [],
    },
    stat: { build: (c, [path, o]) => statOp(c, P(path), 'stat', optionsObject(o)) },
    lstat: { build: (c, [path, o]) => statOp(c, P(path), 'lstat', optionsObject(o)) },
    fstat: {
      build: (c, [fd, o]) => {
        const f = fdArg(fd);
        const big = optionsObject(o).bigint === true;
        return (function* () {
          const s = yield* calls.fstat(c, f);
          return big ? bigintStats(s) : s;
        })();
      },
    },
    mkdir: {
      build: (c, [path, options]) => {
        const p = P(path);
        const o = typeof options === 'number' || typeof options === 'string' ? { mode: options } : optionsObject(options);
        const mode = parseMode(o.mode, 0o777);
        if (o.recursive === true) return calls.mkdirRecursive(c, p, mode);
        return calls.mkdir(c, p, mode);
      },
    },
    rmdir: {
      build: (c, [path, options]) => {
        const p = P(path);
        return optionsObject(options).recursive === true ? calls.rm(c, p, true, false) : calls.rmdir(c, p);
      },
      cbArgs: () => [],
    },
    rm: {
      build: (c, [path, options]) => {
        const o = optionsObject(options);
        return calls.rm(c, P(path), o.recursive === true, o.force === true);
      },
      cbArgs: () => [],
    },
    unlink: { build: (c, [path]) => calls.unlink(c, P(path)), cbArgs: () => [] },
    rename: { build: (c, [from, to]) => calls.rename(c, P(from, 'oldPath'), P(to, 'newPath')), cbArgs: () => [] },
    readdir: {
      build: (c, [path, options]) => {
        const p = P(path);
        return (function* () {
          return readdirResult(yield* calls.readdir(c, p, optionsObject(options).recursive === true), options);
        })();
      },
    },
    readFile: {
      build: (c, [path, options]) => {
        const t = target(path);
        const o = optionsObject(options);
        const enc = encodingOf(options);
        return (function* () {
          return decode(yield* calls.readFile(c, t, o.flag), enc);
        })();
      },
    },
    writeFile: writeFileDef('w'),
    appendFile: writeFileDef('a'),
    copyFile: {
      build: (c, [src, dest, mode]) => calls.copyFile(c, P(src, 'src'), P(dest, 'dest'), typeof mode === 'number' ? mode : 0),
      cbArgs: () => [],
    },
    exists: { build: (c, [path]) => calls.exists(c, P(path)) },
    access: { build: (c, [path]) => calls.access(c, P(path)), cbArgs: () => [] },
    realpath: {
      build: (c, [path, options]) => {
        const p = P(path);
        const enc = encodingOf(options);
        return (function* () {
          return nameOut(yield* calls.realpath(c, p), enc);
        })();
      },
    },
    'realpath.native': {
      build: (c, [path, options]) => {
        const p = P(path);
        const enc = encodingOf(options);
        return (function* () {
          return nameOut(yield* calls.realpathNative(c, p), enc);
        })();
      },
    },
    mkdtemp: {
      build: (c, [prefix]) => {
        if (typeof prefix !== 'string') throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "prefix" argument must be of type string. Received ${describeValue(prefix)}`);
        return calls.mkdtemp(c, P(prefix, 'prefix'));
      },
    },
    readlink: { build: (c, [path]) => calls.readlink(c, P(path)) },
    opendir: {
      build: (c, [path]) => {
        const p = P(path);
        return (function* () {
          return new VfsDir(p, yield* calls.listDir(c, p));
        })();
      },
    },
  };
  for (const name of ['chmod', 'chown', 'utimes']) defs[name] = { build: (c, [path]) => calls.metadataByPath(c, P(path), 'stat'), cbArgs: () => [] };
  for (const name of ['lchmod', 'lchown', 'lutimes']) defs[name] = { build: (c, [path]) => calls.metadataByPath(c, P(path), 'lstat'), cbArgs: () => [] };
  for (const name of ['fchmod', 'fchown', 'futimes']) defs[name] = { build: (c, [fd]) => calls.metadataByFd(c, fdArg(fd)), cbArgs: () => [] };

  const api: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) {
    const value = def.value ?? ((r: unknown) => r);
    const cbArgs = def.cbArgs ?? ((r: unknown) => [value(r)]);
    api[`${name}Sync`] = named(`${name}Sync`, (...args: unknown[]) => value(runSync(def.build(ctx(`${name}Sync`), args), hook)));
    const cbForm = named(name, (...args: unknown[]) => {
      const cb = args.pop();
      if (typeof cb !== 'function') throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "cb" argument must be of type function. Received ${describeValue(cb)}`);
      const op = def.build(ctx(name), args);
      run(op).then(
        (r) => process.nextTick(() => (name === 'exists' ? cb(r) : cb(null, ...cbArgs(r)))),
        (e: unknown) => process.nextTick(() => (name === 'exists' ? cb(false) : cb(e))),
      );
    });
    // util.promisify(fs.read) etc. resolve to Node's result objects, as with the real module.
    Object.defineProperty(cbForm, promisify.custom, { value: (...args: unknown[]) => run(def.build(ctx(name), args)), enumerable: false });
    api[name] = cbForm;
  }
  // existsSync never throws (not even for a bad argument).
  api.existsSync = named('existsSync', (path: unknown): boolean => {
    try {
      return runSync(calls.exists(ctx('existsSync'), P(path)), hook);
    } catch (e) {
      if (e instanceof TypeError) return false;
      throw e;
    }
  });
  (api.realpath as { native?: unknown }).native = api['realpath.native'];
  (api.realpathSync as { native?: unknown }).native = api['realpath.nativeSync'];
  delete api['realpath.native'];
  delete api['realpath.nativeSync'];

  // Streams
  const streamEnv = (api: string): StreamEnv => ({ calls, run, ctx: ctx(api) });
  const streamOptions = (o: unknown): StreamOptions => (typeof o === 'string' ? { encoding: o as BufferEncoding } : (optionsObject(o) as StreamOptions));
  api.createWriteStream = named('createWriteStream', (path: unknown, o?: unknown) => {
    const so = streamOptions(o);
    return new VfsWriteStream(streamEnv('createWriteStream'), so.fd === undefined || so.fd === null ? P(path) : undefined, so);
  });
  api.createReadStream = named('createReadStream', (path: unknown, o?: unknown) => {
    const so = streamOptions(o);
    return new VfsReadStream(streamEnv('createReadStream'), so.fd === undefined || so.fd === null ? P(path) : undefined, so);
  });

  // fs/promises and FileHandle
  const handleCtx = (m: string): CallCtx => ctx(`FileHandle.${m}`);
  class VfsFileHandle {
    #fd: Fd;
    constructor(fd: Fd) {
      this.#fd = fd;
    }
    /** -1 once closed, as in Node */
    get fd(): Fd {
      return this.#fd;
    }
    private live(m: string): Fd {
      if (this.#fd < 0) throw new NodeFsError('EBADF', m === 'close' ? 'close' : m, undefined, undefined, 'file handle is closed');
      return this.#fd;
    }
    private async do<T>(m: string, op: (c: CallCtx, fd: Fd) => Op<T>): Promise<T> {
      const c = handleCtx(m);
      return run(op(c, this.live(m)));
    }
    read(...args: unknown[]): Promise<{ bytesRead: number; buffer: unknown }> {
      return this.do('read', (c, fd) => defs.read!.build(c, [fd, ...args]) as Op<{ bytesRead: number; buffer: unknown }>);
    }
    write(...args: unknown[]): Promise<{ bytesWritten: number; buffer: unknown }> {
      return this.do('write', (c, fd) => defs.write!.build(c, [fd, ...args]) as Op<{ bytesWritten: number; buffer: unknown }>);
    }
    readv(buffers: unknown, position?: unknown): Promise<unknown> {
      return this.do('readv', (c, fd) => defs.readv!.build(c, [fd, buffers, position]));
    }
    writev(buffers: unknown, position?: unknown): Promise<unknown> {
      return this.do('writev', (c, fd) => defs.writev!.build(c, [fd, buffers, position]));
    }
    sync(): Promise<void> {
      return this.do('sync', (c, fd) => calls.fsync(c, fd));
    }
    datasync(): Promise<void> {
      return this.do('datasync', (c, fd) => calls.fsync(c, fd, 'fdatasync'));
    }
    truncate(len?: unknown): Promise<void> {
      return this.do('truncate', (c, fd) => calls.ftruncate(c, fd, lenArg(len)));
    }
    stat(o?: unknown): Promise<unknown> {
      return this.do('stat', (c, fd) => defs.fstat!.build(c, [fd, o]));
    }
    chmod(): Promise<void> {
      return this.do('chmod', (c, fd) => calls.metadataByFd(c, fd));
    }
    chown(): Promise<void> {
      return this.do('chown', (c, fd) => calls.metadataByFd(c, fd));
    }
    utimes(): Promise<void> {
      return this.do('utimes', (c, fd) => calls.metadataByFd(c, fd));
    }
    readFile(o?: unknown): Promise<Buffer | string> {
      const enc = encodingOf(o);
      return this.do('readFile', (c, fd) => (function* () {
        return decode(yield* calls.readToEnd(c, fd, undefined), enc);
      })());
    }
    async writeFile(data: unknown, o?: unknown): Promise<void> {
      const chunks = await chunksOf(data, o);
      const flush = optionsObject(o).flush === true;
      return this.do('writeFile', (c, fd) => calls.writeFile(c, fd, chunks, parseFlags('w', 'w'), 0o666, flush));
    }
    appendFile(data: unknown, o?: unknown): Promise<void> {
      return this.writeFile(data, o);
    }
    async close(): Promise<void> {
      const fd = this.live('close');
      await run(calls.close(handleCtx('close'), fd));
      this.#fd = -1;
    }
    async [Symbol.asyncDispose](): Promise<void> {
      if (this.#fd >= 0) await this.close();
    }
    createWriteStream(o?: unknown): VfsWriteStream {
      return new VfsWriteStream(streamEnv('FileHandle.createWriteStream'), undefined, { ...optionsObject(o), fd: this });
    }
    createReadStream(o?: unknown): VfsReadStream {
      return new VfsReadStream(streamEnv('FileHandle.createReadStream'), undefined, { ...optionsObject(o), fd: this });
    }
    readLines(o?: unknown): ReturnType<typeof createInterface> {
      return createInterface({ input: this.createReadStream(o), crlfDelay: Infinity });
    }
    readableWebStream(): never {
      throw new UnsupportedFsCallError('FileHandle.readableWebStream', UNSUPPORTED_WHY.readableWebStream);
    }
  }

  /** fs/promises' data: a string, a view, or an (async) iterable of them. */
  const chunksOf = async (data: unknown, o: unknown): Promise<Uint8Array[]> => {
    const enc = encodingOf(o);
    const e = enc === 'buffer' ? undefined : enc;
    if (typeof data === 'string' || ArrayBuffer.isView(data)) return [toBytes(data, e)];
    if (typeof data === 'object' && data !== null && (Symbol.asyncIterator in data || Symbol.iterator in data)) {
      const out: Uint8Array[] = [];
      for await (const chunk of data as AsyncIterable<unknown>) out.push(toBytes(chunk, e));
      return out;
    }
    return [toBytes(data, e)];
  };

  const promises: Record<string, unknown> = {};
  const promiseForm = (name: string, f: (...args: unknown[]) => Promise<unknown>): void => {
    promises[name] = named(name, async (...args: unknown[]) => f(...args));
  };
  for (const name of [
    'access', 'copyFile', 'rename', 'rm', 'rmdir', 'mkdir', 'readdir', 'readlink', 'lstat', 'stat', 'unlink', 'chmod', 'lchmod',
    'lchown', 'chown', 'utimes', 'lutimes', 'realpath', 'mkdtemp', 'opendir',
  ]) {
    const def = defs[name] as Def;
    const value = def.value ?? ((r: unknown) => r);
    promiseForm(name, async (...args) => value(await run(def.build(ctx(`promises.${name}`), args))));
  }
  promiseForm('open', async (path, flags, mode) => new VfsFileHandle(await run(defs.open!.build(ctx('promises.open'), [path, flags, mode]) as Op<Fd>)));
  promiseForm('readFile', async (path, o) => (path instanceof VfsFileHandle ? path.readFile(o) : run(defs.readFile!.build(ctx('promises.readFile'), [path, o]))));
  const writeLike = (name: string, dfltFlag: string) => async (path: unknown, data: unknown, o?: unknown): Promise<void> => {
    if (path instanceof VfsFileHandle) return path.writeFile(data, o);
    const c = ctx(`promises.${name}`);
    const t = target(path);
    const chunks = await chunksOf(data, o);
    const opts = optionsObject(o);
    await run(calls.writeFile(c, t, chunks, parseFlags(opts.flag, dfltFlag), parseMode(opts.mode, 0o666), opts.flush === true));
  };
  promiseForm('writeFile', writeLike('writeFile', 'w'));
  promiseForm('appendFile', writeLike('appendFile', 'a'));
  promiseForm('truncate', async (path, len) => (path instanceof VfsFileHandle ? path.truncate(len) : run(defs.truncate!.build(ctx('promises.truncate'), [path, len]))));
  promises.constants = FS_CONSTANTS;
  for (const k of NODE_FS_PROMISES_KEYS) {
    if (!(k in promises)) promises[k] = named(k, async () => { throw new UnsupportedFsCallError(`fs.promises.${k}`, UNSUPPORTED_WHY[k]); });
  }

  api.promises = promises;
  api.constants = FS_CONSTANTS;
  for (const k of ['F_OK', 'R_OK', 'W_OK', 'X_OK'] as const) api[k] = FS_CONSTANTS[k];
  api.Stats = VfsStats;
  api.Dirent = VfsDirent;
  api.Dir = VfsDir;
  api.ReadStream = VfsReadStream;
  api.WriteStream = VfsWriteStream;
  api.FileReadStream = VfsReadStream;
  api.FileWriteStream = VfsWriteStream;
  for (const k of NODE_FS_KEYS) {
    if (!(k in api)) {
      const base = k.endsWith('Sync') ? k.slice(0, -4) : k;
      api[k] = named(k, () => {
        throw new UnsupportedFsCallError(`fs.${k}`, UNSUPPORTED_WHY[base]);
      });
    }
  }
  Object.defineProperty(api, FACADE_DISK, { value: fs, enumerable: false });
  return api as unknown as NodeFsFacade;
}

/** The file system under a facade made by createNodeFs (undefined for anything else). */
export function facadeDisk(facade: unknown): NodeFacadeFs | undefined {
  return typeof facade === 'object' && facade !== null ? (facade as Record<symbol, NodeFacadeFs | undefined>)[FACADE_DISK] : undefined;
}

const FACADE_DISK = Symbol('crashsim.facadeDisk');

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
