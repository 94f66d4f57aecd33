import { readFileSync } from 'node:fs';

/** crashsim's version, from package.json (read once). */
export const CRASHSIM_VERSION: string = (() => {
  try {
    // cli/version.ts, or dist/cli/version.js when the compiled command runs (bin/dist.mjs)
    const here = new URL('.', import.meta.url);
    const root = here.pathname.endsWith('/dist/cli/') ? new URL('../../', here) : new URL('../', here);
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
})();
