/**
 * `npm run readme`: regenerates the example outputs of README.md and docs/*.md
 * from real runs of today's crashsim, so the documentation shows what the
 * commands print. Each example sits between two markers:
 *
 *   <!-- example:<id> -->
 *   ```
 *   (generated: the `$` command lines, the output, `exit N`)
 *   ```
 *   <!-- /example -->
 *
 * and is defined in EXAMPLES below (the commands it shows; which output it
 * prints). `npm run readme -- explore replay` regenerates only those ids (the
 * `run` example is a full default sweep, 1,600 runs: about a minute on 2 idle
 * cores). Whoever changes what a command prints runs this and commits the result.
 *
 * What is shortened, and says so in the prose around each block: replay tokens
 * (`cs2.` + 12 characters + `…`; the real ones are hundreds of characters), lines
 * over LINE_CHARS_MAX characters (cut with `…`), and in the `run` example the
 * known-finding examples after the third (one line says how many were elided).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runCli } from '../cli/main.js';
import type { Io } from '../cli/output.js';

const LINE_CHARS_MAX = 160;
const KNOWN_EXAMPLES_SHOWN = 3;
/** Where the examples write their reports (reports/tmp/ is not committed). */
const SCRATCH = 'reports/tmp/readme';

interface Step {
  /** the command as a user types it (`npx crashsim …`) */
  readonly shell: string;
  /** print its output (otherwise only the `$` line is shown) */
  readonly show: boolean;
}

interface Example {
  readonly id: string;
  readonly file: string;
  readonly steps: () => Step[];
  /** extra shortening for long outputs */
  readonly elideKnownExamples?: boolean;
}

/** The recorded shrunk counterexample of F1 (reports/findings.json): a stable token to replay. */
function recordedToken(id: string): string {
  const doc = JSON.parse(readFileSync('reports/findings.json', 'utf8')) as { findings: Array<{ id: string; token: string }> };
  const f = doc.findings.find((x) => x.id === id);
  if (f === undefined) throw new Error(`reports/findings.json has no ${id}`);
  return f.token;
}

const MERGE_RUN = 'npx crashsim run --seed ci-demo --scenario persist-prune-race,crash-restart --personality ext4,strict-posix --runs 10 --no-progress';

export const EXAMPLES: readonly Example[] = [
  { id: 'run', file: 'README.md', steps: () => [{ shell: `npx crashsim run --seed readme --out ${SCRATCH}/run`, show: true }], elideKnownExamples: true },
  { id: 'replay', file: 'README.md', steps: () => [{ shell: `npx crashsim replay ${recordedToken('F1')}`, show: true }] },
  { id: 'explore', file: 'README.md', steps: () => [{ shell: 'npx crashsim explore', show: true }] },
  {
    id: 'merge',
    file: 'README.md',
    steps: () => [
      { shell: `${MERGE_RUN} --shard 1/2 --out ${SCRATCH}/shard-1`, show: false },
      { shell: `${MERGE_RUN} --shard 2/2 --out ${SCRATCH}/shard-2`, show: false },
      { shell: `npx crashsim merge ${SCRATCH}/shard-1 ${SCRATCH}/shard-2 --out ${SCRATCH}/merged`, show: true },
    ],
  },
  { id: 'ablate', file: 'README.md', steps: () => [{ shell: `npx crashsim ablate --seed readme --scenario persist-prune-race,crash-restart --runs 10 --discovery-runs 1 --no-baseline --out ${SCRATCH}/ablate`, show: true }] },
  { id: 'mutants', file: 'README.md', steps: () => [{ shell: `npx crashsim mutants --seed readme --out ${SCRATCH}/mutants`, show: true }] },
  { id: 'explore-plan', file: 'docs/scenarios.md', steps: () => [{ shell: 'npx crashsim explore --plan docs/examples/commitqc-write.plan.json --iteration 3 --personality strict-posix', show: true }] },
];

