/**
 * `crashsim mutants`: the suite's power, measured. Each catalogued mutant (a
 * faithful design minus one safeguard, scenarios/mutants.ts) runs through the
 * default `crashsim run` cells and budget with the base design's known findings
 * looked past — exactly as a CI user runs it — until its first NEW failure,
 * which is then shrunk. A mutant that only shows as known findings is missed.
 * Reports: mutants.json and index.html (a table) in the report directory.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { shrinkFailure, type CellSpec, type FailureRecord, type RunRecord } from '../../scenarios/campaign.js';
import { baseOwnCheck, huntOutcome, huntTasks, huntUntilNew, runKey } from '../../scenarios/hunt.js';
import { MUTANTS, type Mutant } from '../../scenarios/mutants.js';
import { INVARIANTS } from '../../scenarios/oracles/invariants.js';
import { describeCommand, type Command } from '../../scenarios/plan.js';
import { writeFileAtomic } from '../atomic.js';
import { EXIT, UsageError } from '../errors.js';
import { DEFAULT_PERSONALITY, DEFAULT_RUNS_PER_CELL, DEFAULT_SCENARIOS, LIMITS } from '../options.js';
import { prepareDir, removeCreated } from '../outdir.js';
import type { Io } from '../output.js';
import { runTasks, type Task } from '../pool.js';
import { esc } from '../report/html.js';
import { CRASHSIM_VERSION } from '../version.js';

export const MUTANTS_SCHEMA_VERSION = 1;
export const MUTANTS_KIND = 'crashsim-mutants';

export interface MutantsCommandOptions {
  readonly seed?: string;
  readonly mutant?: readonly string[];
  readonly runs?: number;
  readonly workers?: number;
  readonly shrinkRuns?: number;
  readonly out?: string;
}

export interface MutantReport {
  readonly id: string;
  readonly label: string | undefined;
  readonly base: string;
  readonly explains: string;
  /** caught: a NEW failure (no known finding's evidence holds) */
  readonly caught: boolean;
  /** runs up to and including the first NEW failure (all runs when missed) */
  readonly runs: number;
  readonly runsBudget: number;
  /** seconds of the hunt up to the first NEW failure (all of it when missed) */
  readonly seconds: number;
  readonly cell: string | undefined;
  readonly invariant: string | undefined;
  readonly code: string | undefined;
  readonly message: string | undefined;
  /** commands of the failing run, and of its shrunk counterexample */
  readonly commands: number | undefined;
  readonly shrunkCommands: number | undefined;
  readonly steps: readonly string[];
  readonly replay: string | undefined;
  /** known findings the hunt looked past (id → occurrences): what a missed mutant showed as */
  readonly knownSeen: Readonly<Record<string, number>>;
  /** NEW failures the base design has too on the same plan (its own bugs, not the mutant caught): passed over */
  readonly baseOwn: readonly { readonly cell: string; readonly code: string; readonly replay: string }[];
}

export interface MutantsSummary {
  readonly schemaVersion: typeof MUTANTS_SCHEMA_VERSION;
  readonly kind: typeof MUTANTS_KIND;
  readonly settings: { readonly seed: string; readonly runsPerCell: number; readonly cells: readonly string[]; readonly shrinkRunsMax: number };
  readonly verdict: { readonly caught: number; readonly missed: readonly string[]; readonly exitCode: 0 | 1 };
  readonly mutants: readonly MutantReport[];
  readonly meta: { readonly crashsimVersion: string; readonly node: string; readonly startedAt: string; readonly elapsedMs: number; readonly workers: number };
}

const cellsOf = (design: string): CellSpec[] => DEFAULT_SCENARIOS.map((scenario) => ({ scenario, design, personality: DEFAULT_PERSONALITY, faults: 'off' }));

