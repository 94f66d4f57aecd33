/**
 * Module routing (lib/routing.ts): code that imports or requires node:fs, fs,
 * node:fs/promises, fs/promises or graceful-fs reaches the simulated disk inside
 * `runWithFs` (and so inside explorations) and the real disk outside — also
 * while an exploration is running. A call the facade lacks is a clear error.
 */
import 'crashsim/vitest';
import * as realFs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeFs, exploreCrashes, routedModule, routingInstalled, runWithFs, UnsupportedFsCallError, Vfs } from 'crashsim';
import { mockFsModule } from 'crashsim/vitest';
import * as esmUser from './fixtures/esm-user.mjs';

const require = createRequire(import.meta.url);
const cjsUser = require('./fixtures/cjs-user.cjs') as { save(p: string, t: string): Promise<boolean>; readSync(p: string): string };
const tmp = realFs.mkdtempSync(nodePath.join(os.tmpdir(), 'crashsim-routing-'));
afterAll(() => realFs.rmSync(tmp, { recursive: true, force: true }));

function simulated(): { vfs: Vfs; fs: ReturnType<typeof createNodeFs> } {
  const vfs = Vfs.create({ personality: 'strict-posix' });
  return { vfs, fs: createNodeFs(vfs) };
}

describe('module routing', () => {
  it('is installed for ES modules and CommonJS in this worker', () => {
    expect(routingInstalled()).toEqual({ esm: true, cjs: true });
  });

  it('routes ES module imports (default, named, namespace, fs/promises) inside runWithFs, the real disk outside', async () => {
    const { vfs, fs } = simulated();
    expect(await runWithFs(fs, () => esmUser.save('/x.json', 'hello'))).toBe(true);
    expect(vfs.volatileImage().files.has('/x.json')).toBe(true);
    expect(vfs.pendingLog().length).toBeGreaterThan(0);
    const real = nodePath.join(tmp, 'x.json');
    expect(await esmUser.save(real, 'real')).toBe(true);
    expect(realFs.readFileSync(real, 'utf8')).toBe('real');
    expect(vfs.volatileImage().files.has(real)).toBe(false);
  });

  it('routes require() of fs, node:fs, node:fs/promises and graceful-fs, with promisify shapes kept', async () => {
    const { vfs, fs } = simulated();
    expect(await runWithFs(fs, () => cjsUser.save('/c.txt', 'cjs'))).toBe(true);
    expect(Buffer.from(vfs.volatileImage().files.get('/c.txt')!).toString()).toBe('cjs');
    expect(runWithFs(fs, () => cjsUser.readSync('/c.txt'))).toBe('cjs');
    const real = nodePath.join(tmp, 'c.txt');
    expect(await cjsUser.save(real, 'disk')).toBe(true);
    expect(cjsUser.readSync(real)).toBe('disk');
  });

  it('keeps the real disk for code outside the exploration while one runs', async () => {
    const real = nodePath.join(tmp, 'concurrent.txt');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const exploring = exploreCrashes({
      name: 'concurrent',
      workload: async () => {
        await esmUser.save('/first.json', '{}');
        await gate; // the test runs its own fs calls meanwhile
        await esmUser.save('/second.json', '{}');
      },
      check: () => undefined,
    });
    await new Promise((r) => setImmediate(r));
    expect(await esmUser.save(real, 'still real')).toBe(true);
    release();
    const r = await exploring;
    expect(realFs.readFileSync(real, 'utf8')).toBe('still real');
    expect(r.points().filter((p) => p.before.startsWith('before rename'))).toHaveLength(2);
  });

  it('a call the facade lacks names itself (never a TypeError), through every route', async () => {
    const { fs } = simulated();
    const e = runWithFs(fs, () => {
      try {
        esmUser.watchIt('/');
        return undefined;
      } catch (x) {
        return x;
      }
    });
    expect(e).toBeInstanceOf(UnsupportedFsCallError);
    expect((e as Error).message).toBe("fs.watch is not supported on crashsim's simulated disk (watchers are not modelled); see docs/library.md, \"What the facade covers\"");
    const routedP = routedModule('fs/promises') as Record<string, (...a: unknown[]) => Promise<unknown>>;
    await expect(runWithFs(fs, () => routedP.symlink!('/a', '/b'))).rejects.toThrow(/^fs\.promises\.symlink is not supported/);
    const routed = routedModule('fs') as Record<string, (...a: unknown[]) => unknown>;
    expect(() => runWithFs(fs, () => routed.linkSync!('/a', '/b'))).toThrow(UnsupportedFsCallError);
  });

  it('routed fs.read/fs.write keep Node\'s promisify result shapes inside and outside', async () => {
    const routed = routedModule('fs') as typeof realFs;
    const { fs } = simulated();
    const inside = await runWithFs(fs, async () => {
      const fd = await promisify(routed.open)('/p', 'w+');
      const w = await promisify(routed.write)(fd, Buffer.from('abc'), 0, 3, 0);
      const r = await promisify(routed.read)(fd, Buffer.alloc(3), 0, 3, 0);
      return [w.bytesWritten, r.bytesRead, r.buffer.toString(), await promisify(routed.exists)('/p')];
    });
    expect(inside).toEqual([3, 3, 'abc', true]);
    const fd = await promisify(routed.open)(nodePath.join(tmp, 'p'), 'w+');
    const w = await promisify(routed.write)(fd, Buffer.from('xyz'), 0, 3, 0);
    routed.closeSync(fd);
    expect(w.bytesWritten).toBe(3);
  });

  it('vi.mock factories: mockFsModule gives the routed module as default and named exports', () => {
    const m = mockFsModule('fs');
    expect(m.default).toBe(routedModule('fs'));
    expect(m.writeFileSync).toBe((routedModule('fs') as Record<string, unknown>).writeFileSync);
    expect(Object.keys(mockFsModule('fs/promises'))).toEqual(expect.arrayContaining(['default', 'readFile', 'writeFile', 'open', 'rename']));
  });

  it('every key of the real node:fs and node:fs/promises exists on the facade and on the routed modules', () => {
    const { fs } = simulated();
    // this file's own node:fs import is routed too: ask Node for the real module
    const realFs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('node:fs');
    for (const k of Object.keys(realFs)) {
      expect(k in fs, `facade fs.${k}`).toBe(true);
      expect(k in (routedModule('fs') as object), `routed fs.${k}`).toBe(true);
    }
    for (const k of Object.keys(realFs.promises)) {
      expect(k in fs.promises, `facade fs.promises.${k}`).toBe(true);
      expect(k in (routedModule('fs/promises') as object), `routed fs.promises.${k}`).toBe(true);
    }
  });
});
