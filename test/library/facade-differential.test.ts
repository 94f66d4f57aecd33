/**
 * Differential test of the node:fs facade (sim/node-fs): the same random call
 * sequences on the facade's sync form and on a real temporary directory
 * (node:fs) give the same results, the same error codes and the same tree —
 * the real kernel is the reference for writeFile/appendFile flags, copyFile,
 * rm -r, mkdir -p, readdir (recursive, Dirents), truncate/ftruncate, O_SYNC
 * opens, positional reads and writes, realpath, access and exists. Then the
 * three forms (sync, callback, promises) run the same sequences and must issue
 * exactly the same primitives (same pending log, same tree).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeFs } from '../../sim/node-fs/index.js';
import type { NodeFsFacade } from '../../sim/node-fs/index.js';
import { Vfs } from '../../sim/vfs/vfs.js';

const PATHS = ['/a', '/a/f', '/a/g', '/b', '/b/f', '/a/b', '/a/b/f', '/a/f/x', '/a/', '/b/../a/g', '/c'];
const FLAGS = ['r', 'r+', 'w', 'wx', 'w+', 'a', 'a+', 'ax', 'as', 'rs+'];

type Cmd =
  | { c: 'writeFile' | 'appendFile'; path: number; len: number; flag: number }
  | { c: 'readFile' | 'stat' | 'exists' | 'realpath' | 'access' | 'unlink' | 'rmdir'; path: number }
  | { c: 'mkdir' | 'rm' | 'readdir'; path: number; recursive: boolean; extra: boolean }
  | { c: 'copyFile'; from: number; to: number; excl: boolean }
  | { c: 'rename'; from: number; to: number }
  | { c: 'truncate'; path: number; len: number }
  | { c: 'open'; path: number; flag: number }
  | { c: 'write'; slot: number; len: number; position: number | null; asString: boolean }
  | { c: 'read'; slot: number; len: number; position: number | null }
  | { c: 'ftruncate'; slot: number; len: number }
  | { c: 'fsync' | 'fdatasync' | 'close' | 'fstat'; slot: number };

const path = fc.nat(PATHS.length - 1);
const slot = fc.nat(4);
const position = fc.option(fc.nat(40), { nil: null });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ c: fc.constantFrom('writeFile' as const, 'appendFile' as const), path, len: fc.nat(30), flag: fc.nat(FLAGS.length - 1) }) },
  { weight: 4, arbitrary: fc.record({ c: fc.constantFrom('readFile' as const, 'stat' as const, 'exists' as const, 'realpath' as const, 'access' as const, 'unlink' as const, 'rmdir' as const), path }) },
  { weight: 4, arbitrary: fc.record({ c: fc.constantFrom('mkdir' as const, 'rm' as const, 'readdir' as const), path, recursive: fc.boolean(), extra: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('copyFile' as const), from: path, to: path, excl: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('rename' as const), from: path, to: path }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('truncate' as const), path, len: fc.integer({ min: -2, max: 40 }) }) },
  { weight: 4, arbitrary: fc.record({ c: fc.constant('open' as const), path, flag: fc.nat(FLAGS.length - 1) }) },
  { weight: 4, arbitrary: fc.record({ c: fc.constant('write' as const), slot, len: fc.nat(20), position, asString: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('read' as const), slot, len: fc.integer({ min: 1, max: 50 }), position }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('ftruncate' as const), slot, len: fc.nat(30) }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constantFrom('fsync' as const, 'fdatasync' as const, 'close' as const, 'fstat' as const), slot }) },
);

/** A value, or the error's code (Node's `code`, for the facade and the kernel alike). */
function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { err: code };
    throw e;
  }
}

/** The visible tree under `root` of any node:fs-shaped object, as sorted `d /x` / `f /x <hex>` lines. */
function tree(f: typeof fs | NodeFsFacade, root: string): string[] {
  const out = ['d /'];
  const walk = (dir: string, rel: string): void => {
    for (const e of f.readdirSync(dir, { withFileTypes: true })) {
      const r = rel === '/' ? `/${e.name}` : `${rel}/${e.name}`;
      const full = dir.endsWith('/') ? `${dir}${e.name}` : `${dir}/${e.name}`;
      if (e.isDirectory()) {
        out.push(`d ${r}`);
        walk(full, r);
      } else {
        out.push(`f ${r} ${f.readFileSync(full).toString('hex')}`);
      }
    }
  };
  walk(root, '/');
  return out.sort();
}

const base = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'crashsim-facade-diff-'));
let runNo = 0;
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

