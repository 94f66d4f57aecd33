/**
 * `crashsim matrix`: a small matrix end to end (its sweep is a crashsim run,
 * tested elsewhere), the verdict folding on a made-up summary, usage errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FAULT_PROFILES, matrixDesigns, profileOfScenario } from '../../scenarios/matrix.js';
import { NAMED_SCENARIOS } from '../../scenarios/named.js';
import { runInProcess } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'crashsim-matrix-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('crashsim matrix', () => {
  test('profiles: every scenario in at most one, all but swarm-faults covered; designs: faithful and variants, no mutants', () => {
    const all = FAULT_PROFILES.flatMap((p) => p.scenarios);
    expect(new Set(all).size).toBe(all.length);
    expect(NAMED_SCENARIOS.map((s) => s.id).filter((id) => profileOfScenario(id) === undefined)).toEqual(['swarm-faults']);
    expect(matrixDesigns()).toEqual(['seed', 'merged', 'hardened']);
  });

  test('a small matrix: the hardened variant on one personality and profile holds every invariant; verdicts.md and the HTML section are written', async () => {
    const out = join(tmp, 'm1');
    const verdicts = join(tmp, 'verdicts.md');
    const r = await runInProcess(['matrix', '--design', 'hardened', '--personality', 'strict-posix', '--profile', 'torn', '--runs', '1', '--workers', '1', '--out', out, '--verdicts', verdicts, '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hardened +strict-posix +torn writes +6 +[\d,]+ +all held$/m);
    const md = readFileSync(verdicts, 'utf8');
    expect(md).toContain('## hardened (variant)');
    expect(md).toMatch(/\| strict-posix \| torn writes \| 6 \| [\d,]+ \| ✓ \| ✓ \| ✓ \|/);
    expect(md).toContain('## Broken cells: finding and replay command\n\nNone.');
    expect(readFileSync(join(out, 'verdicts.md'), 'utf8')).toBe(md);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html.indexOf('<section id="verdicts">')).toBeGreaterThan(0);
    expect(html.indexOf('<section id="verdicts">')).toBeLessThan(html.indexOf('<section id="matrix">'));
  }, 300_000);

  test('a broken cell names its finding and a replay command', async () => {
    const out = join(tmp, 'm2');
    const verdicts = join(tmp, 'verdicts-seed.md');
    const r = await runInProcess(['matrix', '--design', 'seed', '--personality', 'strict-posix', '--profile', 'none', '--runs', '1', '--workers', '1', '--out', out, '--verdicts', verdicts, '--no-progress']);
    expect(r.code).toBe(0);
    const md = readFileSync(verdicts, 'utf8');
    expect(md).toMatch(/^ {2}- I3 by F3 \(no directory fsync.*\): `npx crashsim replay cs\d\.[^`]+`$/m);
    expect(md).toMatch(/^\| strict-posix \| no faults \| 7 \| [\d,]+ \| F3 \|/m);
  }, 300_000);

  test('usage errors: one line on stderr, exit 2, nothing written', async () => {
    const out = join(tmp, 'bad');
    const r = await runInProcess(['matrix', '--profile', 'sometimes', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^crashsim: .*unknown fault profile "sometimes"; known: none, torn, write-errors, read-corruption, all/);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});
