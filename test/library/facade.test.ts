/**
 * The node:fs facade (sim/node-fs) beyond the differential test: the crash
 * images its calls leave, computed by hand (O_SYNC opens, writeFile's `flush`,
 * fdatasync, copyFile, rm -r, write streams with `flush`, mkdtemp); Node-shaped
 * errors; streams, Dir, util.promisify shapes; and the calls it does not model,
 * each failing with an error that names it.
 */
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UnsupportedFsCallError } from '../../sim/node-fs/core.js';
import { createNodeFs, FILE_HANDLE_KEYS, NODE_FS_KEYS, NODE_FS_PROMISES_KEYS } from '../../sim/node-fs/index.js';
import { crashImages } from '../../sim/vfs/crash.js';
import type { Personality } from '../../sim/vfs/model.js';
import { Vfs } from '../../sim/vfs/vfs.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A disk holding /d/old = "ab" (and /d/e/x = "x"), all durable. */
function disk(personality: Personality = 'strict-posix'): { vfs: Vfs; fs: ReturnType<typeof createNodeFs> } {
  const vfs = Vfs.fromImage({ dirs: ['/', '/d', '/d/e'], files: new Map([['/d/old', enc('ab')], ['/d/e/x', enc('x')]]) }, { personality });
  return { vfs, fs: createNodeFs(vfs) };
}

/** What `path` holds in each distinct crash image (`-` = absent), sorted. */
function outcomes(vfs: Vfs, path: string): string[] {
  const seen = crashImages(vfs).images.map((i) => (i.files.has(path) ? Buffer.from(i.files.get(path)!).toString() : i.dirs.includes(path) ? '<dir>' : '-'));
  return [...new Set(seen)].sort();
}

/** Each distinct crash image as one line of its paths, in prefix order (for ordered disks). */
function trees(vfs: Vfs): string[] {
  return crashImages(vfs).images.map((i) => [...i.dirs.slice(1), ...i.files.keys()].join(' '));
}

