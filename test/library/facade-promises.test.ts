/**
 * The facade's fs/promises form (sim/node-fs): Node-style calls work on the VFS,
 * issue the primitives Node would (each announced to `beforeCall`), and crash
 * images are reachable through the VFS underneath.
 */
import { describe, expect, it } from 'vitest';
import { isFsError } from '../../src/env.js';
import { SeededRng } from '../../sim/random.js';
import { crashImages } from '../../sim/vfs/crash.js';
import { FaultyFs } from '../../sim/vfs/faults.js';
import { parseFlags } from '../../sim/node-fs/core.js';
import { createNodeFs } from '../../sim/node-fs/index.js';
import type { FacadeCall, NodeFacadeFs, NodeFsOptions } from '../../sim/node-fs/index.js';
import { Vfs } from '../../sim/vfs/vfs.js';

const createFsPromises = (fs: NodeFacadeFs, opts: NodeFsOptions = {}) => createNodeFs(fs, opts).promises;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return isFsError(e) ? e.code : String(e);
  }
}

describe('fs/promises facade', () => {
  it('reads, writes, lists, stats, renames and removes like node:fs/promises', async () => {
    const fsp = createFsPromises(Vfs.create({ personality: 'ext4-weak' }));
    expect(await fsp.mkdir('/a/b/c', { recursive: true })).toBe('/a');
    expect(await fsp.mkdir('/a/b', { recursive: true })).toBeUndefined();
    await fsp.writeFile('/a/b/c/t.txt', 'héllo');
    expect(await fsp.readFile('/a/b/c/t.txt', 'utf8')).toBe('héllo');
    expect(await fsp.readFile('/a/b/c/t.txt')).toEqual(Buffer.from('héllo'));
    await fsp.appendFile('/a/b/c/t.txt', new Uint8Array([33]));
    expect(await fsp.readFile('/a/b/c/t.txt', { encoding: 'utf8' })).toBe('héllo!');
    expect(await fsp.readdir('/a/b/c')).toEqual(['t.txt']);
    const [d] = await fsp.readdir('/a/b', { withFileTypes: true });
    expect([d?.name, d?.isDirectory(), d?.isFile()]).toEqual(['c', true, false]);
    const st = await fsp.stat('/a/b/c/t.txt');
    expect([st.isFile(), st.isDirectory(), st.size, st.mode.toString(8)]).toEqual([true, false, 7, '100666']);
    expect((await fsp.lstat('/a')).isDirectory()).toBe(true);
    await fsp.rename('/a/b/c/t.txt', '/a/t.txt');
    expect(await codeOf(fsp.access('/a/b/c/t.txt'))).toBe('ENOENT');
    await fsp.unlink('/a/t.txt');
    await fsp.rmdir('/a/b/c');
    expect(await codeOf(fsp.rmdir('/a'))).toBe('ENOTEMPTY');
    expect(await codeOf(fsp.writeFile('/nope/x', 'x'))).toBe('ENOENT');
    expect(await codeOf(fsp.mkdir('/a'))).toBe('EEXIST');
    await fsp.writeFile('/a/f', 'x');
    expect(await codeOf(fsp.mkdir('/a/f/g', { recursive: true }))).toBe('ENOTDIR');
    expect(await codeOf(fsp.writeFile('/a/f', 'y', { flag: 'wx' }))).toBe('EEXIST');
  });

  it('FileHandle: current-offset and positional reads/writes, stat, sync, close', async () => {
    const vfs = Vfs.create({ personality: 'ext4-weak' });
    const fsp = createFsPromises(vfs);
    const h = await fsp.open('/f', 'w+', 0o600);
    expect((await h.write(new Uint8Array([1, 2, 3, 4]))).bytesWritten).toBe(4);
    expect((await h.write('Z', 1)).bytesWritten).toBe(1);
    const buf = new Uint8Array(8);
    const r = await h.read(buf, 0, 8, 0);
    expect([r.bytesRead, [...buf.subarray(0, 4)]]).toEqual([4, [1, 90, 3, 4]]);
    expect((await h.read({ buffer: new Uint8Array(4), position: 2 })).bytesRead).toBe(2);
    expect((await h.stat()).size).toBe(4);
    expect(crashImages(vfs).counts.total.distinct).toBeGreaterThan(1);
    await h.sync();
    expect(crashImages(vfs).counts.total.distinct).toBe(1);
    await h.datasync();
    await h.close();
    expect(await codeOf(h.close())).toBe('EBADF');
    expect(await codeOf(h.read(new Uint8Array(1)))).toBe('EBADF');
  });

  it('truncate(path) and FileHandle.truncate are primitives with crash images of their own', async () => {
    const vfs = Vfs.fromImage({ dirs: ['/'], files: new Map([['/log', new TextEncoder().encode('0123456789')]]) }, { personality: 'strict-posix' });
    const calls: string[] = [];
    const fsp = createFsPromises(vfs, { beforeCall: (c) => void calls.push(c.primitive) });
    const h = await fsp.open('/log', 'r+');
    await h.truncate(4);
    expect(await fsp.readFile('/log', 'utf8')).toBe('0123');
    await h.truncate();
    await fsp.truncate('/log', 2);
    expect([...(await fsp.readFile('/log'))]).toEqual([0, 0]);
    await h.truncate(1);
    await fsp.truncate('/log', -5); // Node: a negative length means 0
    expect((await h.stat()).size).toBe(0);
    expect(calls.filter((c) => c.endsWith('truncate'))).toEqual(['ftruncate', 'ftruncate', 'truncate', 'ftruncate', 'truncate']);
    expect(await codeOf(fsp.truncate('/', 0))).toBe('EISDIR');
    expect(await codeOf(fsp.truncate('/missing'))).toBe('ENOENT');
    await expect(h.truncate(1.5)).rejects.toThrow(/"len" is out of range. It must be an integer/);
    // Five truncates pending on top of the durable 10 bytes: strict-posix may keep any subset.
    expect(crashImages(vfs).pending).toHaveLength(5);
    await h.sync();
    expect(crashImages(vfs).images.map((i) => i.files.get('/log')?.length)).toEqual([0]);
    await h.close();
    expect(await codeOf(h.truncate())).toBe('EBADF');
  });

  it('announces every primitive to beforeCall before running it', async () => {
    const calls: string[] = [];
    const vfs = Vfs.create({ personality: 'ordered' });
    const fsp = createFsPromises(vfs, {
      beforeCall: async (c: FacadeCall) => {
        calls.push(`${c.primitive}${c.path === undefined ? '' : ' ' + c.path}`);
        await Promise.resolve();
      },
    });
    await fsp.writeFile('/x', 'hi');
    expect(calls).toEqual(['open /x', 'write', 'close']);
    calls.length = 0;
    await fsp.readFile('/x');
    expect(calls).toEqual(['open /x', 'fstat', 'read', 'close']);
    calls.length = 0;
    await fsp.readdir('/');
    expect(calls).toEqual(['open /', 'getdents', 'close']);
  });

  it('writeFile loops over short writes', async () => {
    const vfs = Vfs.create({ personality: 'ordered' });
    const fsp = createFsPromises(new FaultyFs(vfs, { shortWriteProbability: 1 }, new SeededRng('short')));
    await fsp.writeFile('/x', 'a fairly long line of text');
    expect(await fsp.readFile('/x', 'utf8')).toBe('a fairly long line of text');
  });

  it("the module doc's atomic-replace example finds the empty file and recovers on it", async () => {
    const vfs = Vfs.create({ personality: 'strict-posix' });
    const fsp = createFsPromises(vfs);
    await fsp.mkdir('/db');
    await fsp.writeFile('/db/CURRENT.tmp', 'v2');
    await fsp.rename('/db/CURRENT.tmp', '/db/CURRENT');
    const dir = await fsp.open('/db', 'r');
    await dir.sync();
    await dir.close();
    // The mkdir of /db is not durable (/ never synced), so some images lack /db entirely.
    const report = crashImages(vfs);
    const current = report.images.map((i) => (i.files.has('/db/CURRENT') ? new TextDecoder().decode(i.files.get('/db/CURRENT')) : '-'));
    expect(current.sort()).toEqual(['', '-', 'v2']);
    const empty = report.images.find((i) => i.files.get('/db/CURRENT')?.length === 0);
    const recovered = createFsPromises(Vfs.fromImage(empty!, { personality: 'strict-posix' }));
    expect(await recovered.readFile('/db/CURRENT', 'utf8')).toBe('');
  });

  it('parses Node flag strings', () => {
    expect(parseFlags('r', 'r')).toEqual({ vfsFlags: 0, syncWrites: false });
    expect(parseFlags('wx+', 'r').vfsFlags).toBe(0o2 | 0o100 | 0o1000 | 0o200);
    expect(parseFlags('as', 'r')).toEqual({ vfsFlags: 0o1 | 0o100 | 0o2000, syncWrites: true });
    expect(parseFlags(undefined, 'a').vfsFlags).toBe(0o1 | 0o100 | 0o2000);
    expect(() => parseFlags('q', 'r')).toThrow(/The argument 'flags' is invalid/);
  });
});
