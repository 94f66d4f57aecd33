/**
 * The exhaustive explorer: a power loss before every file-system primitive of
 * one persist iteration (and after its last), every crash image the personality
 * allows at each point, recovery checked on each — with exact counts.
 *
 * The workload runs once. At each crash point the explorer takes a snapshot of
 * the VFS and of the oracles' pre-crash history (copy-on-write, cheap) and lets
 * the run go on; afterwards every snapshot forks into its crash images, and each
 * image gets a fresh node that must recover (I5) consistently with the history
 * at that point (I2, I3, I7, I8 restart forms). No prefix is ever re-run.
 */
import type { PersistBatch } from '../src/avail/observer.js';
import { crashImages, type CrashImageOptions, type CrashReport, type KindCount } from '../sim/vfs/crash.js';
import type { VfsSnapshot } from '../sim/vfs/vfs.js';
import { Vfs } from '../sim/vfs/vfs.js';
import type { FsOpInfo } from '../sim/world.js';
import { Execution, initialVfs, tornOptions } from './execute.js';
import { Forensics, opRef } from './forensics.js';
import { describeOp } from '../sim/vfs/model.js';
import { findingIdsOf } from './findings.js';
import type { OracleHistory } from './oracles/invariants.js';
import type { Plan } from './plan.js';

export interface ExploreOptions {
  /** which persist iteration to explore: the n-th (1-based) batch with work; default 1 */
  readonly iteration?: number;
  /** crash-image enumeration (default: exhaustive up to 2^14 subsets, every prefix, torn per the plan) */
  readonly crashImages?: Partial<CrashImageOptions>;
  /** known findings (ids) to look past while running the workload to the iteration (default: every known finding of the design) */
  readonly acknowledgeFindings?: readonly string[];
  /** steps the workload may take to reach the end of the iteration */
  readonly stepsMax?: number;
}

export interface CrashPointReport {
  /** 0-based position in the iteration; the last point is after its last primitive */
  readonly index: number;
  readonly before: string;
  readonly pendingOps: number;
  readonly pending: readonly string[];
  readonly counts: CrashReport['counts'];
  readonly subsetMode: CrashReport['subsetMode'];
  /** recovery outcome per distinct image: 'pass' or a violation code → count */
  readonly outcomes: Readonly<Record<string, number>>;
  /** per failing outcome code: the known findings its evidence showed ('+'-joined), or 'NEW' if any image's failure was new */
  readonly outcomeFindings: Readonly<Record<string, string>>;
  readonly firstFailure: { readonly code: string; readonly message: string; readonly image: string; readonly lost: readonly string[] } | undefined;
}

export interface ExploreReport {
  readonly design: string;
  readonly personality: Plan['personality'];
  readonly iteration: number;
  /** the batch the iteration persisted, in words */
  readonly batch: string;
  readonly crashPoints: readonly CrashPointReport[];
  readonly totals: { readonly crashPoints: number; readonly candidates: number; readonly distinctImages: number; readonly pass: number; readonly fail: number; readonly byKind: Readonly<Record<'prefix' | 'subset' | 'torn', KindCount>> };
  /** why exploring stopped early, if it did (the workload broke an invariant first, or never reached the iteration) */
  readonly incomplete: string | undefined;
  /** the workload's own violation, if it broke one before the iteration ended: new when no known finding's evidence holds */
  readonly workloadViolation: { readonly code: string; readonly known: readonly string[] } | undefined;
}

interface Capture {
  readonly before: string;
  readonly snapshot: VfsSnapshot;
  readonly history: OracleHistory;
  /** the run's forensic record and incarnation at the crash point (recovery is judged by evidence) */
  readonly forensics: Forensics;
  readonly incarnation: number;
}

function describeBatch(b: PersistBatch): string {
  const parts = [`${b.blocks.length} block(s)`, `${b.commitQCs.length} CommitQC(s)`];
  if (b.appQC !== undefined) parts.push(`AppQC@${b.appQC.vote.roadIndex}`);
  return parts.join(', ');
}