/** `npx crashsim a b c` → ['a', 'b', 'c'] (the examples use no quoting). */
function argvOf(shell: string): string[] {
  const words = shell.trim().split(/\s+/);
  if (words[0] !== 'npx' || words[1] !== 'crashsim') throw new Error(`not a crashsim command: ${shell}`);
  return words.slice(2);
}

async function runShown(shell: string): Promise<{ lines: string[]; code: number }> {
  const lines: string[] = [];
  const io: Io = { out: (l) => void lines.push(...l.split('\n')), err: (l) => void lines.push(...l.split('\n')), isTTY: false };
  const code = await runCli(argvOf(shell), io);
  return { lines, code };
}

export function shortenTokens(line: string): string {
  return line.replace(/\bcs2\.([A-Za-z0-9_-]{12})[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]{11})?/g, 'cs2.$1…');
}

/** A line of output as the docs show it: tokens shortened, long lines cut. */
export function presentLine(line: string): string {
  return cutLong(shortenTokens(line));
}

function cutLong(line: string): string {
  return line.length > LINE_CHARS_MAX ? `${line.slice(0, LINE_CHARS_MAX - 1)}…` : line;
}

/** Keeps the first KNOWN_EXAMPLES_SHOWN known-finding examples (each a line and its indented lines) and says how many were elided. */
function elideKnown(lines: readonly string[]): string[] {
  const out: string[] = [];
  let seen = 0;
  let elided = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (/^\[\d+\] known F\d+/.test(l)) {
      seen++;
      if (seen > KNOWN_EXAMPLES_SHOWN) {
        elided++;
        // Its indented lines (evidence sentences, the replay command) go with it.
        while (lines[i + 1]?.startsWith('    ') === true) i++;
        continue;
      }
    } else if (elided > 0 && !/^\[\d+\] /.test(l)) {
      out.push(`⋮ (README: ${elided} more known-finding example${elided === 1 ? '' : 's'} elided; the command prints each with its replay command)`);
      elided = -Infinity; // said once
    }
    out.push(l);
  }
  if (elided > 0) out.push(`⋮ (README: ${elided} more known-finding examples elided; the command prints each with its replay command)`);
  return out;
}

async function generate(e: Example): Promise<string> {
  const shown: string[] = [];
  for (const step of e.steps()) {
    shown.push(`$ ${shortenTokens(step.shell)}`);
    const r = await runShown(step.shell);
    if (!step.show) {
      if (r.code !== 0) throw new Error(`${step.shell} exited ${r.code}:\n${r.lines.join('\n')}`);
      continue;
    }
    const body = e.elideKnownExamples === true ? elideKnown(r.lines) : r.lines;
    shown.push(...body.map(presentLine));
    shown.push(`exit ${r.code}`);
  }
  return shown.join('\n');
}

/** Replaces the code block between the markers of `id` in `text`. */
export function replaceExample(text: string, id: string, body: string, file: string): string {
  const re = new RegExp(`(<!-- example:${id} -->\\n\`\`\`[a-z]*\\n)([\\s\\S]*?)(\`\`\`\\n<!-- /example -->)`);
  if (!re.test(text)) throw new Error(`${file}: no <!-- example:${id} --> … <!-- /example --> block around a code block`);
  return text.replace(re, (_m, open: string, _old: string, close: string) => `${open}${body}\n${close}`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((id) => !EXAMPLES.some((e) => e.id === id));
  if (unknown.length > 0) throw new Error(`unknown example(s) ${unknown.join(', ')}; known: ${EXAMPLES.map((e) => e.id).join(', ')}`);
  rmSync(SCRATCH, { recursive: true, force: true });
  for (const e of EXAMPLES) {
    if (only.length > 0 && !only.includes(e.id)) continue;
    const t0 = performance.now();
    const body = await generate(e);
    writeFileSync(e.file, replaceExample(readFileSync(e.file, 'utf8'), e.id, body, e.file));
    console.log(`${e.file}: example ${e.id} regenerated (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
