/**
 * Snapshots and forks: a snapshot is an immutable capture (crash images from it
 * never change), a fork continues independently (fds, offsets, unlinked-open
 * files included), and `fromImage` turns a crash image back into a live VFS.
 */
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import { crashImages } from '../../../sim/vfs/crash.js';
import { imageHash } from '../../../sim/vfs/model.js';
import { Vfs } from '../../../sim/vfs/vfs.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
const hashes = (v: Parameters<typeof crashImages>[0]): string[] => crashImages(v).images.map((i) => i.hash);

function workload(): { v: Vfs; fd: number; ghost: number } {
  const v = Vfs.fromImage({ dirs: ['/', '/d'], files: new Map([['/d/old', enc('old')]]) }, { personality: 'strict-posix' });
  const fd = v.open('/d/x', O_RDWR | O_CREAT | O_TRUNC, 0o600);
  v.write(fd, enc('abc'));
  const ghost = v.open('/d/old', O_RDWR);
  v.unlink('/d/old'); // unlinked while open
  return { v, fd, ghost };
}

describe('snapshot / fork', () => {
  it('the snapshot is immutable; original and fork continue independently', () => {
    const { v, fd, ghost } = workload();
    const snap = v.snapshot();
    const atSnap = hashes(snap);
    expect(atSnap).toEqual(hashes(v));

    v.write(fd, enc('-original'));
    v.fsync(fd);
    v.mkdir('/d/only-in-original', 0o700);

    const fork = Vfs.fromSnapshot(snap);
    expect(fork.fdInfo(fd)).toMatchObject({ positionBytes: 3, path: '/d/x', writable: true });
    fork.write(fd, enc('-fork'));
    expect(dec(fork.pread(fd, 100, 0))).toBe('abc-fork');
    expect(dec(v.pread(fd, 100, 0))).toBe('abc-original');
    expect(fork.volatileImage().dirs).toEqual(['/', '/d']);
    expect(v.volatileImage().dirs).toEqual(['/', '/d', '/d/only-in-original']);

    // The unlinked-but-open file survives the fork.
    expect(dec(fork.read(ghost, 10))).toBe('old');
    fork.pwrite(ghost, enc('O'), 0);
    expect(dec(fork.pread(ghost, 10, 0))).toBe('Old');
    expect(dec(v.pread(ghost, 10, 0))).toBe('old');

    // Neither side changed the snapshot.
    expect(hashes(snap)).toEqual(atSnap);
    expect(Vfs.fromSnapshot(snap).volatileImage().files.get('/d/x')).toEqual(enc('abc'));
  });

  it('crash images from a snapshot equal those of the live VFS at that point', () => {
    const { v } = workload();
    const live = crashImages(v, { torn: { fills: ['old', 'zero'] } });
    const fromSnap = crashImages(v.snapshot(), { torn: { fills: ['old', 'zero'] } });
    expect(fromSnap.images.map((i) => i.summary)).toEqual(live.images.map((i) => i.summary));
    expect(fromSnap.counts).toEqual(live.counts);
  });

  it('forks of forks and durable state: each fork has its own durable state', () => {
    const { v, fd } = workload();
    const a = Vfs.fromSnapshot(v.snapshot());
    const b = Vfs.fromSnapshot(a.snapshot());
    a.fsync(fd);
    a.syncAll();
    expect(a.durableImage().files.get('/d/x')).toEqual(enc('abc'));
    expect(b.durableImage().files.has('/d/x')).toBe(false);
    expect(v.durableImage().files.has('/d/x')).toBe(false);
  });

  it('fromImage: durable = volatile = the image, memfs built from it', () => {
    const { v } = workload();
    for (const img of crashImages(v).images) {
      const r = Vfs.fromImage(img, { personality: 'ext4-weak' });
      expect(imageHash(r.durableImage())).toBe(img.hash);
      expect(imageHash(r.volatileImage())).toBe(img.hash);
      expect(crashImages(r).images.map((i) => i.hash)).toEqual([img.hash]);
      if (img.files.has('/d/x')) expect(dec(r.read(r.open('/d/x', O_RDONLY), 100))).toBe(dec(img.files.get('/d/x')));
      // Recovery can write on it; the image itself is untouched.
      const fd = r.open('/d/new', O_WRONLY | O_CREAT, 0o600);
      r.write(fd, enc('n'));
      expect(img.files.has('/d/new')).toBe(false);
    }
  });

  it('fromImage rejects malformed images with a clear error', () => {
    const opts = { personality: 'ordered' } as const;
    expect(() => Vfs.fromImage({ dirs: ['/d'], files: new Map() }, opts)).toThrow(/must start with "\/"/);
    expect(() => Vfs.fromImage({ dirs: ['/'], files: new Map([['/d/x', enc('')]]) }, opts)).toThrow(/no parent directory \/d/);
    expect(() => Vfs.fromImage({ dirs: ['/', '/d/'], files: new Map() }, opts)).toThrow(/not a normalised absolute path/);
    expect(() => Vfs.create({ personality: 'ext5' as 'ordered' })).toThrow(/VfsOptions.personality: expected one of ext4, ext4-weak/);
  });

  it('a snapshot shares file buffers instead of copying them', () => {
    const files = new Map<string, Uint8Array>();
    for (let i = 0; i < 100; i++) files.set(`/f${i}`, new Uint8Array(1024).fill(i));
    const v = Vfs.fromImage({ dirs: ['/'], files }, { personality: 'ext4-weak' });
    const s1 = v.snapshot();
    const s2 = v.snapshot();
    for (const [id, bytes] of s1.volatile.contents) expect(s2.volatile.contents.get(id)).toBe(bytes);
    for (const [id, bytes] of s1.durable.files) expect(s2.durable.files.get(id)).toBe(bytes);
  });
});
