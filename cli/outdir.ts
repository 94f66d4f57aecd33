/** Report directories: checked writable before a long run starts (exit 2 at once, not after a minute). */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { UsageError } from './errors.js';

export function ensureWritableDir(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const probe = join(dir, `.crashsim-write-probe-${process.pid}`);
    writeFileAtomic(probe, 'probe\n');
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way (not a directory)' : code === 'EROFS' ? 'read-only file system' : (code ?? (e instanceof Error ? e.message : String(e)));
    throw new UsageError(`cannot write ${what} to ${JSON.stringify(dir)}: ${why}`);
  }
}
