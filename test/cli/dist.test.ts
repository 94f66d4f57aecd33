/**
 * The compiled command (bin/dist.mjs): dist/ runs only while it was built from
 * exactly the sources in the tree, and the compiled command and its compiled
 * worker threads give the summary the TypeScript sources give in this process.
 */
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distIsFresh, sha1, sourceFiles, STAMP } from '../../bin/dist.mjs';
import { comparable, type Summary } from '../../cli/summary.js';
import { runInProcess, spawnCli } from './helpers.js';

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

function stampTree(root: string): void {
  const files: Record<string, unknown> = {};
  for (const [p, s] of sourceFiles(root)) files[p] = { size: s.size, mtimeMs: s.mtimeMs, sha1: sha1(root + p) };
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, STAMP), JSON.stringify({ files }));
}

describe('bin/dist.mjs: when the compiled code runs', () => {
  it('only while every source matches the build stamp (content decides when an mtime moved)', () => {
    const root = mkdtempSync(join(tmpdir(), 'crashsim-dist-')) + '/';
    for (const d of ['src', 'sim', 'scenarios', 'cli', 'lib']) mkdirSync(root + d);
    writeFileSync(root + 'src/a.ts', 'export const a = 1;\n');
    writeFileSync(root + 'cli/b.ts', 'export const b = 2;\n');
    const fresh = distIsFresh;
    expect(fresh(root)).toBe(false); // no stamp: never built
    stampTree(root);
    expect(fresh(root)).toBe(true);
    // a checkout moves the mtime, the content is the same
    utimesSync(root + 'src/a.ts', new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(fresh(root)).toBe(true);
    // an edit of the same size
    writeFileSync(root + 'src/a.ts', 'export const a = 7;\n');
    expect(fresh(root)).toBe(false);
    stampTree(root);
    expect(fresh(root)).toBe(true);
    // a new source file
    writeFileSync(root + 'sim/c.ts', 'export {};\n');
    expect(fresh(root)).toBe(false);
    stampTree(root);
    // a damaged stamp
    writeFileSync(root + STAMP, '{');
    expect(fresh(root)).toBe(false);
  });

  it('the real bin with --workers 2 gives the summary of an in-process serial run (compiled workers when dist/ is fresh)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'crashsim-dist-run-'));
    const args = ['run', '--seed', 'dist-test', '--scenario', 'crash-restart,model', '--runs', '3', '--no-progress'];
    const serial = await runInProcess([...args, '--out', join(root, 'serial')]);
    expect(serial.code, serial.stderr).toBe(0);
    const bin = await spawnCli([...args, '--workers', '2', '--out', join(root, 'bin')], { timeoutMs: 120_000 });
    expect(bin.code, bin.stderr).toBe(0);
    const read = (d: string): Summary => JSON.parse(readFileSync(join(root, d, 'summary.json'), 'utf8')) as Summary;
    expect(comparable(read('bin'))).toEqual(comparable(read('serial')));
  }, 180_000);

  it('--trace names each call\'s caller from V8 call sites exactly as from the formatted stack, compiled and through tsx', async () => {
    const findings = JSON.parse(readFileSync(join(REPO_ROOT, 'reports/findings.json'), 'utf8')) as { findings: { token: string }[] };
    const token = findings.findings[0]?.token;
    expect(token).toBeDefined();
    // CRASHSIM_CHECK_CALLER_SOURCE: every Env call computes both and throws on a difference
    const env = { CRASHSIM_CHECK_CALLER_SOURCE: '1' };
    const compiled = await spawnCli(['replay', token as string, '--trace'], { env, timeoutMs: 120_000 });
    const viaTsx = await spawnCli(['replay', token as string, '--trace'], { env: { ...env, CRASHSIM_TSX: '1' }, timeoutMs: 120_000 });
    expect(compiled.stderr).not.toMatch(/caller source/);
    expect(viaTsx.stderr).not.toMatch(/caller source/);
    const sources = (out: string): string[] => out.split('\n').flatMap((l) => / at ((?:src|scenarios)\/[^ ]+:\d+:\d+)$/.exec(l)?.[1] ?? []);
    expect(sources(compiled.stdout).length).toBeGreaterThan(10);
    expect(sources(viaTsx.stdout)).toEqual(sources(compiled.stdout));
  }, 240_000);
});
