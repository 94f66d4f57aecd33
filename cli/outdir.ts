/**
 * Report and corpus directories.
 *
 * - Created one component at a time, never with `mkdirSync(…, {recursive: true})`:
 *   on Node 20 that loops forever where a file system answers ENOENT for a
 *   directory it will not create (/proc, some FUSE mounts); see cli/dirs.ts.
 * - Checked writable before a long run starts (exit 2 at once, not after a minute).
 * - Reports already there are refused unless --force: a run never silently
 *   replaces another run's reports.
 * - What a command created is removed again when it ends without writing
 *   anything (an error, an interrupt): no empty directories left behind.
 */
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { DirError, makeDirs } from './dirs.js';
import { describeFsError, UsageError } from './errors.js';

/** The report files a run or merge writes: a directory holding one of them holds reports. */
export const REPORT_FILES = ['summary.json', 'junit.xml', 'index.html'] as const;

export interface PreparedDir {
  readonly path: string;
  /** directories this command created, outermost first */
  readonly created: readonly string[];
}

export interface PrepareOptions {
  /** replace reports already in the directory */
  readonly force?: boolean;
  /** the option that named it, for messages (--out, --corpus) */
  readonly option: string;
  /** refuse a directory holding reports (report directories; not the corpus) */
  readonly refuseReports?: boolean;
}

/** Creates (if needed) and probes a directory `what` will be written to; throws UsageError with one line. */
export function prepareDir(dir: string, what: string, o: PrepareOptions): PreparedDir {
  if (dir.trim() === '') throw new UsageError(`${o.option} must name a directory; got an empty string`);
  if (o.refuseReports === true && o.force !== true && existsSync(dir)) {
    const present = REPORT_FILES.filter((f) => existsSync(join(dir, f)));
    if (present.length > 0) throw new UsageError(`${dir} already holds reports (${present.join(', ')}): choose another ${o.option}, or add --force to replace them`);
  }
  let created: string[] = [];
  try {
    created = makeDirs(dir);
    const probe = join(dir, `.crashsim-write-probe-${process.pid}`);
    writeFileAtomic(probe, 'probe\n');
    rmSync(probe, { force: true });
  } catch (e) {
    removeCreated({ path: dir, created });
    const why = e instanceof DirError ? e.message : describeFsError(e);
    throw new UsageError(`cannot write ${what} to ${JSON.stringify(dir)}: ${why}`);
  }
  return { path: dir, created };
}

/** Removes the directories a command created, innermost first, as long as they are empty. */
export function removeCreated(p: PreparedDir): void {
  for (const d of [...p.created].reverse()) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
  }
}