/** Runs `cmds` on one node:fs-shaped object rooted at `root`; returns each step's outcome (paths relative to root). */
function runOn(f: typeof fs | NodeFsFacade, root: string, cmds: readonly Cmd[]): unknown[] {
  const at = (i: number): string => root + (PATHS[i] as string);
  const slots: number[] = [];
  const results: unknown[] = [];
  let tag = 0;
  const strip = (v: unknown): unknown => (typeof v === 'string' && root !== '' && v.startsWith(root) ? v.slice(root.length) || '/' : v);
  try {
    for (const cmd of cmds) {
      const s = 'slot' in cmd && slots.length > 0 ? (slots[cmd.slot % slots.length] as number) : undefined;
      let r: unknown;
      switch (cmd.c) {
        case 'writeFile':
        case 'appendFile': {
          const data = Buffer.alloc(cmd.len, ++tag);
          r = outcome(() => f[`${cmd.c}Sync`](at(cmd.path), data, { flag: FLAGS[cmd.flag] as string }));
          break;
        }
        case 'readFile': r = outcome(() => f.readFileSync(at(cmd.path)).toString('hex')); break;
        case 'stat': r = outcome(() => { const st = f.statSync(at(cmd.path)); return [st.isFile(), st.isDirectory(), st.isFile() ? st.size : 0]; }); break;
        case 'exists': r = outcome(() => f.existsSync(at(cmd.path))); break;
        case 'realpath': r = outcome(() => strip(f.realpathSync(at(cmd.path)))); break;
        case 'access': r = outcome(() => f.accessSync(at(cmd.path))); break;
        case 'unlink': r = outcome(() => f.unlinkSync(at(cmd.path))); break;
        case 'rmdir': r = outcome(() => f.rmdirSync(at(cmd.path))); break;
        case 'mkdir': r = outcome(() => strip(f.mkdirSync(at(cmd.path), { recursive: cmd.recursive }))); break;
        case 'rm': r = outcome(() => f.rmSync(at(cmd.path), { recursive: cmd.recursive, force: cmd.extra })); break;
        case 'readdir':
          r = outcome(() => cmd.extra
            ? f.readdirSync(at(cmd.path), { withFileTypes: true, recursive: cmd.recursive }).map((d) => `${strip(d.parentPath)}:${d.name}:${d.isDirectory()}`).sort()
            : (f.readdirSync(at(cmd.path), { recursive: cmd.recursive }) as string[]).slice().sort());
          break;
        case 'copyFile': r = outcome(() => f.copyFileSync(at(cmd.from), at(cmd.to), cmd.excl ? fs.constants.COPYFILE_EXCL : 0)); break;
        case 'rename': r = outcome(() => f.renameSync(at(cmd.from), at(cmd.to))); break;
        case 'truncate': r = outcome(() => f.truncateSync(at(cmd.path), cmd.len)); break;
        case 'open':
          r = outcome(() => slots.push(f.openSync(at(cmd.path), FLAGS[cmd.flag] as string, 0o600)) && 'opened');
          break;
        case 'write': {
          if (s === undefined) continue;
          const data = Buffer.alloc(cmd.len, 97 + (++tag % 26));
          r = outcome(() => (cmd.asString ? f.writeSync(s, data.toString('latin1'), cmd.position, 'latin1') : f.writeSync(s, data, 0, data.length, cmd.position)));
          break;
        }
        case 'read': {
          if (s === undefined) continue;
          r = outcome(() => {
            const buf = Buffer.alloc(cmd.len);
            const n = f.readSync(s, buf, 0, cmd.len, cmd.position);
            return buf.subarray(0, n).toString('hex');
          });
          break;
        }
        case 'ftruncate': if (s === undefined) continue; r = outcome(() => f.ftruncateSync(s, cmd.len)); break;
        case 'fsync': if (s === undefined) continue; r = outcome(() => f.fsyncSync(s)); break;
        case 'fdatasync': if (s === undefined) continue; r = outcome(() => f.fdatasyncSync(s)); break;
        case 'fstat': if (s === undefined) continue; r = outcome(() => { const st = f.fstatSync(s); return [st.isFile(), st.isFile() ? st.size : 0]; }); break;
        case 'close':
          if (s === undefined) continue;
          r = outcome(() => f.closeSync(s));
          slots.splice(slots.indexOf(s), 1);
          break;
      }
      results.push([cmd.c, r]);
    }
  } finally {
    for (const s of slots) f.closeSync(s);
  }
  return results;
}

describe('node:fs facade vs a real directory', () => {
  it('same results, error codes and trees for random call sequences (sync form)', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 30, size: 'max' }), (cmds) => {
        const root = nodePath.join(base, String(runNo++));
        fs.mkdirSync(root);
        const facade = createNodeFs(Vfs.create({ personality: 'strict-posix' }));
        const real = runOn(fs, root, cmds);
        const sim = runOn(facade, '', cmds);
        expect(sim).toEqual(real);
        expect(tree(facade, '/')).toEqual(tree(fs, root));
      }),
      { numRuns: 250 },
    );
  });
});

