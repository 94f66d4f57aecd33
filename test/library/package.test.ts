/**
 * The built package as users get it (package.json `exports` → dist/, built by
 * `prepare` on npm ci and by `npm test`): plain Node resolves `crashsim`,
 * `crashsim/register` and `crashsim/vitest`, ships type declarations, and runs
 * the quickstart with `node --import crashsim/register` (unmodified storage
 * code importing node:fs/promises).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

function node(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env, VITEST: undefined } as NodeJS.ProcessEnv });
}

describe('the crashsim package', () => {
  it('exports the library, its types and the register/vitest entry points from dist/', () => {
    for (const f of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/register.js', 'dist/lib/vitest.d.ts']) {
      expect(existsSync(f), `${f} (run npm run build)`).toBe(true);
    }
    const keys = node(['--input-type=module', '-e', "const m = await import('crashsim'); console.log(Object.keys(m).sort().join(' '))"]).trim().split(' ');
    expect(keys).toEqual(expect.arrayContaining(['assertCrashSafe', 'exploreCrashes', 'createNodeFs', 'runWithFs', 'installRouting', 'PERSONALITIES', 'Vfs']));
    const routed = node(['--import', 'crashsim/register', '--input-type=module', '-e', "const { routingInstalled } = await import('crashsim'); console.log(JSON.stringify(routingInstalled()))"]);
    expect(JSON.parse(routed)).toEqual({ esm: true, cjs: true });
  });

  it('runs the quickstart through plain Node: the unsafe store fails, the safe one recovers', () => {
    const out = node(['--import', 'crashsim/register', 'examples/quickstart.mjs']);
    expect(out).toMatch(/^crashsim: \d+ of \d+ crash states fail — "kv" on strict-posix/);
    expect(out).toContain("replay: CRASHSIM_REPLAY='kv@");
    expect(out).toContain('node --import crashsim/register examples/quickstart.mjs');
    expect(out).toMatch(/crashsim: all \d+ crash states recover — "kv-safe" on strict-posix/);
  });

  it('replays the printed handle with the printed command', () => {
    const out = node(['--import', 'crashsim/register', 'examples/quickstart.mjs']);
    const handle = /CRASHSIM_REPLAY='([^']+)'/.exec(out)?.[1] as string;
    const replayed = node(['--import', 'crashsim/register', 'examples/quickstart.mjs'], { CRASHSIM_REPLAY: handle });
    expect(replayed.split('\n')[0]).toBe(`crashsim: 1 of 1 crash states fail — "kv" on strict-posix (replayed ${handle})`);
    expect(replayed).toContain('crashsim: kv-safe skipped (the replay handle names "kv")');
  });
});
