/**
 * Every facade call once, as a generator of VFS primitives (core.ts explains
 * the machinery). Arguments arrive parsed and absolute; index.ts turns each
 * call into its sync, callback and promise forms.
 *
 * The primitives a call issues are the ones Node issues on Linux, so crash
 * points land where they would on a real machine: `writeFile` = open, write
 * (looping over short writes), [fsync if `flush`], close; `readdir` = open the
 * directory, getdents, close; `mkdir -p` = stat and mkdir per missing
 * component; `rm -r` = a depth-first walk of unlink/rmdir. Metadata the VFS does
 * not model (permission bits after creation, ownership, timestamps) is accepted
 * by `chmod`/`chown`/`utimes` and their f-/l- variants after checking that the
 * file exists: they change nothing a crash could show.
 */
import { Buffer } from 'node:buffer';
import { O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_WRONLY } from '../../src/env.js';
import type { DirEntry, Fd } from '../../src/env.js';
import { argError, nodeError, NodeFsError, parseFlags, prim, UnsupportedFsCallError, VfsStats } from './core.js';
import type { FacadeCall, NodeFacadeFs, Op, OpenFlags } from './core.js';

/** The Node API a primitive belongs to, and where the program called it. */
export interface CallCtx {
  readonly api: string;
  readonly site: unknown;
}

const READ_CHUNK_BYTES = 64 * 1024;
const MKDTEMP_TRIES_MAX = 1000;
const RM_DEPTH_MAX = 4096;

export interface ReaddirOptions {
  readonly withFileTypes: boolean;
  readonly recursive: boolean;
}

export interface ReaddirEntry {
  /** relative to the listed directory (`a/b` for recursive listings) */
  readonly name: string;
  readonly parentPath: string;
  readonly isDirectory: boolean;
}

export class Calls {
  /** fds opened with O_SYNC/O_DSYNC: each write is followed by an fsync in the same step */
  private readonly syncFds = new Set<Fd>();
  private tempCounter = 0;

  constructor(readonly fs: NodeFacadeFs, readonly readFileBytesMax: number) {}

  private call(c: CallCtx, primitive: string, at: { path?: string; dest?: string; fd?: Fd } = {}): FacadeCall {
    return { primitive, api: c.api, site: c.site, ...at };
  }

  // -------------------------------------------------------------------------
  // Primitives

  *open(c: CallCtx, path: string, flags: OpenFlags, mode: number): Op<Fd> {
    const fd = yield* prim(this.call(c, 'open', { path }), () => this.fs.open(path, flags.vfsFlags, mode));
    if (flags.syncWrites) this.syncFds.add(fd);
    else this.syncFds.delete(fd);
    return fd;
  }

  *close(c: CallCtx, fd: Fd): Op<void> {
    yield* prim(this.call(c, 'close', { fd }), () => this.fs.close(fd));
    this.syncFds.delete(fd);
  }

  /** read(2) at the fd's offset, or pread(2) at `position`; copies into `buffer` at `offset`. */
  *read(c: CallCtx, fd: Fd, buffer: Uint8Array, offset: number, length: number, position: number | null): Op<number> {
    const bytes = yield* prim(this.call(c, position === null ? 'read' : 'pread', { fd }), () =>
      position === null ? this.fs.read(fd, length) : this.fs.pread(fd, length, position));
    buffer.set(bytes, offset);
    return bytes.length;
  }

  /** write(2) at the fd's offset, or pwrite(2) at `position`; may be short. On an O_SYNC fd the fsync is part of the same step. */
  *write(c: CallCtx, fd: Fd, bytes: Uint8Array, position: number | null): Op<number> {
    const syncAfter = this.syncFds.has(fd);
    return yield* prim(this.call(c, position === null ? 'write' : 'pwrite', { fd }), () => {
      const n = position === null ? this.fs.write(fd, bytes) : this.fs.pwrite(fd, bytes, position);
      if (syncAfter) this.fs.fsync(fd);
      return n;
    });
  }

  /** All of `bytes`, looping over short writes. */
  *writeAll(c: CallCtx, fd: Fd, bytes: Uint8Array, position: number | null): Op<void> {
    let done = 0;
    while (done < bytes.length) {
      const n = yield* this.write(c, fd, bytes.subarray(done), position === null ? null : position + done);
      if (n <= 0) throw nodeError('EIO', 'write', undefined, 'write made no progress');
      done += n;
    }
  }

