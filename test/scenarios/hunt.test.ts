/**
 * Hunting a mutant or an ablation: the first NEW failure counts only when the base
 * design does not break the same way on the very same plan. A NEW failure the base
 * has too is the base's own bug (not yet a finding), passed over, and the hunt goes
 * on — otherwise any open bug of the base would "catch" every mutant and ablation.
 */
import { describe, expect, test } from 'vitest';
import { runOne, type CellSpec, type FailureRecord, type RunRecord } from '../../scenarios/campaign.js';
import type { Plan } from '../../scenarios/plan.js';
import { registerDesign } from '../../scenarios/designs.js';
import { baseOwnCheck, huntOutcome, huntTasks, huntUntilNew, type HuntTask } from '../../scenarios/hunt.js';
import { PROBES, registerProbes } from '../support/probe-designs.js';

registerProbes();
// A "mutant" that changes nothing: every NEW failure it shows is its base's own.
const BASE = 'seed~probe-forget-last-block';
const COPY = `${BASE}~unchanged`;
registerDesign({ id: COPY, design: { ...PROBES[BASE], name: COPY }, abPayload: 'appQC', summary: 'hunt-test copy', kind: 'mutant' });

async function serial(slice: readonly HuntTask[]): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (const t of slice) {
    const { record } = await runOne(t.cell, t.index, 'hunt');
    out.push(record);
    if (record.failure !== undefined && record.failure.finding === undefined) break;
  }
  return out;
}

const cellsOf = (design: string): CellSpec[] => ['crash-restart', 'model'].map((scenario) => ({ scenario, design, personality: 'ext4' as const, faults: 'off' as const }));

describe('a hunt counts only NEW failures its base design does not share', () => {
  test('a copy of a buggy design is never caught: each of its NEW failures is passed over as the base\'s own', async () => {
    const tasks = huntTasks(cellsOf(COPY), 2);
    const { records, baseOwn } = await huntUntilNew(tasks, serial, baseOwnCheck((p) => ({ ...p, design: BASE })));
    expect(records).toHaveLength(tasks.length);
    expect(baseOwn.size).toBeGreaterThan(0);
    const out = huntOutcome(tasks, records, baseOwn);
    expect(out.caught).toBe(false);
    expect(out.baseOwn.map((f) => f.code)).toContain('I3/voted-block-lost-by-crash');
  }, 60_000);

  test('the same runs judged against a base without that bug: caught at the first NEW failure', async () => {
    const tasks = huntTasks(cellsOf(COPY), 2);
    const { records, baseOwn } = await huntUntilNew(tasks, serial, baseOwnCheck((p) => ({ ...p, design: 'seed' })));
    expect(baseOwn.size).toBe(0);
    const out = huntOutcome(tasks, records, baseOwn);
    expect(out.caught).toBe(true);
    expect(out.runs).toBe(records.length);
    expect(out.failure?.code).toBe('I3/voted-block-lost-by-crash');
  }, 60_000);
});

describe('the base-own check consults the shrunk counterexample', () => {
  test('a failure the base shares only on its shrunk counterexample (same code) is the base\'s own', async () => {
    const steady = (design: string): CellSpec => ({ scenario: 'steady', design, personality: 'ext4', faults: 'off' });
    const { record: r } = await runOne(steady('seed~vote-before-write'), 0, 'hunt');
    const { record: other } = await runOne(steady('seed~block-no-fsync'), 0, 'hunt');
    expect([r.failure?.code, other.failure?.code]).toEqual(['I3/vote-not-durable', 'I3/vote-not-durable']);
    // The "base" of the first plan is seed (it passes); the stand-in shrunk plan keeps its own design (it breaks).
    const toBase = (p: Plan): Plan => (p.design === 'seed~vote-before-write' ? { ...p, design: 'seed' } : p);
    expect(await baseOwnCheck(toBase)(r)).toBe(false);
    expect(await baseOwnCheck(toBase, async () => other.failure)(r)).toBe(true);
    expect(await baseOwnCheck(toBase, async () => ({ ...(other.failure as FailureRecord), code: 'I2/published-by-persist' }))(r)).toBe(false);
  }, 60_000);
});
