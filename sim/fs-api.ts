/**
 * The synchronous file-system core the simulator schedules.
 *
 * `sim/world.ts` turns each method into one scheduling step of the Env's
 * asynchronous `EnvFs` (src/env.ts): the task parks, the scheduler picks it, the
 * method runs synchronously, the promise settles. Methods throw `FsError` with a
 * Linux errno, never a memfs error.
 */
import type { DirEntry, Fd, FileStat } from '../src/env.js';

export interface SyncFs {
  stat(path: string): FileStat;
  lstat(path: string): FileStat;
  open(path: string, flags: number, mode?: number): Fd;
  fstat(fd: Fd): FileStat;
  read(fd: Fd, maxBytes: number): Uint8Array;
  write(fd: Fd, data: Uint8Array): number;
  fsync(fd: Fd): void;
  close(fd: Fd): void;
  getdents(fd: Fd): DirEntry[];
  mkdir(path: string, mode: number): void;
  unlink(path: string): void;
  rmdir(path: string): void;
  rename(from: string, to: string): void;
}

/** Names of the SyncFs methods, in a fixed order (trace and fault tables index by them). */
export const FS_PRIMITIVES = [
  'stat', 'lstat', 'open', 'fstat', 'read', 'write', 'fsync', 'close',
  'getdents', 'mkdir', 'unlink', 'rmdir', 'rename',
] as const;
export type FsPrimitive = (typeof FS_PRIMITIVES)[number];
