/**
 * Property tests: the VFS against the independent reference model (ref-model.ts)
 * for random op sequences under each personality. Checked: same results and
 * errnos for every call (Linux semantics); reads and the final volatile tree
 * equal the reference; at the crash point (the end, and a mid-run snapshot) the
 * prefix and personality-subset crash states are exactly the reference's; the
 * empty prefix is the durable state; every image keeps the reference's
 * guaranteed (synced) files; no image holds bytes nobody wrote there; torn
 * images tear only unsynced writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFsError, O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import { SeededRng } from '../../../sim/random.js';
import { crashImages } from '../../../sim/vfs/crash.js';
import type { CrashImage, CrashReport } from '../../../sim/vfs/crash.js';
import { Vfs } from '../../../sim/vfs/vfs.js';
import type { VfsSnapshot } from '../../../sim/vfs/vfs.js';
import { canonImage, RefError, RefFs } from './ref-model.js';
import type { Personality } from './ref-model.js';

// The first three files are also the targets of the biased rename command.
const FILES = ['/a/x', '/b/x', '/a/y', '/a/c/x', '/b/c/y', '/a/c/d/z'];
const SYNCABLE_DIRS = ['/', '/a', '/b'];
const DIRS = ['/a/c', '/b/c', '/a/c/d'];
const RENAMEABLE = [...FILES, ...DIRS, '/b'];
const OPEN_FLAGS = [
  O_WRONLY | O_CREAT | O_TRUNC, O_RDWR | O_CREAT, O_RDONLY, O_WRONLY | O_CREAT | O_EXCL, O_WRONLY | O_CREAT | O_APPEND, O_RDWR,
];

type Cmd =
  | { c: 'open'; path: number; flags: number }
  | { c: 'opendir'; dir: number }
  | { c: 'syncdir'; dir: number }
  | { c: 'write'; slot: number; len: number }
  | { c: 'read'; slot: number; len: number }
  | { c: 'fsync'; slot: number }
  | { c: 'close'; slot: number }
  | { c: 'unlink'; path: number }
  | { c: 'mkdir'; dir: number }
  | { c: 'rmdir'; dir: number }
  | { c: 'rename'; from: number; to: number }
  | { c: 'snapshot' };

const slot = fc.nat(7);
// Mostly the three paths in /a and /b (so ops collide on slots), sometimes the nested ones.
const filePath = fc.oneof({ weight: 4, arbitrary: fc.nat(2) }, { weight: 1, arbitrary: fc.nat(FILES.length - 1) });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ c: fc.constant('open' as const), path: filePath, flags: fc.nat(OPEN_FLAGS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('opendir' as const), dir: fc.nat(DIRS.length + 2) }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('syncdir' as const), dir: fc.nat(DIRS.length + 2) }) },
  { weight: 5, arbitrary: fc.record({ c: fc.constant('write' as const), slot, len: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 500, max: 1100 })) }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('read' as const), slot, len: fc.integer({ min: 0, max: 1200 }) }) },
  { weight: 4, arbitrary: fc.record({ c: fc.constant('fsync' as const), slot }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('close' as const), slot }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('unlink' as const), path: filePath }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('mkdir' as const), dir: fc.nat(DIRS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('rmdir' as const), dir: fc.nat(DIRS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('rename' as const), from: fc.nat(RENAMEABLE.length - 1), to: fc.nat(RENAMEABLE.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('rename' as const), from: fc.nat(2), to: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ c: 'snapshot' as const }) },
);

/** A narrow alphabet (two files in two dirs) that makes cross-directory renames and partial dir syncs collide often. */
const narrowCmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ c: fc.constant('open' as const), path: fc.nat(1), flags: fc.constant(0) }),
  fc.record({ c: fc.constant('write' as const), slot, len: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ c: fc.constant('fsync' as const), slot }),
  fc.record({ c: fc.constant('syncdir' as const), dir: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ c: fc.constant('rename' as const), from: fc.nat(1), to: fc.nat(1) }),
  fc.record({ c: fc.constant('unlink' as const), path: fc.nat(1) }),
);

/** Runs `f` and returns its value or the errno it failed with; any other exception fails the test. */
function outcome<T>(f: () => T): { ok: T } | { err: string } {
  try {
    return { ok: f() };
  } catch (e) {
    if (isFsError(e)) return { err: e.code };
    if (e instanceof RefError) return { err: e.code };
    throw e;
  }
}

interface WriteRec { tag: number; off: number; len: number }

