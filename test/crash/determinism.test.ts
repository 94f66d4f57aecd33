/**
 * Determinism is the product: a plan always gives the same trace hash — run twice
 * in this process, replayed from its token with the recorded decisions, and in a
 * fresh process (which catches module-level state leaking between runs).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { runOne, tokenOf } from '../../scenarios/campaign.js';
import { executePlan } from '../../scenarios/execute.js';
import { decodeToken } from '../../scenarios/token.js';

const CELLS = [
  { scenario: 'model', design: 'seed', personality: 'ext4-weak', faults: 'off' },
  { scenario: 'crash-restart', design: 'seed', personality: 'strict-posix', faults: 'off' },
  { scenario: 'swarm-faults', design: 'seed', personality: 'ordered', faults: 'swarm' },
  { scenario: 'torn-writes-byte', design: 'seed', personality: 'ext4-weak', faults: 'off' },
] as const;

describe('determinism', () => {
  test('same seed, same trace hash; a token replays to the same hash', async () => {
    const hashes = new Set<string>();
    for (const cell of CELLS) {
      for (let i = 0; i < 5; i++) {
        const a = await runOne(cell, i, 'determinism');
        const b = await runOne(cell, i, 'determinism');
        expect(b.result.traceHash).toBe(a.result.traceHash);
        expect(b.result.decisions).toEqual(a.result.decisions);
        hashes.add(a.result.traceHash);
        const t = decodeToken(tokenOf(a.result));
        const replayed = await executePlan(t.plan, { replayDecisions: t.decisions, acknowledgeFindings: t.acknowledged });
        expect(replayed.traceHash).toBe(a.result.traceHash);
        expect(replayed.violation?.code).toBe(a.result.violation?.code);
      }
    }
    // Different seeds explore different runs.
    expect(hashes.size).toBeGreaterThan(CELLS.length * 5 - 3);
  }, 120_000);

  test('a fresh process computes the same trace hashes', async () => {
    const expected: string[] = [];
    for (const cell of CELLS) expected.push((await runOne(cell, 0, 'determinism')).result.traceHash);
    const script = `
      import { runOne } from './scenarios/campaign.ts';
      const cells = ${JSON.stringify(CELLS)};
      const out = [];
      for (const c of cells) out.push((await runOne(c, 0, 'determinism')).result.traceHash);
      console.log(JSON.stringify(out));`;
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
    expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toEqual(expected);
  }, 120_000);
});
