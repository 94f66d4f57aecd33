/**
 * `crashsim run`: a seed sweep over scenario × design × personality × fault
 * mode cells, serial or on worker threads, optionally one shard of several;
 * then known-finding examples, optional shrinking, the reports, the corpus.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { shardIndices, shrinkFailure, type CellSpec, type RunRecord } from '../../scenarios/campaign.js';
import type { FaultMode } from '../../scenarios/plan.js';
import { explainFailure, explanationOps } from '../../scenarios/explain.js';
import { decodeToken } from '../../scenarios/token.js';
import type { Personality } from '../../sim/vfs/model.js';
import { corpusEntryOf, DEFAULT_CORPUS_DIR, saveToCorpus } from '../corpus.js';
import { EXIT, UsageError } from '../errors.js';
import { DEFAULT_DESIGNS, DEFAULT_PERSONALITY, DEFAULT_SCENARIOS, LIMITS, RUN_DEFAULT_RUNS_PER_CELL } from '../options.js';
import { watchInterrupts } from '../interrupt.js';
import { prepareDir, removeCreated, type PreparedDir } from '../outdir.js';
import type { Io } from '../output.js';
import { runTasks, WorkerPool, type Task } from '../pool.js';
import { renderClosing } from '../report/text.js';
import { writeReports } from '../report/write.js';
import { allFindingsBut, buildSummary, COMPLETE, exampleTargets, failureEntry, findingsOfFailure, settingsCells, type Completeness, type FailureEntry, type Settings, type ShrunkFailure, type Summary } from '../summary.js';
import { CRASHSIM_VERSION } from '../version.js';

export interface RunCommandOptions {
  readonly seed?: string;
  readonly scenario?: readonly string[];
  readonly design?: readonly string[];
  readonly personality?: readonly Personality[];
  readonly faults?: readonly FaultMode[];
  readonly runs?: number;
  readonly timeBudget?: number;
  readonly workers?: number;
  readonly shard?: readonly [number, number];
  readonly out?: string;
  readonly acknowledge?: boolean;
  readonly shrink?: boolean;
  readonly shrinkRuns?: number;
  readonly saveFailures?: boolean;
  readonly corpus?: string;
  readonly progress?: boolean;
  readonly force?: boolean;
  /** explain new failures by their nearest crash images (default on) */
  readonly explain?: boolean;
}

/** New failures a run explains (each costs a few re-executions and recovery checks). */
export const EXPLAINED_FAILURES_MAX = 10;

/** Default seed: fresh each run (printed first, so any run can be repeated with --seed). */
function freshSeed(): string {
  return randomBytes(8).toString('hex');
}

function runIdOf(startedAt: Date, seed: string, shard: readonly [number, number]): string {
  const t = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const s = seed.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 16);
  return `${t}-${s}${shard[1] > 1 ? `-shard${shard[0]}of${shard[1]}` : ''}`;
}

interface Progress {
  tick(record: RunRecord): void;
  stop(): void;
}

