/**
 * `crashsim matrix`: every faithful design and variant × disk personality ×
 * fault profile at a stated budget (runs per scenario, design and
 * personality). It is a `crashsim run` over the profiles' scenarios (same
 * seeds, reports, tokens and exit codes), folded into the verdict matrix:
 * reports/verdicts.md, a Verdicts section in index.html, and a table on the
 * terminal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FAULT_PROFILES, MATRIX_RUNS_DEFAULT, matrixDesigns, type FaultProfile } from '../../scenarios/matrix.js';
import { PERSONALITY_NAMES } from '../../scenarios/plan.js';
import type { Personality } from '../../sim/vfs/model.js';
import { writeFileAtomic } from '../atomic.js';
import { makeDirs } from '../dirs.js';
import { UsageError } from '../errors.js';
import type { Io } from '../output.js';
import type { Summary } from '../summary.js';
import { buildVerdicts, renderVerdictsHtml, renderVerdictsMd, renderVerdictsText } from '../verdicts.js';
import { freshDefaultDir, runCommand } from './run.js';

export interface MatrixCommandOptions {
  readonly seed?: string;
  readonly design?: readonly string[];
  readonly personality?: readonly Personality[];
  readonly profile?: readonly string[];
  readonly runs?: number;
  readonly workers?: number;
  readonly timeBudget?: number;
  readonly out?: string;
  readonly verdicts?: string;
  readonly force?: boolean;
  readonly progress?: boolean;
}

/** The matrix's default seed: fixed, so docs/verdicts.md can be regenerated exactly. */
export const MATRIX_SEED = 'matrix';
export const DEFAULT_VERDICTS_FILE = join('reports', 'verdicts.md');

export function parseProfiles(v: string): string[] {
  const known = FAULT_PROFILES.map((p) => p.id);
  const parts = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new UsageError(`--profile: expected one or more of ${[...known, 'all'].join(', ')}`);
  const out: string[] = [];
  for (const p of parts) {
    const add = p === 'all' ? known : known.includes(p) ? [p] : undefined;
    if (add === undefined) throw new UsageError(`--profile: unknown fault profile ${JSON.stringify(p)}; known: ${[...known, 'all'].join(', ')}`);
    for (const a of add) if (!out.includes(a)) out.push(a);
  }
  return out;
}

export async function matrixCommand(o: MatrixCommandOptions, io: Io): Promise<number> {
  const t0 = performance.now();
  const profiles: FaultProfile[] = (o.profile ?? FAULT_PROFILES.map((p) => p.id)).map((id) => FAULT_PROFILES.find((p) => p.id === id) as FaultProfile);
  const scenarios = [...new Set(profiles.flatMap((p) => p.scenarios))];
  const designs = o.design ?? matrixDesigns();
  const personalities = o.personality ?? PERSONALITY_NAMES;
  const seed = o.seed ?? MATRIX_SEED;
  const runs = o.runs ?? MATRIX_RUNS_DEFAULT;
  const workers = o.workers ?? 2;
  const out = o.out ?? freshDefaultDir(join('reports', 'matrix', seed.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) || 'matrix'));
  const verdictsFile = o.verdicts ?? DEFAULT_VERDICTS_FILE;
  io.out(`crashsim matrix: designs=${designs.join(',')} personalities=${personalities.join(',')} profiles=${profiles.map((p) => p.id).join(',')} (${scenarios.length} scenarios) runs=${runs} per scenario, design and personality`);

  // The sweep: a crashsim run over the profiles' scenarios; its closing table is long, so only its frame is shown.
  const quiet: Io = {
    ...io,
    out: (line: string) => {
      if (/^(SEED=|repeat:|runs: |re-running|crashsim run:|time budget|interrupted|verdict:|reports:)/.test(line)) io.out(line);
    },
  };
  const code = await runCommand(
    { seed, scenario: scenarios, design: designs, personality: personalities, faults: ['off'], runs, workers, timeBudget: o.timeBudget, out, force: o.force, progress: o.progress, acknowledge: true },
    quiet,
  );
  const summaryPath = join(out, 'summary.json');
  if (!existsSync(summaryPath)) return code;
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8'), (_k, v: unknown) => v) as Summary;
  const verdicts = buildVerdicts(summary, profiles);
  const elapsedSeconds = (performance.now() - t0) / 1000;
  const command = `npx crashsim matrix${o.seed === undefined ? '' : ` --seed ${seed}`}${o.runs === undefined ? '' : ` --runs ${runs}`}${o.design === undefined ? '' : ` --design ${designs.join(',')}`}${o.personality === undefined ? '' : ` --personality ${personalities.join(',')}`}${o.profile === undefined ? '' : ` --profile ${profiles.map((p) => p.id).join(',')}`}`;
  const md = renderVerdictsMd(verdicts, { elapsedSeconds, workers, command });
  writeFileAtomic(join(out, 'verdicts.md'), md);
  makeDirs(dirname(verdictsFile));
  writeFileAtomic(verdictsFile, md);
  // The HTML report gets the matrix as its first section after the totals.
  const htmlPath = join(out, 'index.html');
  if (existsSync(htmlPath)) {
    const html = readFileSync(htmlPath, 'utf8');
    const at = html.indexOf('<section id="matrix">');
    if (at >= 0) writeFileAtomic(htmlPath, html.slice(0, at) + renderVerdictsHtml(verdicts) + '\n' + html.slice(at));
  }
  io.out('');
  for (const line of renderVerdictsText(verdicts)) io.out(line);
  io.out('');
  io.out(`verdicts: ${verdictsFile} ${join(out, 'verdicts.md')} ${htmlPath}#verdicts (${elapsedSeconds.toFixed(0)} s)`);
  return code;
}
