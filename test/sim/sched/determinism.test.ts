import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ScheduleDivergence } from '../../../sim/world.js';
import { runWorkload } from './workload.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => `det-${i}`);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('same seed, same run', () => {
  test('200 seeds: two runs of each give identical trace hashes, results and decisions; seeds differ', async () => {
    const hashes = new Map<string, string>();
    for (const seed of SEEDS) {
      const a = await runWorkload(seed);
      const b = await runWorkload(seed);
      expect(b.hash, seed).toBe(a.hash);
      expect(b.result, seed).toBe(a.result);
      expect(b.decisions, seed).toEqual(a.decisions);
      // The workload itself must have worked: every item produced and consumed, the failing scope reported boom.
      expect(a.result.split('|')[0]?.split(',')).toHaveLength(12);
      expect(a.result).toContain('|boom|');
      hashes.set(seed, a.hash);
    }
    // Different seeds give different interleavings (and so different hashes), all but perhaps a handful.
    expect(new Set(hashes.values()).size).toBeGreaterThan(SEEDS.length * 0.95);
  });

  test('a fresh process computes the same hashes (no module-level state leaks between runs)', async () => {
    const seeds = SEEDS.slice(0, 20);
    const inProcess = new Map<string, string>();
    for (const seed of seeds) inProcess.set(seed, (await runWorkload(seed)).hash);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/sim/sched/determinism-main.ts', ...seeds], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    const fresh = new Map(stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    expect(fresh).toEqual(inProcess);
  });

  test('PCT runs are deterministic too', async () => {
    for (const seed of SEEDS.slice(0, 30)) {
      const a = await runWorkload(seed, { kind: 'pct', depth: 3, estimatedSteps: 150 });
      const b = await runWorkload(seed, { kind: 'pct', depth: 3, estimatedSteps: 150 });
      expect(b.hash).toBe(a.hash);
    }
  });
});

describe('replay from a decision list', () => {
  test('a recorded decision list reproduces the trace (random and PCT runs)', async () => {
    for (const seed of SEEDS.slice(0, 20)) {
      for (const strategy of [{ kind: 'random' } as const, { kind: 'pct', depth: 2, estimatedSteps: 150 } as const]) {
        const original = await runWorkload(seed, strategy);
        const replayed = await runWorkload(seed, { kind: 'replay', decisions: original.decisions });
        expect(replayed.hash).toBe(original.hash);
        expect(replayed.result).toBe(original.result);
        expect(replayed.decisions).toEqual(original.decisions);
        expect(replayed.world.replayDecisionsLeft()).toBe(0);
      }
    }
  });

  test('a decision naming a blocked task fails with ScheduleDivergence naming the step and the enabled tasks', async () => {
    const original = await runWorkload('tamper');
    // Step 0 must be main's start: only main exists then. Point it at a task that does not exist yet.
    const tampered = original.decisions.slice();
    tampered[0] = 5;
    const run = runWorkload('tamper', { kind: 'replay', decisions: tampered });
    await expect(run).rejects.toBeInstanceOf(ScheduleDivergence);
    await expect(run).rejects.toThrow(/decision #0 \(replay\) picks task 5, which does not exist or has ended[\s\S]*enabled: main \(task 1\)/);
  });

  test('a decision picking a parked task fails clearly', async () => {
    const original = await runWorkload('tamper2');
    // Find a step where some live task was not enabled and pick it instead.
    const replay = await runWorkload('tamper2', { kind: 'replay', decisions: original.decisions });
    expect(replay.hash).toBe(original.hash);
    const main = 1;
    const i = original.decisions.findIndex((d, k) => k > 5 && d !== main);
    const tampered = original.decisions.slice();
    tampered[i] = main; // main is parked in join(node) while the scope's tasks run
    const err = await runWorkload('tamper2', { kind: 'replay', decisions: tampered }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScheduleDivergence);
    expect((err as Error).message).toMatch(new RegExp(`decision #${i} \\(replay\\) picks task 1 \\(main\\), which is blocked: it joins scope\\(node\\)`));
    expect((err as ScheduleDivergence).seed).toBe('tamper2');
  });

  test('a decision list longer than the run is visible as decisions left over', async () => {
    const original = await runWorkload('long');
    const replayed = await runWorkload('long', { kind: 'replay', decisions: [...original.decisions, 1, 1] });
    expect(replayed.hash).toBe(original.hash);
    expect(replayed.world.replayDecisionsLeft()).toBe(2);
  });

  test('a truncated decision list fails with ScheduleDivergence, not a hang', async () => {
    const original = await runWorkload('trunc');
    const run = runWorkload('trunc', { kind: 'replay', decisions: original.decisions.slice(0, 40) });
    await expect(run).rejects.toThrow(/replay diverged: the decision list ends after 40 decisions but the run needs step 40/);
  });
});
