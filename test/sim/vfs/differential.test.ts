/**
 * Differential test: the same random op sequences on the VFS and on a real
 * temporary directory (node:fs sync API) give the same results, the same error
 * codes and the same visible tree (truncate/ftruncate included). This is what keeps the VFS's errno table
 * honest: the real kernel is the reference.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isFsError, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import { Vfs } from '../../../sim/vfs/vfs.js';

const PATHS = ['/a', '/a/f', '/a/g', '/b', '/b/f', '/a/b', '/a/b/f', '/a/f/x', '/a/', '/a/f/', '/a/./f', '/b/../a/g', '/c', '/a/b/..'];
const FLAGS = [
  O_RDONLY, O_WRONLY | O_CREAT | O_TRUNC, O_RDWR | O_CREAT, O_WRONLY | O_CREAT | O_EXCL, O_WRONLY | O_APPEND | O_CREAT,
  O_RDWR, O_RDONLY | O_DIRECTORY, O_WRONLY, O_RDONLY | O_TRUNC, O_RDONLY | O_CREAT,
];

type Cmd =
  | { c: 'open'; path: number; flags: number }
  | { c: 'write'; slot: number; len: number }
  | { c: 'read'; slot: number; len: number }
  | { c: 'fsync' | 'close' | 'fstat'; slot: number }
  | { c: 'mkdir' | 'rmdir' | 'unlink' | 'stat' | 'readdir'; path: number }
  | { c: 'rename'; from: number; to: number }
  | { c: 'ftruncate'; slot: number; len: number }
  | { c: 'truncate'; path: number; len: number };

const path = fc.nat(PATHS.length - 1);
const slot = fc.nat(5);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ c: fc.constant('open' as const), path, flags: fc.nat(FLAGS.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('write' as const), slot, len: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('read' as const), slot, len: fc.integer({ min: 1, max: 60 }) }) }, // node's readSync skips read(2) for 0 bytes
  { weight: 3, arbitrary: fc.record({ c: fc.constantFrom('fsync' as const, 'close' as const, 'fstat' as const), slot }) },
  { weight: 5, arbitrary: fc.record({ c: fc.constantFrom('mkdir' as const, 'rmdir' as const, 'unlink' as const, 'stat' as const, 'readdir' as const), path }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('rename' as const), from: path, to: path }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('ftruncate' as const), slot, len: fc.integer({ min: 0, max: 50 }) }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('truncate' as const), path, len: fc.integer({ min: 0, max: 50 }) }) },
);

function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    if (isFsError(e)) return { err: e.code };
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return { err: code };
    throw e;
  }
}

/** The visible tree of a real directory, as `d /x` and `f /x <hex>` lines. */
function realTree(root: string): string[] {
  const out = ['d /'];
  const walk = (dir: string, rel: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel === '/' ? `/${e.name}` : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        out.push(`d ${r}`);
        walk(nodePath.join(dir, e.name), r);
      } else {
        out.push(`f ${r} ${fs.readFileSync(nodePath.join(dir, e.name)).toString('hex')}`);
      }
    }
  };
  walk(root, '/');
  return out.sort();
}

function vfsTree(v: Vfs): string[] {
  const img = v.volatileImage();
  return [...img.dirs.map((d) => `d ${d}`), ...[...img.files].map(([p, b]) => `f ${p} ${Buffer.from(b).toString('hex')}`)].sort();
}

