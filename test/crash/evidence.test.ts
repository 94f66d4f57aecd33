/**
 * Known findings are recognised by the evidence of their mechanism, never by
 * their invariant code alone (scenarios/findings.ts).
 *
 * Per finding: (1) its recorded counterexample (reports/findings.json) replays
 * to a violation whose evidence rule holds, with an evidence sentence; (2) the
 * same violation — same code, same run — judged without the forensic record
 * that is its evidence is NEW (no finding's rule holds). (3) A real run whose
 * first violation has a code the finding lists, by another mechanism, is NEW:
 * mutants (a vote before the block's fsync, a CommitQC published before its
 * fsync, an AppQC written before its CommitQC, old CommitQCs deleted before the
 * AppQC) and test-only probe designs (test/support/probe-designs.ts: a loader
 * that forgets durable files, files written whole but wrong, a loop that never
 * waits). Every finding has such a run, except where no other mechanism
 * reaches its codes first (listed below, with why).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runOne, type CellSpec } from '../../scenarios/campaign.js';
import { Execution, initialVfs } from '../../scenarios/execute.js';
import { FINDINGS, findingsShowingAs, recognise, type EvidenceInput, type Finding } from '../../scenarios/findings.js';
import { Forensics } from '../../scenarios/forensics.js';
import { decodeToken } from '../../scenarios/token.js';
import { registerProbes } from '../support/probe-designs.js';

registerProbes();

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

/**
 * Real runs with a known code and another mechanism: the design, the cell and the
 * code its first violation has (the first of `runsMax` runs with that code counts).
 */
const OTHER_MECHANISM: ReadonlyArray<{ readonly design: string; readonly scenario: string; readonly personality: CellSpec['personality']; readonly code: string; readonly why: string }> = [
  { design: 'seed~probe-forget-last-block', scenario: 'crash-restart', personality: 'ext4', code: 'I3/voted-block-lost-by-crash', why: 'the loader forgets an intact, durable voted block (no corruption, no unlink, no page-cache-only data)' },
  { design: 'seed~probe-forget-last-block', scenario: 'crash-restart', personality: 'ordered', code: 'I3/voted-block-lost-by-crash', why: 'the same on the ordered disk' },
  { design: 'seed~probe-forget-last-commitqc', scenario: 'crash-restart', personality: 'ext4', code: 'I2/published-lost-by-crash', why: 'the loader forgets an intact, durable published CommitQC (not prune\'s, no lost unlink)' },
  { design: 'seed~probe-forget-last-commitqc', scenario: 'crash-restart', personality: 'strict-posix', code: 'I2/published-lost-by-crash', why: 'the same where directory entries need a directory fsync' },
  { design: 'seed~probe-forget-last-commitqc', scenario: 'fast-forward', personality: 'ext4', code: 'I5/error:persisted AppQC at road index N but no matching commitQC on disk', why: 'the loader forgets the AppQC\'s durable CommitQC (no gap from a lost unlink)' },
  { design: 'seed~probe-empty-old-blocks', scenario: 'crash-restart', personality: 'ext4', code: 'I5/abort:decode block file*', why: 'an empty block file written whole and fsynced (no crash between create and data, no failed write)' },
  { design: 'seed~probe-inverted-ab', scenario: 'crash-restart', personality: 'ext4', code: 'I5/error:NewPersister avail_inner: no valid state*', why: 'an A/B slot that does not parse although its write completed and was fsynced' },
  { design: 'seed~probe-inverted-ab-payload', scenario: 'crash-restart', personality: 'ext4', code: 'I5/error:NewPersister avail_inner: unmarshal persisted*', why: 'an A/B payload that does not parse, written whole (no tear)' },
  { design: 'seed~probe-commitqc-minus-sig', scenario: 'crash-restart', personality: 'ext4', code: 'X3/restored-commitqc-under-quorum', why: 'a CommitQC file written whole and fsynced without a quorum of signatures (no tear, no corrupt read)' },
  { design: 'seed~probe-ab-no-fsync', scenario: 'crash-restart', personality: 'ext4', code: 'I8/appqc-lost-by-crash', why: 'an A/B write never fsynced, lost by a power loss (no failed fsync, no page-cache-only slot taken at a process restart)' },
  { design: 'seed~probe-never-waits', scenario: 'crash-restart', personality: 'ext4', code: 'LIVENESS/livelock:avail/persist', why: 'the persist loop spins on empty batches with no lane emptied past its cursor' },
  { design: 'seed~probe-publish-first-again', scenario: 'steady', personality: 'ext4', code: 'X2/regressed-by-persist', why: 'the persist loop publishes an older CommitQC with no fast-forward by prune' },
  { design: 'seed~delete-before-appqc', scenario: 'persist-prune-race', personality: 'ext4', code: 'I4/delete-at-or-above-appqc', why: 'M2: a CommitQC file deleted before the AppQC that justifies it is durable (no corrupt read)' },
  { design: 'seed~vote-before-write', scenario: 'steady', personality: 'ext4', code: 'I3/vote-not-durable', why: 'a vote before the block\'s write (no failed fsync, no restart, no corrupt read)' },
  { design: 'seed~block-no-fsync', scenario: 'steady', personality: 'ext4', code: 'I3/vote-not-durable', why: 'block files never fsynced' },
  { design: 'seed~commitqc-no-fsync', scenario: 'steady', personality: 'ext4', code: 'I2/published-by-persist', why: 'CommitQC files never fsynced' },
  { design: 'seed~appqc-own-task', scenario: 'steady', personality: 'ext4', code: 'I1/appqc-without-commitqc', why: 'M1: the AppQC written by its own task, before its CommitQC' },
];

