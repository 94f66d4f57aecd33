/**
 * Barrier ablation and explanations: fsync call sites are found above the shared
 * helpers, an ablated run is caught as NEW and replays from its token, and the
 * explanation of a failure names the two operations that were the wrong way round
 * (F9 and F6 and one ablation here; the mutants M1 and M2 in test/crash/mutants.test.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ablationsOf, discoverFsyncSites, maskingFindings, type FsyncSite } from '../../scenarios/ablation.js';
import { DEFAULT_WORLD, planOf } from '../../scenarios/arbitraries.js';
import { runOne, type CellSpec } from '../../scenarios/campaign.js';
import { executePlan } from '../../scenarios/execute.js';
import { explainFailure } from '../../scenarios/explain.js';
import { parsePlan, PlanError, type Ablation, type Command, type Plan } from '../../scenarios/plan.js';
import { decodeToken } from '../../scenarios/token.js';

interface RecordedFinding {
  readonly id: string;
  readonly token: string;
}
const findings = (JSON.parse(readFileSync('reports/findings.json', 'utf8')) as { findings: RecordedFinding[] }).findings;

async function explainFinding(id: string): Promise<string> {
  const f = findings.find((x) => x.id === id);
  if (f === undefined) throw new Error(`no recorded finding ${id}`);
  const t = decodeToken(f.token);
  const e = await explainFailure(t.plan, { replayDecisions: t.decisions, acknowledgeFindings: t.acknowledged });
  expect(e).toBeDefined();
  return e?.text ?? '';
}

/** Three rounds of normal operation: blocks, votes, a CommitQC, AppVotes (an AppQC each round). */
function threeRounds(ablation: Ablation | undefined): Plan {
  const round: Command[] = [{ c: 'peerBlocks', peer: 0, count: 1 }, { c: 'votes' }, { c: 'run', steps: 200 }, { c: 'commitQC', count: 1 }, { c: 'run', steps: 200 }, { c: 'appVotes' }, { c: 'run', steps: 300 }];
  return planOf({ ...DEFAULT_WORLD, ...(ablation === undefined ? {} : { ablation }) }, { seed: 'p1', nodeIndex: 0, schedule: { kind: 'random' }, commands: [...round, ...round, ...round] });
}

const CELL: CellSpec = { scenario: 'persist-prune-race', design: 'seed', personality: 'ext4', faults: 'off' };

let sitesMemo: Promise<FsyncSite[]> | undefined;
function sites(): Promise<FsyncSite[]> {
  sitesMemo ??= discoverFsyncSites([CELL, { ...CELL, scenario: 'crash-restart' }], 1, 'ablation-test');
  return sitesMemo;
}

async function siteOf(fn: string): Promise<string> {
  const s = (await sites()).find((x) => x.fn === fn);
  if (s === undefined) throw new Error(`no fsync site in ${fn}: ${(await sites()).map((x) => `${x.id} ${x.fn}`).join('; ')}`);
  return s.id;
}

describe('fsync call sites', () => {
  test('are the callers of the shared helper, one per kind of file, with what they fsync', async () => {
    const s = await sites();
    const byFn = new Map(s.map((x) => [x.fn, x]));
    expect(byFn.get('FileBlockPersister.persistBlock')?.targets).toEqual(['blocks/<lane>_<n>.pb']);
    expect(byFn.get('CommitQCPersister.persistCommitQC')?.targets).toEqual(['commitqcs/<i>.pb']);
    expect(byFn.get('FileABPersister.persist')?.targets).toEqual(['avail_inner_a.pb', 'avail_inner_b.pb']);
    expect(byFn.get('newABPersister')?.targets).toEqual(['/data (directory)']);
    for (const x of s) expect(x.id).toMatch(/^src\/persist\/(ab|blocks|commitqcs)\.ts:\d+$/);
  });

  test('every site and every pair of adjacent write groups is an ablation', async () => {
    const ids = ablationsOf('seed', await sites()).map((a) => a.id);
    expect(ids.filter((i) => i.startsWith('fsync@'))).toHaveLength((await sites()).length);
    expect(ids.filter((i) => i.startsWith('swap:'))).toEqual(['swap:blocks/deleteOldBlocks', 'swap:deleteOldBlocks/commitQCs', 'swap:commitQCs/appQC', 'swap:appQC/deleteOldCommitQCs', 'swap:deleteOldCommitQCs/publish']);
  });
});

