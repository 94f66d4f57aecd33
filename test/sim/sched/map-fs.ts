/**
 * A tiny SyncFs over Maps for the scheduler's tests (the real VFS lives in
 * sim/vfs). Visible state only; no durability model. Small fds from 3 up.
 */
import { FsError, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDWR, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import type { DirEntry, Fd, FileStat } from '../../../src/env.js';
import type { SyncFs } from '../../../sim/fs-api.js';

interface OpenFile {
  readonly path: string;
  readonly flags: number;
  pos: number;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export class MapFs implements SyncFs {
  readonly files = new Map<string, Uint8Array>();
  readonly dirs = new Set<string>(['/']);
  private readonly fds = new Map<Fd, OpenFile>();

  stat(path: string): FileStat {
    if (this.dirs.has(path)) return { isFile: false, isDirectory: true, sizeBytes: 0, mode: 0o700 };
    const f = this.files.get(path);
    if (f === undefined) throw new FsError('ENOENT', 'stat', path);
    return { isFile: true, isDirectory: false, sizeBytes: f.length, mode: 0o600 };
  }

  lstat(path: string): FileStat {
    return this.stat(path);
  }

  open(path: string, flags: number): Fd {
    if (!this.dirs.has(parentOf(path))) throw new FsError('ENOENT', 'open', path);
    if (this.dirs.has(path)) {
      if ((flags & 3) !== 0) throw new FsError('EISDIR', 'open', path);
    } else if (flags & O_DIRECTORY) {
      throw new FsError(this.files.has(path) ? 'ENOTDIR' : 'ENOENT', 'open', path);
    } else if (this.files.has(path)) {
      if (flags & O_CREAT && flags & O_EXCL) throw new FsError('EEXIST', 'open', path);
      if (flags & O_TRUNC) this.files.set(path, new Uint8Array(0));
    } else {
      if (!(flags & O_CREAT)) throw new FsError('ENOENT', 'open', path);
      this.files.set(path, new Uint8Array(0));
    }
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, { path, flags, pos: 0 });
    return fd;
  }

  private file(fd: Fd, syscall: string): OpenFile {
    const f = this.fds.get(fd);
    if (f === undefined) throw new FsError('EBADF', syscall, undefined);
    return f;
  }

  fstat(fd: Fd): FileStat {
    return this.stat(this.file(fd, 'fstat').path);
  }

  read(fd: Fd, maxBytes: number): Uint8Array {
    const f = this.file(fd, 'read');
    if ((f.flags & 3) === O_WRONLY) throw new FsError('EBADF', 'read', f.path);
    const data = this.files.get(f.path) ?? new Uint8Array(0);
    const out = data.slice(f.pos, f.pos + maxBytes);
    f.pos += out.length;
    return out;
  }

  write(fd: Fd, data: Uint8Array): number {
    const f = this.file(fd, 'write');
    if ((f.flags & 3) !== O_WRONLY && (f.flags & 3) !== O_RDWR) throw new FsError('EBADF', 'write', f.path);
    const old = this.files.get(f.path) ?? new Uint8Array(0);
    const at = f.flags & O_APPEND ? old.length : f.pos;
    const next = new Uint8Array(Math.max(old.length, at + data.length));
    next.set(old);
    next.set(data, at);
    this.files.set(f.path, next);
    f.pos = at + data.length;
    return data.length;
  }

  fsync(fd: Fd): void {
    this.file(fd, 'fsync');
  }

  close(fd: Fd): void {
    this.file(fd, 'close');
    this.fds.delete(fd);
  }

  getdents(fd: Fd): DirEntry[] {
    const f = this.file(fd, 'getdents');
    if (!this.dirs.has(f.path)) throw new FsError('ENOTDIR', 'getdents', f.path);
    const out: DirEntry[] = [];
    for (const d of this.dirs) if (d !== '/' && parentOf(d) === f.path) out.push({ name: d.slice(d.lastIndexOf('/') + 1), isDirectory: true });
    for (const p of this.files.keys()) if (parentOf(p) === f.path) out.push({ name: p.slice(p.lastIndexOf('/') + 1), isDirectory: false });
    return out;
  }

  mkdir(path: string): void {
    if (this.dirs.has(path) || this.files.has(path)) throw new FsError('EEXIST', 'mkdir', path);
    if (!this.dirs.has(parentOf(path))) throw new FsError('ENOENT', 'mkdir', path);
    this.dirs.add(path);
  }

  unlink(path: string): void {
    if (this.dirs.has(path)) throw new FsError('EISDIR', 'unlink', path);
    if (!this.files.delete(path)) throw new FsError('ENOENT', 'unlink', path);
  }

  rmdir(path: string): void {
    if (!this.dirs.has(path)) throw new FsError(this.files.has(path) ? 'ENOTDIR' : 'ENOENT', 'rmdir', path);
    for (const p of [...this.files.keys(), ...this.dirs]) if (p !== path && parentOf(p) === path) throw new FsError('ENOTEMPTY', 'rmdir', path);
    this.dirs.delete(path);
  }

  rename(from: string, to: string): void {
    const data = this.files.get(from);
    if (data === undefined) throw new FsError('ENOENT', 'rename', from);
    if (!this.dirs.has(parentOf(to))) throw new FsError('ENOENT', 'rename', to);
    if (this.dirs.has(to)) throw new FsError('EISDIR', 'rename', to);
    this.files.delete(from);
    this.files.set(to, data);
  }
}
