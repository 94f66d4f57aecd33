/**
 * The regression corpus (reports/corpus/): every entry replays to its recorded
 * trace hash and verdict. An entry that stops replaying means the code under
 * test or the harness changed behaviour on that exact run: look at it, then
 * re-record (npm run corpus:findings for the known findings, or
 * `crashsim run --save-failures`) and delete the stale file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CORPUS_DIR, loadCorpus } from '../cli/corpus.js';
import { replayToken } from '../cli/replay-core.js';
import { FINDINGS } from '../scenarios/findings.js';

const entries = loadCorpus(DEFAULT_CORPUS_DIR);

describe('regression corpus', () => {
  it('holds at least one entry per recorded known finding (reports/findings.json)', () => {
    const recorded = (JSON.parse(readFileSync('reports/findings.json', 'utf8')) as { findings: Array<{ id: string }> }).findings.map((f) => f.id);
    expect(recorded.length).toBeGreaterThan(0);
    for (const id of recorded) expect(FINDINGS.some((f) => f.id === id), `${id} is in findings.json but not a known finding`).toBe(true);
    const have = new Set(entries.map((e) => e.entry.finding));
    expect(recorded.filter((id) => !have.has(id)), 'run npm run corpus:findings').toEqual([]);
  });

  it.each(entries.map((e) => [e.path.replace(/^.*\//, ''), e] as const))('%s replays to its verdict and trace hash', async (_name, e) => {
    const r = await replayToken(e.token);
    expect(r.result.violation?.code ?? 'pass').toBe(e.entry.verdict);
    expect(r.result.traceHash).toBe(e.entry.traceHash);
    expect(r.matched).toBe(true);
  }, 60_000);
});