const seqOf = (line: string): number => Number(/^#(\d+) /.exec(line)?.[1]);
const nonTornCanon = (r: CrashReport): Set<string> => new Set(r.images.filter((i) => i.kind !== 'torn').map(canonImage));

function checkImageRules(img: CrashImage, ref: RefFs, guarantees: Map<string, Uint8Array>, writes: readonly WriteRec[]): void {
  for (const [p, bytes] of guarantees) {
    expect(img.files.get(p), `synced ${p} missing or changed in: ${img.summary}`).toEqual(bytes);
  }
  const tornSkip = img.torn !== undefined && img.torn.fill === 'garbage'
    ? { from: img.torn.cutAtBytes, to: img.torn.offsetBytes + img.torn.lenBytes } : undefined;
  for (const [p, bytes] of img.files) {
    bytes.forEach((b, o) => {
      if (b === 0 || (tornSkip !== undefined && o >= tornSkip.from && o < tornSkip.to)) return;
      const ok = writes.some((w) => w.tag === b && o >= w.off && o < w.off + w.len);
      expect(ok, `${p}[${o}] = ${b} was never written there (${img.summary})`).toBe(true);
    });
  }
  if (img.torn !== undefined) {
    const t = img.torn;
    expect(ref.isPendingWrite(t.seq), `torn ${img.summary} tears a synced write`).toBe(true);
    // The torn write's own bytes land exactly in [offset, cut) (tags are unique per write).
    const torn = writes.find((w) => w.off === t.offsetBytes && w.len === t.lenBytes && img.files.get(t.path)?.[t.offsetBytes] === w.tag);
    const bytes = img.files.get(t.path);
    if (torn !== undefined && bytes !== undefined) {
      const checkedEnd = t.fill === 'garbage' ? t.cutAtBytes : t.offsetBytes + t.lenBytes; // garbage may hit the tag by chance
      for (let o = t.offsetBytes; o < checkedEnd && o < bytes.length; o++) {
        expect(bytes[o] === torn.tag, `${t.path}[${o}] in ${img.summary}`).toBe(o < t.cutAtBytes);
      }
    }
  }
}

const CRASH_OPTS = {
  exhaustiveOpsMax: 9,
  prefixesMax: 10_000,
  torn: { sectorBytes: 512, fills: ['old', 'zero', 'garbage'] as const, cutsPerWriteMax: 3 },
};

function compareWithRef(report: CrashReport, ref: { pending: number[]; prefix: Set<string>; subset: Set<string> | undefined; durable: string }): void {
  expect(report.pending.map(seqOf)).toEqual(ref.pending);
  expect(report.counts.prefix.distinct).toBe(ref.prefix.size);
  expect(canonImage(report.images[0] as CrashImage)).toBe(ref.durable);
  if (ref.subset !== undefined && report.subsetMode === 'exhaustive') {
    expect(report.counts.subset.distinct).toBe(ref.subset.size);
    expect(nonTornCanon(report)).toEqual(new Set([...ref.prefix, ...ref.subset]));
  } else {
    for (const s of ref.prefix) expect(nonTornCanon(report).has(s)).toBe(true);
  }
}

function runScenario(personality: Personality, cmds: readonly Cmd[]): void {
  const vfs = Vfs.fromImage({ dirs: ['/', '/a', '/b'], files: new Map() }, { personality });
  const ref = new RefFs(personality, ['a', 'b']);
  const slots: { fd: number; rfd: number }[] = [];
  const writes: WriteRec[] = [];
  let snap: { s: VfsSnapshot; volatile: string; pending: number[]; prefix: Set<string>; subset: Set<string> | undefined; durable: string; guarantees: Map<string, Uint8Array>; writes: WriteRec[] } | undefined;
  const both = <A, B>(name: string, a: () => A, b: () => B): { ok: A } | undefined => {
    const x = outcome(a);
    const y = outcome(b);
    expect('err' in x ? x.err : 'ok', `${name}: vfs vs reference`).toBe('err' in y ? y.err : 'ok');
    return 'ok' in x ? x : undefined;
  };
  for (const cmd of cmds) {
    const s = slots.length === 0 ? undefined : slots[('slot' in cmd ? cmd.slot : 0) % slots.length];
    switch (cmd.c) {
      case 'open': {
        const path = FILES[cmd.path] as string;
        const flags = OPEN_FLAGS[cmd.flags] as number;
        let rfd = -1;
        const r = both(`open ${path} ${flags}`, () => vfs.open(path, flags, 0o600), () => (rfd = ref.open(path, flags)));
        if (r !== undefined) slots.push({ fd: r.ok, rfd });
        break;
      }
      case 'opendir': {
        const path = [...SYNCABLE_DIRS, ...DIRS][cmd.dir] as string;
        let rfd = -1;
        const r = both(`opendir ${path}`, () => vfs.open(path, O_RDONLY), () => (rfd = ref.openDir(path)));
        if (r !== undefined) slots.push({ fd: r.ok, rfd });
        break;
      }
      case 'syncdir': {
        // H6: open, fsync, close a directory.
        const path = [...SYNCABLE_DIRS, ...DIRS][cmd.dir] as string;
        let rfd = -1;
        const r = both(`syncdir ${path}`, () => vfs.open(path, O_RDONLY), () => (rfd = ref.openDir(path)));
        if (r === undefined) break;
        both('fsync dir', () => vfs.fsync(r.ok), () => ref.fsync(rfd));
        both('close dir', () => vfs.close(r.ok), () => ref.close(rfd));
        break;
      }
      case 'write': {
        if (s === undefined) break;
        const tag = (writes.length % 255) + 1;
        const data = new Uint8Array(cmd.len).fill(tag);
        let at = -1;
        const r = both('write', () => {
          const info = vfs.fdInfo(s.fd);
          at = info?.append === true ? vfs.fdSizeBytes(s.fd) : (info?.positionBytes ?? -1);
          return vfs.write(s.fd, data);
        }, () => ref.write(s.rfd, data));
        if (r !== undefined) writes.push({ tag, off: at, len: cmd.len });
        break;
      }
      case 'read': {
        if (s === undefined) break;
        const a = outcome(() => vfs.read(s.fd, cmd.len));
        const b = outcome(() => ref.read(s.rfd, cmd.len));
        expect(a).toEqual(b);
        break;
      }
      case 'fsync':
        if (s !== undefined) both('fsync', () => vfs.fsync(s.fd), () => ref.fsync(s.rfd));
        break;
      case 'close':
        if (s !== undefined && both('close', () => vfs.close(s.fd), () => ref.close(s.rfd)) !== undefined) slots.splice(slots.indexOf(s), 1);
        break;
      case 'unlink': {
        const path = FILES[cmd.path] as string;
        both(`unlink ${path}`, () => vfs.unlink(path), () => ref.unlink(path));
        break;
      }
      case 'mkdir': {
        const path = DIRS[cmd.dir] as string;
        both(`mkdir ${path}`, () => vfs.mkdir(path, 0o700), () => ref.mkdir(path));
        break;
      }
      case 'rmdir': {
        const path = DIRS[cmd.dir] as string;
        both(`rmdir ${path}`, () => vfs.rmdir(path), () => ref.rmdir(path));
        break;
      }
      case 'rename': {
        const from = RENAMEABLE[cmd.from] as string;
        const to = RENAMEABLE[cmd.to] as string;
        both(`rename ${from} ${to}`, () => vfs.rename(from, to), () => ref.rename(from, to));
        break;
      }
      case 'snapshot':
        if (snap === undefined) {
          snap = {
            s: vfs.snapshot(), volatile: ref.volatileCanon(), pending: ref.pendingSeqs(), prefix: ref.prefixStates(),
            subset: ref.subsetCount() <= 512 ? ref.subsetStates() : undefined, durable: ref.durableCanon(),
            guarantees: ref.guarantees(), writes: writes.slice(),
          };
        }
        break;
    }
  }
  expect(canonImage(vfs.volatileImage())).toBe(ref.volatileCanon());

  const report = crashImages(vfs, { ...CRASH_OPTS, rng: new SeededRng('prop-crash') });
  compareWithRef(report, {
    pending: ref.pendingSeqs(), prefix: ref.prefixStates(), durable: ref.durableCanon(),
    subset: ref.subsetCount() <= 512 ? ref.subsetStates() : undefined,
  });
  const guarantees = ref.guarantees();
  for (const img of report.images) checkImageRules(img, ref, guarantees, writes);
  // Torn images alone (not deduplicated against prefixes, which would hide a tear that wrote too much).
  const tornOnly = crashImages(vfs, { ...CRASH_OPTS, prefixes: false, subsets: false, rng: new SeededRng('prop-torn') });
  for (const img of tornOnly.images) checkImageRules(img, ref, guarantees, writes);

  if (snap !== undefined) {
    // Images from the snapshot taken mid-run equal the reference at that point, although the VFS went on.
    const fromSnap = crashImages(snap.s, { ...CRASH_OPTS, torn: false });
    compareWithRef(fromSnap, snap);
    for (const img of fromSnap.images) {
      for (const [p, bytes] of snap.guarantees) expect(img.files.get(p)).toEqual(bytes);
    }
    expect(canonImage(Vfs.fromSnapshot(snap.s).volatileImage())).toBe(snap.volatile);
  }
}

describe('VFS vs reference model', () => {
  for (const personality of ['ext4', 'ext4-weak', 'strict-posix', 'ordered'] as const) {
    it(`${personality}: results, reads and crash images match the reference`, () => {
      fc.assert(fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 18, size: 'max' }), (cmds) => runScenario(personality, cmds)), { numRuns: 120 });
    });
    it(`${personality}: two files, two dirs, many renames and partial directory syncs`, () => {
      fc.assert(fc.property(fc.array(narrowCmdArb, { minLength: 1, maxLength: 16, size: 'max' }), (cmds) => runScenario(personality, cmds)), { numRuns: 300 });
    });
  }
});