describe('crash images of facade calls, by hand', () => {
  it('writeFile with flush: true = open, write, fsync, close — the data is durable, the new name is not (strict-posix)', () => {
    const { vfs, fs } = disk();
    fs.writeFileSync('/d/f', 'xy', { flush: true });
    expect(vfs.describePending()).toEqual(['#1 create /d/f']);
    expect(outcomes(vfs, '/d/f')).toEqual(['-', 'xy']);
  });

  it('writeFile without flush: create and write pending, any subset (the write alone is unreachable)', () => {
    const { vfs, fs } = disk();
    fs.writeFileSync('/d/f', 'xy');
    expect(vfs.describePending()).toEqual(['#1 create /d/f', '#2 write /d/f @0 +2B']);
    expect(outcomes(vfs, '/d/f')).toEqual(['', '-', 'xy']);
  });

  it("O_SYNC opens ('as', 'rs+') make each write durable before it returns; plain 'a' does not", () => {
    const synced = disk();
    synced.fs.appendFileSync('/d/old', 'cd', { flag: 'as' });
    expect(synced.vfs.describePending()).toEqual([]);
    expect(outcomes(synced.vfs, '/d/old')).toEqual(['abcd']);
    const fd = synced.fs.openSync('/d/old', 'rs+');
    synced.fs.writeSync(fd, 'Z', 0);
    expect(outcomes(synced.vfs, '/d/old')).toEqual(['Zbcd']);
    const plain = disk();
    plain.fs.appendFileSync('/d/old', 'cd');
    expect(outcomes(plain.vfs, '/d/old')).toEqual(['ab', 'abcd']);
  });

  it('fdatasync makes a file\'s data durable like fsync', () => {
    const { vfs, fs } = disk();
    const fd = fs.openSync('/d/old', 'a');
    fs.writeSync(fd, 'cd');
    expect(outcomes(vfs, '/d/old')).toEqual(['ab', 'abcd']);
    fs.fdatasyncSync(fd);
    expect(outcomes(vfs, '/d/old')).toEqual(['abcd']);
  });

  it('copyFile = create + write of the copy (an empty new file is not truncated again); nothing fsynced', () => {
    for (const personality of ['strict-posix', 'ordered'] as const) {
      const { vfs, fs } = disk(personality);
      fs.copyFileSync('/d/old', '/d/new');
      expect(vfs.describePending()).toEqual(['#1 create /d/new', '#2 write /d/new @0 +2B']);
      expect(outcomes(vfs, '/d/new')).toEqual(['', '-', 'ab']);
    }
    // onto an existing file: truncate then write, so a crash can leave it empty (ordered: a prefix)
    const { vfs, fs } = disk('ordered');
    fs.writeFileSync('/d/new', 'zzz');
    vfs.syncAll();
    fs.copyFileSync('/d/old', '/d/new');
    expect(vfs.describePending()).toEqual(['#3 truncate /d/new to 0B', '#4 write /d/new @0 +2B']);
    expect(outcomes(vfs, '/d/new')).toEqual(['', 'ab', 'zzz']);
  });

  it('rm -r walks depth-first: an ordered disk can stop after any of its unlinks and rmdirs', () => {
    const { vfs, fs } = disk('ordered');
    fs.rmSync('/d', { recursive: true });
    expect(vfs.describePending()).toEqual(['#1 unlink /d/e/x', '#2 rmdir /d/e', '#3 unlink /d/old', '#4 rmdir /d']);
    expect(trees(vfs)).toEqual([
      '/d /d/e /d/e/x /d/old',
      '/d /d/e /d/old',
      '/d /d/old',
      '/d',
      '',
    ]);
  });

  it('a write stream with flush: true fsyncs before closing: data durable, name pending (strict-posix)', async () => {
    const { vfs, fs } = disk();
    const ws = fs.createWriteStream('/d/s', { flush: true });
    ws.write('a');
    ws.end('b');
    await new Promise<void>((r) => ws.on('close', () => r()));
    expect(ws.bytesWritten).toBe(2);
    expect(vfs.describePending()).toEqual(['#1 create /d/s']);
    expect(outcomes(vfs, '/d/s')).toEqual(['-', 'ab']);
  });

  it('mkdtemp names are deterministic; the new directory is one pending mkdir', () => {
    const { vfs, fs } = disk();
    expect(fs.mkdtempSync('/d/t-')).toBe('/d/t-000000');
    expect(fs.mkdtempSync('/d/t-')).toBe('/d/t-000001');
    expect(vfs.describePending()).toEqual(['#1 mkdir /d/t-000000', '#2 mkdir /d/t-000001']);
    expect(outcomes(vfs, '/d/t-000000')).toEqual(['-', '<dir>']);
  });
});