export async function explore(plan: Plan, opts: ExploreOptions = {}): Promise<ExploreReport> {
  const target = opts.iteration ?? 1;
  if (!Number.isSafeInteger(target) || target < 1) throw new RangeError(`explore: iteration must be a positive integer, got ${target}`);
  const x = new Execution({ ...plan, liveness: false }, { acknowledgeFindings: opts.acknowledgeFindings ?? findingIdsOf(plan.design) });
  const vfsOf = (): Vfs => x.cur.vfs;
  const captures: Capture[] = [];
  let seen = 0;
  let state = 'before' as 'before' | 'capturing' | 'done';
  let batchText = '';
  x.oracle.onBatch = (b) => {
    if (b.blocks.length === 0 && b.commitQCs.length === 0) return;
    seen++;
    if (state === 'before' && seen === target) {
      state = 'capturing';
      batchText = describeBatch(b);
    } else if (state === 'capturing') {
      state = 'done';
      captures.push({ before: 'after the iteration (the next batch is collected)', snapshot: vfsOf().snapshot(), history: x.oracle.exportHistory(), forensics: x.forensics.snapshot(), incarnation: x.cur.index });
      x.cur.world.stop('explored iteration ended');
    }
  };
  x.probeFsOp = (op: FsOpInfo) => {
    if (state !== 'capturing') return;
    captures.push({ before: `before ${op.primitive} ${op.args.join(' ')} (${op.taskName})`, snapshot: vfsOf().snapshot(), history: x.oracle.exportHistory(), forensics: x.forensics.snapshot(), incarnation: x.cur.index });
  };
  x.startIncarnation(initialVfs(plan), undefined);
  for (const [i, c] of plan.commands.entries()) {
    if (x.over || state === 'done') break;
    await x.command(c, i);
  }
  if (!x.over && state !== 'done') await x.advance(opts.stepsMax ?? 100_000);
  if (state === 'capturing') captures.push({ before: 'after the iteration (the node is idle)', snapshot: vfsOf().snapshot(), history: x.oracle.exportHistory(), forensics: x.forensics.snapshot(), incarnation: x.cur.index });
  const incomplete = x.oracle.violation !== undefined ? `the workload broke ${x.oracle.violation.code} before the iteration ended: ${x.oracle.violation.message}` : state === 'before' ? `the workload produced only ${seen} persist iteration(s) with work; asked for #${target}` : undefined;

  const points: CrashPointReport[] = [];
  for (const [index, cap] of captures.entries()) {
    const report = crashImages(cap.snapshot, {
      prefixes: true,
      subsets: true,
      exhaustiveOpsMax: 14,
      prefixesMax: 4096,
      torn: tornOptions(plan.torn, 64),
      rng: x.streams.stream(`explore/${index}`),
      ...opts.crashImages,
    });
    const outcomes: Record<string, number> = {};
    const outcomeFindings: Record<string, string> = {};
    let firstFailure: CrashPointReport['firstFailure'];
    const pendingOps = cap.snapshot.log.filter((e) => !e.durable).map((e) => opRef(e.op, describeOp(e.op)));
    for (const image of report.images) {
      const y = new Execution({ ...plan, commands: [], liveness: false }, { firstIncarnation: cap.incarnation + 1 });
      y.oracle.importHistory(cap.history);
      y.forensics.importFrom(cap.forensics);
      const kept = new Set(image.keptSeqs);
      y.forensics.crashes.push({ incarnation: cap.incarnation, step: 0, pending: pendingOps, kept: pendingOps.filter((o) => kept.has(o.seq)), lost: pendingOps.filter((o) => !kept.has(o.seq)), torn: image.torn });
      y.startIncarnation(Vfs.fromImage(image, { personality: plan.personality }), { disk: image, summary: image.summary }, { kind: 'power-loss', why: 'power loss (explored crash point)', pageCacheOnly: new Set() });
      try {
        await y.cur.world.runUntil(() => y.over || y.cur.cell.load() !== undefined || y.cur.ended !== undefined, 'the node to start');
      } catch (e) {
        y.oracle.fail('HARNESS', 'recovery-run', `recovery did not finish: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
      y.cur.world.stop('recovery checked');
      const v = y.oracle.violation;
      const key = v === undefined ? 'pass' : v.code;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      if (v !== undefined) {
        const label = v.known.length === 0 ? 'NEW' : v.known.map((k) => k.id).join('+');
        outcomeFindings[key] = outcomeFindings[key] === undefined || outcomeFindings[key] === label ? label : outcomeFindings[key] === 'NEW' || label === 'NEW' ? 'NEW' : `${outcomeFindings[key]}|${label}`;
      }
      if (v !== undefined && firstFailure === undefined) firstFailure = { code: v.code, message: v.message, image: image.summary, lost: image.lost };
    }
    points.push({ index, before: cap.before, pendingOps: report.pending.length, pending: report.pending, counts: report.counts, subsetMode: report.subsetMode, outcomes, outcomeFindings, firstFailure });
  }
  const sum = (k: 'prefix' | 'subset' | 'torn'): KindCount => ({
    candidates: points.reduce((a, p) => a + p.counts[k].candidates, 0),
    distinct: points.reduce((a, p) => a + p.counts[k].distinct, 0),
  });
  const pass = points.reduce((a, p) => a + (p.outcomes['pass'] ?? 0), 0);
  const distinctImages = points.reduce((a, p) => a + p.counts.total.distinct, 0);
  return {
    design: plan.design,
    personality: plan.personality,
    iteration: target,
    batch: batchText,
    crashPoints: points,
    totals: {
      crashPoints: points.length,
      candidates: points.reduce((a, p) => a + p.counts.total.candidates, 0),
      distinctImages,
      pass,
      fail: distinctImages - pass,
      byKind: { prefix: sum('prefix'), subset: sum('subset'), torn: sum('torn') },
    },
    incomplete,
    workloadViolation: x.oracle.violation === undefined ? undefined : { code: x.oracle.violation.code, known: x.oracle.violation.known.map((k) => k.id) },
  };
}

/** A plain-text table of the report (one line per crash point). */
export function renderExplore(r: ExploreReport): string {
  const lines = [
    `design ${r.design}, personality ${r.personality}, persist iteration #${r.iteration} (${r.batch || 'not reached'})`,
    'point  pending  prefix  subset  torn  distinct  recovery outcomes                 crash point',
  ];
  for (const p of r.crashPoints) {
    const out = Object.entries(p.outcomes).map(([k, v]) => `${k}×${v}`).join(' ');
    lines.push(`${String(p.index).padStart(5)}  ${String(p.pendingOps).padStart(7)}  ${String(p.counts.prefix.distinct).padStart(6)}  ${String(p.counts.subset.distinct).padStart(6)}  ${String(p.counts.torn.distinct).padStart(4)}  ${String(p.counts.total.distinct).padStart(8)}  ${out.padEnd(32)}  ${p.before}`);
  }
  const t = r.totals;
  lines.push(`total: ${t.crashPoints} crash points, ${t.candidates} candidate images, ${t.distinctImages} distinct images (prefix ${t.byKind.prefix.distinct}, subset ${t.byKind.subset.distinct}, torn ${t.byKind.torn.distinct}); recovery passed on ${t.pass}, failed on ${t.fail}`);
  if (r.incomplete !== undefined) lines.push(`incomplete: ${r.incomplete}`);
  return lines.join('\n');
}
