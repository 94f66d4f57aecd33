/**
 * The VFS refuses what Linux refuses, with Linux's errno, and hands out its own
 * small fds. (The differential test checks the same against a real directory.)
 */
import { describe, expect, it } from 'vitest';
import { FsError, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import type { Errno } from '../../../src/env.js';
import { Vfs, VfsLimitError } from '../../../sim/vfs/vfs.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** /d/f = "hello", /d/sub/inner = "x", /e empty dir. */
function fixture(opts: { openFilesMax?: number; pendingOpsMax?: number; fileBytesMax?: number } = {}): Vfs {
  return Vfs.fromImage(
    { dirs: ['/', '/d', '/d/sub', '/e'], files: new Map([['/d/f', enc('hello')], ['/d/sub/inner', enc('x')]]) },
    { personality: 'ext4-weak', ...opts },
  );
}

function errnoOf(f: () => unknown): Errno | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof FsError) return e.code;
    throw e;
  }
}

describe('Linux-refused operations', () => {
  const cases: [string, (v: Vfs) => unknown, Errno | 'ok'][] = [
    ['write on an O_RDONLY fd', (v) => v.write(v.open('/d/f', O_RDONLY), enc('x')), 'EBADF'],
    ['read on an O_WRONLY fd', (v) => v.read(v.open('/d/f', O_WRONLY), 10), 'EBADF'],
    ['read on a closed fd', (v) => { const fd = v.open('/d/f', O_RDONLY); v.close(fd); return v.read(fd, 1); }, 'EBADF'],
    ['write on an unknown fd', (v) => v.write(42, enc('x')), 'EBADF'],
    ['fsync on an unknown fd', (v) => v.fsync(42), 'EBADF'],
    ['close twice', (v) => { const fd = v.open('/d/f', O_RDONLY); v.close(fd); v.close(fd); }, 'EBADF'],
    ['fstat on an unknown fd', (v) => v.fstat(99), 'EBADF'],
    ['ftruncate on an unknown fd', (v) => v.ftruncate(99, 0), 'EBADF'],
    ['ftruncate on an O_RDONLY fd', (v) => v.ftruncate(v.open('/d/f', O_RDONLY), 0), 'EINVAL'],
    ['ftruncate on a directory fd', (v) => v.ftruncate(v.open('/d', O_RDONLY), 0), 'EINVAL'],
    ['ftruncate to a negative length', (v) => v.ftruncate(v.open('/d/f', O_WRONLY), -1), 'EINVAL'],
    ['truncate a directory', (v) => v.truncate('/d', 0), 'EISDIR'],
    ['truncate a missing file', (v) => v.truncate('/d/nope', 0), 'ENOENT'],
    ['truncate a missing file to a negative length (length checked first)', (v) => v.truncate('/d/nope', -1), 'EINVAL'],
    ['truncate through a file', (v) => v.truncate('/d/f/x', 0), 'ENOTDIR'],
    ['truncate beyond fileBytesMax', (v) => v.truncate('/d/f', 64 * 1024 * 1024 + 1), 'ENOSPC'],
    ['getdents on an unknown fd', (v) => v.getdents(99), 'EBADF'],
    ['open a dir O_WRONLY', (v) => v.open('/d', O_WRONLY), 'EISDIR'],
    ['open a dir O_RDWR', (v) => v.open('/d', O_RDWR), 'EISDIR'],
    ['open a dir O_CREAT', (v) => v.open('/d', O_RDONLY | O_CREAT), 'EISDIR'],
    ['open a dir O_TRUNC', (v) => v.open('/d', O_RDONLY | O_TRUNC), 'EISDIR'],
    ['O_CREAT|O_EXCL on an existing file', (v) => v.open('/d/f', O_WRONLY | O_CREAT | O_EXCL), 'EEXIST'],
    ['O_CREAT|O_EXCL on an existing dir', (v) => v.open('/d', O_RDONLY | O_CREAT | O_EXCL), 'EEXIST'],
    ['open missing without O_CREAT', (v) => v.open('/d/nope', O_RDONLY), 'ENOENT'],
    ['create under a missing parent', (v) => v.open('/nope/x', O_WRONLY | O_CREAT), 'ENOENT'],
    ['create under a file', (v) => v.open('/d/f/x', O_WRONLY | O_CREAT), 'ENOTDIR'],
    ['O_DIRECTORY on a file', (v) => v.open('/d/f', O_RDONLY | O_DIRECTORY), 'ENOTDIR'],
    ['file with a trailing slash', (v) => v.open('/d/f/', O_RDONLY), 'ENOTDIR'],
    ['create with a trailing slash', (v) => v.open('/d/new/', O_WRONLY | O_CREAT), 'EISDIR'],
    ['stat missing', (v) => v.stat('/d/nope'), 'ENOENT'],
    ['stat through a file', (v) => v.stat('/d/f/x'), 'ENOTDIR'],
    ['stat empty path', (v) => v.stat(''), 'ENOENT'],
    ['path with NUL', (v) => v.stat('/d/\0'), 'EINVAL'],
    ['mkdir existing dir', (v) => v.mkdir('/d', 0o700), 'EEXIST'],
    ['mkdir over a file', (v) => v.mkdir('/d/f', 0o700), 'EEXIST'],
    ['mkdir "/"', (v) => v.mkdir('/', 0o700), 'EEXIST'],
    ['mkdir under a missing parent', (v) => v.mkdir('/nope/x', 0o700), 'ENOENT'],
    ['mkdir under a file', (v) => v.mkdir('/d/f/x', 0o700), 'ENOTDIR'],
    ['rmdir non-empty', (v) => v.rmdir('/d'), 'ENOTEMPTY'],
    ['rmdir a file', (v) => v.rmdir('/d/f'), 'ENOTDIR'],
    ['rmdir missing', (v) => v.rmdir('/d/nope'), 'ENOENT'],
    ['rmdir "/d/sub/.."', (v) => v.rmdir('/d/sub/..'), 'ENOTEMPTY'],
    ['rmdir "/e/."', (v) => v.rmdir('/e/.'), 'EINVAL'],
    ['unlink a dir', (v) => v.unlink('/e'), 'EISDIR'],
    ['unlink missing', (v) => v.unlink('/d/nope'), 'ENOENT'],
    ['unlink a file with a trailing slash', (v) => v.unlink('/d/f/'), 'ENOTDIR'],
    ['getdents on a file fd', (v) => v.getdents(v.open('/d/f', O_RDONLY)), 'ENOTDIR'],
    ['read on a dir fd', (v) => v.read(v.open('/d', O_RDONLY), 10), 'EISDIR'],
    ['write on a dir fd', (v) => v.write(v.open('/d', O_RDONLY), enc('x')), 'EBADF'],
    ['fsync of a dir fd', (v) => v.fsync(v.open('/d', O_RDONLY)), 'ok'],
    ['fsync of a read-only file fd', (v) => v.fsync(v.open('/d/f', O_RDONLY)), 'ok'],
    ['rename a dir over a non-empty dir', (v) => v.rename('/e', '/d'), 'ENOTEMPTY'],
    ['rename a dir into its own subtree', (v) => v.rename('/d', '/d/sub/d2'), 'EINVAL'],
    ['rename a dir onto itself below', (v) => v.rename('/d', '/d/x'), 'EINVAL'],
    ['rename a file onto a dir', (v) => v.rename('/d/f', '/e'), 'EISDIR'],
    ['rename a dir onto a file', (v) => v.rename('/e', '/d/f'), 'ENOTDIR'],
    ['rename a file onto its ancestor', (v) => v.rename('/d/sub/inner', '/d'), 'ENOTEMPTY'],
    ['rename missing', (v) => v.rename('/d/nope', '/d/g'), 'ENOENT'],
    ['rename into a missing dir', (v) => v.rename('/d/f', '/nope/f'), 'ENOENT'],
    ['rename a file to a trailing-slash name', (v) => v.rename('/d/f', '/d/g/'), 'ENOTDIR'],
    ['rename "/"', (v) => v.rename('/', '/x'), 'EINVAL'],
    ['rename a file onto itself', (v) => v.rename('/d/f', '/d/f'), 'ok'],
    ['rename a dir over an empty dir', (v) => v.rename('/d/sub', '/e'), 'ok'],
    ['invalid access mode', (v) => v.open('/d/f', 3), 'EINVAL'],
    ['negative read length', (v) => v.read(v.open('/d/f', O_RDONLY), -1), 'EINVAL'],
    ['write of a non-Uint8Array', (v) => v.write(v.open('/d/f', O_WRONLY), 'x' as unknown as Uint8Array), 'EINVAL'],
  ];
  for (const [name, f, code] of cases) {
    it(`${name} → ${code}`, () => {
      expect(errnoOf(() => f(fixture()))).toBe(code);
    });
  }

  it('a refused call changes nothing', () => {
    const v = fixture();
    const before = v.volatileImage();
    for (const [, f, code] of cases) if (code !== 'ok') expect(errnoOf(() => f(v))).toBe(code);
    expect(v.volatileImage()).toEqual(before);
    expect(v.describePending()).toEqual([]);
  });

  it('errors read like Go PathErrors', () => {
    const v = fixture();
    expect(() => v.open('/d/nope', O_RDONLY)).toThrow('open /d/nope: no such file or directory');
    expect(() => v.rmdir('/d')).toThrow('rmdir /d: directory not empty');
  });

  it('EMFILE beyond openFilesMax', () => {
    const v = fixture({ openFilesMax: 2 });
    v.open('/d/f', O_RDONLY);
    v.open('/d/f', O_RDONLY);
    expect(errnoOf(() => v.open('/d/f', O_RDONLY))).toBe('EMFILE');
  });

  it('ENOSPC beyond fileBytesMax, VfsLimitError beyond pendingOpsMax', () => {
    const v = fixture({ fileBytesMax: 8, pendingOpsMax: 3 });
    const fd = v.open('/d/f', O_WRONLY);
    expect(errnoOf(() => v.write(fd, enc('123456789')))).toBe('ENOSPC');
    v.write(fd, enc('1'));
    v.write(fd, enc('2'));
    v.write(fd, enc('3'));
    expect(() => v.write(fd, enc('4'))).toThrow(VfsLimitError);
  });
});

