/**
 * `crashsim merge DIR…`: folds the summaries of the shards of one sweep (same
 * settings, disjoint shards) into one report, equal (apart from meta) to the
 * summary the unsharded run would have written.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { RunRecord } from '../../scenarios/campaign.js';
import { EXIT, UsageError } from '../errors.js';
import { ensureWritableDir } from '../outdir.js';
import type { Io } from '../output.js';
import { renderClosing } from '../report/text.js';
import { writeReports } from '../report/write.js';
import { buildSummary, SUMMARY_KIND, SUMMARY_SCHEMA_VERSION, type FailureEntry, type ShrunkFailure, type Summary } from '../summary.js';
import { CRASHSIM_VERSION } from '../version.js';

/** A summary.json larger than this is refused. */
export const SUMMARY_BYTES_MAX = 512 * 1024 * 1024;

export function readSummary(arg: string): { path: string; summary: Summary } {
  const path = existsSync(arg) && statSync(arg).isDirectory() ? join(arg, 'summary.json') : arg;
  if (!existsSync(path)) throw new UsageError(`no summary at ${path} (give a report directory or its summary.json)`);
  if (statSync(path).size > SUMMARY_BYTES_MAX) throw new UsageError(`${path}: larger than ${SUMMARY_BYTES_MAX} bytes`);
  let o: unknown;
  try {
    o = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UsageError(`${path}: not JSON`);
  }
  const s = o as Partial<Summary> | null;
  if (s === null || typeof s !== 'object' || s.kind !== SUMMARY_KIND) throw new UsageError(`${path}: not a crashsim run summary`);
  if (s.schemaVersion !== SUMMARY_SCHEMA_VERSION) throw new UsageError(`${path}: summary schema ${JSON.stringify(s.schemaVersion)} is not supported (reads ${SUMMARY_SCHEMA_VERSION})`);
  if (typeof s.settings !== 'object' || !Array.isArray(s.records) || !Array.isArray(s.failures) || typeof s.meta !== 'object' || s.meta === null) throw new UsageError(`${path}: summary is missing settings, records, failures or meta`);
  for (const r of s.records as unknown[]) {
    const rec = r as Partial<RunRecord> | null;
    if (rec === null || typeof rec !== 'object' || typeof rec.cell !== 'object' || !Number.isSafeInteger(rec.index)) throw new UsageError(`${path}: a run record is damaged`);
  }
  return { path, summary: s as Summary };
}

export interface MergeCommandOptions {
  readonly out?: string;
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
  const outDir = o.out ?? join('reports', 'runs', `merged-${startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`);
  ensureWritableDir(outDir, 'reports');
  const records = inputs.flatMap((i) => i.summary.records);
  const knownExamples: FailureEntry[] = first.settings.acknowledgeKnown ? inputs.flatMap((i) => i.summary.failures.filter((f) => f.exampleOf !== undefined)) : [];
  const shrunk = new Map<string, ShrunkFailure>();
  for (const i of inputs) for (const f of i.summary.failures) if (f.shrunk !== undefined) shrunk.set(f.token, f.shrunk);
  const missing = [...Array(count).keys()].map((k) => k + 1).filter((k) => !covered.has(k));
  const cut = inputs.some((i) => i.summary.meta.stoppedByTimeBudget);
  const complete = missing.length === 0 && !cut;
  const reason = missing.length > 0 ? `shards ${missing.map((k) => `${k}/${count}`).join(', ')} are missing` : cut ? 'the time budget cut at least one shard short' : undefined;
  const elapsedMs = Math.max(...inputs.map((i) => i.summary.meta.elapsedMs));
  let summary: Summary;
  try {
    summary = buildSummary(first.settings, records, { knownExamples, shrunk }, {
      runId: `merged-${inputs.map((i) => i.summary.meta.runId).join('+')}`.slice(0, 200),
      crashsimVersion: CRASHSIM_VERSION,
      node: process.version,
      startedAt: startedAt.toISOString(),
      elapsedMs,
      sweepMs: Math.max(...inputs.map((i) => i.summary.meta.sweepMs)),
      workers: Math.max(...inputs.map((i) => i.summary.meta.workers)),
      shards: { count, covered: [...covered].sort((a, b) => a - b) },
      runsPerSecond: inputs.reduce((a, i) => a + i.summary.meta.runsPerSecond, 0),
      stoppedByTimeBudget: cut,
      mergedFrom: inputs.map((i) => i.path),
    }, { complete, reason });
  } catch (e) {
    throw new UsageError(`cannot merge: ${e instanceof Error ? e.message : String(e)}`);
  }
  io.out(`SEED=${summary.settings.seed}`);
  io.out(`crashsim merge: ${inputs.length} summaries, shards ${summary.meta.shards.covered.join(',')} of ${count}, ${records.length} runs`);
  const paths = await writeReports(summary, outDir, startedAt.toISOString());
  for (const line of renderClosing(summary)) io.out(line);
  io.out('');
  io.out(`reports: ${paths.summary} ${paths.junit} ${paths.html}`);
  io.out(`verdict: ${summary.verdict.text} (exit ${summary.verdict.exitCode})`);
  return summary.verdict.exitCode === 1 ? EXIT.failed : EXIT.ok;
}
