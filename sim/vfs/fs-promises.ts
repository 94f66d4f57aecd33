/**
 * An `fs/promises`-shaped facade over a VFS, so other Node persistence code can
 * run on the crash-faithful file system unmodified (import this object where it
 * imported `node:fs/promises`).
 *
 * Covered: open → FileHandle {fd, read, write, sync, datasync, truncate, stat,
 * close, readFile, writeFile}, readFile, writeFile, appendFile, readdir (names or
 * Dirents), mkdir (also recursive), rmdir, unlink, rename, truncate, stat, lstat,
 * access. `truncate`/`FileHandle.truncate` are the VFS's own truncate(2) and
 * ftruncate(2) primitives (vfs.ts rule 13: durability as the file's data).
 * Errors are `FsError`s with Node's `code` (`'ENOENT'`, …), `syscall` and `path`.
 * Not covered: symlinks, timestamps (`mtimeMs` is 0), ownership, watchers,
 * streams. `datasync()` equals `sync()` (the VFS keeps no separate
 * metadata durability). Every facade call issues the same primitives Node would
 * (e.g. writeFile = open, write until done, close); `beforeCall` is awaited
 * before each primitive, so a scheduler can make each one a step.
 *
 * Example — the classic atomic replace, then what a crash may leave:
 * ```ts
 * const vfs = Vfs.create({ personality: 'strict-posix' });
 * const fsp = createFsPromises(vfs);
 * await fsp.mkdir('/db');
 * await fsp.writeFile('/db/CURRENT.tmp', 'v2');        // no fsync of the file…
 * await fsp.rename('/db/CURRENT.tmp', '/db/CURRENT');
 * const dir = await fsp.open('/db', 'r');
 * await dir.sync();                                     // …but the dir is synced
 * await dir.close();
 * const report = crashImages(vfs);                      // one image has an empty CURRENT
 * const recovered = createFsPromises(Vfs.fromImage(report.images[0]!, { personality: 'strict-posix' }));
 * ```
 */
import { Buffer } from 'node:buffer';
import { FsError, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../src/env.js';
import type { Fd, FileStat } from '../../src/env.js';
import type { FsPrimitive, SyncFs } from '../fs-api.js';
import type { PositionalFs, TruncatingFs } from './vfs.js';

/** What the facade runs on: a Vfs, or a FaultyFs around one. */
export type FacadeFs = SyncFs & PositionalFs & TruncatingFs;

export interface FsCall {
  readonly primitive: FsPrimitive | 'pread' | 'pwrite' | 'truncate' | 'ftruncate';
  readonly path?: string;
  readonly fd?: Fd;
}

export interface FsPromisesOptions {
  /** Awaited before each primitive the facade issues. */
  readonly beforeCall?: (call: FsCall) => void | Promise<void>;
  /** readFile refuses files larger than this (EINVAL). Default 256 MiB. */
  readonly readFileBytesMax?: number;
}

type Encoding = BufferEncoding;
type EncodingOption = Encoding | { readonly encoding?: Encoding | null; readonly flag?: string | number } | null | undefined;
type WriteOption = Encoding | { readonly encoding?: Encoding | null; readonly mode?: number; readonly flag?: string | number } | null | undefined;

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const READ_CHUNK_BYTES = 64 * 1024;
const DEFAULT_HANDLE_READ_BYTES = 16 * 1024;

/** The `fs.Stats` subset the facade returns. */
export class VfsStats {
  readonly size: number;
  /** type bits | permission bits, as in Node */
  readonly mode: number;
  readonly nlink = 1;
  readonly uid = 0;
  readonly gid = 0;
  readonly mtimeMs = 0;
  constructor(private readonly s: FileStat) {
    this.size = s.sizeBytes;
    this.mode = (s.isDirectory ? S_IFDIR : S_IFREG) | s.mode;
  }
  isFile(): boolean { return this.s.isFile; }
  isDirectory(): boolean { return this.s.isDirectory; }
  isSymbolicLink(): boolean { return false; }
  isBlockDevice(): boolean { return false; }
  isCharacterDevice(): boolean { return false; }
  isFIFO(): boolean { return false; }
  isSocket(): boolean { return false; }
}

/** The `fs.Dirent` subset readdir returns with `withFileTypes`. */
export class VfsDirent {
  constructor(readonly name: string, readonly parentPath: string, private readonly dir: boolean) {}
  isFile(): boolean { return !this.dir; }
  isDirectory(): boolean { return this.dir; }
  isSymbolicLink(): boolean { return false; }
}

/** Node's string flags as open(2) flags. */
export function parseOpenFlags(flags: string | number): number {
  if (typeof flags === 'number') return flags;
  switch (flags) {
    case 'r': case 'rs': return O_RDONLY;
    case 'r+': case 'rs+': return O_RDWR;
    case 'w': return O_WRONLY | O_CREAT | O_TRUNC;
    case 'wx': case 'xw': return O_WRONLY | O_CREAT | O_TRUNC | O_EXCL;
    case 'w+': return O_RDWR | O_CREAT | O_TRUNC;
    case 'wx+': case 'xw+': return O_RDWR | O_CREAT | O_TRUNC | O_EXCL;
    case 'a': case 'as': return O_WRONLY | O_CREAT | O_APPEND;
    case 'ax': case 'xa': return O_WRONLY | O_CREAT | O_APPEND | O_EXCL;
    case 'a+': case 'as+': return O_RDWR | O_CREAT | O_APPEND;
    case 'ax+': case 'xa+': return O_RDWR | O_CREAT | O_APPEND | O_EXCL;
    default: throw new TypeError(`open: unknown flags ${JSON.stringify(flags)}`);
  }
}

function encodingOf(o: EncodingOption | WriteOption): Encoding | undefined {
  if (typeof o === 'string') return o;
  return o?.encoding ?? undefined;
}

function toBytes(data: string | Uint8Array, encoding: Encoding | undefined): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new TypeError('data must be a string or a Uint8Array');
}

