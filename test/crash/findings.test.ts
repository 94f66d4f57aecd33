/**
 * Known findings stay found (issue 4 item 6): for each finding of a faithful
 * design, (1) a campaign over its cell still finds it within its budget, and
 * (2) its recorded, shrunk replay token (reports/findings.json) replays to the
 * same verdict and the same trace hash.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { executePlan } from '../../scenarios/execute.js';
import { FINDINGS } from '../../scenarios/findings.js';
import { locateFinding } from '../../scenarios/locate.js';
import { decodeToken } from '../../scenarios/token.js';

interface Recorded {
  readonly id: string;
  readonly code: string;
  readonly token: string;
  readonly replay: string;
}

const recorded: Recorded[] = JSON.parse(readFileSync(new URL('../../reports/findings.json', import.meta.url), 'utf8')).findings;

describe('known findings of design seed', () => {
  test('every finding has a recorded replay token', () => {
    expect(recorded.map((r) => r.id).sort()).toEqual(FINDINGS.map((f) => f.id).sort());
  });

  for (const f of FINDINGS) {
    test(`${f.id} is still found: ${f.title}`, async () => {
      const l = await locateFinding(f);
      const where = `${f.foundIn.scenario}/${f.foundIn.personality}, ${f.foundIn.runsMax} runs`;
      expect(l.record?.failure?.finding?.split('+'), `${f.id} was not found in ${where}`).toContain(f.id);
    }, 120_000);

    test(`${f.id} replays from its recorded token`, async () => {
      const r = recorded.find((x) => x.id === f.id);
      expect(r, `reports/findings.json has no entry for ${f.id}: run npx tsx scripts/record-findings.mts`).toBeDefined();
      const t = decodeToken((r as Recorded).token);
      const result = await executePlan(t.plan, { replayDecisions: t.decisions, acknowledgeFindings: t.acknowledged });
      expect(result.violation?.code, `replay: ${(r as Recorded).replay}`).toBe((r as Recorded).code);
      expect(result.traceHash).toBe(t.traceHash);
    }, 60_000);
  }
});
