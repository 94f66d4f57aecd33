/**
 * Hand-computed crash images for tiny cases: every expected image is listed by
 * hand (as `path=content` lines), and the counts of candidates and distinct
 * states are exact.
 */
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import { SeededRng } from '../../../sim/random.js';
import { crashImages } from '../../../sim/vfs/crash.js';
import type { CrashImageOptions, CrashReport } from '../../../sim/vfs/crash.js';
import type { DiskImage, Personality } from '../../../sim/vfs/model.js';
import { Vfs } from '../../../sim/vfs/vfs.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One line per image: dirs as `dir/`, files as `path=content` (text), sorted; images joined by ` | `. */
function show(img: DiskImage): string {
  const parts = img.dirs.filter((d) => d !== '/').map((d) => `${d}/`);
  for (const [p, b] of img.files) parts.push(`${p}=${new TextDecoder().decode(b)}`);
  return parts.sort().join(' ');
}
const shown = (r: CrashReport): string[] => r.images.map(show).sort();

function h1(v: Vfs, path: string, content: string, sync = true): void {
  const fd = v.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
  v.write(fd, enc(content));
  if (sync) v.fsync(fd);
  v.close(fd);
}

function syncDir(v: Vfs, path: string): void {
  const fd = v.open(path, O_RDONLY);
  v.fsync(fd);
  v.close(fd);
}

const counts = (r: CrashReport): string =>
  `prefix ${r.counts.prefix.candidates}/${r.counts.prefix.distinct} subset ${r.counts.subset.candidates}/${r.counts.subset.distinct} torn ${r.counts.torn.candidates}/${r.counts.torn.distinct} total ${r.counts.total.candidates}/${r.counts.total.distinct}`;

describe('H1 writeAndSync of one new file in a fresh (unsynced) directory, as blocks/ in the SUT', () => {
  // Start: /d durable. mkdir /d/blocks (#1, no parent fsync), then H1 /d/blocks/x:
  // create (#2), write "hello" (#3), fsync, close.
  const A = '/d/';
  const B = '/d/ /d/blocks/';
  const C = '/d/ /d/blocks/ /d/blocks/x=';
  const D = '/d/ /d/blocks/ /d/blocks/x=hello';
  const E = `/d/ /d/blocks/ /d/blocks/x=${'\0'.repeat(5)}`;
  const start = (personality: Personality): Vfs => {
    const v = Vfs.fromImage({ dirs: ['/', '/d'], files: new Map() }, { personality });
    v.mkdir('/d/blocks', 0o700);
    return v;
  };

  for (const personality of ['ext4-weak', 'strict-posix', 'ordered'] as const) {
    it(`${personality}: crash between write and fsync`, () => {
      const v = start(personality);
      h1(v, '/d/blocks/x', 'hello', false);
      const r = crashImages(v, { torn: { fills: ['old', 'zero'] } });
      expect(r.pending).toEqual(['#1 mkdir /d/blocks', '#2 create /d/blocks/x', '#3 write /d/blocks/x @0 +5B']);
      // Prefixes {} {1} {1,2} {1,2,3} → A B C D. Subsets: ordered = prefixes (4); ext4 = 3 entry prefixes × 2
      // data choices (6; the write without its create is unreachable); strict = 8 (4 of them equal A or B).
      // Torn: a 5-byte write has no interior sector boundary; the zero fill adds "size grew, no data" → E.
      const subset = { 'ordered': 4, 'ext4-weak': 6, 'strict-posix': 8 }[personality];
      expect(counts(r)).toBe(`prefix 4/4 subset ${subset}/4 torn 1/1 total ${5 + subset}/5`);
      expect(shown(r)).toEqual([A, B, C, D, E].sort());
    });
  }

  it('ext4-weak: fsync(x) also persists mkdir blocks and create x (its path) → one image', () => {
    const v = start('ext4-weak');
    h1(v, '/d/blocks/x', 'hello');
    const r = crashImages(v);
    expect(r.pending).toEqual([]);
    expect(shown(r)).toEqual([D]);
  });

  it('ordered: any fsync persists everything → one image', () => {
    const v = start('ordered');
    h1(v, '/d/blocks/x', 'hello');
    expect(shown(crashImages(v))).toEqual([D]);
  });

  it('strict-posix: fsync(x) persists only the data; the names need dir fsyncs', () => {
    const v = start('strict-posix');
    h1(v, '/d/blocks/x', 'hello');
    let r = crashImages(v);
    // {} → A, {1} → B, {2} → A (x lands in an unreachable table), {1,2} → D (x with its durable data).
    expect(r.pending).toEqual(['#1 mkdir /d/blocks', '#2 create /d/blocks/x']);
    expect(counts(r)).toBe('prefix 3/3 subset 4/3 torn 0/0 total 7/3');
    expect(shown(r)).toEqual([A, B, D].sort());
    syncDir(v, '/d');
    r = crashImages(v);
    expect(r.pending).toEqual(['#2 create /d/blocks/x']);
    expect(shown(r)).toEqual([B, D].sort());
    syncDir(v, '/d/blocks');
    expect(shown(crashImages(v))).toEqual([D]);
  });
});