/** Node's `len` handling for truncate/ftruncate: an integer, negative counts as 0. */
function checkLen(len: number, syscall: string): number {
  if (typeof len !== 'number' || !Number.isSafeInteger(len)) throw new TypeError(`${syscall}: len must be an integer, got ${String(len)}`);
  return Math.max(0, len);
}

class Facade {
  constructor(readonly fs: FacadeFs, private readonly opts: FsPromisesOptions) {}

  /** One primitive: the hook (a scheduling point), then the synchronous call. */
  async step<T>(call: FsCall, run: () => T): Promise<T> {
    if (this.opts.beforeCall !== undefined) await this.opts.beforeCall(call);
    return run();
  }

  get readFileBytesMax(): number {
    return this.opts.readFileBytesMax ?? 256 * 1024 * 1024;
  }
}

export class VfsFileHandle {
  private closed = false;
  constructor(private readonly f: Facade, readonly fd: Fd) {}

  /** `read(buffer, offset?, length?, position?)` or `read({buffer, offset, length, position})`; null position = current offset. */
  async read(
    bufferOrOptions?: Uint8Array | { buffer?: Uint8Array; offset?: number; length?: number; position?: number | null },
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    let buffer: Uint8Array;
    if (bufferOrOptions instanceof Uint8Array) {
      buffer = bufferOrOptions;
    } else {
      buffer = bufferOrOptions?.buffer ?? Buffer.alloc(DEFAULT_HANDLE_READ_BYTES);
      offset = bufferOrOptions?.offset;
      length = bufferOrOptions?.length;
      position = bufferOrOptions?.position;
    }
    const off = offset ?? 0;
    const len = length ?? buffer.byteLength - off;
    if (off < 0 || len < 0 || off + len > buffer.byteLength) throw new RangeError(`read: offset ${off} + length ${len} outside a buffer of ${buffer.byteLength} bytes`);
    const fd = this.openFd('read');
    const usePos = typeof position === 'number' && position >= 0;
    const bytes = await this.f.step({ primitive: usePos ? 'pread' : 'read', fd }, () =>
      usePos ? this.f.fs.pread(fd, len, position as number) : this.f.fs.read(fd, len));
    buffer.set(bytes, off);
    return { bytesRead: bytes.length, buffer };
  }

  /** `write(buffer, offset?, length?, position?)` or `write(string, position?, encoding?)`; one write(2), may be short. */
  async write(data: Uint8Array | string, offsetOrPosition?: number | null, lengthOrEncoding?: number | Encoding, position?: number | null): Promise<{ bytesWritten: number; buffer: Uint8Array | string }> {
    let chunk: Uint8Array;
    let pos: number | null | undefined;
    if (typeof data === 'string') {
      chunk = toBytes(data, typeof lengthOrEncoding === 'string' ? lengthOrEncoding : undefined);
      pos = offsetOrPosition;
    } else {
      const off = offsetOrPosition ?? 0;
      const len = typeof lengthOrEncoding === 'number' ? lengthOrEncoding : data.byteLength - off;
      if (off < 0 || len < 0 || off + len > data.byteLength) throw new RangeError(`write: offset ${off} + length ${len} outside a buffer of ${data.byteLength} bytes`);
      chunk = data.subarray(off, off + len);
      pos = position;
    }
    const fd = this.openFd('write');
    const usePos = typeof pos === 'number' && pos >= 0;
    const bytesWritten = await this.f.step({ primitive: usePos ? 'pwrite' : 'write', fd }, () =>
      usePos ? this.f.fs.pwrite(fd, chunk, pos as number) : this.f.fs.write(fd, chunk));
    return { bytesWritten, buffer: data };
  }

