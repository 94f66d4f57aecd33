/**
 * The documentation stays true to the command line: every `npx crashsim …`
 * command shown in a code block of README.md or docs/*.md parses with today's
 * CLI (options, values, arguments: nothing runs), and docs/ci.md's workflow has
 * what a CI engineer relies on. The example outputs themselves are regenerated
 * by `npm run readme` (scripts/readme.mts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOnly } from '../../cli/main.js';
import { EXAMPLES, shortenTokens } from '../../scripts/readme.mjs';
import { REPO, runInProcess } from '../cli/helpers.js';

const DOCS = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];

/** Words of a shell command line: single and double quotes group, nothing else is interpreted. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** Every crashsim command in the fenced code blocks of `file`, with GitHub `${{ … }}` expressions given sample values. */
export function commandsIn(file: string): Array<{ line: string; argv: string[] }> {
  const text = readFileSync(join(REPO, file), 'utf8');
  const out: Array<{ line: string; argv: string[] }> = [];
  for (const block of text.match(/^```[a-z]*\n[\s\S]*?^```/gm) ?? []) {
    const joined = block.replace(/\\\n\s*/g, ' ');
    for (const raw of joined.split('\n')) {
      const m = /^\s*(?:\$ |- run: |run: )?npx crashsim (.*)$/.exec(raw);
      if (m === null) continue;
      const line = (m[1] ?? '').replace(/\s+#.*$/, '').replace(/\$\{\{ github\.sha \}\}/g, '0123abcd').replace(/\$\{\{ matrix\.shard \}\}/g, '1').replace(/\$\{\{[^}]*\}\}/g, '1');
      out.push({ line: raw.trim(), argv: words(line).map((w) => w.replace(/\s*\|.*$/, '')).filter((w) => w !== '|') });
    }
  }
  return out;
}

describe('every crashsim command shown in the documentation parses with the current CLI', () => {
  const all = DOCS.flatMap((file) => commandsIn(file).map((c) => [file, c.line, c.argv] as const));

  it('finds the commands (README, docs/ci.md, docs/scenarios.md)', () => {
    const files = new Set(all.map(([f]) => f));
    for (const f of ['README.md', 'docs/ci.md', 'docs/scenarios.md']) expect(files, f).toContain(f);
    expect(all.length).toBeGreaterThan(10);
  });

  it.each(all)('%s: %s', async (_file, _line, argv) => {
    // pipes in YAML (`… | tee merge.log`) end the command
    const pipe = argv.indexOf('|');
    expect(await parseOnly(pipe === -1 ? argv : argv.slice(0, pipe))).toBeUndefined();
  });

  it('parseOnly refuses what the command line refuses', async () => {
    expect(await parseOnly(['run', '--runs', 'many'])).toMatch(/--runs must be an integer/);
    expect(await parseOnly(['run', '--bogus'])).toMatch(/unknown option '--bogus'/);
    expect(await parseOnly(['frobnicate'])).toMatch(/unknown command/);
  });
});

describe('README documents every option', () => {
  it.each(['run', 'replay', 'explore', 'merge', 'ablate', 'mutants'])('of crashsim %s (from its --help)', async (command) => {
    const help = (await runInProcess([command, '--help'])).stdout;
    const options = [...new Set([...help.matchAll(/^\s+(?:-[A-Za-z], )?(--[a-z][a-z-]*)/gm)].map((m) => m[1] as string))].filter((o) => o !== '--help');
    expect(options.length).toBeGreaterThan(0);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf(`### \`crashsim ${command}`), readme.indexOf('\n### ', readme.indexOf(`### \`crashsim ${command}`) + 5) >>> 0 || undefined);
    expect(options.filter((o) => !section.includes(`\`${o}`)), `options of crashsim ${command} missing from its README section`).toEqual([]);
  });
});

describe('npm run readme: the examples it regenerates', () => {
  it('has a marked block for every example, and every marked block is one it regenerates', () => {
    for (const e of EXAMPLES) expect(readFileSync(join(REPO, e.file), 'utf8'), `${e.file} lacks <!-- example:${e.id} -->`).toContain(`<!-- example:${e.id} -->`);
    for (const file of DOCS) {
      for (const m of readFileSync(join(REPO, file), 'utf8').matchAll(/<!-- example:([a-z-]+) -->/g)) expect(EXAMPLES.map((e) => `${e.file}:${e.id}`)).toContain(`${file}:${m[1]}`);
    }
  });

  it('shortens tokens as the README says (cs2. + 12 characters + …)', () => {
    expect(shortenTokens('npx crashsim replay cs2.abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJK end')).toBe('npx crashsim replay cs2.abcdefghijkl… end');
  });

  it('README says how to regenerate them, in its contributing section', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toMatch(/## Contributing[\s\S]*npm run readme/);
  });
});

describe('docs/ci.md', () => {
  const ci = readFileSync(join(REPO, 'docs/ci.md'), 'utf8');
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

  it('grants the JUnit check run checks: write, and skips it for fork pull requests (read-only tokens)', () => {
    expect(ci).toMatch(/^permissions:\n  contents: read\n  checks: write$/m);
    expect(ci).toMatch(/if: always\(\) && \(github\.event_name != 'pull_request' \|\| github\.event\.pull_request\.head\.repo\.full_name == github\.repository\)\n\s+uses: mikepenz\/action-junit-report/);
  });

  it('the merge step fails on anything but 0 (a missing shard is exit 4), and the shard step lets only 1 through', () => {
    expect(ci).toMatch(/run: \|\n\s+set -o pipefail\n\s+npx crashsim merge reports\/shards\/crashsim-shard-\* --out reports\/merged \| tee merge\.log/);
    expect(ci).toMatch(/if \[ "\$code" -ne 0 \] && \[ "\$code" -ne 1 \]; then exit "\$code"; fi/);
  });

  it('the directories it writes are ignored by git', () => {
    const ignore = readFileSync(join(REPO, '.gitignore'), 'utf8').split('\n');
    for (const d of ['reports/shards/', 'reports/merged/']) expect(ignore).toContain(d);
  });

  it('installs the npm major the README names', () => {
    const npm = /\(Node 20, npm (\d+)\)/.exec(readme)?.[1];
    expect(npm).toBeDefined();
    const installs = [...ci.matchAll(/npm install -g npm@(\d+)\./g)].map((m) => m[1]);
    expect(installs.length).toBe(2); // both jobs
    for (const v of installs) expect(v).toBe(npm);
  });
});