function pickMutants(ids: readonly string[] | undefined): Mutant[] {
  if (ids === undefined || ids.length === 0 || (ids.length === 1 && ids[0] === 'all')) return [...MUTANTS];
  return ids.map((id) => {
    const m = MUTANTS.find((x) => x.id === id || x.label === id || x.id === `seed~${id}`);
    if (m === undefined) throw new UsageError(`unknown mutant ${JSON.stringify(id)}; known: ${MUTANTS.map((x) => x.id + (x.label === undefined ? '' : ` (${x.label})`)).join(', ')}`);
    return m;
  });
}

async function hunt(m: Mutant, o: { seed: string; runs: number; workers: number; shrinkRuns: number }): Promise<MutantReport> {
  const t0 = performance.now();
  const tasks = huntTasks(cellsOf(m.id), o.runs);
  // One shrink per NEW failure: it decides whether the failure is the base's own, then is shown.
  const shrunk = new Map<string, FailureRecord | undefined>();
  const shrink = async (r: RunRecord): Promise<FailureRecord | undefined> => {
    if (o.shrinkRuns === 0) return undefined;
    if (!shrunk.has(runKey(r))) shrunk.set(runKey(r), await shrinkFailure(r, { shrinkRunsMax: o.shrinkRuns }));
    return shrunk.get(runKey(r));
  };
  // A NEW failure the base design has too on the same plan is the base's own, not the mutant caught: the hunt goes on.
  const { records, baseOwn, foundAtMs } = await huntUntilNew(
    tasks,
    (slice) => {
      let sawNew = false;
      return runTasks(
        slice.map((t): Task => ({ cell: t.cell, index: t.index, acknowledgeFindings: undefined })),
        {
          workers: o.workers,
          rootSeed: o.seed,
          onRecord: (r) => {
            if (r.failure !== undefined && r.failure.finding === undefined) sawNew = true;
          },
          shouldStop: () => sawNew,
        },
      );
    },
    baseOwnCheck((p) => ({ ...p, design: m.base }), shrink),
  );
  const seconds = ((foundAtMs ?? performance.now()) - t0) / 1000;
  const out = huntOutcome(tasks, records, baseOwn);
  const base = { id: m.id, label: m.label, base: m.base, explains: m.explains, runs: out.runs, runsBudget: tasks.length, seconds, knownSeen: out.knownSeen, baseOwn: out.baseOwn.map((f) => ({ cell: f.cell, code: f.code, replay: f.replay })) };
  if (!out.caught || out.record === undefined || out.failure === undefined) {
    return { ...base, caught: false, cell: undefined, invariant: undefined, code: undefined, message: undefined, commands: undefined, shrunkCommands: undefined, steps: [], replay: undefined };
  }
  let best: FailureRecord = out.failure;
  if (o.shrinkRuns > 0) {
    const s = await shrink(out.record);
    // Keep the shrunk run only if it is still NEW (a shrink may land on a known finding's code path).
    if (s !== undefined && s.finding === undefined) best = s;
  }
  return {
    ...base,
    caught: true,
    cell: out.failure.cell,
    invariant: best.invariant,
    code: best.code,
    message: best.message,
    commands: out.failure.commands.length,
    shrunkCommands: best.commands.length,
    steps: best.commands.map((c) => describeCommand(JSON.parse(c) as Command)),
    replay: best.replay,
  };
}

