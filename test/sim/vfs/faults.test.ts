/**
 * Disk faults: each kind does what the module doc says, faults never mask the
 * errors Linux gives first, the VFS's bytes stay clean, and the same seed
 * injects the same faults.
 */
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import { RandomStreams, SeededRng } from '../../../sim/random.js';
import { crashImages } from '../../../sim/vfs/crash.js';
import { drawFaultProfile, faultProfile, FaultyFs, NO_FAULTS } from '../../../sim/vfs/faults.js';
import type { FaultEvent, FaultProfile } from '../../../sim/vfs/faults.js';
import { Vfs } from '../../../sim/vfs/vfs.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

function setup(profile: Partial<FaultProfile>, seed = 'f'): { v: Vfs; f: FaultyFs; events: FaultEvent[] } {
  const v = Vfs.fromImage({ dirs: ['/', '/d'], files: new Map([['/d/f', enc('0123456789')]]) }, { personality: 'ext4-weak' });
  const events: FaultEvent[] = [];
  const f = new FaultyFs(v, profile, new SeededRng(seed), { onFault: (e) => events.push(e) });
  return { v, f, events };
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

describe('fault profiles', () => {
  it('are validated, complete and off by default', () => {
    expect(faultProfile()).toEqual(NO_FAULTS);
    expect(() => faultProfile({ writeEioProbability: 1.5 })).toThrow(/writeEioProbability must be a number in \[0, 1\]/);
    expect(() => faultProfile({ fsyncFailProbability: -0.1 })).toThrow(RangeError);
    expect(() => faultProfile({ bogus: 1 } as Partial<FaultProfile>)).toThrow(/unknown field bogus/);
  });

  it('swarm: each seed draws its own profile, deterministically, with some kinds off', () => {
    const draw = (seed: string): FaultProfile => drawFaultProfile(new RandomStreams(seed).stream('faults'));
    expect(draw('s1')).toEqual(draw('s1'));
    const profiles = Array.from({ length: 40 }, (_, i) => draw(`seed-${i}`));
    expect(new Set(profiles.map((p) => JSON.stringify(p))).size).toBeGreaterThan(35); // all-off is drawn with chance 1/32
    const values = profiles.flatMap((p) => Object.values(p));
    expect(values.filter((x) => x === 0).length).toBeGreaterThan(values.length / 4);
    expect(values.every((x) => x >= 0 && x < 0.05)).toBe(true);
  });
});

describe('each fault kind', () => {
  it('write EIO / ENOSPC: the write fails and writes nothing', () => {
    for (const [profile, code] of [[{ writeEioProbability: 1 }, 'EIO'], [{ writeEnospcProbability: 1 }, 'ENOSPC']] as const) {
      const { v, f, events } = setup(profile);
      const fd = f.open('/d/f', O_WRONLY);
      expect(codeOf(() => f.write(fd, enc('XY')))).toBe(code);
      expect(v.describePending()).toEqual([]);
      expect(dec(v.volatileImage().files.get('/d/f'))).toBe('0123456789');
      expect(events).toEqual([{ kind: code === 'EIO' ? 'write-eio' : 'write-enospc', primitive: 'write', fd, path: '/d/f', detail: '2 bytes not written' }]);
    }
  });

  it('faults never replace the errors Linux gives first', () => {
    const { f, events } = setup({ writeEioProbability: 1, fsyncFailProbability: 1 });
    const ro = f.open('/d/f', O_RDONLY);
    expect(codeOf(() => f.write(ro, enc('x')))).toBe('EBADF');
    expect(codeOf(() => f.fsync(99))).toBe('EBADF');
    expect(events).toEqual([]);
  });

  it('short write: returns fewer bytes and writes exactly those', () => {
    const { v, f, events } = setup({ shortWriteProbability: 1 });
    const fd = f.open('/d/f', O_WRONLY | O_TRUNC);
    const n = f.write(fd, enc('abcdefgh'));
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(8);
    expect(dec(v.volatileImage().files.get('/d/f'))).toBe('abcdefgh'.slice(0, n));
    expect(events[0]?.detail).toBe(`wrote ${n} of 8 bytes`);
    expect(f.write(fd, enc('z'))).toBe(1); // one byte cannot be shorter
  });

  it("fsync failure: EIO, the file's pending data is dropped for good, reads still see it", () => {
    const { v, f, events } = setup({ fsyncFailProbability: 1 });
    const fd = f.open('/d/f', O_RDWR | O_TRUNC);
    f.write(fd, enc('new'));
    expect(codeOf(() => f.fsync(fd))).toBe('EIO');
    expect(events[0]).toMatchObject({ kind: 'fsync-fail', detail: 'dropped 2 pending data ops' }); // the O_TRUNC and the write
    expect(dec(v.pread(fd, 10, 0))).toBe('new');
    f.setEnabled(false);
    f.fsync(fd); // succeeds now, but the dropped write can never become durable
    const states = crashImages(v).images.map((i) => dec(i.files.get('/d/f')));
    expect(states).toEqual(['0123456789']); // neither the truncate nor "new" can reach the disk any more
    expect(dec(v.volatileImage().files.get('/d/f'))).toBe('new');
  });

  it('fsync failure of a directory: EIO and nothing durable', () => {
    const { v, f } = setup({ fsyncFailProbability: 1 });
    f.mkdir('/d/sub', 0o700);
    const dir = f.open('/d', O_RDONLY);
    expect(codeOf(() => f.fsync(dir))).toBe('EIO');
    expect(v.describePending()).toEqual(['#1 mkdir /d/sub']);
  });

  it('read corruption: a sticky bit flip in the range read; bytes underneath stay clean', () => {
    const { v, f, events } = setup({ readCorruptionProbability: 1 }, 'rc');
    const fd = f.open('/d/f', O_RDONLY);
    const first = f.pread(fd, 10, 0);
    expect(dec(first)).not.toBe('0123456789');
    const flipped = [...first].map((b, i) => b ^ '0123456789'.charCodeAt(i)).filter((x) => x !== 0);
    expect(flipped).toHaveLength(1);
    expect([1, 2, 4, 8, 16, 32, 64, 128]).toContain(flipped[0]);
    // The flip lives in this wrapper's overlay only.
    const g = new FaultyFs(v, {}, new SeededRng('x'));
    expect(dec(g.pread(fd, 10, 0))).toBe('0123456789'); // another wrapper: clean bytes underneath
    expect(dec(v.volatileImage().files.get('/d/f'))).toBe('0123456789');
    expect(dec(v.durableImage().files.get('/d/f'))).toBe('0123456789');
    expect(events[0]?.kind).toBe('read-corruption');
    f.setEnabled(false);
    expect(dec(f.pread(fd, 10, 0))).toBe('0123456789');
  });

  it('read corruption sticks across re-reads and heals when the byte is rewritten', () => {
    const v = Vfs.fromImage({ dirs: ['/'], files: new Map([['/f', enc('abcdefgh')]]) }, { personality: 'ext4-weak' });
    const f = new FaultyFs(v, { readCorruptionProbability: 1 }, new SeededRng('heal'), { corruptionsPerFileMax: 1 });
    const fd = f.open('/f', O_RDWR);
    expect(dec(f.pread(fd, 1, 5))).not.toBe('f'); // the flip lands in the one byte read
    const diff = (s: string): number[] => [...s].flatMap((c, i) => (c === 'abcdefgh'[i] ? [] : [i]));
    expect(diff(dec(f.pread(fd, 8, 0)))).toEqual([5]); // sticky, and capped at one per file
    f.pwrite(fd, enc('abcd'), 0); // does not cover byte 5
    expect(diff(dec(f.pread(fd, 8, 0)))).toEqual([5]);
    f.pwrite(fd, enc('f'), 5); // rewriting byte 5 heals it
    expect(diff(dec(f.pread(fd, 5, 0)))).toHaveLength(1); // a new flip, inside [0, 5)
    expect(dec(f.pread(fd, 1, 5))).toBe('f');
  });

  it('a truncate that cuts below a flipped byte heals it; the zero-extension reads clean zeros', () => {
    const v = Vfs.fromImage({ dirs: ['/'], files: new Map([['/f', enc('abcdefgh')]]) }, { personality: 'ext4-weak' });
    const f = new FaultyFs(v, { readCorruptionProbability: 1 }, new SeededRng('heal'), { corruptionsPerFileMax: 1 });
    const fd = f.open('/f', O_RDWR);
    expect(dec(f.pread(fd, 1, 6))).not.toBe('g');
    f.ftruncate(fd, 7); // byte 6 survives the cut: still flipped
    expect(dec(f.pread(fd, 1, 6))).not.toBe('g');
    f.truncate('/f', 6);
    f.ftruncate(fd, 8);
    f.pread(fd, 6, 0); // the one flip allowed per file now lands in [0, 6)
    expect([...f.pread(fd, 2, 6)]).toEqual([0, 0]);
  });
});

describe('determinism', () => {
  /** A small workload with every fault kind likely; returns the fault events and final tree. */
  function run(seed: string): string[] {
    const v = Vfs.fromImage({ dirs: ['/', '/d'], files: new Map() }, { personality: 'strict-posix' });
    const log: string[] = [];
    const all = { writeEioProbability: 0.2, writeEnospcProbability: 0.1, fsyncFailProbability: 0.3, shortWriteProbability: 0.3, readCorruptionProbability: 0.3 };
    const f = new FaultyFs(v, all, new RandomStreams(seed).stream('faults'), { onFault: (e) => log.push(`${e.kind} ${e.path} ${e.detail}`) });
    for (let i = 0; i < 30; i++) {
      const p = `/d/f${i % 4}`;
      try {
        const fd = f.open(p, O_RDWR | O_CREAT, 0o600);
        try {
          f.write(fd, enc(`content-${i}`));
          f.fsync(fd);
          f.pread(fd, 100, 0);
        } finally {
          f.close(fd);
        }
      } catch (e) {
        log.push(`caught ${(e as { code?: string }).code}`);
      }
    }
    log.push(JSON.stringify([...v.volatileImage().files].map(([k, b]) => [k, dec(b)])));
    return log;
  }

  it('the same seed injects the same faults; another seed differs', () => {
    const a = run('seed-a');
    expect(run('seed-a')).toEqual(a);
    expect(run('seed-b')).not.toEqual(a);
    for (const kind of ['write-eio', 'write-enospc', 'fsync-fail', 'short-write', 'read-corruption']) {
      expect(a.some((l) => l.startsWith(kind)), kind).toBe(true);
    }
  });
});
