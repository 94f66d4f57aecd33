/**
 * `crashsim merge DIR…`: folds the summaries of the shards of one sweep (same
 * settings, disjoint shards) into one report, equal (apart from meta) to the
 * summary the unsharded run would have written.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { RunRecord } from '../../scenarios/campaign.js';
import { describeFsError, EXIT, UsageError } from '../errors.js';
import { prepareDir, removeCreated } from '../outdir.js';
import { freshDefaultDir } from './run.js';
import type { Io } from '../output.js';
import { renderClosing } from '../report/text.js';
import { writeReports } from '../report/write.js';
import { buildSummary, COMPLETE, SUMMARY_KIND, SUMMARY_SCHEMA_VERSION, type FailureEntry, type ShrunkFailure, type Summary } from '../summary.js';
import { CRASHSIM_VERSION } from '../version.js';

/** A summary.json larger than this is refused. */
export const SUMMARY_BYTES_MAX = 512 * 1024 * 1024;

const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isCountMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isCount);

/** Why a run record cannot be folded, or undefined when it can. */
function recordProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return 'not an object';
  const rec = r as Record<string, unknown>;
  const cell = rec['cell'] as Record<string, unknown> | null;
  if (typeof cell !== 'object' || cell === null || !['scenario', 'design', 'personality', 'faults'].every((k) => typeof cell[k] === 'string')) return 'cell must name scenario, design, personality and faults';
  for (const k of ['index', 'crashes', 'crashImages', 'steps', 'fsOps', 'faultsInjected'] as const) if (!isCount(rec[k])) return `${k} must be a non-negative integer`;
  if (!Number.isSafeInteger(rec['seed'])) return 'seed must be an integer';
  if (typeof rec['passed'] !== 'boolean' || typeof rec['deadEnd'] !== 'boolean') return 'passed and deadEnd must be true or false';
  for (const k of ['checks', 'acknowledged', 'acknowledgedFindings'] as const) if (!isCountMap(rec[k])) return `${k} must map names to counts`;
  // Coverage fields (absent in summaries written before probes existed).
  for (const k of ['nontrivialChecks', 'probes'] as const) if (rec[k] !== undefined && !isCountMap(rec[k])) return `${k} must map names to counts`;
  const f = rec['failure'];
  if (f !== undefined && f !== null) {
    const fr = f as Record<string, unknown>;
    if (typeof f !== 'object' || !['cell', 'code', 'invariant', 'message', 'token', 'replay'].every((k) => typeof fr[k] === 'string') || !Array.isArray(fr['details']) || !Array.isArray(fr['commands'])) return 'failure is missing its code, message, token or replay command';
  }
  return undefined;
}

export function readSummary(arg: string): { path: string; summary: Summary } {
  if (arg.trim() === '') throw new UsageError('merge got an empty argument; give report directories or their summary.json files');
  const path = existsSync(arg) && statSync(arg).isDirectory() ? join(arg, 'summary.json') : arg;
  if (!existsSync(path)) throw new UsageError(`no summary at ${path} (give a report directory or its summary.json)`);
  if (!statSync(path).isFile()) throw new UsageError(`${path} is not a file`);
  if (statSync(path).size > SUMMARY_BYTES_MAX) throw new UsageError(`${path}: larger than ${SUMMARY_BYTES_MAX} bytes`);
  let o: unknown;
  try {
    o = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(e instanceof SyntaxError ? `${path}: not JSON (was it cut short?)` : `cannot read ${path}: ${describeFsError(e)}`);
  }
  const s = o as Partial<Summary> | null;
  if (s === null || typeof s !== 'object' || s.kind !== SUMMARY_KIND) throw new UsageError(`${path}: not a crashsim run summary`);
  if (s.schemaVersion !== SUMMARY_SCHEMA_VERSION) throw new UsageError(`${path}: summary schema ${JSON.stringify(s.schemaVersion)} is not supported (reads ${SUMMARY_SCHEMA_VERSION})`);
  if (typeof s.settings !== 'object' || s.settings === null || !Array.isArray(s.records) || !Array.isArray(s.failures) || typeof s.meta !== 'object' || s.meta === null) throw new UsageError(`${path}: summary is missing settings, records, failures or meta`);
  const shards = (s.meta as Partial<Summary['meta']>).shards;
  if (typeof shards !== 'object' || shards === null || !Number.isSafeInteger(shards.count) || shards.count < 1 || !Array.isArray(shards.covered) || !shards.covered.every((k) => Number.isSafeInteger(k) && k >= 1 && k <= shards.count)) throw new UsageError(`${path}: meta.shards is damaged`);
  for (const [i, r] of (s.records as unknown[]).entries()) {
    const problem = recordProblem(r);
    if (problem !== undefined) throw new UsageError(`${path}: run record ${i} is damaged: ${problem}`);
  }
  return { path, summary: s as Summary };
}

export interface MergeCommandOptions {
  readonly out?: string;
  readonly force?: boolean;
}

/** The same directory (after symlinks), or undefined when `a` does not exist yet. */
function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

