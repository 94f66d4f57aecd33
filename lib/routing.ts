/**
 * Module routing: `node:fs`, `fs`, `node:fs/promises`, `fs/promises` and
 * `graceful-fs`, imported or required by any module, resolve to *routed*
 * modules whose every function asks, at call time, "is this call running inside
 * an exploration?" (an AsyncLocalStorage context set by `runWithFs`). Inside,
 * the call goes to that exploration's simulated disk; outside, to the real
 * `node:fs`. So a library that does `import fs from 'node:fs'` runs unmodified
 * on the crash-faithful disk for exactly the duration of an exploration, and
 * everything else in the process (the test runner, reporters) keeps the real
 * disk, even while an exploration is running concurrently.
 *
 * Installed once per thread by `installRouting()` (what `crashsim/register`
 * does; `node --import crashsim/register app.js`):
 *  - ES modules: node:module `register()` customization hooks (Node ≥ 20.6) map
 *    the five specifiers to generated modules that re-export the routed objects;
 *  - CommonJS: `require()` of a builtin does not reach those hooks on Node 20, so
 *    `Module._load` is wrapped for the same five names (the long-standing way
 *    mocking libraries do it).
 * Modules loaded before installation keep what they imported: install first.
 *
 * The routing state lives on `globalThis` under a registered symbol, so two
 * copies of crashsim in one process (the compiled package and, say, vitest's
 * transformed sources) share one context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { NODE_FS_KEYS, NODE_FS_PROMISES_KEYS } from '../sim/node-fs/index.js';
import type { NodeFsFacade } from '../sim/node-fs/index.js';
import { UnsupportedFsCallError } from '../sim/node-fs/core.js';
import { crashsimRoot } from './paths.js';

/** The module ids routed (what `require`/`import` of each specifier yields). */
export type RoutedModuleId = 'fs' | 'fs/promises' | 'graceful-fs';

const SPECIFIERS: ReadonlyMap<string, RoutedModuleId> = new Map([
  ['fs', 'fs'], ['node:fs', 'fs'], ['fs/promises', 'fs/promises'], ['node:fs/promises', 'fs/promises'], ['graceful-fs', 'graceful-fs'],
]);

interface RoutingState {
  readonly als: AsyncLocalStorage<NodeFsFacade>;
  readonly modules: Readonly<Record<RoutedModuleId, object>>;
  esm: boolean;
  cjs: boolean;
}

const STATE_KEY = Symbol.for('crashsim.routing.v1');
type RealFs = typeof import('node:fs');
// process.getBuiltinModule (Node ≥ 20.16) bypasses every hook: the real module, always.
const realFs = (process as unknown as { getBuiltinModule(id: string): unknown }).getBuiltinModule('node:fs') as RealFs;

function state(): RoutingState {
  const g = globalThis as unknown as Record<symbol, RoutingState | undefined>;
  let s = g[STATE_KEY];
  if (s === undefined) {
    const als = new AsyncLocalStorage<NodeFsFacade>();
    s = { als, modules: buildModules(als), esm: false, cjs: false };
    g[STATE_KEY] = s;
  }
  return s;
}

/** Runs `fn` with every routed fs call inside it (and in everything it awaits or schedules) going to `fs`. */
export function runWithFs<T>(fs: NodeFsFacade, fn: () => T): T {
  return state().als.run(fs, fn);
}

/** The simulated fs routed calls go to right now, or undefined (real disk). */
export function currentFs(): NodeFsFacade | undefined {
  return state().als.getStore();
}

/** The routed module objects (for `vi.mock` factories and `crashsim/fs`). */
export function routedModule(id: RoutedModuleId): object {
  return state().modules[id];
}

export function routingInstalled(): { readonly esm: boolean; readonly cjs: boolean } {
  const s = state();
  return { esm: s.esm, cjs: s.cjs };
}

// ---------------------------------------------------------------------------
// Routed objects

function isClassKey(k: string): boolean {
  return /^[A-Z]/.test(k);
}

function unsupported(label: string): never {
  throw new UnsupportedFsCallError(label, 'the simulated disk has no such call');
}

