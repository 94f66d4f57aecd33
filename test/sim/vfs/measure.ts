/**
 * Cost figures for the VFS (not a test: no timing is asserted anywhere).
 * Run: npx tsx test/sim/vfs/measure.ts
 */
import { performance } from 'node:perf_hooks';
import { O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY } from '../../../src/env.js';
import { SeededRng } from '../../../sim/random.js';
import { crashImages } from '../../../sim/vfs/crash.js';
import type { DiskImage, Personality } from '../../../sim/vfs/model.js';
import { Vfs } from '../../../sim/vfs/vfs.js';

function bigImage(files: number, bytesEach: number): DiskImage {
  const dirs = ['/'];
  for (let d = 0; d < 10; d++) dirs.push(`/d${d}`);
  const map = new Map<string, Uint8Array>();
  for (let i = 0; i < files; i++) map.set(`/d${i % 10}/f${i}`, new Uint8Array(bytesEach).fill(i & 255));
  return { dirs, files: map };
}

function time(label: string, reps: number, f: () => void): number {
  f(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  const perMs = (performance.now() - t0) / reps;
  console.log(`${label}: ${perMs < 1 ? (perMs * 1000).toFixed(1) + ' µs' : perMs.toFixed(2) + ' ms'}`);
  return perMs;
}

function h1(v: Vfs, path: string, bytes: Uint8Array, sync: boolean): void {
  const fd = v.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
  v.write(fd, bytes);
  if (sync) v.fsync(fd);
  v.close(fd);
}

const img = bigImage(1000, 1024);
time('fromImage, 1000 files × 1 KiB (builds memfs)', 20, () => Vfs.fromImage(img, { personality: 'ext4-weak' }));
time('fromImage, 50 files × 1 KiB', 200, () => Vfs.fromImage(bigImage(50, 1024), { personality: 'ext4-weak' }));

const v = Vfs.fromImage(img, { personality: 'strict-posix' });
for (let i = 0; i < 10; i++) h1(v, `/d${i}/new${i}`, new Uint8Array(300).fill(i), i % 2 === 0);
time('snapshot(), 1000 files, 10 pending ops', 200, () => v.snapshot());
const snap = v.snapshot();
time('fromSnapshot() alone (memfs deferred)', 200, () => Vfs.fromSnapshot(snap));
time('fromSnapshot() + first open (memfs rebuilt)', 20, () => Vfs.fromSnapshot(snap).open('/d0/f0', O_RDONLY));
time('snapshot after one more write (re-reads only the written file)', 200, () => {
  const fd = v.open('/d1/f1', O_WRONLY);
  v.write(fd, new Uint8Array(10));
  v.close(fd);
  v.snapshot();
});

/** Best of three runs (the first pays for JIT warm-up; the machine is noisy). */
function crashCost(label: string, w: Vfs): void {
  let best = Infinity;
  let r = crashImages(w, { torn: { fills: ['old', 'zero', 'garbage'] }, rng: new SeededRng('m') });
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    r = crashImages(w, { torn: { fills: ['old', 'zero', 'garbage'] }, rng: new SeededRng('m') });
    best = Math.min(best, performance.now() - t0);
  }
  console.log(`crashImages ${label} + ${r.pending.length} pending ops: ${r.counts.total.candidates} candidates, ${r.counts.total.distinct} distinct, ${best.toFixed(1)} ms = ${((best / r.counts.total.candidates) * 1000).toFixed(0)} µs per candidate`);
}

for (const personality of ['strict-posix', 'ext4-weak', 'ordered'] as Personality[]) {
  for (const [files, bytes] of [[1000, 1024], [20, 256]] as const) {
    const w = Vfs.fromImage(bigImage(files, bytes), { personality });
    for (let i = 0; i < 5; i++) h1(w, `/d${i}/new${i}`, new Uint8Array(700).fill(i), false);
    crashCost(`${personality}, ${files} files`, w);
  }
}

for (const personality of ['strict-posix', 'ext4-weak'] as Personality[]) {
  const data = new Uint8Array(400).fill(1);
  let perMs = 0;
  let pendingAtEnd = 0;
  for (let round = 0; round < 2; round++) { // round 0 warms up
    const hv = Vfs.fromImage({ dirs: ['/', '/d', '/d/blocks'], files: new Map() }, { personality });
    const t0 = performance.now();
    for (let n = 0; n < 3000; n++) {
      h1(hv, `/d/blocks/b${n}`, data, true);
      if (n >= 30) hv.unlink(`/d/blocks/b${n - 30}`);
    }
    perMs = (performance.now() - t0) / 3000;
    pendingAtEnd = hv.pendingLog().length;
  }
  console.log(`H1 (open, write 400 B, fsync, close) + unlink of the file 30 back, ${personality}: ${(perMs * 1000).toFixed(0)} µs = ${(5 / perMs * 1000).toFixed(0)} primitives/s; pending log at the end: ${pendingAtEnd} ops`);
}

const r1000 = Vfs.fromImage(img, { personality: 'ext4-weak' });
const fd = r1000.open('/d0/f0', O_RDONLY);
time('read 1 KiB (clean cache)', 10000, () => r1000.pread(fd, 1024, 0));