describe('Node-shaped behaviour', () => {
  it('errors carry code, errno, syscall, path (and dest) with Node\'s message format', () => {
    const { fs } = disk();
    const err = (f: () => unknown): Record<string, unknown> => {
      try {
        f();
      } catch (e) {
        const x = e as Record<string, unknown>;
        return { code: x.code, errno: x.errno, syscall: x.syscall, path: x.path, dest: x.dest, message: x.message };
      }
      throw new Error('no error');
    };
    expect(err(() => fs.openSync('/nope/x', 'r'))).toEqual({ code: 'ENOENT', errno: -2, syscall: 'open', path: '/nope/x', dest: undefined, message: "ENOENT: no such file or directory, open '/nope/x'" });
    expect(err(() => fs.renameSync('/d/missing', '/d/b'))).toMatchObject({ code: 'ENOENT', syscall: 'rename', dest: '/d/b', message: "ENOENT: no such file or directory, rename '/d/missing' -> '/d/b'" });
    expect(err(() => fs.rmdirSync('/d'))).toMatchObject({ code: 'ENOTEMPTY', errno: -39 });
    expect(err(() => fs.copyFileSync('/d/e', '/d/y'))).toMatchObject({ code: 'EISDIR', syscall: 'copyfile', path: '/d/e', dest: '/d/y' });
    expect(err(() => fs.openSync('/d/old', 'q'))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(err(() => fs.writeFileSync('/d/f', 42 as unknown as string))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(err(() => fs.readSync(99, Buffer.alloc(1)))).toMatchObject({ code: 'EBADF' });
  });

  it('callbacks get (err, …results); util.promisify resolves to Node\'s shapes', async () => {
    const { fs } = disk();
    const got = await new Promise<unknown[]>((r) => fs.readFile('/d/old', 'utf8', (...a) => r(a)));
    expect(got).toEqual([null, 'ab']);
    const missing = await new Promise<NodeJS.ErrnoException | null>((r) => fs.stat('/d/none', (e) => r(e)));
    expect(missing?.code).toBe('ENOENT');
    expect(await new Promise((r) => fs.exists('/d/old', r))).toBe(true);
    const fd = await promisify(fs.open)('/d/old', 'r+');
    expect(await promisify(fs.read)(fd, Buffer.alloc(4), 0, 4, 0)).toEqual({ bytesRead: 2, buffer: Buffer.from([97, 98, 0, 0]) });
    expect((await promisify(fs.write)(fd, 'Q', 0)).bytesWritten).toBe(1);
    expect(() => fs.close(fd, 'nope' as never)).toThrow(/The "cb" argument must be of type function/);
  });

  it('read streams honour start/end; write streams with start write in place; Dir lists a directory', async () => {
    const { fs } = disk();
    fs.writeFileSync('/d/t', '0123456789');
    let got = '';
    for await (const chunk of fs.createReadStream('/d/t', { start: 2, end: 5, encoding: 'utf8' })) got += chunk;
    expect(got).toBe('2345');
    const ws = fs.createWriteStream('/d/t', { flags: 'r+', start: 3 });
    ws.end('xx');
    await new Promise<void>((r) => ws.on('close', () => r()));
    expect(fs.readFileSync('/d/t', 'utf8')).toBe('012xx56789');
    const dir = fs.opendirSync('/d');
    const names: string[] = [];
    for await (const d of dir) names.push(`${d.name}${d.isDirectory() ? '/' : ''}`);
    expect(names.sort()).toEqual(['e/', 'old', 't']);
  });

  it('resolves relative paths against cwd (no normalisation, as the kernel does it)', () => {
    const vfs = Vfs.fromImage({ dirs: ['/', '/app'], files: new Map() }, { personality: 'ordered' });
    const fs = createNodeFs(vfs, { cwd: '/app' });
    fs.writeFileSync('data.json', '{}');
    fs.mkdirSync('./sub');
    fs.renameSync('data.json', 'sub/../moved.json');
    expect([...vfs.volatileImage().files.keys()]).toEqual(['/app/moved.json']);
    expect(fs.realpathSync('sub/..')).toBe('/app');
    expect(() => createNodeFs(vfs, { cwd: 'app' })).toThrow('createNodeFs: cwd must be an absolute path, got "app"');
  });

  it('the sync form refuses an asynchronous beforeCall hook with a clear error', () => {
    const fs = createNodeFs(Vfs.create({ personality: 'ordered' }), { beforeCall: async () => undefined });
    expect(() => fs.mkdirSync('/a')).toThrow("mkdirSync: this facade's beforeCall hook is asynchronous, so the synchronous fs API cannot be used on it");
  });

  it('every call it does not model throws UnsupportedFsCallError naming it', async () => {
    const { fs } = disk();
    const api = fs as unknown as Record<string, unknown>;
    const unsupported: string[] = [];
    for (const k of NODE_FS_KEYS) {
      const f = api[k];
      if (typeof f !== 'function' || /^[A-Z]/.test(k)) continue;
      try {
        (f as (...a: unknown[]) => unknown)('/d/old', '/d/z', () => undefined);
      } catch (e) {
        if (e instanceof UnsupportedFsCallError) unsupported.push(k);
      }
    }
    expect(unsupported.sort()).toEqual([
      '_toUnixTimestamp', 'cp', 'cpSync', 'link', 'linkSync', 'openAsBlob', 'statfs', 'statfsSync', 'symlink', 'symlinkSync',
      'unwatchFile', 'watch', 'watchFile',
    ]);
    const p = fs.promises as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const rejected: string[] = [];
    for (const k of NODE_FS_PROMISES_KEYS) {
      if (typeof p[k] !== 'function') continue;
      await p[k]!('/d/old', '/d/z').catch((e: unknown) => (e instanceof UnsupportedFsCallError ? rejected.push(k) : undefined));
    }
    expect(rejected.sort()).toEqual(['cp', 'link', 'statfs', 'symlink', 'watch']);
    const h = await fs.promises.open('/d/old');
    for (const k of FILE_HANDLE_KEYS) expect(k in h, `FileHandle.${k}`).toBe(true);
    expect(() => h.readableWebStream()).toThrow(UnsupportedFsCallError);
  });
});