describe("the classic atomic replace (ALICE): write tmp, rename over CURRENT", () => {
  // Start: /db/CURRENT = v1 (durable). #1 create /db/tmp, #2 write "v2", [fsync tmp], close, #3 rename tmp → CURRENT, [fsync /db].
  const run = (personality: Personality, fsyncFile: boolean, fsyncDir: boolean): CrashReport => {
    const v = Vfs.fromImage({ dirs: ['/', '/db'], files: new Map([['/db/CURRENT', enc('v1')]]) }, { personality });
    h1(v, '/db/tmp', 'v2', fsyncFile);
    v.rename('/db/tmp', '/db/CURRENT');
    if (fsyncDir) syncDir(v, '/db');
    return crashImages(v);
  };
  /** CURRENT's content per distinct image ('-' = no CURRENT), sorted. */
  const current = (r: CrashReport): string[] =>
    r.images.map((i) => (i.files.has('/db/CURRENT') ? new TextDecoder().decode(i.files.get('/db/CURRENT')) : '-')).sort();
  const OLD = '/db/ /db/CURRENT=v1';

  it('strict-posix, no fsyncs: old, old+empty tmp, old+full tmp, EMPTY, new', () => {
    const r = run('strict-posix', false, false);
    expect(counts(r)).toBe('prefix 4/4 subset 8/5 torn 0/0 total 12/5');
    expect(shown(r)).toEqual([OLD, '/db/ /db/CURRENT=v1 /db/tmp=', '/db/ /db/CURRENT=v1 /db/tmp=v2', '/db/ /db/CURRENT=', '/db/ /db/CURRENT=v2'].sort());
    // Over all 8 subset candidates, CURRENT is v1 six times, empty once, v2 once (the prototype's {"v1":6,"":1,"v2":1}).
  });

  it('strict-posix, fsync(tmp) only: never empty, but the rename may be lost', () => {
    const r = run('strict-posix', true, false);
    expect(counts(r)).toBe('prefix 3/3 subset 4/3 torn 0/0 total 7/3');
    expect(current(r)).toEqual(['v1', 'v1', 'v2']);
  });

  it("strict-posix, fsync(dir) only: ALICE's empty-file bug — the rename is durable, the data is not", () => {
    const r = run('strict-posix', false, true);
    expect(r.pending).toEqual(['#2 write /db/tmp @0 +2B']);
    expect(shown(r)).toEqual(['/db/ /db/CURRENT=', '/db/ /db/CURRENT=v2']);
  });

  it('strict-posix, both fsyncs: only the new content', () => {
    expect(shown(run('strict-posix', true, true))).toEqual(['/db/ /db/CURRENT=v2']);
  });

  it('ext4-weak: the same four variants', () => {
    // No fsyncs: entry prefixes {} {1} {1,3} × data {∅, 2} = 6 candidates, same 5 states as strict-posix.
    expect(counts(run('ext4-weak', false, false))).toBe('prefix 4/4 subset 6/5 torn 0/0 total 10/5');
    // fsync(tmp) persists its data and create; only the rename is pending.
    expect(shown(run('ext4-weak', true, false))).toEqual(['/db/ /db/CURRENT=v1 /db/tmp=v2', '/db/ /db/CURRENT=v2']);
    // fsync(dir) persists create and rename, not the data: the empty file again (real ext4's
    // auto_da_alloc heuristic would flush it; the model does not count on that).
    expect(shown(run('ext4-weak', false, true))).toEqual(['/db/ /db/CURRENT=', '/db/ /db/CURRENT=v2']);
    expect(shown(run('ext4-weak', true, true))).toEqual(['/db/ /db/CURRENT=v2']);
  });

  it('ordered: never an empty CURRENT', () => {
    expect(shown(run('ordered', false, false))).toEqual([OLD, '/db/ /db/CURRENT=v1 /db/tmp=', '/db/ /db/CURRENT=v1 /db/tmp=v2', '/db/ /db/CURRENT=v2'].sort());
    expect(current(run('ordered', false, true))).toEqual(['v2']);
  });
});

