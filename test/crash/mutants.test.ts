/**
 * The suite's power: every catalogued mutant (a faithful design minus one
 * safeguard, scenarios/mutants.ts) shows as NEW — not as a known finding — in
 * the default `crashsim run` cells, with the base design's known findings
 * looked past, as a CI user runs it.
 *
 * Budget: at most RUNS_PER_CELL = 12 runs per default cell (8 scenarios ×
 * ext4 × faults off = 96 runs per mutant, index-major, root seed
 * "mutants"); the hunt stops at the first NEW failure (most mutants need 1–3
 * runs; M13 needs a failed A/B write, which the write-errors scenario aims at). `npx crashsim mutants`
 * runs the same hunt with the default budget of `crashsim run` (300 per cell).
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_PERSONALITY, DEFAULT_SCENARIOS } from '../../cli/options.js';
import { DEFAULT_WORLD, planOf } from '../../scenarios/arbitraries.js';
import { runOne, shrinkFailure, type CellSpec, type FailureRecord, type RunRecord } from '../../scenarios/campaign.js';
import { executePlan } from '../../scenarios/execute.js';
import { explainFailure } from '../../scenarios/explain.js';
import { findingIdsOf } from '../../scenarios/findings.js';
import type { Command, Plan } from '../../scenarios/plan.js';
import { decodeToken } from '../../scenarios/token.js';
import { baseBreaksTheSame, huntOutcome, huntTasks } from '../../scenarios/hunt.js';
import { MUTANTS } from '../../scenarios/mutants.js';

const RUNS_PER_CELL = 12;
/** merged and hardened get every hook that applies: no seed clamp variant, no AppQC group (M1), M2 as the deletes before the anchor */
const ANCHOR_DESIGN_MUTANTS = ['delete-before-anchor', 'push-publishes', 'vote-ignores-cursor', 'ab-seq-on-failure', 'vote-before-write', 'block-no-fsync', 'commitqc-no-fsync'];
const ROOT_SEED = 'mutants';

const cellsOf = (design: string): CellSpec[] => DEFAULT_SCENARIOS.map((scenario) => ({ scenario, design, personality: DEFAULT_PERSONALITY, faults: 'off' }));

describe(`every catalogued mutant shows as NEW within ${RUNS_PER_CELL} runs per default cell`, () => {
  test('the catalogue holds the issue-8 mutants', () => {
    expect(MUTANTS.map((m) => m.id)).toEqual([
      'seed~no-clamp',
      'seed~appqc-own-task',
      'seed~delete-before-appqc',
      'seed~push-publishes',
      'seed~vote-ignores-cursor',
      'seed~ab-seq-on-failure',
      'seed~vote-before-write',
      'seed~block-no-fsync',
      'seed~commitqc-no-fsync',
      ...ANCHOR_DESIGN_MUTANTS.map((m) => `merged~${m}`),
      ...ANCHOR_DESIGN_MUTANTS.map((m) => `hardened~${m}`),
    ]);
  });

  for (const m of MUTANTS) {
    test(`${m.id}${m.label === undefined ? '' : ` (${m.label})`} is caught as NEW: ${m.explains}`, async () => {
      const tasks = huntTasks(cellsOf(m.id), RUNS_PER_CELL);
      const records: RunRecord[] = [];
      for (const t of tasks) {
        const { record } = await runOne(t.cell, t.index, ROOT_SEED);
        records.push(record);
        if (record.failure !== undefined && record.failure.finding === undefined) break;
      }
      const out = huntOutcome(tasks, records);
      expect(out.caught, `${m.id} was not caught as NEW in ${tasks.length} runs; known findings seen: ${JSON.stringify(out.knownSeen)}`).toBe(true);
      // The faithful design does not break that way on the very plan that caught the mutant.
      const f = out.failure as FailureRecord;
      expect(await baseBreaksTheSame(f, (p) => ({ ...p, design: m.base })), f.replay).toBe(false);
      const t = decodeToken(f.token);
      const base = await executePlan({ ...t.plan, design: m.base }, { acknowledgeFindings: t.acknowledged });
      expect(base.violation?.known.length === 0 ? base.violation.code : undefined, `${m.base} on the plan that caught ${m.id}`).toBeUndefined();
    }, 60_000);
  }

  test('a caught mutant shrinks to a short counterexample that is still NEW', async () => {
    const m = MUTANTS.find((x) => x.id === 'seed~vote-before-write')!;
    const tasks = huntTasks(cellsOf(m.id), RUNS_PER_CELL);
    let caught: RunRecord | undefined;
    for (const t of tasks) {
      const { record } = await runOne(t.cell, t.index, ROOT_SEED);
      if (record.failure !== undefined && record.failure.finding === undefined) {
        caught = record;
        break;
      }
    }
    const shrunk = await shrinkFailure(caught!, { shrinkRunsMax: 60 });
    expect(shrunk?.code).toBe(caught!.failure!.code);
    expect(shrunk?.finding).toBeUndefined();
    expect(shrunk!.commands.length).toBeLessThanOrEqual(4);
  }, 60_000);
});

