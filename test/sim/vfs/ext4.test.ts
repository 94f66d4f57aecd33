/**
 * The `ext4` personality (vfs.ts E1–E6) against hand-computed crash images of
 * the published ext4 (data=ordered, delalloc) cases: ALICE (OSDI '14, Table 1:
 * directory operations atomic and ordered; append → rename ordered through
 * auto_da_alloc; overwrite and append not ordered before later operations) and
 * CrashMonkey (OSDI '18: an fsync persists everything a journal commit does,
 * including earlier operations on other files). Every expected image is listed
 * by hand, with exact candidate and distinct counts, and `ext4-weak` beside it
 * where the two differ.
 */
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import { SeededRng } from '../../../sim/random.js';
import { crashImages } from '../../../sim/vfs/crash.js';
import type { CrashReport } from '../../../sim/vfs/crash.js';
import type { DiskImage, Personality } from '../../../sim/vfs/model.js';
import { Vfs } from '../../../sim/vfs/vfs.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One line per image: dirs as `dir/`, files as `path=content`, sorted. */
function show(img: DiskImage): string {
  const parts = img.dirs.filter((d) => d !== '/').map((d) => `${d}/`);
  for (const [p, b] of img.files) parts.push(`${p}=${new TextDecoder().decode(b)}`);
  return parts.sort().join(' ');
}
const shown = (r: CrashReport): string[] => r.images.map(show).sort();
const counts = (r: CrashReport): string =>
  `prefix ${r.counts.prefix.candidates}/${r.counts.prefix.distinct} subset ${r.counts.subset.candidates}/${r.counts.subset.distinct} total ${r.counts.total.candidates}/${r.counts.total.distinct}`;