describe('personality rules, one case each', () => {
  const ab = (personality: Personality): Vfs => Vfs.fromImage({ dirs: ['/', '/a', '/b'], files: new Map() }, { personality });

  it('ext4-weak: entry ops persist as a prefix, so fsync(y) also persists an earlier create in another dir', () => {
    const v = ab('ext4-weak');
    h1(v, '/a/x', 'X', false); // #1 create, #2 write
    h1(v, '/b/y', 'Y'); // #3 create, #4 write, fsync
    const r = crashImages(v);
    expect(r.pending).toEqual(['#2 write /a/x @0 +1B']);
    expect(shown(r)).toEqual(['/a/ /a/x= /b/ /b/y=Y', '/a/ /a/x=X /b/ /b/y=Y']);
  });

  it('ext4-weak: …but not a later one', () => {
    const v = ab('ext4-weak');
    const y = v.open('/b/y', O_WRONLY | O_CREAT, 0o600); // #1
    h1(v, '/a/x', 'X', false); // #2 create, #3 write
    v.fsync(y);
    expect(crashImages(v).pending).toEqual(['#2 create /a/x', '#3 write /a/x @0 +1B']);
  });

  it('fsync(file) never persists another file\'s data (ext4-weak, strict-posix); ordered persists everything', () => {
    for (const personality of ['ext4-weak', 'strict-posix', 'ordered'] as const) {
      const v = Vfs.fromImage({ dirs: ['/'], files: new Map([['/p', enc('')], ['/q', enc('')]]) }, { personality });
      const p = v.open('/p', O_WRONLY);
      const q = v.open('/q', O_WRONLY);
      v.write(p, enc('P'));
      v.write(q, enc('Q'));
      v.fsync(p);
      expect(crashImages(v).pending, personality).toEqual(personality === 'ordered' ? [] : ['#2 write /q @0 +1B']);
    }
  });

  it('close makes nothing durable; syncAll makes everything durable', () => {
    const v = ab('strict-posix');
    h1(v, '/a/x', 'X', false);
    expect(crashImages(v).pending).toHaveLength(2);
    v.syncAll();
    expect(shown(crashImages(v))).toEqual(['/a/ /a/x=X /b/']);
    expect(v.durableImage()).toEqual(v.volatileImage());
  });

  it('strict-posix: a rename needs an fsync of both directories', () => {
    const v = Vfs.fromImage({ dirs: ['/', '/a', '/b'], files: new Map([['/a/x', enc('1')]]) }, { personality: 'strict-posix' });
    v.rename('/a/x', '/b/x');
    syncDir(v, '/a');
    expect(shown(crashImages(v))).toEqual(['/a/ /a/x=1 /b/', '/a/ /b/ /b/x=1']);
    syncDir(v, '/b');
    expect(shown(crashImages(v))).toEqual(['/a/ /b/ /b/x=1']);
  });

  it('strict-posix: a synced op stays behind an unsynced rename of the same name (directory order kept)', () => {
    const v = Vfs.fromImage({ dirs: ['/', '/a', '/b'], files: new Map([['/a/x', enc('1')]]) }, { personality: 'strict-posix' });
    v.rename('/a/x', '/b/x'); // #1: waits for /b too
    v.close(v.open('/a/x', O_WRONLY | O_CREAT, 0o600)); // #2: a new /a/x
    syncDir(v, '/a');
    const r = crashImages(v);
    expect(r.pending).toEqual(['#1 rename /a/x -> /b/x']);
    expect(r.durableInLog).toEqual(['#2 create /a/x']);
    // With or without the rename, the new (empty) /a/x is there; the old file is either gone or at /b/x.
    expect(shown(r)).toEqual(['/a/ /a/x= /b/', '/a/ /a/x= /b/ /b/x=1']);
    syncDir(v, '/b');
    expect(shown(crashImages(v))).toEqual(['/a/ /a/x= /b/ /b/x=1']);
  });

  it('an O_TRUNC rewrite can leave old bytes behind new ones under strict-posix (data ops reorder)', () => {
    const v = Vfs.fromImage({ dirs: ['/'], files: new Map([['/ab', enc('AAAAAAAA')]]) }, { personality: 'strict-posix' });
    h1(v, '/ab', 'BBBB', false); // #1 truncate, #2 write
    expect(shown(crashImages(v))).toEqual(['/ab=', '/ab=AAAAAAAA', '/ab=BBBB', '/ab=BBBBAAAA'].sort());
  });
});

