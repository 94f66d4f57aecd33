/**
 * Seed findings that do not occur in design merged, shown on the same workload
 * (issue 9 deliverable 3): each seed finding's recorded, shrunk counterexample
 * (reports/findings.json) still shows it on seed; the very same plan — commands,
 * seed, disk, faults — run on the hardened variant breaks no invariant at all,
 * and on merged breaks none once merged's own known findings are looked past
 * (on strict-posix merged shows MF3, its missing directory fsync, on almost any
 * workload) — and never shows M<id>. Seed findings that merged shares are MF<n>
 * (sameAs F<n>, scenarios/findings.ts) and are asserted by findings.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { executePlan } from '../../scenarios/execute.js';
import { FINDINGS, findingIdsOf } from '../../scenarios/findings.js';
import { decodeToken } from '../../scenarios/token.js';

interface Recorded {
  readonly id: string;
  readonly code: string;
  readonly token: string;
}

const recorded: Recorded[] = JSON.parse(readFileSync(new URL('../../reports/findings.json', import.meta.url), 'utf8')).findings;

/** Seed findings with no merged counterpart (reports/findings.md, "Seed findings in design merged"). */
const SEED_ONLY = ['F1', 'F2', 'F6', 'F7', 'F9', 'F12', 'F13', 'F15'];

describe('seed findings that do not occur in design merged: the same workload on both designs', () => {
  test('no finding of merged has the mechanism of a seed-only finding', () => {
    for (const id of SEED_ONLY) expect(FINDINGS.filter((f) => f.sameAs === id).map((f) => f.id), id).toEqual([]);
  });

  for (const id of SEED_ONLY) {
    test(`${id}: its recorded counterexample breaks seed, and the same plan holds on merged and hardened`, async () => {
      const r = recorded.find((x) => x.id === id) as Recorded;
      const t = decodeToken(r.token);
      const onSeed = await executePlan(t.plan, { replayDecisions: t.decisions, acknowledgeFindings: t.acknowledged });
      expect(onSeed.violation?.known.map((k) => k.id), `seed: ${r.code}`).toContain(id);
      for (const design of ['merged', 'hardened']) {
        const other = await executePlan({ ...t.plan, design }, { acknowledgeFindings: findingIdsOf(design) });
        const broken = other.violation === undefined ? undefined : `${other.violation.code}: ${other.violation.message}`;
        expect(broken, `${design} on ${id}'s workload`).toBeUndefined();
        expect(Object.keys(other.acknowledgedFindings), `${design} never shows ${id}'s mechanism`).not.toContain(`M${id}`);
        if (design === 'hardened') expect(other.acknowledgedFindings).toEqual({});
      }
    }, 120_000);
  }
});
