/**
 * `npm run bench`: what crashsim costs, measured (never asserted in unit tests).
 *
 *  1. file-system primitives per second: raw memfs (sync API) vs the
 *     crash-faithful VFS vs the VFS driven through the scheduler (one step each);
 *  2. scheduler steps per second on a lock-heavy workload;
 *  3. crash states per second: crash images enumerated, and images recovered
 *     (fresh node started on each, invariants checked) by the exhaustive explorer;
 *  4. whole simulated runs per second (the default scenario mix) and heap growth;
 *  5. the library (bench/library.ts): crash states checked per second by
 *     exploreCrashes on the examples, beside a naive fast-check + memfs tester of
 *     the same example, and how many failing states each finds.
 *
 * Prints a table and writes reports/bench.json. Targets are floors chosen so a
 * 2-core CI machine clears them with margin; a miss exits 1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { memfs } from 'memfs';
import { O_CREAT, O_TRUNC, O_WRONLY, WAIT } from '../src/env.js';
import { runOne } from '../scenarios/campaign.js';
import { explore } from '../scenarios/explore.js';
import type { Plan } from '../scenarios/plan.js';
import { crashImages } from '../sim/vfs/crash.js';
import { Vfs } from '../sim/vfs/vfs.js';
import { createWorld } from '../sim/world.js';
import { libraryRows } from './library.js';
import type { ExploreOptions } from '../lib/explore.js';
import { installRouting } from '../lib/routing.js';

interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: number;
}

const rows: Row[] = [];
function time<T>(fn: () => T): [T, number] {
  const t = performance.now(); // bench only: wall-clock is what we measure
  const v = fn();
  return [v, performance.now() - t];
}
async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

const FILE = new Uint8Array(300).fill(7);
const H1_COUNT = 4000;

// 1a. raw memfs: open/write/fsync/close per file
{
  const { fs } = memfs({ '/d': null });
  const [, ms] = time(() => {
    for (let i = 0; i < H1_COUNT; i++) {
      const fd = fs.openSync(`/d/f${i % 200}`, 'w');
      fs.writeSync(fd, FILE);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
  });
  rows.push({ name: 'raw memfs: fs primitives/s (open, write, fsync, close)', value: (H1_COUNT * 4) / (ms / 1000), unit: 'ops/s' });
}

// 1b. the crash-faithful VFS, same sequence
for (const personality of ['ext4-weak', 'strict-posix'] as const) {
  const vfs = Vfs.create({ personality });
  vfs.mkdir('/d', 0o700);
  vfs.syncAll();
  const [, ms] = time(() => {
    for (let i = 0; i < H1_COUNT; i++) {
      const fd = vfs.open(`/d/f${i % 200}`, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
      vfs.write(fd, FILE);
      vfs.fsync(fd);
      vfs.close(fd);
      if (i % 500 === 499) vfs.syncAll(); // keep the pending log bounded, as a dir fsync would
    }
  });
  rows.push({ name: `VFS (${personality}): fs primitives/s`, value: (H1_COUNT * 4) / (ms / 1000), unit: 'ops/s', target: 20_000 });
}

// 1c + 2. through the scheduler: each primitive one step; plus lock sections
{
  const vfs = Vfs.create({ personality: 'ext4-weak' });
  vfs.mkdir('/d', 0o700);
  vfs.syncAll();
  const world = createWorld({ seed: 'bench', fs: vfs, budgetSteps: 10_000_000 });
  const env = world.env;
  const watch = env.newWatch('bench', { n: 0 });
  const N = 2000;
  const [, ms] = await timeAsync(() =>
    world.host.main('bench', async (ctx) => {
      await env.tasks.run(ctx, 'bench', async (_c, scope) => {
        for (let t = 0; t < 4; t++) {
          scope.spawn(`w${t}`, async (c) => {
            for (let i = 0; i < N / 4; i++) {
              const fd = await env.fs.open(c, `/d/t${t}_${i % 50}`, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
              await env.fs.write(c, fd, FILE);
              await env.fs.fsync(c, fd);
              await env.fs.close(c, fd);
              await watch.section(c, (v, ctl) => {
                v.n++;
                ctl.updated();
              });
            }
          });
        }
        scope.spawn('waiter', async (c) => {
          await watch.section(c, (v) => (v.n >= N ? true : WAIT));
        });
      });
    }),
  );
  rows.push({ name: 'scheduler: steps/s (4 writers + a waiter, random strategy)', value: world.step / (ms / 1000), unit: 'steps/s', target: 20_000 });
}

// 3a. crash images enumerated per second (a realistic pending log)
{
  const vfs = Vfs.create({ personality: 'strict-posix' });
  vfs.mkdir('/d', 0o700);
  vfs.syncAll();
  for (let i = 0; i < 50; i++) {
    const fd = vfs.open(`/d/old${i}`, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
    vfs.write(fd, FILE);
    vfs.close(fd);
  }
  vfs.syncAll();
  for (let i = 0; i < 5; i++) {
    const fd = vfs.open(`/d/new${i}`, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
    vfs.write(fd, FILE);
    vfs.fsync(fd);
    vfs.close(fd);
  }
  const snap = vfs.snapshot();
  let candidates = 0;
  const [, ms] = time(() => {
    for (let k = 0; k < 20; k++) candidates += crashImages(snap, { exhaustiveOpsMax: 12 }).counts.total.candidates;
  });
  rows.push({ name: 'crash images enumerated/s (strict-posix, 55 files, 10 pending ops)', value: candidates / (ms / 1000), unit: 'images/s', target: 5_000 });
}

// 3b. crash states recovered per second (explorer: fresh node + restart checks per image)
{
  const plan: Plan = {
    v: 1, design: 'seed', personality: 'strict-posix', faults: 'off', torn: 'sector', committeeSize: 4, nodeIndex: 0, seed: 'bench',
    schedule: { kind: 'guided', decisions: [] },
    commands: [{ c: 'peerBlocks', peer: 0, count: 3 }, { c: 'produce', count: 2 }, { c: 'commitQC', count: 1 }],
    liveness: false, budgetSteps: 1_000_000, livenessBudgetSteps: 1000,
  };
  const [r, ms] = await timeAsync(() => explore(plan));
  rows.push({ name: `explorer: crash states recovered and checked/s (${r.totals.distinctImages} images, ${r.totals.crashPoints} points)`, value: r.totals.distinctImages / (ms / 1000), unit: 'states/s', target: 50 });
}

// 4. whole runs per second and heap growth
{
  const cells = [
    { scenario: 'steady', design: 'seed', personality: 'ext4-weak', faults: 'off' },
    { scenario: 'crash-restart', design: 'seed', personality: 'ext4-weak', faults: 'off' },
    { scenario: 'model', design: 'seed', personality: 'ext4-weak', faults: 'off' },
    { scenario: 'persist-prune-race', design: 'seed', personality: 'ext4-weak', faults: 'off' },
  ] as const;
  await runOne(cells[0], 0, 'bench-warmup');
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let runs = 0;
  let steps = 0;
  const [, ms] = await timeAsync(async () => {
    for (let i = 0; i < 15; i++) {
      for (const c of cells) {
        steps += (await runOne(c, i, 'bench')).record.steps;
        runs++;
      }
    }
  });
  globalThis.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  rows.push({ name: 'whole simulated runs/s (default scenario mix, serial)', value: runs / (ms / 1000), unit: 'runs/s', target: 10 });
  rows.push({ name: 'simulated steps/s inside whole runs (SUT, oracles, crypto included)', value: steps / (ms / 1000), unit: 'steps/s' });
  rows.push({ name: `heap growth over ${runs} runs${globalThis.gc === undefined ? ' (run with --expose-gc for a precise figure)' : ''}`, value: (heapAfter - heapBefore) / 1024 / 1024, unit: 'MiB' });
}

// 5. the library on the examples, beside a naive fast-check + memfs tester (same workload, same check)
{
  // routing first: the examples' libraries must import node:fs after it
  installRouting();
  const { KvStore } = await import('../examples/kv-store.mjs');
  const { replaceOptions } = await import('../examples/file-replace.mjs');
  const { libraries: wfa } = await import('../examples/write-file-atomic.mjs');
  const { libraries: steno } = await import('../examples/steno.mjs');
  // the quickstart's exploration (examples/quickstart.mjs, unsafe store)
  const kv: ExploreOptions<Record<string, unknown>> = {
    name: 'kv',
    setup: (fs) => fs.mkdirSync('/db'),
    workload: async (_fs, { ack }) => {
      const db = await KvStore.open('/db', { safe: false });
      for (const [key, value] of [['a', 1], ['b', 2], ['c', 3]] as const) {
        if (key === 'c') await db.compact();
        await db.set(key, value);
        ack([key, value]);
      }
      await db.close();
    },
    recover: async () => (await KvStore.open('/db')).entries(),
    check: (data, { acknowledged }) => {
      for (const [key, value] of acknowledged as [string, number][]) if (data[key] !== value) throw new Error(`acknowledged ${key}=${value} lost`);
    },
  };
  rows.push(...(await libraryRows('kv store (examples/quickstart.mjs)', kv, 300)));
  rows.push(...(await libraryRows('write-file-atomic', replaceOptions({ name: 'wfa', personality: 'strict-posix', write: wfa['write-file-atomic'] }), 300)));
  rows.push(...(await libraryRows('steno', replaceOptions({ name: 'steno', personality: 'strict-posix', write: steno.steno }), 300)));
}

let missed = 0;
console.log('crashsim benchmark (wall clock; this machine: ' + `${process.version}, ${process.arch})`);
for (const r of rows) {
  const ok = r.target === undefined || r.value >= r.target;
  if (!ok) missed++;
  const target = r.target === undefined ? '' : `  (target ≥ ${r.target.toLocaleString('en-US')}: ${ok ? 'ok' : 'MISSED'})`;
  console.log(`${r.name.padEnd(86)} ${Math.round(r.value * 10) / 10 > 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(1)} ${r.unit}${target}`);
}
mkdirSync('reports', { recursive: true });
writeFileSync('reports/bench.json', JSON.stringify({ schemaVersion: 1, node: process.version, rows }, null, 2) + '\n');
if (missed > 0) {
  console.error(`${missed} benchmark target(s) missed`);
  process.exitCode = 1;
}
