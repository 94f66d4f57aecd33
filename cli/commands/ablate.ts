/**
 * `crashsim ablate`: takes each barrier of a design out, one at a time — every
 * fsync call site found in the trace is skipped, every pair of adjacent write
 * groups of the persist loop is swapped — and runs each ablated design through
 * the cells and seeds of `crashsim run`'s default. An ablation is caught when a
 * run breaks an invariant in a way no known finding explains (NEW): reported with
 * the invariant, the replay command (the ablation is in the token) and an
 * explanation; otherwise the notes (scenarios/ablation-notes.ts) say why not.
 * Writes ablation.json, ablation.md and index.html; `--doc` writes the markdown
 * table to a file as well (docs/ablation.md for design seed).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ablationsOf, discoverFsyncSites, maskingFindings, type AblationOutcome, type AblationSpec, type FirstNew, type FsyncSite, type Recheck } from '../../scenarios/ablation.js';
import { noteFor } from '../../scenarios/ablation-notes.js';
import { shrinkFailure, type CellSpec, type FailureRecord, type RunRecord } from '../../scenarios/campaign.js';
import { getDesign } from '../../scenarios/designs.js';
import { explainFailure, type Explanation } from '../../scenarios/explain.js';
import { baseOwnCheck, huntUntilNew, runKey } from '../../scenarios/hunt.js';
import { decodeToken } from '../../scenarios/token.js';
import type { Personality } from '../../sim/vfs/model.js';
import { writeFileAtomic } from '../atomic.js';
import { EXIT, UsageError } from '../errors.js';
import { DEFAULT_PERSONALITY, DEFAULT_RUNS_PER_CELL, DEFAULT_SCENARIOS, LIMITS } from '../options.js';
import { prepareDir } from '../outdir.js';
import type { Io } from '../output.js';
import { runTasks, WorkerPool, type Task } from '../pool.js';
import { ABLATION_KIND, ABLATION_SCHEMA_VERSION, renderAblationHtml, renderAblationMarkdown, renderAblationText, type AblationReport } from '../report/ablation.js';
import { CRASHSIM_VERSION } from '../version.js';
import { freshDefaultDir } from './run.js';

export interface AblateCommandOptions {
  readonly design?: string;
  readonly seed?: string;
  readonly scenario?: readonly string[];
  readonly personality?: readonly Personality[];
  readonly runs?: number;
  readonly workers?: number;
  readonly discoveryRuns?: number;
  readonly shrinkRuns?: number;
  readonly shrink?: boolean;
  readonly baseline?: boolean;
  readonly only?: readonly string[];
  readonly out?: string;
  readonly doc?: string;
  readonly progress?: boolean;
  readonly force?: boolean;
  /** personalities an uncaught ablation is run on as well (is the barrier needed there?) */
  readonly recheck?: readonly Personality[];
  readonly recheckRuns?: number;
}

export const DEFAULT_RECHECK_RUNS = 50;

export const DEFAULT_DISCOVERY_RUNS = 3;

function runIdOf(startedAt: Date, seed: string): string {
  const t = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `ablate-${t}-${seed.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 16)}`;
}