/** open(O_WRONLY|O_CREAT|O_TRUNC), write, [fsync], close. */
function h1(v: Vfs, path: string, content: string, sync = false): void {
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

const disk = (personality: Personality, files: Record<string, string>, dirs: string[] = []): Vfs =>
  Vfs.fromImage({ dirs: ['/', ...dirs], files: new Map(Object.entries(files).map(([p, c]) => [p, enc(c)])) }, { personality });

describe('replace by rename (ALICE: rename atomic; append → rename ordered on ext4 through auto_da_alloc)', () => {
  // /db/CURRENT = v1 durable. #1 create /db/tmp, #2 write "v2", [fsync tmp], close, #3 rename tmp → CURRENT, [fsync /db].
  const run = (personality: Personality, fsyncFile: boolean, fsyncDir: boolean): CrashReport => {
    const v = disk(personality, { '/db/CURRENT': 'v1' }, ['/db']);
    h1(v, '/db/tmp', 'v2', fsyncFile);
    v.rename('/db/tmp', '/db/CURRENT');
    if (fsyncDir) syncDir(v, '/db');
    return crashImages(v);
  };
  const OLD = '/db/ /db/CURRENT=v1';
  const NEW = '/db/ /db/CURRENT=v2';

  it('no fsyncs: the rename flushes tmp\'s data first, so CURRENT is never empty', () => {
    const r = run('ext4', false, false);
    expect(r.pending).toEqual(['#1 create /db/tmp', '#2 write /db/tmp @0 +2B', '#3 rename /db/tmp -> /db/CURRENT']);
    // Journal prefix j = 0: the write needs its create (E3) → OLD. j = 1: the write may or may not be on
    // disk → tmp empty or full. j = 2: the rename is kept, so the flushed write is too → NEW.
    expect(counts(r)).toBe('prefix 4/4 subset 4/4 total 8/4');
    expect(shown(r)).toEqual([OLD, '/db/ /db/CURRENT=v1 /db/tmp=', '/db/ /db/CURRENT=v1 /db/tmp=v2', NEW].sort());
    // ext4-weak has no auto_da_alloc: the renamed, empty CURRENT is one of its images.
    expect(shown(run('ext4-weak', false, false))).toContain('/db/ /db/CURRENT=');
  });

  it('fsync(tmp) only: old or new, never neither (rename atomicity)', () => {
    const r = run('ext4', true, false);
    expect(r.pending).toEqual(['#3 rename /db/tmp -> /db/CURRENT']);
    expect(counts(r)).toBe('prefix 2/2 subset 2/2 total 4/2');
    expect(shown(r)).toEqual(['/db/ /db/CURRENT=v1 /db/tmp=v2', NEW]);
  });

  it('fsync(dir) only: the commit takes the rename and the flushed data → only the new content', () => {
    expect(shown(run('ext4', false, true))).toEqual([NEW]);
    expect(shown(run('ext4-weak', false, true))).toEqual(['/db/ /db/CURRENT=', NEW]);
  });

  it('a rename that replaces nothing flushes nothing: the new name may hold an empty file', () => {
    const v = disk('ext4', {}, ['/db']);
    h1(v, '/db/tmp', 'v2');
    v.rename('/db/tmp', '/db/CURRENT');
    expect(shown(crashImages(v))).toEqual(['/db/', '/db/ /db/tmp=', '/db/ /db/tmp=v2', '/db/ /db/CURRENT=', '/db/ /db/CURRENT=v2'].sort());
  });
});

describe('replace by truncate (CrashMonkey/ALICE: O_TRUNC, write, close without fsync)', () => {
  // /f = "old" durable. #1 truncate (O_TRUNC), #2 write "new", close: auto_da_alloc flushes #2.
  it('the truncate may commit without the data (the empty-file window), but nothing after the close can', () => {
    const v = disk('ext4', { '/f': 'old' });
    h1(v, '/f', 'new');
    let r = crashImages(v);
    expect(r.pending).toEqual(['#1 truncate /f to 0B', '#2 write /f @0 +3B']);
    // j = 0: the write follows an uncommitted truncate (E3) → old. j = 1: "" or "new".
    expect(counts(r)).toBe('prefix 3/3 subset 3/3 total 6/3');
    expect(shown(r)).toEqual(['/f=', '/f=new', '/f=old']);
    v.close(v.open('/g', O_WRONLY | O_CREAT, 0o600)); // #3, issued after the flush
    r = crashImages(v);
    // j = 2 keeps #3, so the flushed write too: /g never appears beside an empty /f.
    expect(counts(r)).toBe('prefix 4/4 subset 4/4 total 8/4');
    expect(shown(r)).toEqual(['/f=', '/f=new', '/f=new /g=', '/f=old'].sort());
  });

  it('while the file is still open nothing is flushed: /g can sit beside an empty /f', () => {
    const v = disk('ext4', { '/f': 'old' });
    const fd = v.open('/f', O_WRONLY | O_TRUNC);
    v.write(fd, enc('new'));
    v.close(v.open('/g', O_WRONLY | O_CREAT, 0o600));
    expect(shown(crashImages(v))).toEqual(['/f=', '/f= /g=', '/f=new', '/f=new /g=', '/f=old'].sort());
  });
});

describe('truncate + write (ftruncate then a write past the cut)', () => {
  // /f = "ABCDEFGH" durable. #1 ftruncate to 3 (journaled), #2 pwrite "xy" at 5.
  const run = (personality: Personality): CrashReport => {
    const v = disk(personality, { '/f': 'ABCDEFGH' });
    const fd = v.open('/f', O_WRONLY);
    v.ftruncate(fd, 3);
    v.pwrite(fd, enc('xy'), 5);
    return crashImages(v);
  };

  it('ext4: the write needs the truncate\'s commit → old, cut, or cut + write (3 images)', () => {
    const r = run('ext4');
    expect(counts(r)).toBe('prefix 3/3 subset 3/3 total 6/3');
    expect(shown(r)).toEqual(['/f=ABC', '/f=ABC\0\0xy', '/f=ABCDEFGH']);
  });

  it('ext4-weak and strict-posix also show the write without the cut (4 images)', () => {
    for (const p of ['ext4-weak', 'strict-posix'] as const) expect(shown(run(p)), p).toContain('/f=ABCDExyH');
  });

  it('an extending ftruncate is journaled: the zeros exist only with the commit, a write after them needs it', () => {
    const v = disk('ext4', { '/f': 'AB' });
    const fd = v.open('/f', O_WRONLY);
    v.ftruncate(fd, 4);
    v.pwrite(fd, enc('z'), 1);
    // #2 overwrites byte 1, inside the committed 2 bytes, but follows an uncommitted truncate (E3).
    expect(shown(crashImages(v))).toEqual(['/f=AB', '/f=AB\0\0', '/f=Az\0\0']);
  });
});

describe('fsync commits the running transaction (CrashMonkey: earlier operations on other files persist)', () => {
  it('fsync(y) persists the earlier create of x in another directory, and x\'s name but not its data', () => {
    const v = disk('ext4', {}, ['/a', '/b']);
    h1(v, '/a/x', 'X'); // #1 create, #2 write
    h1(v, '/b/y', 'Y', true); // #3 create, #4 write, fsync
    const r = crashImages(v);
    expect(r.pending).toEqual(['#2 write /a/x @0 +1B']);
    expect(shown(r)).toEqual(['/a/ /a/x= /b/ /b/y=Y', '/a/ /a/x=X /b/ /b/y=Y']);
  });

  it('…and every metadata op issued before it, even after the file\'s own last change (ext4-weak stops there)', () => {
    for (const [p, pending] of [['ext4', ['#3 write /a/x @0 +1B']], ['ext4-weak', ['#2 create /a/x', '#3 write /a/x @0 +1B']]] as const) {
      const v = disk(p, {}, ['/a', '/b']);
      const y = v.open('/b/y', O_WRONLY | O_CREAT, 0o600); // #1
      h1(v, '/a/x', 'X'); // #2 create, #3 write
      v.fsync(y);
      expect(crashImages(v).pending, p).toEqual(pending);
    }
  });

  it('an unlink and a truncate of other files commit with it too', () => {
    const v = disk('ext4', { '/a': 'AAAA', '/b': 'BBBB' });
    v.unlink('/a'); // #1
    v.truncate('/b', 1); // #2
    h1(v, '/c', 'C', true);
    expect(shown(crashImages(v))).toEqual(['/b=B /c=C']);
  });

  it('fsync of a file with no uncommitted change commits nothing', () => {
    const v = disk('ext4', { '/d/f': 'F', '/d/x': 'X' }, ['/d']);
    v.rename('/d/x', '/d/y'); // #1
    const fd = v.open('/d/f', O_RDWR);
    v.fsync(fd);
    expect(crashImages(v).pending).toEqual(['#1 rename /d/x -> /d/y']);
    v.pwrite(fd, enc('G'), 0); // now f has an uncommitted change
    v.fsync(fd);
    expect(shown(crashImages(v))).toEqual(['/d/ /d/f=G /d/y=X']);
  });
});

describe('writeback order (ALICE: overwrite → any op and append → any op are not ordered on ext4)', () => {
  it('an overwrite inside committed blocks may persist before or after a later create', () => {
    const v = disk('ext4', { '/f': 'AAAA' });
    const fd = v.open('/f', O_WRONLY);
    v.write(fd, enc('BB')); // #1 overwrite
    v.close(v.open('/g', O_WRONLY | O_CREAT, 0o600)); // #2
    expect(shown(crashImages(v))).toEqual(['/f=AAAA', '/f=AAAA /g=', '/f=BBAA', '/f=BBAA /g='].sort());
  });

  it('an overwrite may persist before an earlier create commits; an append may not (delayed allocation)', () => {
    const over = disk('ext4', { '/f': 'AAAA' });
    over.close(over.open('/g', O_WRONLY | O_CREAT, 0o600)); // #1
    over.pwrite(over.open('/f', O_WRONLY), enc('BB'), 0); // #2 overwrite
    expect(shown(crashImages(over))).toContain('/f=BBAA');
    const append = disk('ext4', { '/f': 'AAAA' });
    append.close(append.open('/g', O_WRONLY | O_CREAT, 0o600)); // #1
    append.pwrite(append.open('/f', O_WRONLY), enc('BB'), 4); // #2 append
    // The append is on disk only if its allocation committed, after #1: never /f grown without /g.
    expect(shown(crashImages(append))).toEqual(['/f=AAAA', '/f=AAAA /g=', '/f=AAAABB /g='].sort());
  });

  it('writes on one page persist in issue order; on different pages independently', () => {
    const same = disk('ext4', { '/f': 'XXXX' });
    const fd = same.open('/f', O_WRONLY);
    same.pwrite(fd, enc('AA'), 0); // #1
    same.pwrite(fd, enc('BB'), 1); // #2: same page, needs #1
    expect(shown(crashImages(same))).toEqual(['/f=ABBX', '/f=AAXX', '/f=XXXX'].sort());
    const big = Vfs.fromImage({ dirs: ['/'], files: new Map([['/f', new Uint8Array(8192)]]) }, { personality: 'ext4' });
    const g = big.open('/f', O_WRONLY);
    big.pwrite(g, enc('A'), 0); // page 0
    big.pwrite(g, enc('B'), 4096); // page 1
    const r = crashImages(big);
    expect(r.counts.subset).toEqual({ candidates: 4, distinct: 4 });
  });
});

describe('ext4 crash images, sampled', () => {
  it('beyond the exhaustive bound the draws respect the rules and repeat per seed', () => {
    const make = (): Vfs => {
      const v = disk('ext4', { '/f': 'old' });
      for (let i = 0; i < 12; i++) h1(v, `/t${i}`, `v${i}`);
      return v;
    };
    const a = crashImages(make(), { exhaustiveOpsMax: 6, subsetSamples: 40, rng: new SeededRng('s') });
    const b = crashImages(make(), { exhaustiveOpsMax: 6, subsetSamples: 40, rng: new SeededRng('s') });
    expect(a.subsetMode).toBe('sampled');
    expect(a.images.map((i) => i.hash)).toEqual(b.images.map((i) => i.hash));
    // Every write needs its own create (E3): no image shows content under a name that was never created.
    for (const img of a.images) {
      for (let i = 0; i < 12; i++) {
        const c = img.files.get(`/t${i}`);
        if (c !== undefined) expect(['', `v${i}`]).toContain(new TextDecoder().decode(c));
      }
    }
  });

  it('a snapshot carries the auto_da_alloc mark: a fork flushes on close like the original', () => {
    const v = disk('ext4', { '/f': 'old' });
    const fd = v.open('/f', O_WRONLY | O_TRUNC);
    v.write(fd, enc('new'));
    const fork = Vfs.fromSnapshot(v.snapshot());
    for (const x of [v, fork]) {
      x.close(fd);
      x.close(x.open('/g', O_WRONLY | O_CREAT, 0o600));
      expect(shown(crashImages(x))).not.toContain('/f= /g=');
    }
  });
});