  async sync(): Promise<void> {
    const fd = this.openFd('fsync');
    await this.f.step({ primitive: 'fsync', fd }, () => this.f.fs.fsync(fd));
  }

  /** Same as sync(): the VFS keeps no separate metadata durability. */
  async datasync(): Promise<void> {
    await this.sync();
  }

  /** ftruncate(2): cut or zero-extend to `len` bytes (default 0, negative = 0 as in Node); the offset stays. */
  async truncate(len = 0): Promise<void> {
    const fd = this.openFd('ftruncate');
    const lenBytes = checkLen(len, 'ftruncate');
    await this.f.step({ primitive: 'ftruncate', fd }, () => this.f.fs.ftruncate(fd, lenBytes));
  }

  async stat(): Promise<VfsStats> {
    const fd = this.openFd('fstat');
    return new VfsStats(await this.f.step({ primitive: 'fstat', fd }, () => this.f.fs.fstat(fd)));
  }

  async close(): Promise<void> {
    const fd = this.openFd('close');
    this.closed = true;
    await this.f.step({ primitive: 'close', fd }, () => this.f.fs.close(fd));
  }

  /** Reads from the current offset to EOF. */
  readFile(options: { encoding: Encoding } | Encoding): Promise<string>;
  readFile(options?: { encoding?: null } | null): Promise<Buffer>;
  async readFile(options?: EncodingOption): Promise<Buffer | string> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await this.read(Buffer.alloc(READ_CHUNK_BYTES), 0, READ_CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > this.f.readFileBytesMax) throw new FsError('EINVAL', 'read', undefined, `file larger than readFileBytesMax (${this.f.readFileBytesMax} bytes)`);
      chunks.push(buffer.subarray(0, bytesRead));
    }
    const all = Buffer.concat(chunks, total);
    const enc = encodingOf(options);
    return enc === undefined ? all : all.toString(enc);
  }

  /** Writes all of `data` at the current offset (looping over short writes). */
  async writeFile(data: string | Uint8Array, options?: WriteOption): Promise<void> {
    const bytes = toBytes(data, encodingOf(options));
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.write(bytes, done, bytes.length - done, null);
      if (bytesWritten <= 0) throw new FsError('EIO', 'write', undefined, 'write made no progress');
      done += bytesWritten;
    }
  }

  private openFd(syscall: string): Fd {
    if (this.closed) throw new FsError('EBADF', syscall, undefined, 'file handle is closed');
    return this.fd;
  }
}

export interface VfsFsPromises {
  /** The file system underneath (e.g. for `crashImages(vfs)`). */
  readonly fs: FacadeFs;
  open(path: string, flags?: string | number, mode?: number): Promise<VfsFileHandle>;
  readFile(path: string | VfsFileHandle, options: { encoding: Encoding; flag?: string | number } | Encoding): Promise<string>;
  readFile(path: string | VfsFileHandle, options?: { encoding?: null; flag?: string | number } | null): Promise<Buffer>;
  writeFile(path: string | VfsFileHandle, data: string | Uint8Array, options?: WriteOption): Promise<void>;
  appendFile(path: string | VfsFileHandle, data: string | Uint8Array, options?: WriteOption): Promise<void>;
  readdir(path: string, options: { withFileTypes: true }): Promise<VfsDirent[]>;
  readdir(path: string, options?: { withFileTypes?: false } | Encoding | null): Promise<string[]>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number } | number): Promise<string | undefined>;
  rmdir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** truncate(2) on a path (default length 0); a FileHandle is ftruncated instead, as Node does. */
  truncate(path: string | VfsFileHandle, len?: number): Promise<void>;
  stat(path: string): Promise<VfsStats>;
  lstat(path: string): Promise<VfsStats>;
  /** Existence check only (no permission model): rejects with ENOENT/ENOTDIR. */
  access(path: string, mode?: number): Promise<void>;
}