/** Findings whose codes no other mechanism reaches first; their rule is checked against the same violation without its evidence (above). */
const NO_OTHER_MECHANISM: Readonly<Record<string, string>> = {
  F5: 'X1/own-equivocation needs an own block lost over a restart before the node voted for it; any other loss of an own block (a forgetful loader, a lost unlink) shows first as I3/voted-block-lost-by-crash, because the node votes for its own blocks as soon as they are durable',
};

const codeMatches = (pattern: string, code: string): boolean => (pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : pattern === code);
const lists = (f: Finding, code: string): boolean => f.codes.some((c) => codeMatches(c, code) || codeMatches(code, c));

describe('a run with a known code by another mechanism is NEW, for every finding', () => {
  const RUNS_MAX = 8;
  for (const o of OTHER_MECHANISM) {
    const listedBy = FINDINGS.filter((f) => lists(f, o.code)).map((f) => f.id);
    test(`${o.design} on ${o.scenario}/${o.personality}: ${o.code} (listed by ${listedBy.join(', ')}) is NEW — ${o.why}`, async () => {
      expect(listedBy, `${o.code} is listed by no finding`).not.toEqual([]);
      const codes: string[] = [];
      for (let i = 0; i < RUNS_MAX; i++) {
        const { record } = await runOne({ scenario: o.scenario, design: o.design, personality: o.personality, faults: 'off' }, i, 'evidence');
        const f = record.failure;
        if (f === undefined) continue;
        codes.push(f.code);
        if (!codeMatches(o.code, f.code)) continue;
        expect(f.finding, `${f.replay}\n${f.evidence.join('\n')}`).toBeUndefined();
        return;
      }
      throw new Error(`no run of ${o.design} broke ${o.code} first within ${RUNS_MAX} runs; first violations: ${codes.join(', ') || 'none'}`);
    }, 60_000);
  }

  test('every finding has such a run for one of its codes, or says why none exists', () => {
    const uncovered = FINDINGS.filter((f) => f.design === 'seed' && !OTHER_MECHANISM.some((o) => lists(f, o.code)) && NO_OTHER_MECHANISM[f.id] === undefined).map((f) => f.id);
    expect(uncovered).toEqual([]);
  });
});