describe('ablated plans', () => {
  test('carry the ablation through parsePlan; bad ablations are refused with the field named', () => {
    const p = threeRounds({ kind: 'fsync', site: 'src/persist/ab.ts:58' });
    expect(parsePlan(JSON.parse(JSON.stringify(p)))).toEqual(p);
    const q = threeRounds({ kind: 'swap', groups: ['commitQCs', 'appQC'] });
    expect(parsePlan(JSON.parse(JSON.stringify(q)))).toEqual(q);
    expect(() => parsePlan({ ...p, ablation: { kind: 'fsync', site: '../../etc/passwd' } })).toThrow(/plan\.ablation\.site: expected a source location/);
    expect(() => parsePlan({ ...p, ablation: { kind: 'swap', groups: ['appQC', 'appQC'] } })).toThrow(PlanError);
    expect(() => parsePlan({ ...p, ablation: { kind: 'rename' } })).toThrow(/plan\.ablation\.kind/);
  });

  test('a swap of groups that are not adjacent is a plan error, not a crash', async () => {
    await expect(executePlan(threeRounds({ kind: 'swap', groups: ['blocks', 'publish'] }))).rejects.toThrow(/no adjacent write groups blocks → publish/);
  });

  test('the A/B fsync ablated: caught as NEW within a few runs, and its token replays exactly', async () => {
    const site = await siteOf('FileABPersister.persist');
    let caught: Awaited<ReturnType<typeof runOne>> | undefined;
    for (let i = 0; i < 10 && caught === undefined; i++) {
      const r = await runOne(CELL, i, 'ablation-test', { world: { ablation: { kind: 'fsync', site } } });
      if (r.record.failure !== undefined && r.record.failure.finding === undefined) caught = r;
    }
    expect(caught?.record.failure?.code).toBe('I4/delete-at-or-above-appqc');
    const t = decodeToken(caught?.record.failure?.token ?? '');
    expect(t.plan.ablation).toEqual({ kind: 'fsync', site });
    const again = await executePlan(t.plan, { replayDecisions: t.decisions, acknowledgeFindings: t.acknowledged });
    expect(again.traceHash).toBe(t.traceHash);
    // The same plan without the ablation passes that point: the barrier is what the suite saw go.
    const unablated = await executePlan({ ...t.plan, ablation: undefined }, { acknowledgeFindings: t.acknowledged });
    expect(unablated.violation?.code).not.toBe('I4/delete-at-or-above-appqc');
  });

  test('masking: a known finding far more frequent than unablated is named', () => {
    expect(maskingFindings({ F8: 300, F1: 40 }, 100, { F1: 44, F8: 10 }, 100)).toEqual(['F8']);
    expect(maskingFindings({ F1: 40 }, 100, undefined, 0)).toEqual([]);
  });
});

describe('explanations name the pair of operations', () => {
  test('F9: the unlink of the voted block reached disk before the A/B write of the AppQC', async () => {
    const text = await explainFinding('F9');
    expect(text).toMatch(/^the unlink of blocks\/[0-9a-f]{8}…_\d+\.pb \(FileBlockPersister\.deleteBefore, src\/persist\/blocks\.ts:\d+\) reached disk before the A\/B write of the AppQC to avail_inner_[ab]\.pb \(FileABPersister\.persist, src\/persist\/ab\.ts:\d+\)/);
    expect(text).toMatch(/with the A\/B write first, recovery keeps the voted block$/);
  });

  test('F1: only the missing write is named, no op from before the publication the violation is about', async () => {
    const text = await explainFinding('F1');
    expect(text).toMatch(/: the write of commitqcs\/0\.pb \(CommitQCPersister\.persistCommitQC, src\/persist\/commitqcs\.ts:\d+\) had not been issued at the power loss; with it on disk, recovery keeps the published CommitQC$/);
    expect(text).not.toMatch(/reached disk before/);
  });

  test('F6: the A/B write of the fast-forward AppQC reached disk before the unlink of the old CommitQC file', async () => {
    const text = await explainFinding('F6');
    expect(text).toMatch(/^the A\/B write of the AppQC to avail_inner_[ab]\.pb \(FileABPersister\.persist, src\/persist\/ab\.ts:\d+\) reached disk before the unlink of commitqcs\/0\.pb \(CommitQCPersister\.deleteBefore, src\/persist\/commitqcs\.ts:\d+\)/);
    expect(text).toMatch(/with the unlink of commitqcs\/0\.pb first, the node restarts$/);
  });

  test('an ablation (the A/B fsync skipped): the unlink of an old CommitQC reached disk before the A/B write', async () => {
    const plan = threeRounds({ kind: 'fsync', site: await siteOf('FileABPersister.persist') });
    const r = await executePlan(plan, { acknowledgeFindings: [] });
    expect(r.violation?.code).toBe('I4/delete-at-or-above-appqc');
    const e = await explainFailure(plan, { acknowledgeFindings: [] });
    expect(e?.mode).toBe('event');
    expect(e?.kind).toBe('pair');
    expect(e?.text).toMatch(/recovery would break I5\/error:persisted AppQC at road index N but no matching commitQC on disk/);
    expect(e?.text).toMatch(/the unlink of commitqcs\/0\.pb \(CommitQCPersister\.deleteBefore, src\/persist\/commitqcs\.ts:\d+\) reached disk before the A\/B write of the AppQC to avail_inner_[ab]\.pb \(FileABPersister\.persist, src\/persist\/ab\.ts:\d+\); with the A\/B write first, the node restarts$/);
    // Deterministic: the same words again.
    expect((await explainFailure(plan, { acknowledgeFindings: [] }))?.text).toBe(e?.text);
  });

  test('a run that passes, or breaks without a disk operation involved, has no explanation', async () => {
    expect(await explainFailure(threeRounds(undefined), { acknowledgeFindings: [] })).toBeUndefined();
  });
});