describe('torn writes', () => {
  /** A new file /x with one pending 1300-byte write at `offsetBytes`. */
  const oneWrite = (offsetBytes: number, len: number): Vfs => {
    const v = Vfs.fromImage({ dirs: ['/'], files: new Map([['/x', new Uint8Array(0)]]) }, { personality: 'ext4-weak' });
    const fd = v.open('/x', O_WRONLY);
    v.pwrite(fd, new Uint8Array(len).fill(7), offsetBytes);
    return v;
  };
  const tornOnly = (v: Vfs, torn: CrashImageOptions['torn'], seed = 't'): CrashReport =>
    crashImages(v, { prefixes: false, subsets: false, torn, rng: new SeededRng(seed) });

  it('1300 bytes at 0, sectors of 512: cuts 512 and 1024 (old), plus 0 for zero and garbage → 8', () => {
    const r = tornOnly(oneWrite(0, 1300), { fills: ['old', 'zero', 'garbage'] });
    expect(r.counts.torn).toEqual({ candidates: 8, distinct: 8 });
    const old = r.images.filter((i) => i.torn?.fill === 'old');
    expect(old.map((i) => [i.torn?.cutAtBytes, i.files.get('/x')?.length])).toEqual([[512, 512], [1024, 1024]]);
    const zero = r.images.filter((i) => i.torn?.fill === 'zero');
    expect(zero.map((i) => i.torn?.cutAtBytes)).toEqual([0, 512, 1024]);
    for (const i of zero) {
      const b = i.files.get('/x') as Uint8Array;
      const cut = i.torn?.cutAtBytes as number;
      expect(b.length).toBe(1300);
      expect(b.subarray(0, cut).every((x) => x === 7) && b.subarray(cut).every((x) => x === 0)).toBe(true);
    }
    expect(r.images[0]?.summary).toBe('torn #1 write /x @0 +1300B cut at 512, rest old; lost #1 write /x @0 +1300B');
  });

  it('sector cuts are file offsets: 1000 bytes at 100 → cuts 512 and 1024', () => {
    const r = tornOnly(oneWrite(100, 1000), { fills: ['old'] });
    expect(r.images.map((i) => i.torn?.cutAtBytes)).toEqual([512, 1024]);
  });

  it('any-byte cuts: 4 bytes → 3 cuts (old) + 4 (zero, incl. the start)', () => {
    const r = tornOnly(oneWrite(0, 4), { sectorBytes: 0, anyByte: true, fills: ['old', 'zero'] });
    expect(r.counts.torn).toEqual({ candidates: 7, distinct: 7 });
  });

  it('cut points beyond cutsPerWriteMax are a seeded sample; garbage is seeded', () => {
    const a = tornOnly(oneWrite(0, 100), { anyByte: true, fills: ['garbage'], cutsPerWriteMax: 5 }, 'seed-1');
    const b = tornOnly(oneWrite(0, 100), { anyByte: true, fills: ['garbage'], cutsPerWriteMax: 5 }, 'seed-1');
    const c = tornOnly(oneWrite(0, 100), { anyByte: true, fills: ['garbage'], cutsPerWriteMax: 5 }, 'seed-2');
    expect(a.counts.torn.candidates).toBe(6);
    expect(a.images.map((i) => i.hash)).toEqual(b.images.map((i) => i.hash));
    expect(a.images.map((i) => i.hash)).not.toEqual(c.images.map((i) => i.hash));
    expect(() => crashImages(oneWrite(0, 100), { torn: { fills: ['garbage'] } })).toThrow(/rng is required/);
  });
});