/** The same sequence through the callback form (util.promisify) or the promise form (FileHandle for fd calls). */
async function runAsyncForm(f: NodeFsFacade, form: 'callback' | 'promises', cmds: readonly Cmd[]): Promise<void> {
  const at = (i: number): string => PATHS[i] as string;
  type Handle = { fd: number; write: Function; read: Function; truncate: Function; sync: Function; datasync: Function; stat: Function; close: Function };
  const slots: { fd: number; h?: Handle }[] = [];
  const cb = <T>(name: string) => promisify((f as unknown as Record<string, (...a: unknown[]) => void>)[name] as (...a: unknown[]) => void) as (...a: unknown[]) => Promise<T>;
  const p = f.promises as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const call = (name: string, ...args: unknown[]): Promise<unknown> => (form === 'callback' ? cb(name)(...args) : (p[name] as (...a: unknown[]) => Promise<unknown>)(...args));
  let tag = 0;
  for (const cmd of cmds) {
    const s = 'slot' in cmd && slots.length > 0 ? slots[cmd.slot % slots.length] : undefined;
    const step = async (): Promise<unknown> => {
      switch (cmd.c) {
        case 'writeFile': case 'appendFile': return call(cmd.c, at(cmd.path), Buffer.alloc(cmd.len, ++tag), { flag: FLAGS[cmd.flag] });
        case 'readFile': return call('readFile', at(cmd.path));
        case 'stat': return call('stat', at(cmd.path));
        case 'exists': return form === 'callback' ? cb('exists')(at(cmd.path)) : call('access', at(cmd.path));
        case 'realpath': return call('realpath', at(cmd.path));
        case 'access': return call('access', at(cmd.path));
        case 'unlink': return call('unlink', at(cmd.path));
        case 'rmdir': return call('rmdir', at(cmd.path));
        case 'mkdir': return call('mkdir', at(cmd.path), { recursive: cmd.recursive });
        case 'rm': return call('rm', at(cmd.path), { recursive: cmd.recursive, force: cmd.extra });
        case 'readdir': return call('readdir', at(cmd.path), { withFileTypes: cmd.extra, recursive: cmd.recursive });
        case 'copyFile': return call('copyFile', at(cmd.from), at(cmd.to), cmd.excl ? 1 : 0);
        case 'rename': return call('rename', at(cmd.from), at(cmd.to));
        case 'truncate': return call('truncate', at(cmd.path), cmd.len);
        case 'open':
          if (form === 'callback') slots.push({ fd: (await cb<number>('open')(at(cmd.path), FLAGS[cmd.flag], 0o600)) });
          else { const h = (await p.open!(at(cmd.path), FLAGS[cmd.flag], 0o600)) as Handle; slots.push({ fd: h.fd, h }); }
          return undefined;
      }
      if (s === undefined) return undefined;
      switch (cmd.c) {
        case 'write': {
          const data = Buffer.alloc(cmd.len, 97 + (++tag % 26));
          if (cmd.asString) return s.h !== undefined ? s.h.write(data.toString('latin1'), cmd.position, 'latin1') : cb('write')(s.fd, data.toString('latin1'), cmd.position, 'latin1');
          return s.h !== undefined ? s.h.write(data, 0, data.length, cmd.position) : cb('write')(s.fd, data, 0, data.length, cmd.position);
        }
        case 'read': return s.h !== undefined ? s.h.read(Buffer.alloc(cmd.len), 0, cmd.len, cmd.position) : cb('read')(s.fd, Buffer.alloc(cmd.len), 0, cmd.len, cmd.position);
        case 'ftruncate': return s.h !== undefined ? s.h.truncate(cmd.len) : cb('ftruncate')(s.fd, cmd.len);
        case 'fsync': return s.h !== undefined ? s.h.sync() : cb('fsync')(s.fd);
        case 'fdatasync': return s.h !== undefined ? s.h.datasync() : cb('fdatasync')(s.fd);
        case 'fstat': return s.h !== undefined ? s.h.stat() : cb('fstat')(s.fd);
        case 'close':
          slots.splice(slots.indexOf(s), 1);
          return s.h !== undefined ? s.h.close() : cb('close')(s.fd);
      }
      return undefined;
    };
    await step().catch((e: { code?: unknown }) => {
      if (typeof e?.code !== 'string') throw e;
    });
  }
  for (const s of slots) await (s.h !== undefined ? s.h.close() : cb('close')(s.fd));
}

describe('the three forms issue the same primitives', () => {
  it('sync, callback and promise forms leave the same pending log and tree', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 25, size: 'max' }), async (cmds) => {
        const logs: string[][] = [];
        const trees: string[][] = [];
        for (const form of ['sync', 'callback', 'promises'] as const) {
          const vfs = Vfs.create({ personality: 'strict-posix' });
          const f = createNodeFs(vfs);
          if (form === 'sync') runOn(f, '', cmds);
          else await runAsyncForm(f, form, cmds);
          logs.push(vfs.describePending());
          trees.push(tree(f, '/'));
        }
        // exists has no promise form: the promise run uses access (the same stat primitive)
        expect(logs[1]).toEqual(logs[0]);
        expect(logs[2]).toEqual(logs[0]);
        expect(trees[1]).toEqual(trees[0]);
        expect(trees[2]).toEqual(trees[0]);
      }),
      { numRuns: 120 },
    );
  });
});
