/**
 * `crashsim ablate` (one swap, a tiny budget: the full sweep is `npm run ablation`)
 * and the explanations in `crashsim replay` and the run's failure output.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderFailure } from '../../cli/report/text.js';
import type { FailureEntry } from '../../cli/summary.js';
import { runInProcess } from './helpers.js';

const findings = (JSON.parse(readFileSync('reports/findings.json', 'utf8')) as { findings: Array<{ id: string; token: string }> }).findings;

describe('crashsim ablate', () => {
  test('a caught swap: NEW failure with its replay command (the ablation in the token) and the reports', async () => {
    const out = mkdtempSync(join(tmpdir(), 'crashsim-ablate-'));
    const r = await runInProcess(['ablate', '--seed', 's1', '--runs', '3', '--scenario', 'persist-prune-race', '--discovery-runs', '1', '--only', 'swap:appQC/deleteOldCommitQCs', '--no-baseline', '--no-shrink', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^discovery: \d+ fsync call site\(s\)/m);
    expect(r.stdout).toMatch(/persist loop write groups: persist: blocks → deleteOldBlocks → commitQCs → appQC → deleteOldCommitQCs → publish/);
    expect(r.stdout).toMatch(/\[1\/1\] swap:appQC\/deleteOldCommitQCs: CAUGHT after \d+ run\(s\)/);
    const token = /npx crashsim replay (cs2\.\S+)/.exec(r.stdout)?.[1] ?? '';
    const replay = await runInProcess(['replay', token]);
    expect(replay.stdout).toMatch(/ablation="write groups appQC and deleteOldCommitQCs swapped"/);
    expect(replay.stdout).toMatch(/^reproduced: trace [0-9a-f]+ matches the token/m);
    expect(replay.code).toBe(1);
    const json = JSON.parse(readFileSync(join(out, 'ablation.json'), 'utf8')) as { kind: string; ablations: Array<{ status: string; spec: { id: string } }> };
    expect(json.kind).toBe('crashsim-ablation');
    expect(json.ablations.map((a) => [a.spec.id, a.status])).toEqual([['swap:appQC/deleteOldCommitQCs', 'caught']]);
    expect(readFileSync(join(out, 'ablation.md'), 'utf8')).toMatch(/\| 1 \| write groups appQC and deleteOldCommitQCs .* \| \*\*caught\*\* \|/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/<td class="caught">caught<\/td>/);
  });

  test('an unknown ablation id is a usage error naming the ones found', async () => {
    const r = await runInProcess(['ablate', '--runs', '1', '--scenario', 'persist-prune-race', '--discovery-runs', '1', '--only', 'swap:nope/never', '--out', mkdtempSync(join(tmpdir(), 'crashsim-ablate-'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--only: no ablation "swap:nope\/never" in design seed; found: fsync@src\/persist\/.*swap:blocks\/deleteOldBlocks/);
  });
});

describe('explanations in the command line', () => {
  test('replay of F9 says why: the unlink reached disk before the A/B write', async () => {
    const f9 = findings.find((f) => f.id === 'F9');
    const r = await runInProcess(['replay', f9?.token ?? '']);
    expect(r.stdout).toMatch(/^why: the unlink of blocks\/[0-9a-f]{8}…_\d+\.pb \(FileBlockPersister\.deleteBefore, src\/persist\/blocks\.ts:\d+\) reached disk before the A\/B write of the AppQC/m);
  });

  test('a new failure in the run output carries its explanation before the replay command', () => {
    const f = { kind: 'new', cellKey: 'c', index: 0, seed: 1, code: 'I3/x', invariant: 'I3', invariantText: 'votes only for durable blocks', message: 'm', details: [], finding: undefined, findingTitle: undefined, exampleOf: undefined, traceHash: 'h', token: 't', replay: 'npx crashsim replay t', commands: [], shrunk: undefined, explanation: 'the unlink of a reached disk before the write of b' } as unknown as FailureEntry;
    const lines = renderFailure(f, 1);
    expect(lines).toContain('    why: the unlink of a reached disk before the write of b');
    expect(lines[lines.length - 1]).toBe('    npx crashsim replay t');
  });
});
