// Which code a crashsim process runs: the compiled JavaScript in dist/ (what
// `npm run build` makes; `npm ci` runs it through `prepare`) when it was built
// from exactly the sources in the tree, else the TypeScript sources through tsx.
// dist/ loads in about a third of tsx's CPU (no transpiling, no loader hooks)
// and so does every worker thread; an edited source file falls back to tsx, so
// a stale build never runs. CRASHSIM_TSX=1 forces the sources.
//
// The build stamp (dist/build-stamp.json, written after tsc by
// scripts/build-stamp.mjs) lists every source file with its size, mtime and
// SHA-1; a file whose mtime moved (a checkout) is compared by content.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Folders whose TypeScript (and JSON) the build compiles, relative to ROOT. */
export const SOURCE_DIRS = ['src', 'sim', 'scenarios', 'cli', 'lib'];
export const STAMP = 'dist/build-stamp.json';

/** Every source file of the build: relative path → { size, mtimeMs }. */
export function sourceFiles(root = ROOT) {
  const out = new Map();
  const walk = (rel) => {
    for (const e of readdirSync(root + rel, { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if ((p.endsWith('.ts') && !p.endsWith('.d.ts')) || p.endsWith('.json')) {
        const s = statSync(root + p);
        out.set(p, { size: s.size, mtimeMs: s.mtimeMs });
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(d);
  return out;
}

export function sha1(path) {
  return createHash('sha1').update(readFileSync(path)).digest('hex');
}

/** True when dist/ was built from the sources now in the tree. */
export function distIsFresh(root = ROOT) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(root + STAMP, 'utf8'));
  } catch {
    return false;
  }
  if (stamp === null || typeof stamp !== 'object' || typeof stamp.files !== 'object') return false;
  let now;
  try {
    now = sourceFiles(root);
  } catch {
    return false;
  }
  if (now.size !== Object.keys(stamp.files).length) return false;
  for (const [p, s] of now) {
    const built = stamp.files[p];
    if (built === undefined || built.size !== s.size) return false;
    if (built.mtimeMs !== s.mtimeMs && built.sha1 !== sha1(root + p)) return false;
  }
  return true;
}

/** 'dist' or 'tsx': what this process runs (decided once). */
let decided;
export function loaderKind() {
  decided ??= process.env.CRASHSIM_TSX === '1' || !distIsFresh() ? 'tsx' : 'dist';
  return decided;
}

/** Loads a module of the tree (`cli/main` …) as compiled JavaScript or through tsx. */
export async function importTree(rel) {
  if (loaderKind() === 'dist') {
    // Stack traces name the TypeScript lines (call sites in plans are file:line of the sources).
    process.setSourceMapsEnabled(true);
    return import(new URL(`../dist/${rel}.js`, import.meta.url).href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(`../${rel}.ts`, import.meta.url).href);
}