export async function mergeCommand(dirs: readonly string[], o: MergeCommandOptions, io: Io): Promise<number> {
  if (dirs.length === 0) throw new UsageError('merge needs at least one report directory');
  const inputs = dirs.map(readSummary);
  const first = (inputs[0] as { summary: Summary }).summary;
  const count = first.meta.shards.count;
  const covered = new Set<number>();
  for (const { path, summary } of inputs) {
    if (!isDeepStrictEqual(summary.settings, first.settings)) throw new UsageError(`${path}: its settings differ from ${(inputs[0] as { path: string }).path}; only shards of one sweep (same seed and options) merge`);
    if (summary.meta.shards.count !== count) throw new UsageError(`${path}: it is from a sweep cut into ${summary.meta.shards.count} shards, not ${count}`);
    for (const k of summary.meta.shards.covered) {
      if (covered.has(k)) throw new UsageError(`${path}: shard ${k}/${count} appears twice`);
      covered.add(k);
    }
  }
  const startedAt = new Date();
  const outDir = o.out ?? freshDefaultDir(join('reports', 'runs', `merged-${startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`));
  // Never over an input, --force or not: the merge would destroy what it reads.
  for (const { path } of inputs) if (sameDir(outDir, dirname(path))) throw new UsageError(`--out ${outDir} is where the input ${path} is: the merge would overwrite its own input; write it to another directory`);
  const records = inputs.flatMap((i) => i.summary.records);
  const knownExamples: FailureEntry[] = first.settings.acknowledgeKnown ? inputs.flatMap((i) => i.summary.failures.filter((f) => f.exampleOf !== undefined)) : [];
  const shrunk = new Map<string, ShrunkFailure>();
  for (const i of inputs) for (const f of i.summary.failures) if (f.shrunk !== undefined) shrunk.set(f.token, f.shrunk);
  const explanations = new Map<string, { text: string; ops: readonly string[] }>();
  for (const i of inputs) for (const f of i.summary.failures) if (typeof f.explanation === 'string') explanations.set(f.token, { text: f.explanation, ops: f.explanationOps ?? [] });
  const missing = [...Array(count).keys()].map((k) => k + 1).filter((k) => !covered.has(k));
  // Inputs cut short (time budget, interrupt), as opposed to incomplete only for being shards.
  const cut = inputs.filter((i) => !i.summary.complete && !/^shards? /.test(i.summary.incompleteReason ?? ''));
  const complete = missing.length === 0 && cut.length === 0;
  const reason =
    missing.length > 0
      ? `shard${missing.length === 1 ? '' : 's'} ${missing.map((k) => `${k}/${count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (merged ${covered.size} of ${count})`
      : cut.length > 0
        ? `${cut.map((i) => i.path).join(', ')}: ${cut.map((i) => i.summary.incompleteReason ?? 'incomplete').join('; ')}`
        : undefined;
  const elapsedMs = Math.max(...inputs.map((i) => i.summary.meta.elapsedMs));
  let summary: Summary;
  try {
    summary = buildSummary(first.settings, records, { knownExamples, shrunk, explanations }, {
      runId: `merged-${inputs.map((i) => i.summary.meta.runId).join('+')}`.slice(0, 200),
      crashsimVersion: CRASHSIM_VERSION,
      node: process.version,
      startedAt: startedAt.toISOString(),
      elapsedMs,
      sweepMs: Math.max(...inputs.map((i) => i.summary.meta.sweepMs)),
      workers: Math.max(...inputs.map((i) => i.summary.meta.workers)),
      shards: { count, covered: [...covered].sort((a, b) => a - b) },
      runsPerSecond: inputs.reduce((a, i) => a + i.summary.meta.runsPerSecond, 0),
      stoppedByTimeBudget: inputs.some((i) => i.summary.meta.stoppedByTimeBudget),
      mergedFrom: inputs.map((i) => i.path),
    }, complete ? COMPLETE : { complete: false, reason, exitCode: EXIT.incomplete });
  } catch (e) {
    throw new UsageError(`cannot merge: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Only now, with the merged summary in hand, is the output directory made.
  const out = prepareDir(outDir, 'reports', { option: '--out', force: o.force, refuseReports: true });
  let wrote = false;
  try {
    io.out(`SEED=${summary.settings.seed}`);
    io.out(`crashsim merge: ${inputs.length} summar${inputs.length === 1 ? 'y' : 'ies'}, shards ${summary.meta.shards.covered.join(',')} of ${count}, ${records.length} runs`);
    const paths = await writeReports(summary, outDir, startedAt.toISOString());
    wrote = true;
    for (const line of renderClosing(summary)) io.out(line);
    io.out('');
    io.out(`reports: ${paths.summary} ${paths.junit} ${paths.html}`);
    io.out(`verdict: ${summary.verdict.text}${summary.complete ? '' : ` (incomplete: ${summary.incompleteReason ?? ''})`} (exit ${summary.verdict.exitCode})`);
    return summary.verdict.exitCode;
  } finally {
    if (!wrote) removeCreated(out);
  }
}