  /** fsync(2); `fdatasync` is the same primitive (the VFS keeps no metadata apart from data and names). */
  *fsync(c: CallCtx, fd: Fd, primitive: 'fsync' | 'fdatasync' = 'fsync'): Op<void> {
    yield* prim(this.call(c, primitive, { fd }), () => this.fs.fsync(fd));
  }

  /** ftruncate(2): the VFS's own primitive (vfs.ts rule 13: durable with the file's data). */
  *ftruncate(c: CallCtx, fd: Fd, lenBytes: number): Op<void> {
    yield* prim(this.call(c, 'ftruncate', { fd }), () => this.fs.ftruncate(fd, lenBytes));
  }

  /** truncate(2) on a path. */
  *truncate(c: CallCtx, path: string, lenBytes: number): Op<void> {
    yield* prim(this.call(c, 'truncate', { path }), () => this.fs.truncate(path, lenBytes));
  }

  *stat(c: CallCtx, path: string, primitive: 'stat' | 'lstat' = 'stat'): Op<VfsStats> {
    return yield* prim(this.call(c, primitive, { path }), () => {
      const s = primitive === 'stat' ? this.fs.stat(path) : this.fs.lstat(path);
      return new VfsStats(s, this.fs.inodeOf?.(path) ?? 0);
    });
  }

  *fstat(c: CallCtx, fd: Fd): Op<VfsStats> {
    return yield* prim(this.call(c, 'fstat', { fd }), () => new VfsStats(this.fs.fstat(fd), this.fs.fdInfo?.(fd)?.id ?? 0));
  }

  *mkdir(c: CallCtx, path: string, mode: number): Op<void> {
    yield* prim(this.call(c, 'mkdir', { path }), () => this.fs.mkdir(path, mode));
  }

  *rmdir(c: CallCtx, path: string): Op<void> {
    yield* prim(this.call(c, 'rmdir', { path }), () => this.fs.rmdir(path));
  }

  *unlink(c: CallCtx, path: string): Op<void> {
    yield* prim(this.call(c, 'unlink', { path }), () => this.fs.unlink(path));
  }

  *rename(c: CallCtx, from: string, to: string): Op<void> {
    yield* prim(this.call(c, 'rename', { path: from, dest: to }), () => this.fs.rename(from, to));
  }

  // -------------------------------------------------------------------------
  // Calls made of several primitives

  /** `mkdir -p`: returns the first directory created, or undefined if all existed (as Node does). */
  *mkdirRecursive(c: CallCtx, path: string, mode: number): Op<string | undefined> {
    const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
    let first: string | undefined;
    let cur = '';
    for (const [i, part] of parts.entries()) {
      cur = `${cur}/${part}`;
      const last = i === parts.length - 1;
      let existing: VfsStats | undefined;
      try {
        existing = yield* this.stat(c, last ? path : cur); // a trailing slash on a file is ENOTDIR, as in Node
      } catch (e) {
        if (!(e instanceof NodeFsError && e.code === 'ENOENT')) throw e;
      }
      if (existing === undefined) {
        yield* this.mkdir(c, last ? path : cur, mode);
        first ??= last ? path : cur; // Node returns the argument itself when the last component is the first created
      } else if (!existing.isDirectory()) {
        throw nodeError(last ? 'EEXIST' : 'ENOTDIR', 'mkdir', path);
      }
    }
    return first;
  }

  /** open(O_DIRECTORY) + getdents + close. */
  *listDir(c: CallCtx, path: string): Op<DirEntry[]> {
    const fd = yield* prim(this.call(c, 'open', { path }), () => this.fs.open(path, O_RDONLY | O_DIRECTORY));
    try {
      return yield* prim(this.call(c, 'getdents', { fd }), () => this.fs.getdents(fd));
    } finally {
      yield* this.close(c, fd);
    }
  }

  *readdir(c: CallCtx, path: string, recursive: boolean): Op<ReaddirEntry[]> {
    const out: ReaddirEntry[] = [];
    const queue: { abs: string; rel: string }[] = [{ abs: path, rel: '' }];
    for (let i = 0; i < queue.length; i++) {
      const { abs, rel } = queue[i] as { abs: string; rel: string };
      for (const e of yield* this.listDir(c, abs)) {
        const name = rel === '' ? e.name : `${rel}/${e.name}`;
        out.push({ name, parentPath: abs, isDirectory: e.isDirectory });
        if (recursive && e.isDirectory) queue.push({ abs: `${abs.endsWith('/') ? abs.slice(0, -1) : abs}/${e.name}`, rel: name });
      }
    }
    return out;
  }

