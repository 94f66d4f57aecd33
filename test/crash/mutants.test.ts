/**
 * The suite's power: every mutant (a faithful design minus one safeguard) is
 * caught, and fast-check shrinks the counterexample to a handful of commands.
 * `seed~no-clamp` removes the clamp of spec §8.2: catching it proves the
 * persist/prune race is actually exercised.
 */
import { describe, expect, test } from 'vitest';
import { runOne, shrinkFailure, type CellSpec } from '../../scenarios/campaign.js';
import { findingIdsOf } from '../../scenarios/findings.js';
import { MUTANTS } from '../../scenarios/mutants.js';

const DETECTORS: Record<string, { readonly cell: Omit<CellSpec, 'design'>; readonly code: string; readonly runsMax: number }> = {
  'seed~no-clamp': { cell: { scenario: 'persist-prune-race', personality: 'ext4-weak', faults: 'off' }, code: 'I9/null-block-in-batch', runsMax: 10 },
};

describe('mutants are caught', () => {
  test('every mutant has a detector', () => {
    expect(MUTANTS.map((m) => m.id).sort()).toEqual(Object.keys(DETECTORS).sort());
  });

  for (const m of MUTANTS) {
    test(`${m.id} is caught with a shrunk counterexample (${m.explains})`, async () => {
      const d = DETECTORS[m.id];
      if (d === undefined) throw new Error(`no detector for ${m.id}`);
      const cell: CellSpec = { ...d.cell, design: m.id };
      // Look past the base design's known findings: they would stop the run before the mutant shows.
      const opts = { acknowledgeFindings: findingIdsOf(m.base) };
      let caught;
      for (let i = 0; i < d.runsMax && caught === undefined; i++) {
        const { record } = await runOne(cell, i, 'mutants', opts);
        if (record.failure !== undefined) caught = record;
      }
      expect(caught?.failure?.code, `${m.id} was not caught in ${d.runsMax} runs`).toBe(d.code);
      const shrunk = await shrinkFailure(caught!, { ...opts, shrinkRunsMax: 60 });
      expect(shrunk?.code).toBe(d.code);
      expect(shrunk!.commands.length).toBeLessThanOrEqual(8);
      // The faithful design survives the same cell.
      const { record: base } = await runOne({ ...cell, design: m.base }, caught!.index, 'mutants', opts);
      expect(base.failure?.code, base.failure?.replay).toBeUndefined();
    }, 120_000);
  }
});