function knownOf(records: readonly RunRecord[]): Record<string, number> {
  const seen: Record<string, number> = {};
  for (const r of records) {
    for (const [id, n] of Object.entries(r.acknowledgedFindings)) seen[id] = (seen[id] ?? 0) + n;
    if (r.failure?.finding !== undefined) seen[r.failure.finding] = (seen[r.failure.finding] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(seen).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
}

export async function ablateCommand(o: AblateCommandOptions, io: Io): Promise<number> {
  const startedAt = new Date();
  const t0 = performance.now();
  const design = o.design ?? 'seed';
  const entry = getDesign(design);
  const seed = o.seed ?? randomBytes(8).toString('hex');
  const scenarios = o.scenario ?? DEFAULT_SCENARIOS;
  const personalities = o.personality ?? [DEFAULT_PERSONALITY];
  const runsPerCell = o.runs ?? DEFAULT_RUNS_PER_CELL;
  const workers = o.workers ?? 1;
  const discoveryRuns = o.discoveryRuns ?? DEFAULT_DISCOVERY_RUNS;
  const shrinkRuns = o.shrink === false ? 0 : (o.shrinkRuns ?? 150);
  const baseline = o.baseline !== false;
  const recheck = o.recheck ?? [];
  const recheckRuns = o.recheckRuns ?? DEFAULT_RECHECK_RUNS;
  const cells: CellSpec[] = [];
  for (const scenario of scenarios) for (const personality of personalities) cells.push({ scenario, design, personality, faults: 'off' });
  if (cells.length * runsPerCell > LIMITS.runsTotalMax) throw new UsageError(`${cells.length * runsPerCell} runs per ablation exceed the limit of ${LIMITS.runsTotalMax}: use fewer --runs`);
  const outDir = o.out ?? freshDefaultDir(join('reports', 'runs', runIdOf(startedAt, seed)));
  prepareDir(outDir, 'reports', { option: '--out', refuseReports: true, force: o.force });

  io.out(`SEED=${seed}`);
  const recheckText = recheck.length === 0 ? '' : ` recheck=${recheck.join(',')}×${recheckRuns}/cell`;
  io.out(`crashsim ablate: design=${design} scenarios=${scenarios.join(',')} personality=${personalities.join(',')} runs=${runsPerCell}/cell workers=${workers} discovery-runs=${discoveryRuns}/cell shrink=${shrinkRuns > 0 ? shrinkRuns : 'no'} baseline=${baseline ? 'yes' : 'no'}${recheckText}${o.only === undefined ? '' : ` only=${o.only.join(',')}`} out=${outDir}`);
  io.out(`repeat: npx crashsim ablate --seed ${seed} --design ${design} --scenario ${scenarios.join(',')} --personality ${personalities.join(',')} --runs ${runsPerCell} --discovery-runs ${discoveryRuns}${recheck.length === 0 ? '' : ` --recheck ${recheck.join(',')} --recheck-runs ${recheckRuns}`}${o.only === undefined ? '' : ` --only ${o.only.join(',')}`}`);

  // 1. The barriers: fsync call sites seen in the trace, adjacent write groups of the persist loop.
  const tDiscovery = performance.now();
  const sites = await discoverFsyncSites(cells, discoveryRuns, seed);
  const discoverySeconds = (performance.now() - tDiscovery) / 1000;
  io.out(`discovery: ${sites.length} fsync call site(s) in ${cells.length * discoveryRuns} runs (${discoverySeconds.toFixed(1)} s):`);
  for (const s of sites) io.out(`  ${s.id.padEnd(30)} ${s.fn.padEnd(36)} ${s.targets.join(', ')} (${s.calls} fsyncs)`);
  const groups = entry.design.persistTasks.map((t) => `${t.name}: ${t.groups.map((g) => g.name).join(' → ')}`);
  io.out(`persist loop write groups: ${groups.join('; ')}`);
  let specs = ablationsOf(design, sites);
  if (o.only !== undefined) {
    const unknown = o.only.filter((id) => !specs.some((s) => s.id === id));
    if (unknown.length > 0) throw new UsageError(`--only: no ablation ${unknown.map((u) => JSON.stringify(u)).join(', ')} in design ${design}; found: ${specs.map((s) => s.id).join(', ')}`);
    specs = specs.filter((s) => o.only?.includes(s.id));
  }
  io.out(`ablations: ${specs.length} (${specs.filter((s) => s.ablation.kind === 'fsync').length} fsync sites, ${specs.filter((s) => s.ablation.kind === 'swap').length} swaps of adjacent write groups)`);

  const tasksOf = (spec: AblationSpec | undefined): Task[] => tasksFor(spec, cells, runsPerCell);

  // One pool for every sweep below: workers load and warm up once.
  const pool = workers > 1 ? new WorkerPool(workers) : undefined;

  // 2. The unablated sweep: how often each known finding shows without any ablation.
  let baselineSeen: Record<string, number> | undefined;
  let baselineRuns = 0;
  let baselineNew = 0;
  if (baseline) {
    const t = performance.now();
    const records = await runTasks(tasksOf(undefined), { workers, rootSeed: seed, pool });
    baselineSeen = knownOf(records);
    baselineRuns = records.length;
    baselineNew = records.filter((r) => r.failure !== undefined && r.failure.finding === undefined).length;
    io.out(`baseline (nothing ablated): ${records.length} runs, ${baselineNew} NEW, known ${Object.entries(baselineSeen).map(([k, n]) => `${k}×${n}`).join(' ') || 'none'} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }

  // 3. Each ablation until its first NEW failure, or through the whole budget.
  const outcomes: AblationOutcome[] = [];
  for (const [i, spec] of specs.entries()) {
    // One shrink per NEW failure: it decides whether the failure is the design's own, then is shown.
    const shrunk = new Map<string, FailureRecord | undefined>();
    const shrink = async (r: RunRecord): Promise<FailureRecord | undefined> => {
      if (shrinkRuns === 0) return undefined;
      if (!shrunk.has(runKey(r))) shrunk.set(runKey(r), await shrinkFailure(r, { world: { ablation: spec.ablation }, shrinkRunsMax: shrinkRuns }));
      return shrunk.get(runKey(r));
    };
    const sw = await sweepUntilNew(tasksOf(spec), workers, seed, pool, shrink);
    const site = spec.ablation.kind === 'fsync' ? sites.find((s) => s.id === (spec.ablation as { site: string }).site) : undefined;
    const knownSeen = knownOf(sw.counted);
    let firstNew: FirstNew | undefined;
    if (sw.fresh !== undefined) firstNew = await describeFirstNew(sw.fresh, await shrink(sw.fresh));
    // Not caught on the suite's disk: is the barrier needed on another one?
    const rechecks: Recheck[] = [];
    if (sw.fresh === undefined) {
      for (const personality of recheck) {
        const rc = await sweepUntilNew(tasksFor(spec, scenarios.map((scenario) => ({ scenario, design, personality, faults: 'off' as const })), recheckRuns), workers, seed, pool);
        const f = rc.fresh?.failure;
        rechecks.push({ personality, status: f === undefined ? 'not-caught' : 'caught', runs: rc.counted.length, code: f?.code, cell: f?.cell, replay: f?.replay });
      }
    }
    const outcome: AblationOutcome = {
      spec,
      status: sw.fresh === undefined ? 'not-caught' : 'caught',
      runs: sw.counted.length,
      runsToFirstNew: sw.fresh === undefined ? undefined : sw.counted.length,
      seconds: sw.seconds,
      firstNew,
      knownSeen,
      maskedAs: sw.fresh === undefined ? maskingFindings(knownSeen, sw.counted.length, baselineSeen, baselineRuns) : [],
      note: sw.fresh === undefined ? noteFor(design, spec, site) : undefined,
      rechecks,
      baseOwnNew: sw.baseOwn,
    };
    outcomes.push(outcome);
    io.out(progressLine(i + 1, specs.length, outcome, site));
  }

  await pool?.close();

  const report: AblationReport = {
    kind: ABLATION_KIND,
    schemaVersion: ABLATION_SCHEMA_VERSION,
    settings: { design, seed, scenarios, personalities, runsPerCell, discoveryRuns, shrinkRuns, baseline, recheck, recheckRuns },
    sites,
    writeGroups: groups,
    baseline: baselineSeen === undefined ? undefined : { runs: baselineRuns, newFailures: baselineNew, knownSeen: baselineSeen },
    ablations: outcomes,
    meta: { crashsimVersion: CRASHSIM_VERSION, node: process.version, startedAt: startedAt.toISOString(), elapsedMs: Math.round(performance.now() - t0), discoveryMs: Math.round(discoverySeconds * 1000), workers },
  };
  const paths = { json: join(outDir, 'ablation.json'), md: join(outDir, 'ablation.md'), html: join(outDir, 'index.html') };
  writeFileAtomic(paths.json, JSON.stringify(report, null, 1) + '\n');
  const md = renderAblationMarkdown(report);
  writeFileAtomic(paths.md, md);
  writeFileAtomic(paths.html, renderAblationHtml(report));
  if (o.doc !== undefined) writeFileAtomic(o.doc, md);

  io.out('');
  for (const line of renderAblationText(report)) io.out(line);
  io.out('');
  io.out(`reports: ${paths.json} ${paths.md} ${paths.html}${o.doc === undefined ? '' : ` ${o.doc}`}`);
  const caught = outcomes.filter((x) => x.status === 'caught').length;
  const unexplained = outcomes.filter((x) => x.status === 'not-caught' && x.note === undefined);
  io.out(`verdict: ${outcomes.length} ablation(s): ${caught} caught, ${outcomes.length - caught} not caught${unexplained.length > 0 ? `, ${unexplained.length} of them unexplained (${unexplained.map((x) => x.spec.id).join(', ')}): a barrier the suite does not notice and no note says why` : ' (each explained)'} in ${((performance.now() - t0) / 1000).toFixed(1)} s (exit ${unexplained.length > 0 ? 1 : 0})`);
  return unexplained.length > 0 ? EXIT.failed : EXIT.ok;
}

/** Every run of `cells` with `spec` (none: the unablated sweep), index-major like crashsim run: every cell gets its first runs first. */
function tasksFor(spec: AblationSpec | undefined, cells: readonly CellSpec[], runsPerCell: number): Task[] {
  const tasks: Task[] = [];
  for (let index = 0; index < runsPerCell; index++) for (const cell of cells) tasks.push({ cell, index, acknowledgeFindings: undefined, ...(spec === undefined ? {} : { ablation: spec.ablation }) });
  return tasks;
}

/**
 * Runs `tasks` until the first NEW failure the unablated design does not share on the
 * same plan (one it has too is a bug of the design itself, not the ablation caught:
 * passed over). Tasks are handed out in order, so every task before the first NEW one
 * has run: which one is first does not depend on the number of workers. `counted`:
 * the runs up to and including it (all, if none).
 */
async function sweepUntilNew(tasks: readonly Task[], workers: number, rootSeed: string, pool: WorkerPool | undefined, shrink?: (r: RunRecord) => Promise<FailureRecord | undefined>): Promise<{ fresh: RunRecord | undefined; counted: RunRecord[]; seconds: number; baseOwn: number }> {
  const t = performance.now();
  const { records, baseOwn, foundAtMs } = await huntUntilNew(
    tasks,
    (slice) => {
      let foundNew = false;
      return runTasks(slice, {
        workers,
        rootSeed,
        pool,
        onRecord: (r) => {
          if (r.failure !== undefined && r.failure.finding === undefined) foundNew = true;
        },
        shouldStop: () => foundNew,
      });
    },
    baseOwnCheck((p) => ({ ...p, ablation: undefined }), shrink),
  );
  const fresh = records.find((r) => r.failure !== undefined && r.failure.finding === undefined && !baseOwn.has(runKey(r)));
  return { fresh, counted: records, seconds: ((foundAtMs ?? performance.now()) - t) / 1000, baseOwn: baseOwn.size };
}

function progressLine(n: number, total: number, x: AblationOutcome, site: FsyncSite | undefined): string {
  const head = `[${n}/${total}] ${x.spec.id}${site !== undefined && site.fn !== '' ? ` (${site.fn})` : ''}:`;
  const own = x.baseOwnNew > 0 ? `; passed over ${x.baseOwnNew} NEW failure(s) the unablated design has too` : '';
  if (x.firstNew !== undefined) return `${head} CAUGHT after ${x.runsToFirstNew ?? '?'} run(s) (${x.seconds.toFixed(1)} s): ${x.firstNew.code} in ${x.firstNew.cell}${own}`;
  const elsewhere = x.rechecks.map((r) => `; on ${r.personality}: ${r.status === 'caught' ? `CAUGHT (${r.code ?? ''})` : `not caught in ${r.runs} runs`}`).join('');
  return `${head} not caught in ${x.runs} runs (${x.seconds.toFixed(1)} s)${own}${x.maskedAs.length > 0 ? `; shows only as known ${x.maskedAs.join(', ')}` : ''}${elsewhere}${x.note === undefined ? '; NO NOTE explains it' : `; ${x.note.verdict}`}`;
}

async function describeFirstNew(r: RunRecord, shrunk: FailureRecord | undefined): Promise<FirstNew> {
  const f = r.failure;
  if (f === undefined) throw new Error('describeFirstNew: the record has no failure');
  const shown = shrunk !== undefined && shrunk.token !== f.token ? shrunk : undefined;
  // The explanation of the run the replay command shows; when shrinking dropped what put the
  // operations the wrong way round (the same invariant, broken more mildly), the original run's.
  const explain = async (tok: string): Promise<Explanation | undefined> => {
    const t = decodeToken(tok);
    return explainFailure(t.plan, { acknowledgeFindings: t.acknowledged });
  };
  let e = await explain(shown?.token ?? f.token);
  let explained: 'shrunk' | 'original' = shown === undefined ? 'original' : 'shrunk';
  if (shown !== undefined && !PAIRED.has(e?.kind ?? 'none')) {
    const o = await explain(f.token);
    if (PAIRED.has(o?.kind ?? 'none')) [e, explained] = [o, 'original'];
  }
  return {
    cell: f.cell,
    index: r.index,
    seed: r.seed,
    code: f.code,
    invariant: f.invariant,
    message: f.message,
    token: f.token,
    replay: f.replay,
    commands: f.commands.length,
    shrunk: shown === undefined ? undefined : { code: shown.code, message: shown.message, token: shown.token, replay: shown.replay, commands: shown.commands.length },
    explanation: e?.text,
    explanationOf: e === undefined ? undefined : explained,
  };
}

/** Explanations that name operations (the others say why none could be named). */
const PAIRED: ReadonlySet<string> = new Set(['pair', 'torn', 'culprit', 'missing']);
