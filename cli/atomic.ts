/**
 * Atomic report files: a reader (a person, CI, `crashsim merge`) sees either the
 * old file or the whole new one, never a half-written one, even across a power
 * loss: temp file in the same directory, fsync, rename over the target, fsync
 * the directory (the rename itself is a directory entry change).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { makeDirs } from './dirs.js';

/** Writes `text` to `path` atomically; creates the directory if needed (never spinning: cli/dirs.ts). */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const dir = dirname(path);
  makeDirs(dir);
  // pid keeps concurrent writers (shards sharing a directory) apart
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let fd = openSync(tmp, 'w', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
