/**
 * What a CI engineer relies on beyond usage errors (issue 12): no hang on a file
 * system that refuses directories, interrupts that leave an incomplete summary
 * and a usable terminal, degenerate requests that do not report success,
 * reports that are never half-written, overwritten or left as empty directories.
 * Signals and /proc run the real bin; the rest call the same entry point in process.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../cli/summary.js';
import { runInProcess, spawnCli, spawnLive, type CliResult } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'crashsim-robust-'));
const at = (name: string): string => join(root, name);
const SMALL = ['run', '--seed', 'robust', '--design', 'seed', '--scenario', 'model', '--runs', '2', '--no-progress'];
// Long enough that an interrupt always lands mid-sweep (it is cut short there).
const LONG = ['run', '--seed', 'robust', '--design', 'seed', '--scenario', 'model', '--runs', '5000'];
const readSummary = (dir: string): Summary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;

function expectOneLine(r: CliResult, code: number, reason: RegExp): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(reason);
}

beforeAll(async () => {
  expect((await runInProcess([...SMALL, '--out', at('existing')])).code).toBe(0);
});

describe('a file system that refuses directories (/proc): exit 2 at once, no spinning', () => {
  it.each([
    ['run --out', [...SMALL, '--out', '/proc/crashsim-x/reports']],
    ['run --corpus', [...SMALL, '--save-failures', '--corpus', '/proc/crashsim-x', '--out', at('proc-corpus')]],
    ['merge --out', ['merge', at('existing'), '--out', '/proc/crashsim-x']],
  ])('%s', async (_name, args) => {
    const r = await spawnCli(args, { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^crashsim: cannot write (reports|the corpus) to "\/proc\/crashsim-x.*": the file system at \/proc does not allow creating directories \(ENOENT\)\n$/);
    expect(existsSync(at('proc-corpus'))).toBe(false);
  });
});

describe('interrupts', () => {
  it('Ctrl-C on a terminal: an incomplete summary, the terminal restored, exit 130', async () => {
    const out = at('interrupted-tty');
    const c = spawnLive([...LONG, '--out', out], { tty: true });
    await c.waitFor(/runs \[.*\] [1-9]\d*\/5000 runs/);
    c.write('\u0003');
    const r = await c.done;
    expect(r.code, r.stdout).toBe(130);
    const m = /interrupted \(SIGINT\) after (\d+) of 5000 runs/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    // the progress bar hid the cursor and turned line wrap off; both are back on at the end
    const hide = r.stdout.lastIndexOf('\u001b[?25l');
    expect(hide).toBeGreaterThanOrEqual(0);
    expect(r.stdout.lastIndexOf('\u001b[?25h')).toBeGreaterThan(hide);
    expect(r.stdout.lastIndexOf('\u001b[?7h')).toBeGreaterThan(r.stdout.lastIndexOf('\u001b[?7l'));
    const s = readSummary(out);
    expect(s.complete).toBe(false);
    expect(s.incompleteReason).toBe(`interrupted (SIGINT) after ${m?.[1]} of 5000 runs`);
    expect(s.totals.runs).toBe(Number(m?.[1]));
    expect(s.verdict.exitCode).toBe(130);
    expect(readdirSync(out).sort()).toEqual(['index.html', 'junit.xml', 'summary.json']);
  });

  it('SIGTERM (a cancelled CI job), with worker threads: an incomplete summary, exit 143', async () => {
    const out = at('terminated');
    const c = spawnLive([...LONG, '--workers', '2', '--out', out]);
    await c.waitFor(/^repeat: /m);
    await new Promise((r) => setTimeout(r, 1500));
    c.kill('SIGTERM');
    const r = await c.done;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/^crashsim: SIGTERM: stopping after the runs in progress/);
    const s = readSummary(out);
    expect(s.incompleteReason).toMatch(/^interrupted \(SIGTERM\) after \d+ of 5000 runs$/);
  });
});

describe('degenerate requests do not report success', () => {
  it('a shard that holds no runs is a usage error', async () => {
    expectOneLine(await runInProcess([...SMALL, '--shard', '5/10', '--out', at('empty-shard')]), 2, /shard 5\/10 holds no runs: with --runs 2 per cell only shards 1–2 of 10/);
    expect(existsSync(at('empty-shard'))).toBe(false);
  });

  it('merge of one shard of two: incomplete, exit 4, says which shard is missing', async () => {
    expect((await runInProcess([...SMALL, '--shard', '1/2', '--out', at('half-1')])).code).toBe(0);
    const m = await runInProcess(['merge', at('half-1'), '--out', at('half-merged')]);
    expect(m.code, m.stderr).toBe(4);
    expect(m.stdout).toMatch(/incomplete: shard 2\/2 is missing \(merged 1 of 2\)\) \(exit 4\)$/m);
    const s = readSummary(at('half-merged'));
    expect(s.complete).toBe(false);
    expect(s.verdict.exitCode).toBe(4);
  });

  it('a time budget that cuts the sweep short: exit 4', async () => {
    const r = await runInProcess([...SMALL, '--runs', '500', '--time-budget', '0.001', '--out', at('budget')]);
    expect(r.code).toBe(4);
    expect(readSummary(at('budget')).incompleteReason).toMatch(/^the time budget stopped the sweep after \d+ of 500 runs$/);
  });

  it('explore of an iteration the workload never reaches: exit 4', async () => {
    const r = await runInProcess(['explore', '--iteration', '500']);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^nothing explored: the workload produced only \d+ persist iteration\(s\) with work; asked for #500 \(exit 4\)$/m);
    expect(r.stdout).not.toMatch(/no new failures/);
  });

  it('explore --seed without --scenario is a usage error, not ignored', async () => {
    expectOneLine(await runInProcess(['explore', '--seed', '5']), 2, /--seed picks the draw of a named scenario: give it with --scenario/);
  });
});

describe('reports are never half-written, overwritten or left empty', () => {
  it('a refused --corpus leaves no report directory behind', async () => {
    writeFileSync(at('a-file'), 'x');
    const r = await runInProcess([...SMALL, '--save-failures', '--corpus', join(at('a-file'), 'corpus'), '--out', join(at('new-parent'), 'run')]);
    expectOneLine(r, 2, /cannot write the corpus to .*a-file/);
    expect(existsSync(at('new-parent'))).toBe(false);
  });

  it('an --out that already holds reports is refused; --force replaces them', async () => {
    const before = readFileSync(join(at('existing'), 'summary.json'), 'utf8');
    expectOneLine(await runInProcess([...SMALL, '--out', at('existing')]), 2, /already holds reports \(summary\.json, junit\.xml, index\.html\): choose another --out, or add --force/);
    expect(readFileSync(join(at('existing'), 'summary.json'), 'utf8')).toBe(before);
    expect((await runInProcess([...SMALL, '--out', at('existing'), '--force'])).code).toBe(0);
  });

  it('merge never writes over its own input, --force or not', async () => {
    const r = await runInProcess(['merge', at('existing'), '--out', at('existing'), '--force']);
    expectOneLine(r, 2, /the merge would overwrite its own input/);
    expect(readSummary(at('existing')).kind).toBe('crashsim-run-summary');
  });

  it('merge over a damaged record: one line naming it, and no empty --out', async () => {
    const damaged = at('damaged');
    mkdirSync(damaged);
    const s = readSummary(at('existing')) as unknown as { records: Array<Record<string, unknown>> };
    delete s.records[0]?.['checks'];
    writeFileSync(join(damaged, 'summary.json'), JSON.stringify(s));
    const r = await runInProcess(['merge', damaged, '--out', at('damaged-merged')]);
    expectOneLine(r, 2, /summary\.json: run record 0 is damaged: checks must map names to counts/);
    expect(existsSync(at('damaged-merged'))).toBe(false);
  });

  it('--out "" and a missing --plan say what is wrong in words', async () => {
    expectOneLine(await runInProcess([...SMALL, '--out', '']), 2, /^crashsim: --out must name a directory; got an empty string$/);
    expectOneLine(await runInProcess(['explore', '--plan', at('missing.json')]), 2, /cannot read the plan file ".*missing\.json": no such file or directory \(ENOENT\)$/);
  });
});
