/**
 * `crashsim mutants`: a caught mutant exits 0 with its table row, replay command
 * and reports (mutants.json, index.html); a mutant that does not show as NEW
 * within the budget is missed (exit 1); an unknown mutant is a usage error (exit 2).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runInProcess } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'crashsim-mutants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crashsim mutants', () => {
  test('caught mutants: NEW, runs to the first NEW failure, its invariant, shrunk length and replay; reports written', async () => {
    const out = join(dir, 'caught');
    const r = await runInProcess(['mutants', '--mutant', 'M6,seed~vote-before-write', '--runs', '2', '--shrink-runs', '20', '--seed', 't', '--out', out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/seed~push-publishes \(M6\)\s+NEW\s+1\s/);
    expect(r.stdout).toMatch(/replay seed~vote-before-write: npx crashsim replay cs2\./);
    expect(r.stdout).toMatch(/verdict: every mutant caught as NEW \(2 of 2\) \(exit 0\)/);
    const json = JSON.parse(readFileSync(join(out, 'mutants.json'), 'utf8'));
    expect(json.kind).toBe('crashsim-mutants');
    expect(json.mutants.map((m: { id: string; caught: boolean; code: string }) => [m.id, m.caught, m.code])).toEqual([
      ['seed~push-publishes', true, 'I2/published-by-push'],
      ['seed~vote-before-write', true, 'I3/vote-not-durable'],
    ]);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/2 of 2 caught as NEW/);
  }, 60_000);

  test('a mutant that shows only as known findings within the budget is missed: exit 1', async () => {
    // M13 needs a failed A/B write; one run per cell does not have one with seed a.
    const r = await runInProcess(['mutants', '--mutant', 'M13', '--runs', '1', '--shrink-runs', '0', '--seed', 'a', '--out', join(dir, 'missed')]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/seed~ab-seq-on-failure: MISSED in 8 runs/);
  }, 60_000);

  test('an unknown mutant is a usage error', async () => {
    const r = await runInProcess(['mutants', '--mutant', 'nope', '--out', join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown mutant "nope"/);
  });
});