function progressFor(io: Io, total: number, label: string, enabled: boolean): Progress {
  let done = 0;
  let fresh = 0;
  let known = 0;
  const count = (r: RunRecord): void => {
    done++;
    const stoppedAtKnown = r.failure !== undefined && findingsOfFailure(r.failure).length > 0;
    if (r.failure !== undefined && !stoppedAtKnown) fresh++;
    // runs, not occurrences: one run can look past the same finding hundreds of times
    if (stoppedAtKnown || Object.keys(r.acknowledgedFindings).length > 0) known++;
  };
  if (!enabled || total === 0) return { tick: count, stop: () => undefined };
  if (io.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} runs | {percentage}% | new failures {fresh} | known {known} | eta {eta_formatted}`, hideCursor: true, clearOnComplete: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { fresh: 0, known: 0 });
    return {
      tick: (r) => {
        count(r);
        bar.update(done, { fresh, known });
      },
      stop: () => bar.stop(),
    };
  }
  // Not a terminal (CI logs): a plain line at every 10 %.
  const started = Date.now();
  let nextPct = 10;
  return {
    tick: (r) => {
      count(r);
      const pct = Math.floor((done * 100) / total);
      if (pct >= nextPct || done === total) {
        nextPct = Math.floor(pct / 10) * 10 + 10;
        const secs = (Date.now() - started) / 1000;
        io.out(`${label}: ${done}/${total} runs (${pct}%), new failures ${fresh}, known-finding runs ${known}, ${(done / Math.max(secs, 1e-3)).toFixed(1)} runs/s`);
      }
    },
    stop: () => undefined,
  };
}

export async function runCommand(o: RunCommandOptions, io: Io): Promise<number> {
  const startedAt = new Date();
  const t0 = performance.now();
  const settings: Settings = {
    seed: o.seed ?? freshSeed(),
    scenarios: o.scenario ?? DEFAULT_SCENARIOS,
    designs: o.design ?? DEFAULT_DESIGNS,
    personalities: o.personality ?? [DEFAULT_PERSONALITY],
    faults: o.faults ?? ['off'],
    runsPerCell: o.runs ?? RUN_DEFAULT_RUNS_PER_CELL,
    acknowledgeKnown: o.acknowledge ?? true,
    shrinkRunsMax: o.shrink === true ? (o.shrinkRuns ?? 150) : 0,
  };
  const shard = o.shard ?? [1, 1];
  const workers = o.workers ?? 1;
  const cells = settingsCells(settings);
  if (cells.length > LIMITS.cellsMax) throw new UsageError(`${cells.length} cells (scenarios × designs × personalities × fault modes) exceed the limit of ${LIMITS.cellsMax}`);
  const runsTotal = cells.length * Math.ceil(settings.runsPerCell / shard[1]);
  if (runsTotal > LIMITS.runsTotalMax) throw new UsageError(`${runsTotal} runs in one invocation exceed the limit of ${LIMITS.runsTotalMax}: use fewer --runs or split the sweep with --shard k/n`);
  // Index-major order: a time budget cuts every cell at about the same depth.
  const indices = shardIndices(settings.runsPerCell, shard);
  if (indices.length === 0) throw new UsageError(`shard ${shard[0]}/${shard[1]} holds no runs: with --runs ${settings.runsPerCell} per cell only shards 1–${settings.runsPerCell} of ${shard[1]} have any; use at most ${settings.runsPerCell} shards or more --runs`);
  const runId = runIdOf(startedAt, settings.seed, shard);
  const outDir = o.out ?? freshDefaultDir(join('reports', 'runs', runId));
  // The corpus first: a refused corpus must not leave an empty report directory behind.
  const corpus = o.saveFailures === true ? prepareDir(o.corpus ?? DEFAULT_CORPUS_DIR, 'the corpus', { option: '--corpus' }) : undefined;
  let out: PreparedDir;
  try {
    out = prepareDir(outDir, 'reports', { option: '--out', force: o.force, refuseReports: true });
  } catch (e) {
    if (corpus !== undefined) removeCreated(corpus);
    throw e;
  }
  let wrote = false;
  let progress: Progress = { tick: () => undefined, stop: () => undefined };
  // One pool for the sweep and the known-finding re-runs: workers load and warm up once.
  let pool: WorkerPool | undefined;
  const interrupt = watchInterrupts(io, {
    onFirst: () => progress.stop(),
    onForcedExit: () => {
      if (!wrote) removeCreated(out);
      if (corpus !== undefined) removeCreated(corpus);
    },
  });
  try {
    const code = await sweep();
    wrote = true;
    return code;
  } finally {
    interrupt.dispose();
    progress.stop();
    await pool?.close();
    if (!wrote) removeCreated(out);
    if (corpus !== undefined) removeCreated(corpus);
  }

  async function sweep(): Promise<number> {
    // Seed first, then every chosen option: the two lines that repeat this run.
    io.out(`SEED=${settings.seed}`);
    io.out(
      `crashsim run: scenarios=${settings.scenarios.join(',')} design=${settings.designs.join(',')} personality=${settings.personalities.join(',')} faults=${settings.faults.join(',')} runs=${settings.runsPerCell}/cell shard=${shard[0]}/${shard[1]} workers=${workers} acknowledge-known=${settings.acknowledgeKnown ? 'yes' : 'no'} shrink=${settings.shrinkRunsMax > 0 ? settings.shrinkRunsMax : 'no'}${o.timeBudget === undefined ? '' : ` time-budget=${o.timeBudget}s`} out=${outDir}`,
    );
    io.out(`repeat: npx crashsim run --seed ${settings.seed} --scenario ${settings.scenarios.join(',')} --design ${settings.designs.join(',')} --personality ${settings.personalities.join(',')} --faults ${settings.faults.join(',')} --runs ${settings.runsPerCell}${shard[1] > 1 ? ` --shard ${shard[0]}/${shard[1]}` : ''}${settings.acknowledgeKnown ? '' : ' --no-acknowledge'}`);

    const tasks: Task[] = [];
    for (const index of indices) for (const cell of cells) tasks.push({ cell, index, acknowledgeFindings: settings.acknowledgeKnown ? undefined : [] });
    const deadline = o.timeBudget === undefined ? undefined : t0 + o.timeBudget * 1000;
    let stoppedByTimeBudget = false;
    const shouldStop = (): boolean => {
      if (interrupt.signal !== undefined) return true;
      if (deadline !== undefined && performance.now() >= deadline) stoppedByTimeBudget = true;
      return stoppedByTimeBudget;
    };
    progress = progressFor(io, tasks.length, 'runs', o.progress !== false);
    if (workers > 1 && tasks.length > 1) pool = new WorkerPool(Math.min(workers, tasks.length));
    let records: RunRecord[];
    try {
      records = await runTasks(tasks, { workers, rootSeed: settings.seed, onRecord: (r) => progress.tick(r), shouldStop, pool });
    } finally {
      progress.stop();
    }
    const sweepMs = performance.now() - t0;
    const interruptedAt = interrupt.signal === undefined ? undefined : records.length;
    if (interrupt.signal !== undefined) io.out(`interrupted (${interrupt.signal}) after ${records.length} of ${tasks.length} runs`);
    else if (stoppedByTimeBudget) io.out(`time budget of ${o.timeBudget}s reached: ${records.length} of ${tasks.length} runs done`);

    // Known findings were looked past: re-run the first run of each (cell, code) without
    // acknowledgement, so each known finding seen has a replayable example.
    const knownExamples: FailureEntry[] = [];
    if (settings.acknowledgeKnown && interrupt.signal === undefined) {
      const firsts = exampleTargets(cells, records);
      if (firsts.length > 0) {
        io.out(`re-running ${firsts.length} run(s) without acknowledgement for known-finding examples`);
        // Looking past every other finding, the re-run goes exactly where the sweep's run went until it meets this one.
        const exampleTasks: Task[] = firsts.map((f) => ({ cell: f.cell, index: f.index, acknowledgeFindings: allFindingsBut(f.cell, f.findings) }));
        const exampleRecords = await runTasks(exampleTasks, { workers, rootSeed: settings.seed, shouldStop: () => interrupt.signal !== undefined, pool });
        firsts.forEach((f, i) => {
          const r = exampleRecords[i];
          if (r?.failure === undefined) return;
          knownExamples.push(failureEntry(r.failure.finding === undefined ? 'new' : 'known', f.cell, f.index, r.failure, f.group));
        });
      }
    }

    const completeness = (): Completeness => {
      if (interrupt.signal !== undefined) return { complete: false, reason: `interrupted (${interrupt.signal}) after ${interruptedAt ?? records.length} of ${tasks.length} runs`, exitCode: EXIT.incomplete, interruptedExitCode: interrupt.exitCode };
      if (stoppedByTimeBudget) return { complete: false, reason: `the time budget stopped the sweep after ${records.length} of ${tasks.length} runs`, exitCode: EXIT.incomplete };
      if (shard[1] > 1) return { complete: false, reason: `shard ${shard[0]}/${shard[1]} only: merge the shards with crashsim merge`, exitCode: EXIT.ok };
      return COMPLETE;
    };
    const meta = (elapsedMs: number): Summary['meta'] => ({
      runId,
      crashsimVersion: CRASHSIM_VERSION,
      node: process.version,
      startedAt: startedAt.toISOString(),
      elapsedMs: Math.round(elapsedMs),
      sweepMs: Math.round(sweepMs),
      workers,
      shards: { count: shard[1], covered: [shard[0]] },
      runsPerSecond: records.length / Math.max(sweepMs / 1000, 1e-3),
      stoppedByTimeBudget,
      mergedFrom: undefined,
    });
    let summary = buildSummary(settings, records, { knownExamples, shrunk: new Map() }, meta(performance.now() - t0), completeness());

    const shrunk = new Map<string, ShrunkFailure>();
    if (settings.shrinkRunsMax > 0 && summary.failures.length > 0 && interrupt.signal === undefined) {
      io.out(`shrinking ${summary.failures.length} failure(s) with fast-check (at most ${settings.shrinkRunsMax} executions each)`);
      const byToken = new Map<string, RunRecord>();
      for (const r of records) if (r.failure !== undefined) byToken.set(r.failure.token, r);
      for (const f of summary.failures) {
        if (interrupt.signal !== undefined) break;
        const record: RunRecord | undefined = byToken.get(f.token) ?? syntheticRecord(f);
        const s = await shrinkFailure(record, { acknowledgeFindings: decodeToken(f.token).acknowledged, shrinkRunsMax: settings.shrinkRunsMax });
        if (s !== undefined && s.token !== f.token) shrunk.set(f.token, { code: s.code, message: s.message, details: s.details, token: s.token, replay: s.replay, commands: s.commands });
      }
      summary = buildSummary(settings, records, { knownExamples, shrunk }, meta(performance.now() - t0), completeness());
    }

    // Why each new failure happened: the nearest crash images on which recovery passes (bounded, deterministic).
    const toExplain = o.explain === false || interrupt.signal !== undefined ? [] : summary.failures.filter((f) => f.kind === 'new').slice(0, EXPLAINED_FAILURES_MAX);
    if (toExplain.length > 0) {
      io.out(`explaining ${toExplain.length} new failure(s) by their nearest crash images`);
      const explanations = new Map<string, { text: string; ops: readonly string[] }>();
      for (const f of toExplain) {
        if (interrupt.signal !== undefined) break;
        const t = decodeToken(f.shrunk?.token ?? f.token);
        const e = await explainFailure(t.plan, { acknowledgeFindings: t.acknowledged });
        if (e !== undefined) explanations.set(f.token, { text: e.text, ops: explanationOps(e) });
      }
      summary = buildSummary(settings, records, { knownExamples, shrunk, explanations }, meta(performance.now() - t0), completeness());
    }

    const paths = await writeReports(summary, outDir, startedAt.toISOString());
    wrote = true;

    for (const line of renderClosing(summary)) io.out(line);
    if (corpus !== undefined) {
      const written = saveToCorpus(corpus.path, summary.failures.map(corpusEntryOf));
      io.out('');
      io.out(written.length === 0 ? 'corpus: nothing new to save' : `corpus: saved ${written.length} failure(s): ${written.join(', ')}`);
    }
    io.out('');
    io.out(`reports: ${paths.summary} ${paths.junit} ${paths.html}`);
    io.out(`verdict: ${summary.verdict.text}${summary.complete ? '' : ` (incomplete: ${summary.incompleteReason ?? ''})`} (exit ${summary.verdict.exitCode})`);
    return summary.verdict.exitCode;
  }
}

/** The default report directory: `base`, or `base-2`, `base-3`… when a run in the same second took it. */
export function freshDefaultDir(base: string): string {
  for (let i = 1; i <= 1000; i++) {
    const d = i === 1 ? base : `${base}-${i}`;
    if (!existsSync(d)) return d;
  }
  throw new UsageError(`${base}: more than 1000 report directories of this name; give --out`);
}

/** A record for a known example (which is not among the sweep's records): what shrinkFailure reads. */
function syntheticRecord(f: FailureEntry): RunRecord {
  return {
    cell: f.cell,
    index: f.index,
    seed: f.seed,
    passed: false,
    crashes: 0,
    crashImages: 0,
    steps: 0,
    fsOps: 0,
    faultsInjected: 0,
    checks: {},
    nontrivialChecks: {},
    probes: {},
    acknowledged: {},
    acknowledgedFindings: {},
    deadEnd: false,
    unsurvivable: {},
    failure: { cell: f.cellKey, code: f.code, invariant: f.invariant, message: f.message, details: f.details, finding: f.finding, findings: f.finding === undefined ? [] : f.finding.split('+'), evidence: f.evidence, seed: f.seed, token: f.token, replay: f.replay, commands: f.commands },
  };
}