describe('explanations of caught mutants name the pair of operations the mutant put the wrong way round', () => {
  const ack = findingIdsOf('seed');
  const planFor = (design: string, commands: Command[]): Plan => planOf({ ...DEFAULT_WORLD, design, personality: 'ext4' }, { seed: 'p0', nodeIndex: 0, schedule: { kind: 'random' }, commands });
  const delivered: Command[] = [{ c: 'peerBlocks', peer: 0, count: 1 }, { c: 'votes' }, { c: 'run', steps: 200 }];

  /** The plan breaks `code` as NEW on the mutant, not on its base design; returns the explanation's words. */
  async function explained(design: string, commands: Command[], code: string): Promise<string> {
    const plan = planFor(design, commands);
    const r = await executePlan(plan, { acknowledgeFindings: ack });
    expect(r.violation?.code).toBe(code);
    expect(r.violation?.known).toEqual([]);
    expect((await executePlan({ ...plan, design: 'seed' }, { acknowledgeFindings: ack })).violation?.code).toBeUndefined();
    const e = await explainFailure(plan, { acknowledgeFindings: ack });
    expect(e?.kind, e?.text).toBe('pair');
    return e?.text ?? '';
  }

  test('M1 (the AppQC by its own task): the A/B write of the AppQC reached disk before the write of its CommitQC', async () => {
    const text = await explained('seed~appqc-own-task', [{ c: 'peerBlocks', peer: 0, count: 1 }, { c: 'appQC', ahead: 1 }], 'I1/appqc-without-commitqc');
    expect(text).toMatch(/recovery would break I5\/error:persisted AppQC at road index N but no matching commitQC on disk/);
    // The A/B write was fsynced (durable) while the CommitQC write was not yet issued: the culprit is found among ops made durable.
    expect(text).toMatch(/: the A\/B write of the AppQC to avail_inner_[ab]\.pb \(FileABPersister\.persist, src\/persist\/ab\.ts:\d+\) reached disk before the write of commitqcs\/0\.pb \(CommitQCPersister\.persistCommitQC, src\/persist\/commitqcs\.ts:\d+\)(, which the power loss came before)?; with the write of commitqcs\/0\.pb first, the node restarts$/);
  }, 60_000);

  test('M2 (old CommitQCs deleted before the new AppQC): the unlink of the old CommitQC reached disk before the A/B write of the AppQC', async () => {
    const commands: Command[] = [...delivered, { c: 'commitQC', count: 1 }, { c: 'run', steps: 200 }, { c: 'appVotes' }, { c: 'run', steps: 300 }, ...delivered, { c: 'appQC', ahead: 1 }, { c: 'run', steps: 300 }];
    const text = await explained('seed~delete-before-appqc', commands, 'I4/delete-at-or-above-appqc');
    expect(text).toMatch(/recovery would break I5\/error:persisted AppQC at road index N but no matching commitQC on disk/);
    expect(text).toMatch(/: the unlink of commitqcs\/0\.pb \(CommitQCPersister\.deleteBefore, src\/persist\/commitqcs\.ts:\d+\) reached disk before the A\/B write of the AppQC to avail_inner_[ab]\.pb \(FileABPersister\.persist, src\/persist\/ab\.ts:\d+\)(, which the power loss came before)?; with the A\/B write first, the node restarts$/);
  }, 60_000);
});