  /**
   * The rest of an open file from its offset, as Node's readFile does it: fstat
   * for the size, then read until that many bytes arrived (or a read returns 0);
   * a file that reports size 0 is read in chunks until a read returns 0.
   */
  *readToEnd(c: CallCtx, fd: Fd, path: string | undefined): Op<Buffer> {
    const sizeBytes = (yield* this.fstat(c, fd)).size;
    if (sizeBytes > this.readFileBytesMax) throw nodeError('EINVAL', 'read', path, `file larger than readFileBytesMax (${this.readFileBytesMax} bytes)`);
    if (sizeBytes > 0) {
      const buf = Buffer.allocUnsafe(sizeBytes);
      let got = 0;
      while (got < sizeBytes) {
        const n = yield* this.read(c, fd, buf, got, sizeBytes - got, null);
        if (n === 0) break;
        got += n;
      }
      return got === sizeBytes ? buf : buf.subarray(0, got);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(READ_CHUNK_BYTES);
      const n = yield* this.read(c, fd, chunk, 0, READ_CHUNK_BYTES, null);
      if (n === 0) break;
      total += n;
      if (total > this.readFileBytesMax) throw nodeError('EINVAL', 'read', path, `file larger than readFileBytesMax (${this.readFileBytesMax} bytes)`);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  }

  *readFile(c: CallCtx, target: string | Fd, flag: unknown): Op<Buffer> {
    if (typeof target === 'number') return yield* this.readToEnd(c, target, undefined);
    const fd = yield* this.open(c, target, parseFlags(flag, 'r'), 0o666);
    try {
      return yield* this.readToEnd(c, fd, target);
    } finally {
      yield* this.close(c, fd);
    }
  }

  /** writeFile/appendFile: open with `flag`, write everything, fsync if `flush`, close. An fd target is written at its offset and not closed. */
  *writeFile(c: CallCtx, target: string | Fd, chunks: readonly Uint8Array[], flag: OpenFlags, mode: number, flush: boolean): Op<void> {
    if (typeof target === 'number') {
      for (const b of chunks) yield* this.writeAll(c, target, b, null);
      if (flush) yield* this.fsync(c, target);
      return;
    }
    const fd = yield* this.open(c, target, flag, mode);
    try {
      for (const b of chunks) yield* this.writeAll(c, fd, b, null);
      if (flush) yield* this.fsync(c, fd);
    } finally {
      yield* this.close(c, fd);
    }
  }

  /**
   * copyFile as libuv does it: open the source, fstat it, open the destination
   * (O_CREAT, O_EXCL with COPYFILE_EXCL; created with the source's mode), and
   * unless exclusive: a copy onto itself is a no-op, else ftruncate it to 0;
   * then copy. A directory source fails with EISDIR at the first read. Errors
   * name the call `copyfile` with both paths, as Node's do.
   */
  *copyFile(c: CallCtx, src: string, dest: string, mode: number): Op<void> {
    if ((mode & 4) !== 0) throw new UnsupportedFsCallError(`${c.api} with COPYFILE_FICLONE_FORCE`, 'the simulated disk has no reflinks');
    const excl = (mode & 1) !== 0;
    try {
      const from = yield* this.open(c, src, parseFlags('r', 'r'), 0o666);
      try {
        const st = yield* this.fstat(c, from);
        const to = yield* this.open(c, dest, { vfsFlags: O_WRONLY | O_CREAT | (excl ? O_EXCL : 0), syncWrites: false }, st.mode & 0o7777);
        try {
          if (!excl) {
            const dst = yield* this.fstat(c, to);
            if (st.ino !== 0 && dst.ino === st.ino) {
              yield* this.close(c, to);
              return;
            }
            yield* this.ftruncate(c, to, 0);
          }
          for (let pos = 0; ; ) {
            const chunk = Buffer.alloc(READ_CHUNK_BYTES);
            const n = yield* this.read(c, from, chunk, 0, READ_CHUNK_BYTES, pos);
            if (n === 0) break;
            yield* this.writeAll(c, to, chunk.subarray(0, n), pos);
            pos += n;
          }
        } catch (e) {
          // libuv removes the destination when the copy fails after opening it
          yield* this.close(c, to);
          try {
            yield* this.unlink(c, dest);
          } catch {
            // already gone: nothing to undo
          }
          throw e;
        }
        yield* this.close(c, to);
      } finally {
        yield* this.close(c, from);
      }
    } catch (e) {
      if (e instanceof NodeFsError) throw new NodeFsError(e.code, 'copyfile', src, dest);
      throw e;
    }
  }

  /** rm: a file, or (recursive) a directory tree depth-first; `force` ignores a missing path. */
  *rm(c: CallCtx, path: string, recursive: boolean, force: boolean): Op<void> {
    let st: VfsStats;
    try {
      st = yield* this.stat(c, path, 'lstat');
    } catch (e) {
      if (force && e instanceof NodeFsError && e.code === 'ENOENT') return;
      throw e;
    }
    if (!st.isDirectory()) {
      yield* this.unlink(c, path);
      return;
    }
    if (!recursive) {
      const e = argError('type', 'ERR_FS_EISDIR', `Path is a directory: rm returned EISDIR (is a directory) ${path}`);
      Object.assign(e, { name: 'SystemError', errno: 21, syscall: 'rm', path });
      throw e;
    }
    yield* this.rmTree(c, path, 0);
  }

  private *rmTree(c: CallCtx, dir: string, depth: number): Op<void> {
    if (depth > RM_DEPTH_MAX) throw nodeError('EINVAL', 'rm', dir, 'directory tree too deep');
    const base = dir.endsWith('/') ? dir.slice(0, -1) : dir;
    for (const e of yield* this.listDir(c, dir)) {
      const child = `${base}/${e.name}`;
      if (e.isDirectory) yield* this.rmTree(c, child, depth + 1);
      else yield* this.unlink(c, child);
    }
    yield* this.rmdir(c, dir);
  }

  *exists(c: CallCtx, path: string): Op<boolean> {
    try {
      yield* this.stat(c, path);
      return true;
    } catch (e) {
      if (e instanceof NodeFsError) return false;
      throw e;
    }
  }

  /** access: existence only (the simulated disk has no permission model; it behaves as root). */
  *access(c: CallCtx, path: string): Op<void> {
    yield* this.stat(c, path);
  }

  /**
   * realpath: Node's JavaScript realpath resolves `.`/`..` and a trailing slash
   * lexically, then checks each component; without symbolic links that is the
   * normalised path, after checking it exists.
   */
  *realpath(c: CallCtx, path: string): Op<string> {
    const normal = normalize(path);
    yield* this.stat(c, normal);
    return normal;
  }

  /** realpath.native: realpath(3), which walks the path physically (`/file/..` is ENOTDIR). */
  *realpathNative(c: CallCtx, path: string): Op<string> {
    yield* this.stat(c, path);
    return normalize(path);
  }

  /** mkdtemp: `prefix` plus six characters from a per-facade counter (deterministic, unlike Node's random ones). */
  *mkdtemp(c: CallCtx, prefix: string): Op<string> {
    for (let i = 0; i < MKDTEMP_TRIES_MAX; i++) {
      const path = prefix + (this.tempCounter++).toString(36).padStart(6, '0');
      try {
        yield* this.mkdir(c, path, 0o700);
        return path;
      } catch (e) {
        if (!(e instanceof NodeFsError && e.code === 'EEXIST')) throw e;
      }
    }
    throw nodeError('EEXIST', 'mkdtemp', prefix, `no free name after ${MKDTEMP_TRIES_MAX} tries`);
  }

  /** chmod/chown/utimes and their l- variants: the file must exist; nothing a crash can show changes. */
  *metadataByPath(c: CallCtx, path: string, primitive: 'stat' | 'lstat'): Op<void> {
    yield* this.stat(c, path, primitive);
  }

  /** fchmod/fchown/futimes: the fd must be open; nothing a crash can show changes. */
  *metadataByFd(c: CallCtx, fd: Fd): Op<void> {
    yield* this.fstat(c, fd);
  }

  /** readlink: there are no symbolic links, so any existing path is EINVAL (as Linux says for a non-link). */
  *readlink(c: CallCtx, path: string): Op<string> {
    yield* this.stat(c, path, 'lstat');
    throw nodeError('EINVAL', 'readlink', path);
  }

  /** readv: fills each buffer in turn, stopping at end of file. */
  *readv(c: CallCtx, fd: Fd, buffers: readonly Uint8Array[], position: number | null): Op<number> {
    let total = 0;
    for (const b of buffers) {
      const n = yield* this.read(c, fd, b, 0, b.byteLength, position === null ? null : position + total);
      total += n;
      if (n < b.byteLength) break;
    }
    return total;
  }

  /** writev: one write of the buffers joined (one write(2) moves the offset once). */
  *writev(c: CallCtx, fd: Fd, buffers: readonly Uint8Array[], position: number | null): Op<number> {
    const joined = Buffer.concat(buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
    yield* this.writeAll(c, fd, joined, position);
    return joined.length;
  }
}

/** `.`, `..`, repeated and trailing slashes resolved lexically (an absolute path in, an absolute path out). */
function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}