/** An fs/promises-shaped object over `fs` (see the module doc). */
export function createFsPromises(fs: FacadeFs, opts: FsPromisesOptions = {}): VfsFsPromises {
  const f = new Facade(fs, opts);

  const open = async (path: string, flags: string | number = 'r', mode = 0o666): Promise<VfsFileHandle> => {
    const fl = parseOpenFlags(flags);
    const fd = await f.step({ primitive: 'open', path }, () => fs.open(path, fl, mode));
    return new VfsFileHandle(f, fd);
  };

  /** Runs `body` on a handle: the caller's, or a fresh one closed afterwards (its close error wins only if body succeeded). */
  const withHandle = async <T>(target: string | VfsFileHandle, flags: string | number, mode: number, body: (h: VfsFileHandle) => Promise<T>): Promise<T> => {
    if (target instanceof VfsFileHandle) return body(target);
    const h = await open(target, flags, mode);
    let result: T;
    try {
      result = await body(h);
    } catch (e) {
      await h.close().catch(() => undefined);
      throw e;
    }
    await h.close();
    return result;
  };

  const readdirImpl = async (path: string, options?: { withFileTypes?: boolean } | Encoding | null): Promise<string[] | VfsDirent[]> => {
    const withTypes = typeof options === 'object' && options !== null && options.withFileTypes === true;
    const fd = await f.step({ primitive: 'open', path }, () => fs.open(path, O_RDONLY | O_DIRECTORY));
    let entries;
    try {
      entries = await f.step({ primitive: 'getdents', fd }, () => fs.getdents(fd));
    } catch (e) {
      await f.step({ primitive: 'close', fd }, () => fs.close(fd)).catch(() => undefined);
      throw e;
    }
    await f.step({ primitive: 'close', fd }, () => fs.close(fd));
    return withTypes ? entries.map((e) => new VfsDirent(e.name, path, e.isDirectory)) : entries.map((e) => e.name);
  };

  const stat = async (path: string): Promise<VfsStats> => new VfsStats(await f.step({ primitive: 'stat', path }, () => fs.stat(path)));

  const api = {
    fs,
    open,
    async readFile(path: string | VfsFileHandle, options?: EncodingOption): Promise<Buffer | string> {
      const flag = typeof options === 'object' && options !== null ? (options.flag ?? 'r') : 'r';
      return withHandle(path, flag, 0o666, (h) => h.readFile(options as { encoding?: null }));
    },
    async writeFile(path: string | VfsFileHandle, data: string | Uint8Array, options?: WriteOption): Promise<void> {
      const o = typeof options === 'object' && options !== null ? options : {};
      return withHandle(path, o.flag ?? 'w', o.mode ?? 0o666, (h) => h.writeFile(data, options));
    },
    async appendFile(path: string | VfsFileHandle, data: string | Uint8Array, options?: WriteOption): Promise<void> {
      const o = typeof options === 'object' && options !== null ? options : {};
      return withHandle(path, o.flag ?? 'a', o.mode ?? 0o666, (h) => h.writeFile(data, options));
    },
    readdir: readdirImpl,
    async mkdir(path: string, options?: { recursive?: boolean; mode?: number } | number): Promise<string | undefined> {
      const mode = typeof options === 'number' ? options : (options?.mode ?? 0o777);
      const recursive = typeof options === 'object' && options.recursive === true;
      if (!recursive) {
        await f.step({ primitive: 'mkdir', path }, () => fs.mkdir(path, mode));
        return undefined;
      }
      const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
      let first: string | undefined;
      let cur = '';
      for (const part of parts) {
        cur = `${cur}/${part}`;
        const here = cur;
        const existing = await f.step({ primitive: 'stat', path: here }, () => {
          try {
            return fs.stat(here);
          } catch (e) {
            if (e instanceof FsError && e.code === 'ENOENT') return undefined;
            throw e;
          }
        });
        if (existing === undefined) {
          await f.step({ primitive: 'mkdir', path: here }, () => fs.mkdir(here, mode));
          first ??= here;
        } else if (!existing.isDirectory) {
          throw new FsError(here === `/${parts.join('/')}` ? 'EEXIST' : 'ENOTDIR', 'mkdir', path);
        }
      }
      return first;
    },
    async rmdir(path: string): Promise<void> {
      await f.step({ primitive: 'rmdir', path }, () => fs.rmdir(path));
    },
    async unlink(path: string): Promise<void> {
      await f.step({ primitive: 'unlink', path }, () => fs.unlink(path));
    },
    async rename(from: string, to: string): Promise<void> {
      await f.step({ primitive: 'rename', path: from }, () => fs.rename(from, to));
    },
    async truncate(path: string | VfsFileHandle, len = 0): Promise<void> {
      if (path instanceof VfsFileHandle) return path.truncate(len);
      const lenBytes = checkLen(len, 'truncate');
      await f.step({ primitive: 'truncate', path }, () => fs.truncate(path, lenBytes));
    },
    stat,
    async lstat(path: string): Promise<VfsStats> {
      return new VfsStats(await f.step({ primitive: 'lstat', path }, () => fs.lstat(path)));
    },
    async access(path: string): Promise<void> {
      await stat(path);
    },
  };
  return api as VfsFsPromises;
}