/** An object with every key of `real`/`known`: functions dispatch per call, classes and `promises` per access. */
function routedObject(
  als: AsyncLocalStorage<NodeFsFacade>,
  real: Record<string, unknown>,
  known: readonly string[],
  pick: (disk: NodeFsFacade) => Record<string, unknown>,
  label: string,
  extra: Record<string, () => unknown> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = new Set([...known, ...Object.keys(real)]);
  for (const k of keys) {
    if (k in extra) {
      Object.defineProperty(out, k, { get: extra[k], enumerable: true });
      continue;
    }
    const rv = real[k];
    if (typeof rv === 'function' && !isClassKey(k)) {
      const dispatch = function (this: unknown, ...args: unknown[]): unknown {
        const disk = als.getStore();
        if (disk === undefined) return (rv as (...a: unknown[]) => unknown).apply(real, args);
        const target = pick(disk);
        const f = target[k];
        if (typeof f !== 'function') unsupported(`${label}${k}`);
        return (f as (...a: unknown[]) => unknown).apply(target, args);
      };
      Object.defineProperty(dispatch, 'name', { value: k });
      if (!k.endsWith('Sync') && !label.includes('promises')) {
        // util.promisify(fs.read) etc. must resolve to the same shapes as the real module's.
        const realP = promisify(rv as (...a: unknown[]) => void) as (...a: unknown[]) => Promise<unknown>;
        Object.defineProperty(dispatch, promisify.custom, {
          value: (...args: unknown[]) => {
            const disk = als.getStore();
            if (disk === undefined) return realP(...args);
            const f = pick(disk)[k];
            if (typeof f !== 'function') unsupported(`${label}${k}`);
            return (promisify(f as (...a: unknown[]) => void) as (...a: unknown[]) => Promise<unknown>)(...args);
          },
        });
      }
      const native = (rv as { native?: unknown }).native;
      if (typeof native === 'function') (dispatch as unknown as { native: unknown }).native = dispatch;
      out[k] = dispatch;
    } else if (rv === undefined || isClassKey(k)) {
      // classes: the disk's inside an exploration (new fs.WriteStream(…) must not touch the real disk)
      Object.defineProperty(out, k, {
        get: () => {
          const disk = als.getStore();
          return disk === undefined ? rv : pick(disk)[k];
        },
        enumerable: true,
      });
    } else {
      out[k] = rv; // constants
    }
  }
  return out;
}

function buildModules(als: AsyncLocalStorage<NodeFsFacade>): Record<RoutedModuleId, object> {
  const promises = routedObject(als, realFs.promises as unknown as Record<string, unknown>, NODE_FS_PROMISES_KEYS, (d) => d.promises as unknown as Record<string, unknown>, 'fs.promises.');
  const fs = routedObject(als, realFs as unknown as Record<string, unknown>, NODE_FS_KEYS, (d) => d as unknown as Record<string, unknown>, 'fs.', {
    promises: () => promises,
  });
  // graceful-fs: the same functions (the simulated disk has no EMFILE storms to retry) plus its own API.
  const graceful: Record<string, unknown> = Object.create(null);
  Object.defineProperties(graceful, Object.getOwnPropertyDescriptors(fs));
  graceful.gracefulify = (): void => undefined;
  return { fs, 'fs/promises': promises, 'graceful-fs': graceful };
}

// ---------------------------------------------------------------------------
// Installation

/** Exported names of each routed module (what the generated ES modules re-export). */
function exportNames(): Record<RoutedModuleId, string[]> {
  const s = state();
  const ident = (k: string): boolean => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default';
  const out = {} as Record<RoutedModuleId, string[]>;
  for (const id of ['fs', 'fs/promises', 'graceful-fs'] as const) out[id] = Object.keys(s.modules[id]).filter(ident);
  return out;
}

/** The hooks, run by Node in its hooks thread: plain JavaScript, shipped as a data: URL so no file path is involved. */
const HOOKS_SOURCE = `
let names = {};
let skip = [];
const ROUTE = new Map(${JSON.stringify([...SPECIFIERS])});
export async function initialize(data) { names = data.names; skip = data.skip; }
export async function resolve(specifier, context, next) {
  const id = ROUTE.get(specifier);
  const parent = context.parentURL ?? '';
  if (id !== undefined && !skip.some((p) => parent.startsWith(p))) return { url: 'crashsim-routed:' + id, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith('crashsim-routed:')) return next(url, context);
  const id = url.slice('crashsim-routed:'.length);
  const lines = [
    'const r = globalThis[Symbol.for("crashsim.routing.v1")];',
    'if (r === undefined) throw new Error("crashsim: module routing is not installed in this thread (import crashsim/register first)");',
    'const m = r.modules[' + JSON.stringify(id) + '];',
    'export default m;',
  ];
  for (const n of names[id] ?? []) lines.push('export const ' + n + ' = m[' + JSON.stringify(n) + '];');
  return { format: 'module', source: lines.join('\\n'), shortCircuit: true };
}
`;

/**
 * Routes the fs modules of this thread (idempotent). Modules imported before
 * this call keep the real fs; import the code to explore afterwards.
 */
export function installRouting(): void {
  const s = state();
  const root = crashsimRoot();
  // crashsim's own modules keep the real fs (they use none today; this keeps it so).
  const skipDirs = ['lib/', 'sim/', 'dist/'].map((d) => new URL(d, root).href);
  if (!s.cjs) {
    const require = createRequire(import.meta.url);
    const Module = require('node:module') as { _load: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown };
    const original = Module._load;
    const skipPaths = skipDirs.map((u) => new URL(u).pathname);
    Module._load = function (this: unknown, request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown {
      const id = SPECIFIERS.get(request);
      if (id !== undefined) {
        const from = parent?.filename ?? '';
        if (!skipPaths.some((p) => from.startsWith(p))) return s.modules[id];
      }
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as [string, { filename?: string } | undefined, boolean]);
    };
    s.cjs = true;
  }
  if (!s.esm) {
    const require = createRequire(import.meta.url);
    const { register } = require('node:module') as { register?: (url: string, opts: { data: unknown }) => void };
    if (typeof register !== 'function') throw new Error('crashsim: module routing needs node:module register() (Node ≥ 20.6)');
    register(`data:text/javascript,${encodeURIComponent(HOOKS_SOURCE)}`, { data: { names: exportNames(), skip: skipDirs } });
    s.esm = true;
  }
}
