/**
 * Creating directories without `mkdirSync(…, {recursive: true})`: on Node 20
 * that spins at 100 % CPU forever where a file system answers ENOENT for a
 * directory it will not create (/proc, some FUSE mounts). Here every missing
 * component is one mkdir, at most DIR_DEPTH_MAX of them, and a refusal is an error.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { describeFsError } from './errors.js';

/** Path components a directory may have (a deeper one is a mistake, not a report directory). */
export const DIR_DEPTH_MAX = 200;

export class DirError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates `dir` and its missing parents, one mkdir per component; returns the
 * directories it created, outermost first (what `removeCreated` may take back).
 */
export function makeDirs(dir: string): string[] {
  const abs = resolve(dir);
  const parts = abs.split(sep).filter((p) => p !== '');
  if (parts.length > DIR_DEPTH_MAX) throw new DirError(abs, 'ENAMETOOLONG', `more than ${DIR_DEPTH_MAX} path components (ENAMETOOLONG)`);
  const created: string[] = [];
  let cur = isAbsolute(abs) ? sep : '';
  for (const part of parts) {
    cur = join(cur, part);
    let st;
    try {
      st = statSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new DirError(cur, (e as NodeJS.ErrnoException).code, describeFsError(e));
    }
    if (st !== undefined) {
      if (!st.isDirectory()) throw new DirError(cur, 'ENOTDIR', `a file is in the way: ${cur} is not a directory (ENOTDIR)`);
      continue;
    }
    try {
      mkdirSync(cur);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT for a directory whose parent exists: the file system refuses it (/proc).
      const why = code === 'ENOENT' ? `the file system at ${dirname(cur)} does not allow creating directories (ENOENT)` : describeFsError(e);
      throw new DirError(cur, code, why);
    }
    created.push(cur);
  }
  return created;
}

