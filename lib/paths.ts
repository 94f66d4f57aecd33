/** Where crashsim itself lives, so stack frames and module routing can tell its files from the user's. */
import { fileURLToPath } from 'node:url';

/** The package root as a file: URL ending in `/` (works from lib/*.ts and from the compiled dist/lib/*.js). */
export function crashsimRoot(): URL {
  const here = new URL('.', import.meta.url);
  return here.pathname.endsWith('/dist/lib/') ? new URL('../../', here) : new URL('../', here);
}

/** Absolute directory paths (ending in `/`) of crashsim's own code: frames there are never "the caller". */
export function ownCodeDirs(): string[] {
  const root = crashsimRoot();
  return ['lib/', 'sim/', 'dist/'].map((d) => fileURLToPath(new URL(d, root)));
}