describe('bounded exhaustive vs sampled subsets', () => {
  const manyOps = (n: number): Vfs => {
    const v = Vfs.fromImage({ dirs: ['/'], files: new Map() }, { personality: 'strict-posix' });
    for (let i = 0; i < n; i++) v.close(v.open(`/f${i}`, O_WRONLY | O_CREAT, 0o600));
    return v;
  };

  it('exhaustive up to 2^exhaustiveOpsMax candidates, then sampled with the rng', () => {
    const r = crashImages(manyOps(4), { exhaustiveOpsMax: 4 });
    expect([r.subsetMode, r.counts.subset.candidates, r.counts.subset.distinct]).toEqual(['exhaustive', 16, 16]);
    expect(() => crashImages(manyOps(5), { exhaustiveOpsMax: 4 })).toThrow(/rng is required/);
    const s = crashImages(manyOps(5), { exhaustiveOpsMax: 4, subsetSamples: 10, rng: new SeededRng('s') });
    expect([s.subsetMode, s.counts.subset.candidates]).toEqual(['sampled', 10]);
    const again = crashImages(manyOps(5), { exhaustiveOpsMax: 4, subsetSamples: 10, rng: new SeededRng('s') });
    expect(again.images.map((i) => i.hash)).toEqual(s.images.map((i) => i.hash));
  });

  it('prefixes beyond prefixesMax: empty, full and a seeded sample', () => {
    const r = crashImages(manyOps(50), { prefixesMax: 10, subsets: false, rng: new SeededRng('p') });
    expect([r.prefixMode, r.counts.prefix.candidates, r.counts.prefix.distinct]).toEqual(['sampled', 10, 10]);
    expect(r.images[0]?.summary).toBe('prefix 0/50; lost #1 create /f0, #2 create /f1, #3 create /f2, #4 create /f3, #5 create /f4, #6 create /f5, #7 create /f6, #8 create /f7, … 42 more');
    expect(r.images.at(-1)?.summary).toBe('prefix 50/50; nothing lost');
  });

  it('same inputs give the same images in the same order', () => {
    const a = crashImages(manyOps(6));
    const b = crashImages(manyOps(6));
    expect(a.images.map((i) => `${i.hash} ${i.summary}`)).toEqual(b.images.map((i) => `${i.hash} ${i.summary}`));
    expect(a.counts.total).toEqual({ candidates: 7 + 64, distinct: 64 });
  });
});

describe('truncate and ftruncate (rule 13): the file\'s data ops in every personality', () => {
  // Start: /f = "ABCDEFGH" durable. #1 ftruncate to 3, #2 pwrite "xy" at 5 (a zero gap at 3..4).
  const run = (personality: Personality, fsync = false): CrashReport => {
    const v = Vfs.fromImage({ dirs: ['/'], files: new Map([['/f', enc('ABCDEFGH')]]) }, { personality });
    const fd = v.open('/f', O_WRONLY);
    v.ftruncate(fd, 3);
    v.pwrite(fd, enc('xy'), 5);
    if (fsync) v.fsync(fd);
    return crashImages(v);
  };
  const OLD = '/f=ABCDEFGH';
  const CUT = '/f=ABC';
  const WRITE_ONLY = '/f=ABCDExyH';
  const BOTH = '/f=ABC\0\0xy';

  it('strict-posix and ext4-weak: any subset of the two data ops → 4 images', () => {
    for (const personality of ['strict-posix', 'ext4-weak'] as const) {
      const r = run(personality);
      expect(r.pending, personality).toEqual(['#1 truncate /f to 3B', '#2 write /f @5 +2B']);
      expect(counts(r), personality).toBe('prefix 3/3 subset 4/4 torn 0/0 total 7/4');
      expect(shown(r), personality).toEqual([OLD, CUT, WRITE_ONLY, BOTH].sort());
    }
  });

  it('ordered: prefixes only → never the write without the cut', () => {
    expect(shown(run('ordered'))).toEqual([OLD, CUT, BOTH].sort());
  });

  it('fsync of the file makes the truncate durable with the write, in every personality', () => {
    for (const personality of ['strict-posix', 'ext4-weak', 'ordered'] as const) expect(shown(run(personality, true)), personality).toEqual([BOTH]);
  });

  it('truncate(path) zero-extends; a no-op truncate logs nothing', () => {
    const v = Vfs.fromImage({ dirs: ['/'], files: new Map([['/f', enc('AB')]]) }, { personality: 'strict-posix' });
    v.truncate('/f', 2);
    expect(crashImages(v).pending).toEqual([]);
    v.truncate('/f', 4);
    expect(shown(crashImages(v))).toEqual(['/f=AB', '/f=AB\0\0']);
    expect(v.stat('/f').sizeBytes).toBe(4);
  });
});