function table(ms: readonly MutantReport[]): string[] {
  const rows = ms.map((m) => [`${m.id}${m.label === undefined ? '' : ` (${m.label})`}`, m.caught ? 'NEW' : 'MISSED', String(m.runs), m.seconds.toFixed(1), m.code ?? (Object.keys(m.knownSeen).length > 0 ? `known only: ${Object.keys(m.knownSeen).join(', ')}` : '—'), m.shrunkCommands === undefined ? '—' : String(m.shrunkCommands)]);
  const head = ['mutant', 'caught', 'runs', 'seconds', 'invariant (first NEW failure)', 'shrunk'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(w[i] as number)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

export function renderMutantsHtml(s: MutantsSummary): string {
  const rows = s.mutants
    .map((m) => {
      const status = m.caught ? '<span class="badge pass">NEW</span>' : '<span class="badge fail">MISSED</span>';
      const inv = m.invariant === undefined ? '' : `<b>${esc(m.invariant)}</b> ${esc(INVARIANTS[m.invariant as keyof typeof INVARIANTS] ?? '')}<br><code>${esc(m.code ?? '')}</code><br>${esc(m.message ?? '')}`;
      const known = (Object.entries(m.knownSeen).map(([k, v]) => `${k}×${v}`).join(' ') || '—') + (m.baseOwn.length === 0 ? '' : `; NEW in ${m.base} too, passed over: ${m.baseOwn.map((b) => b.code).join(', ')}`);
      const steps = m.steps.length === 0 ? '' : `<ol>${m.steps.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>`;
      const replay = m.replay === undefined ? '' : `<code class="replay">${esc(m.replay)}</code>`;
      return `<tr><td><b>${esc(m.id)}</b>${m.label === undefined ? '' : ` (${esc(m.label)})`}<br><span class="muted">${esc(m.explains)}</span></td><td>${status}</td><td class="num">${m.runs} / ${m.runsBudget}</td><td class="num">${m.seconds.toFixed(1)}</td><td>${inv}</td><td class="num">${m.shrunkCommands ?? '—'}${m.commands === undefined ? '' : ` <span class="muted">(of ${m.commands})</span>`}${steps}</td><td>${replay}</td><td>${esc(known)}</td></tr>`;
    })
    .join('\n');
  const v = s.verdict;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crashsim mutants: ${v.caught} of ${s.mutants.length} caught</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2330; }
h1 { font-size: 20px; } table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #dde2ea; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f9; } td.num { text-align: right; white-space: nowrap; }
.badge { padding: 1px 8px; border-radius: 10px; font-weight: 600; } .pass { background: #d8f3dc; color: #1b5e20; } .fail { background: #fde2e1; color: #9b1c1c; }
.muted { color: #687285; font-size: 12px; } code.replay { font-size: 11px; word-break: break-all; } ol { margin: 4px 0 0 16px; padding: 0; font-size: 12px; }
</style></head><body>
<h1>crashsim mutants: ${v.caught} of ${s.mutants.length} caught as NEW${v.missed.length > 0 ? ` — missed: ${esc(v.missed.join(', '))}` : ''}</h1>
<p class="muted">Each mutant runs through the default <code>crashsim run</code> cells (${esc(s.settings.cells.join(', '))}), at most ${s.settings.runsPerCell} runs per cell, index-major, root seed <code>${esc(s.settings.seed)}</code>, with the base design's known findings looked past; the first failure no known finding's evidence explains, and that the base design does not break the same way on the same plan, is NEW and is shrunk (at most ${s.settings.shrinkRunsMax} executions). A mutant that shows only as known findings is missed.</p>
<table><thead><tr><th>mutant (what it removes)</th><th>result</th><th class="num">runs to NEW</th><th class="num">seconds</th><th>first NEW failure</th><th class="num">shrunk commands</th><th>replay</th><th>known findings looked past</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="muted">crashsim ${esc(s.meta.crashsimVersion)} · node ${esc(s.meta.node)} · ${esc(s.meta.startedAt)} · ${(s.meta.elapsedMs / 1000).toFixed(1)} s on ${s.meta.workers} worker(s)</p>
</body></html>
`;
}

/** `; passed over 1 NEW failure the base design seed has too (I5/…)`: a bug of the base itself, not the mutant caught. */
function baseOwnText(r: MutantReport): string {
  if (r.baseOwn.length === 0) return '';
  return `; passed over ${r.baseOwn.length} NEW failure(s) the base design ${r.base} has too on the same plan (${[...new Set(r.baseOwn.map((b) => b.code))].join(', ')})`;
}

export async function mutantsCommand(o: MutantsCommandOptions, io: Io): Promise<number> {
  const startedAt = new Date();
  const t0 = performance.now();
  const seed = o.seed ?? randomBytes(8).toString('hex');
  const runs = o.runs ?? DEFAULT_RUNS_PER_CELL;
  const workers = o.workers ?? 1;
  const shrinkRuns = o.shrinkRuns ?? 150;
  const mutants = pickMutants(o.mutant);
  if (runs * DEFAULT_SCENARIOS.length > LIMITS.runsTotalMax) throw new UsageError(`${runs * DEFAULT_SCENARIOS.length} runs per mutant exceed the limit of ${LIMITS.runsTotalMax}`);
  const outDir = o.out ?? join('reports', 'mutants', `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${seed.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 16)}`);
  const prepared = prepareDir(outDir, 'reports', { option: '--out', refuseReports: false });
  io.out(`SEED=${seed}`);
  io.out(`crashsim mutants: ${mutants.length} mutant(s), cells ${DEFAULT_SCENARIOS.join(',')} × ${DEFAULT_PERSONALITY} × faults off, at most ${runs} runs per cell, known findings of the base design looked past, shrink ${shrinkRuns}, workers ${workers}, out ${outDir}`);
  io.out(`repeat: npx crashsim mutants --seed ${seed} --runs ${runs}${o.mutant === undefined ? '' : ` --mutant ${mutants.map((m) => m.id).join(',')}`}`);
  const reports: MutantReport[] = [];
  for (const m of mutants) {
    let r: MutantReport;
    try {
      r = await hunt(m, { seed, runs, workers, shrinkRuns });
    } catch (e) {
      removeCreated(prepared);
      throw e;
    }
    reports.push(r);
    io.out(r.caught ? `${m.id}: NEW after ${r.runs} run(s), ${r.seconds.toFixed(1)} s: ${r.code} in ${r.cell}; shrunk to ${r.shrunkCommands} command(s)${baseOwnText(r)}` : `${m.id}: MISSED in ${r.runs} runs (${r.seconds.toFixed(1)} s); known findings seen: ${JSON.stringify(r.knownSeen)}${baseOwnText(r)}`);
  }
  const missed = reports.filter((r) => !r.caught).map((r) => r.id);
  const summary: MutantsSummary = {
    schemaVersion: MUTANTS_SCHEMA_VERSION,
    kind: MUTANTS_KIND,
    settings: { seed, runsPerCell: runs, cells: cellsOf('<mutant>').map((c) => `${c.scenario}/${c.personality}/${c.faults}`), shrinkRunsMax: shrinkRuns },
    verdict: { caught: reports.length - missed.length, missed, exitCode: missed.length === 0 ? 0 : 1 },
    mutants: reports,
    meta: { crashsimVersion: CRASHSIM_VERSION, node: process.version, startedAt: startedAt.toISOString(), elapsedMs: Math.round(performance.now() - t0), workers },
  };
  const jsonPath = join(outDir, 'mutants.json');
  const htmlPath = join(outDir, 'index.html');
  writeFileAtomic(jsonPath, JSON.stringify(summary, null, 1) + '\n');
  writeFileAtomic(htmlPath, renderMutantsHtml(summary));
  io.out('');
  for (const line of table(reports)) io.out(line);
  for (const r of reports) if (r.replay !== undefined) io.out(`replay ${r.id}: ${r.replay}`);
  io.out('');
  io.out(`reports: ${jsonPath} ${htmlPath}`);
  io.out(missed.length === 0 ? `verdict: every mutant caught as NEW (${reports.length} of ${reports.length}) (exit 0)` : `verdict: ${missed.length} mutant(s) missed: ${missed.join(', ')} (exit 1)`);
  return missed.length === 0 ? EXIT.ok : EXIT.failed;
}