describe('fds, modes and contents', () => {
  it('fds are small, per instance, lowest free first, from 3', () => {
    const a = fixture();
    const b = fixture();
    expect(a.open('/d/f', O_RDONLY)).toBe(3);
    expect(a.open('/d', O_RDONLY)).toBe(4);
    expect(b.open('/d/f', O_RDONLY)).toBe(3);
    a.close(3);
    expect(a.open('/d/sub/inner', O_RDONLY)).toBe(3);
    expect(a.open('/d/f', O_RDONLY)).toBe(5);
  });

  it('stores mode bits (no permission checks) and reports sizes', () => {
    const v = fixture();
    v.close(v.open('/d/new', O_WRONLY | O_CREAT, 0o600));
    v.mkdir('/d/dir', 0o700);
    expect(v.stat('/d/new')).toEqual({ isFile: true, isDirectory: false, sizeBytes: 0, mode: 0o600 });
    expect(v.stat('/d/dir')).toMatchObject({ isFile: false, isDirectory: true, mode: 0o700 });
    expect(v.lstat('/d/f')).toMatchObject({ isFile: true, sizeBytes: 5 });
    const fd = v.open('/d/new', O_RDONLY);
    expect(v.write(v.open('/d/new', O_WRONLY), enc('abc'))).toBe(3);
    expect(v.fstat(fd).sizeBytes).toBe(3);
  });

  it('reads and writes move the offset; O_TRUNC truncates; O_APPEND appends', () => {
    const v = fixture();
    const r = v.open('/d/f', O_RDONLY);
    expect(dec(v.read(r, 2))).toBe('he');
    expect(dec(v.read(r, 10))).toBe('llo');
    expect(v.read(r, 10).length).toBe(0);
    const w = v.open('/d/f', O_WRONLY | O_APPEND);
    v.write(w, enc('!'));
    expect(dec(v.pread(r, 10, 0))).toBe('hello!');
    const t = v.open('/d/f', O_RDWR | O_TRUNC);
    expect(v.fstat(t).sizeBytes).toBe(0);
    v.write(t, enc('ab'));
    v.pwrite(t, enc('Z'), 5);
    expect([...v.pread(t, 10, 0)]).toEqual([97, 98, 0, 0, 0, 90]);
  });

  it('an unlinked file stays readable and writable through its fd', () => {
    const v = fixture();
    const fd = v.open('/d/f', O_RDWR);
    v.unlink('/d/f');
    expect(errnoOf(() => v.stat('/d/f'))).toBe('ENOENT');
    v.pwrite(fd, enc('J'), 0);
    expect(dec(v.pread(fd, 10, 0))).toBe('Jello');
    expect(v.fdInfo(fd)?.path).toBeUndefined();
    v.close(fd);
    expect(v.fdInfo(fd)).toBeUndefined();
  });

  it('getdents lists entries without . and ..', () => {
    const v = fixture();
    const fd = v.open('/d', O_RDONLY);
    expect(v.getdents(fd).map((e) => `${e.name}${e.isDirectory ? '/' : ''}`).sort()).toEqual(['f', 'sub/']);
    expect(v.getdents(v.open('/e', O_RDONLY))).toEqual([]);
  });

  it('"." and ".." resolve through the tree', () => {
    const v = fixture();
    expect(dec(v.read(v.open('/d/sub/../f', O_RDONLY), 10))).toBe('hello');
    expect(dec(v.read(v.open('/d/./sub/./inner', O_RDONLY), 10))).toBe('x');
    expect(v.stat('/..').isDirectory).toBe(true);
  });
});
