/**
 * Coverage probes (scenarios/probes.ts): crash windows are classified from the
 * crash point, faults that fire are counted by kind, a run whose armed fault
 * never fired is marked, non-trivial checks are told apart, and the crash
 * suite's "sometimes" assertion names every promised probe that stayed silent.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_WORLD, planOf } from '../../scenarios/arbitraries.js';
import { aggregate, runOne } from '../../scenarios/campaign.js';
import { executePlan } from '../../scenarios/execute.js';
import { NAMED_SCENARIOS } from '../../scenarios/named.js';
import type { Command } from '../../scenarios/plan.js';
import { Probes, silentProbes } from '../../scenarios/probes.js';
import type { FsOpInfo } from '../../sim/world.js';

const op = (taskId: number, primitive: FsOpInfo['primitive'], arg: string | number = '/data/x'): FsOpInfo => ({ index: 0, step: 0, timeMs: 0, taskId, taskName: `t${taskId}`, primitive, args: [arg], site: undefined });

describe('crash windows', () => {
  const pathOf = (a: unknown): string | undefined => (typeof a === 'string' ? a : a === 7 ? '/data/blocks' : undefined);
  const classOf = (seen: FsOpInfo[], starting = false): string => {
    const p = new Probes();
    for (const o of seen) p.seeFsOp(o);
    return p.crashClass(seen[seen.length - 1], starting, pathOf);
  };

  test('by the primitive the power loss came before', () => {
    expect(classOf([op(1, 'open'), op(1, 'write')])).toBe('before-write');
    expect(classOf([op(1, 'write'), op(1, 'fsync')])).toBe('before-fsync');
    expect(classOf([op(1, 'write'), op(1, 'fsync'), op(1, 'close')])).toBe('fsync-to-rename');
    expect(classOf([op(1, 'fsync'), op(1, 'rename')])).toBe('fsync-to-rename');
    expect(classOf([op(1, 'stat'), op(1, 'close')])).toBe('other');
  });

  test('the previous primitive is the same task\'s', () => {
    expect(classOf([op(1, 'fsync'), op(2, 'open'), op(1, 'close')])).toBe('fsync-to-rename');
    expect(classOf([op(2, 'fsync'), op(1, 'close')])).toBe('other');
  });

  test('deleting old files, starting, idle', () => {
    expect(classOf([op(1, 'unlink', '/data/blocks/a_1.pb')])).toBe('during-prune');
    expect(classOf([op(1, 'open', '/data/commitqcs')])).toBe('during-prune');
    expect(classOf([op(1, 'getdents', 7)])).toBe('during-prune');
    expect(classOf([op(1, 'write')], true)).toBe('during-restart');
    expect(new Probes().crashClass(undefined, false, pathOf)).toBe('idle');
  });
});

const plan = (commands: Command[], world = {}) => planOf({ ...DEFAULT_WORLD, scriptedFaults: true, ...world }, { seed: 'probes', nodeIndex: 0, schedule: { kind: 'random' }, commands });
const steady: Command[] = [{ c: 'peerBlocks', peer: 0, count: 3 }, { c: 'votes' }, { c: 'run', steps: 300 }, { c: 'commitQC', count: 1 }, { c: 'run', steps: 300 }];

describe('probes of a run', () => {
  test('a scripted fault that fires is counted by kind', async () => {
    const r = await executePlan(plan([{ c: 'fault', kind: 'short-write', nth: 0 }, ...steady]), { acknowledgeFindings: ['F1', 'F2', 'F4', 'F5', 'F7', 'F8', 'F9'] });
    expect(r.stats.probes['fault/short-write']).toBe(1);
  });

  test('a fault armed where nothing reads never fires: no fault probe', async () => {
    const r = await executePlan(plan([{ c: 'fault', kind: 'read-corruption', nth: 0 }, ...steady]));
    expect(r.stats.faultsInjected).toBe(0);
    expect(Object.keys(r.stats.probes).filter((k) => k.startsWith('fault/'))).toEqual([]);
  });

  test('a power loss before the next fsync of a block file is counted in its window', async () => {
    const r = await executePlan(plan([...steady.slice(0, 2), { c: 'crash', afterFsOps: 0, image: 0, only: { primitive: 'fsync', target: 'blocks' } }]), { acknowledgeFindings: ['F1', 'F2', 'F3', 'F4', 'F5', 'F9'] });
    expect(r.stats.probes['crash/before-fsync']).toBe(1);
  });

  test('non-trivial checks: the restart forms of I3 and X1 count as trivial without votes or restarts', async () => {
    const r = await executePlan(plan(steady));
    expect(r.violation).toBeUndefined();
    expect(r.stats.checks['X1']).toBe(1);
    expect(r.stats.nontrivialChecks['X1'] ?? 0).toBe(0);
    expect(r.stats.nontrivialChecks['I3']).toBe(r.stats.checks['I3']);
    expect(r.stats.checks['X3'] ?? 0).toBeGreaterThan(0);
  });

  test('a cell sums the hits and counts the runs in which each probe fired', async () => {
    const cell = { scenario: 'read-corruption', design: 'seed', personality: 'ext4' as const, faults: 'off' as const };
    const records = [];
    for (let i = 0; i < 4; i++) records.push((await runOne(cell, i, 'probes')).record);
    const c = aggregate([cell], records).cells[0]!;
    const fired = records.filter((r) => (r.probes?.['fault/read-corruption'] ?? 0) > 0).length;
    expect(c.probeRuns['fault/read-corruption'] ?? 0).toBe(fired);
    expect(c.probes['fault/read-corruption'] ?? 0).toBe(records.reduce((a, r) => a + (r.probes?.['fault/read-corruption'] ?? 0), 0));
    // every run of the scenario arms a read corruption: it fired, or the run counts as one whose scripted faults never fired
    expect(fired + c.runsWithoutFiredFault).toBe(4);
  }, 60_000);
});

describe('sometimes assertions', () => {
  test('every promised probe that fired in no run is named', () => {
    const cells: { cell: { scenario: string }; probeRuns: Record<string, number> }[] = [
      { cell: { scenario: 'a' }, probeRuns: { 'fault/torn': 2 } },
      { cell: { scenario: 'b' }, probeRuns: {} },
    ];
    expect(silentProbes(cells, (s) => (s === 'a' ? ['fault/torn', 'crash/idle'] : ['fault/read-corruption']))).toEqual(['a: crash/idle', 'b: fault/read-corruption']);
  });

  test('every named scenario with faults or crashes promises a probe of a known group', () => {
    for (const s of NAMED_SCENARIOS) {
      for (const p of s.sometimes ?? []) expect(p).toMatch(/^(fault|crash|race|restart)\//);
      // steady: no faults or crashes; model: any command mix; the uniform torn scenarios rarely tear (scenarios/named.ts)
      if (!['steady', 'model', 'torn-writes', 'torn-writes-byte', 'torn-writes-shorn'].includes(s.id)) expect(s.sometimes?.length ?? 0, s.id).toBeGreaterThan(0);
    }
  });
});