const base = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'crashsim-vfs-diff-'));
let runNo = 0;
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function runBoth(cmds: readonly Cmd[]): void {
  const root = nodePath.join(base, String(runNo++));
  fs.mkdirSync(root);
  const v = Vfs.create({ personality: 'ext4-weak' });
  const real = (p: string): string => root + p;
  const slots: { fd: number; rfd: number }[] = [];
  let tag = 0;
  try {
    for (const cmd of cmds) {
      const s = 'slot' in cmd && slots.length > 0 ? slots[cmd.slot % slots.length] : undefined;
      let a: unknown;
      let b: unknown;
      switch (cmd.c) {
        case 'open': {
          const p = PATHS[cmd.path] as string;
          const flags = FLAGS[cmd.flags] as number;
          a = outcome(() => v.open(p, flags, 0o600));
          b = outcome(() => fs.openSync(real(p), flags, 0o600));
          if (a !== null && typeof a === 'object' && 'ok' in a && b !== null && typeof b === 'object' && 'ok' in b) {
            slots.push({ fd: a.ok as number, rfd: b.ok as number });
            a = b = 'opened';
          }
          break;
        }
        case 'write': {
          if (s === undefined) continue;
          const data = new Uint8Array(cmd.len).fill(++tag);
          a = outcome(() => v.write(s.fd, data));
          b = outcome(() => fs.writeSync(s.rfd, data));
          break;
        }
        case 'read': {
          if (s === undefined) continue;
          a = outcome(() => [...v.read(s.fd, cmd.len)]);
          b = outcome(() => {
            const buf = Buffer.alloc(cmd.len);
            const n = fs.readSync(s.rfd, buf, 0, cmd.len, null);
            return [...buf.subarray(0, n)];
          });
          break;
        }
        case 'fsync':
          if (s === undefined) continue;
          a = outcome(() => v.fsync(s.fd));
          b = outcome(() => fs.fsyncSync(s.rfd));
          break;
        case 'close':
          if (s === undefined) continue;
          a = outcome(() => v.close(s.fd));
          b = outcome(() => fs.closeSync(s.rfd));
          slots.splice(slots.indexOf(s), 1);
          break;
        case 'fstat': {
          if (s === undefined) continue;
          a = outcome(() => { const st = v.fstat(s.fd); return [st.isFile, st.isDirectory, st.isFile ? st.sizeBytes : 0]; });
          b = outcome(() => { const st = fs.fstatSync(s.rfd); return [st.isFile(), st.isDirectory(), st.isFile() ? st.size : 0]; });
          break;
        }
        case 'stat': {
          const p = PATHS[cmd.path] as string;
          a = outcome(() => { const st = v.stat(p); return [st.isFile, st.isDirectory, st.isFile ? st.sizeBytes : 0]; });
          b = outcome(() => { const st = fs.statSync(real(p)); return [st.isFile(), st.isDirectory(), st.isFile() ? st.size : 0]; });
          break;
        }
        case 'readdir': {
          const p = PATHS[cmd.path] as string;
          a = outcome(() => {
            const fd = v.open(p, O_RDONLY | O_DIRECTORY);
            try {
              return v.getdents(fd).map((e) => `${e.name}${e.isDirectory ? '/' : ''}`).sort();
            } finally {
              v.close(fd);
            }
          });
          b = outcome(() => fs.readdirSync(real(p), { withFileTypes: true }).map((e) => `${e.name}${e.isDirectory() ? '/' : ''}`).sort());
          break;
        }
        case 'mkdir': {
          const p = PATHS[cmd.path] as string;
          a = outcome(() => v.mkdir(p, 0o700));
          b = outcome(() => fs.mkdirSync(real(p), { mode: 0o700 }));
          break;
        }
        case 'rmdir': {
          const p = PATHS[cmd.path] as string;
          a = outcome(() => v.rmdir(p));
          b = outcome(() => fs.rmdirSync(real(p)));
          break;
        }
        case 'unlink': {
          const p = PATHS[cmd.path] as string;
          a = outcome(() => v.unlink(p));
          b = outcome(() => fs.unlinkSync(real(p)));
          break;
        }
        case 'ftruncate':
          if (s === undefined) continue;
          a = outcome(() => v.ftruncate(s.fd, cmd.len));
          b = outcome(() => fs.ftruncateSync(s.rfd, cmd.len));
          break;
        case 'truncate': {
          const p = PATHS[cmd.path] as string;
          a = outcome(() => v.truncate(p, cmd.len));
          b = outcome(() => fs.truncateSync(real(p), cmd.len));
          break;
        }
        case 'rename': {
          const from = PATHS[cmd.from] as string;
          const to = PATHS[cmd.to] as string;
          a = outcome(() => v.rename(from, to));
          b = outcome(() => fs.renameSync(real(from), real(to)));
          break;
        }
      }
      expect(a, JSON.stringify(cmd)).toEqual(b);
    }
    expect(vfsTree(v)).toEqual(realTree(root));
  } finally {
    for (const s of slots) fs.closeSync(s.rfd);
  }
}

describe('VFS vs a real directory (node:fs)', () => {
  it('same results, errnos and trees for random op sequences', () => {
    fc.assert(fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 40, size: 'max' }), runBoth), { numRuns: 300 });
  });
});
