/**
 * Bench rows of the library (issue 13): crash states checked per second by
 * `exploreCrashes` on the examples, beside a naive tester of the same example
 * measured in the same run — fast-check picks k, the workload runs on a fresh
 * memfs volume and "crashes" by throwing at its k-th fs call, recovery and the
 * same check run on what memfs holds. That tester has no durability model (every
 * completed call is on "disk"), so it checks states quickly and finds nothing.
 *
 * Each row is a function returning rows, so bench/run.ts calls them with its
 * own warm-up and repetitions. Rates are per CPU-second (process.cpuUsage), as
 * every bench figure.
 */
import fc from 'fast-check';
import { memfs } from 'memfs';
import { exploreCrashes } from '../lib/explore.js';
import type { ExploreOptions } from '../lib/explore.js';
import { installRouting, runWithFs } from '../lib/routing.js';
import type { NodeFsFacade } from '../sim/node-fs/index.js';

export interface LibraryRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: number;
}

class NaiveCrash extends Error {}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A node:fs-shaped proxy over a memfs fs that throws NaiveCrash from its `crashAt`-th call on (FileHandle calls included). */
function crashingFs(fs: object, crashAt: number, counter: { calls: number; onCrash?: () => void }): NodeFsFacade {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, k, recv) {
        const v = Reflect.get(t, k, recv) as unknown;
        if (k === 'promises' && typeof v === 'object' && v !== null) return wrap(v);
        if (typeof v !== 'function' || /^[A-Z]/.test(String(k))) return v;
        return (...args: unknown[]) => {
          if (++counter.calls > crashAt) {
            counter.onCrash?.();
            throw new NaiveCrash('crash');
          }
          const r = (v as (...a: unknown[]) => unknown).apply(t, args);
          // FileHandles (promises.open) are crash points too
          if (r instanceof Promise) return r.then((x: unknown) => (typeof x === 'object' && x !== null && 'fd' in x && 'close' in x ? wrap(x) : x));
          return r;
        };
      },
    });
  return wrap(fs) as NodeFsFacade;
}

export interface NaiveResult {
  readonly states: number;
  readonly failures: number;
  /** CPU time (ms) */
  readonly ms: number;
}

/** The naive tester: `runs` fast-check runs of "crash after k calls" on memfs (no durability model). */
export async function naiveExplore<S>(opts: ExploreOptions<S>, runs: number, seed = 1): Promise<NaiveResult> {
  const started = cpuMs(); // bench only
  // how many calls a crash-free run makes
  const probe = { calls: 0 };
  {
    const { fs } = memfs();
    const f = crashingFs(fs, Infinity, probe);
    await runWithFs(f, async () => {
      await opts.setup?.(f);
      probe.calls = 0;
      await opts.workload(f, { ack: () => undefined });
    });
  }
  const total = probe.calls;
  let states = 0;
  let failures = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: total }), async (k) => {
      const { fs } = memfs();
      const setupFs = fs as unknown as NodeFsFacade;
      await runWithFs(setupFs, async () => opts.setup?.(setupFs));
      // a crash stops the program: stop waiting at the first refused call (libraries may retry on timers)
      let crashed!: () => void;
      const crash = new Promise<void>((r) => (crashed = r));
      const counter = { calls: 0, onCrash: () => crashed() };
      const f = crashingFs(fs, k, counter);
      const acks: unknown[] = [];
      let stopped = false;
      const run = runWithFs(f, async () => {
        try {
          await opts.workload(f, { ack: (v) => void (stopped || acks.push(v)) });
        } catch (e) {
          if (!(e instanceof NaiveCrash)) throw e;
        }
      });
      await Promise.race([run, crash]);
      stopped = true;
      states++;
      try {
        const state = opts.recover === undefined ? (undefined as S) : await runWithFs(setupFs, () => (opts.recover as (x: NodeFsFacade) => S | Promise<S>)(setupFs));
        const ok = await runWithFs(setupFs, () => opts.check(state, { acknowledged: acks, completed: k >= total, point: { index: k, count: total + 1, before: `call ${k}`, site: undefined, completed: k >= total }, image: { dirs: ['/'], files: new Map() }, fs: setupFs }));
        if (ok === false) failures++;
      } catch {
        failures++;
      }
    }),
    { numRuns: runs, seed },
  );
  return { states, failures, ms: cpuMs() - started };
}

/** Rows for one example: the explorer's crash states/s and failures, and the naive tester's, same workload. */
export async function libraryRows<S>(label: string, opts: ExploreOptions<S>, naiveRuns: number): Promise<LibraryRow[]> {
  installRouting();
  const t = cpuMs(); // bench only
  const r = await exploreCrashes(opts);
  const ms = cpuMs() - t;
  const naive = await naiveExplore(opts, naiveRuns);
  return [
    { name: `library: crash states checked/s, ${label} (${r.counts.statesChecked} states, ${r.counts.crashPoints} points, ${r.personality})`, value: r.counts.statesChecked / (ms / 1000), unit: 'states/s', target: 50 },
    { name: `library: failing crash states found, ${label}`, value: r.counts.failed, unit: 'states' },
    { name: `naive fast-check + memfs tester: crash states checked/s, ${label} (${naive.states} runs)`, value: naive.states / (naive.ms / 1000), unit: 'states/s' },
    { name: `naive fast-check + memfs tester: failing crash states found, ${label}`, value: naive.failures, unit: 'states' },
  ];
}
