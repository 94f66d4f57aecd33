/**
 * Known findings are recognised by the evidence of their mechanism, never by
 * their invariant code alone (scenarios/findings.ts).
 *
 * Per finding: (1) its recorded counterexample (reports/findings.json) replays
 * to a violation whose evidence rule holds, with an evidence sentence; (2) the
 * same violation — same code, same run — judged without the forensic record
 * that is its evidence is NEW (no finding's rule holds). And real runs whose
 * first violation has a code several findings list, but none of their
 * mechanisms (mutants: a vote before the block's fsync, a CommitQC published
 * before its fsync, an AppQC written before its CommitQC), are NEW on every
 * disk personality.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runOne, type CellSpec } from '../../scenarios/campaign.js';
import { Execution, initialVfs } from '../../scenarios/execute.js';
import { FINDINGS, findingsShowingAs, recognise, type EvidenceInput } from '../../scenarios/findings.js';
import { Forensics } from '../../scenarios/forensics.js';
import { decodeToken } from '../../scenarios/token.js';

interface Recorded {
  readonly id: string;
  readonly code: string;
  readonly token: string;
}

const recorded: Recorded[] = JSON.parse(readFileSync(new URL('../../reports/findings.json', import.meta.url), 'utf8')).findings;

/** Replays a token and returns its violation with the evidence input the classifier saw for it. */
async function replayWithEvidence(token: string): Promise<{ x: Execution; input: EvidenceInput | undefined }> {
  const t = decodeToken(token);
  const x = new Execution(t.plan, { replayDecisions: t.decisions, acknowledgeFindings: t.acknowledged });
  let input: EvidenceInput | undefined;
  const classify = x.oracle.classify;
  x.oracle.classify = (v) => {
    input = x.evidenceInput(v);
    return classify === undefined ? [] : classify(v);
  };
  x.startIncarnation(initialVfs(t.plan), undefined);
  for (const [i, c] of t.plan.commands.entries()) {
    if (x.over) break;
    await x.command(c, i);
  }
  if (t.plan.liveness && !x.over) await x.liveness();
  x.finish();
  return { x, input };
}

describe('each finding is recognised by its evidence, not by its code', () => {
  for (const f of FINDINGS) {
    test(`${f.id}: the recorded run shows its evidence; the same violation without that evidence is NEW`, async () => {
      const r = recorded.find((x) => x.id === f.id);
      expect(r, `reports/findings.json has no ${f.id} (npm run findings)`).toBeDefined();
      const { x, input } = await replayWithEvidence((r as Recorded).token);
      const v = x.oracle.violation;
      expect(v?.code).toBe((r as Recorded).code);
      expect(v?.known.map((k) => k.id)).toContain(f.id);
      expect(input).toBeDefined();
      const sentence = f.evidence(input as EvidenceInput);
      expect(sentence, `${f.id}'s rule on its own recorded run`).toMatch(/\w{3,}.*\w{3,}/);
      // Same violation, same code, no forensic record and no history: no rule holds.
      const blank: EvidenceInput = { ...(input as EvidenceInput), forensics: new Forensics(), publications: [], emptyBatchesInARow: 0, state: () => undefined };
      expect(f.evidence(blank)).toBeUndefined();
      expect(recognise('seed', blank)).toEqual([]);
    }, 60_000);
  }
});

describe('violations with a known code but another mechanism are NEW', () => {
  // Each mutant's first violation carries a code that known findings list (F3, F8, F8b, F14).
  const designs = ['seed~vote-before-write', 'seed~block-no-fsync', 'seed~commitqc-no-fsync'] as const;
  for (const design of designs) {
    for (const personality of ['ext4', 'ext4-weak', 'ordered', 'strict-posix'] as const) {
      test(`${design} on ${personality}: its first violation has a code known findings list, and it is NEW`, async () => {
        const cell: CellSpec = { scenario: 'steady', design, personality, faults: 'off' };
        const { record } = await runOne(cell, 0, 'evidence');
        const code = record.failure?.code ?? 'pass';
        expect(findingsShowingAs('seed', code), `${code} is listed by no finding`).not.toEqual([]);
        expect(record.failure?.finding, record.failure?.evidence.join(' | ')).toBeUndefined();
      }, 30_000);
    }
  }

  test('seed~appqc-own-task: I1/appqc-without-commitqc (listed by F3, F8, F8b) is NEW', async () => {
    for (let i = 0; i < 20; i++) {
      const { record } = await runOne({ scenario: 'persist-prune-race', design: 'seed~appqc-own-task', personality: 'ext4', faults: 'off' }, i, 'evidence');
      if (record.failure?.code !== 'I1/appqc-without-commitqc') continue;
      expect(record.failure.finding, record.failure.evidence.join(' | ')).toBeUndefined();
      return;
    }
    throw new Error('no run of seed~appqc-own-task broke I1 within 20 runs');
  }, 60_000);
});

describe('F8 on the A/B file: an I8 loss after a page-cache-only slot was taken as the newest', () => {
  // `crashsim run --seed readme` found this as NEW in write-errors/seed/ext4 (run 65): fsyncs of
  // both A/B slots fail, the process restarts on the page cache, the next write goes to the
  // slot whose write had been durable, and a power loss leaves neither slot with the AppQC.
  test('recognised as F8 with its A/B evidence', async () => {
    const cell: CellSpec = { scenario: 'write-errors', design: 'seed', personality: 'ext4', faults: 'off' };
    const all = FINDINGS.filter((f) => f.design === 'seed').map((f) => f.id);
    const { record } = await runOne(cell, 65, 'readme', { acknowledgeFindings: all.filter((id) => id !== 'F8') });
    expect(record.failure?.code).toBe('I8/appqc-lost-by-crash');
    expect(record.failure?.finding).toBe('F8');
    expect(record.failure?.evidence.join(' ')).toMatch(/the loader took its page-cache bytes as the newest A\/B slot.*only durable copy was overwritten/);
  }, 60_000);
});
