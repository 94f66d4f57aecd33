/**
 * How `npm run bench` measures (bench only: it reads clocks the simulator never may).
 *
 * - CPU time, not wall time: `process.cpuUsage()` (user + system, every thread of
 *   the process) around the measured code. On a shared machine wall time mostly
 *   measures the neighbours; CPU time still grows a little under load (caches,
 *   frequency), which is why every figure also has a ratio to a baseline measured
 *   in the same process, interleaved repetition by repetition: both sides see
 *   the same machine at the same moment.
 * - Warm-up repetitions first (JIT, memo tables), then several measured ones;
 *   every figure is reported as min / median / max over them.
 * - A target is a statement about the median; missing it is reported, never an
 *   exit code (a benchmark on a loaded machine must not fail a build on noise).
 */
import { readFileSync } from 'node:fs';

/** CPU and wall time of one measured repetition (ms). */
export interface Timing {
  readonly cpuMs: number;
  readonly wallMs: number;
}

export function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU time of the calling thread alone (Linux /proc; undefined elsewhere). Clock ticks: 10 ms resolution. */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // fields after the parenthesised command: state is field 3; utime 14, stime 15 (1-based)
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

export async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; timing: Timing }> {
  const w0 = performance.now();
  const c0 = cpuNowMs();
  const value = await fn();
  const cpuMs = cpuNowMs() - c0;
  return { value, timing: { cpuMs, wallMs: performance.now() - w0 } };
}

export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly n: number;
}

export function stats(xs: readonly number[]): Stats {
  if (xs.length === 0) throw new RangeError('stats of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { min: s[0] as number, median, max: s[s.length - 1] as number, n: s.length };
}

export interface Target {
  /** what the target is about: the figure itself or its ratio to the baseline */
  readonly of: 'value' | 'ratio';
  readonly op: '>=' | '<=';
  readonly bound: number;
  /** the issue item it comes from, in words */
  readonly why: string;
}

/** One figure of the report. */
export interface Figure {
  readonly id: string;
  readonly name: string;
  readonly unit: string;
  /** per measured repetition */
  readonly samples: readonly number[];
  readonly value: Stats;
  readonly baseline: { readonly name: string; readonly unit: string; readonly value: Stats; readonly ratio: Stats; readonly ratioMeaning: string } | undefined;
  readonly target: Target | undefined;
  /** whether the median meets the target (undefined: no target) */
  readonly met: boolean | undefined;
  /** what limits this figure (README's Performance section repeats it) */
  readonly limits: string;
  /** extra measured facts (counts, CPU split) */
  readonly notes: Readonly<Record<string, string | number>>;
}

export interface FigureSpec {
  readonly id: string;
  readonly name: string;
  readonly unit: string;
  readonly samples: readonly number[];
  readonly baseline?: { readonly name: string; readonly unit: string; readonly samples: readonly number[]; readonly ratios: readonly number[]; readonly ratioMeaning: string };
  readonly target?: Target;
  readonly limits: string;
  readonly notes?: Readonly<Record<string, string | number>>;
}

export function figure(spec: FigureSpec): Figure {
  const value = stats(spec.samples);
  const baseline = spec.baseline === undefined ? undefined : { name: spec.baseline.name, unit: spec.baseline.unit, value: stats(spec.baseline.samples), ratio: stats(spec.baseline.ratios), ratioMeaning: spec.baseline.ratioMeaning };
  let met: boolean | undefined;
  const t = spec.target;
  if (t !== undefined) {
    const x = t.of === 'value' ? value.median : baseline?.ratio.median;
    met = x === undefined ? false : t.op === '>=' ? x >= t.bound : x <= t.bound;
  }
  return { id: spec.id, name: spec.name, unit: spec.unit, samples: spec.samples, value, baseline, target: t, met, limits: spec.limits, notes: spec.notes ?? {} };
}

/**
 * Runs `reps` paired repetitions of `a` (the measured code) and `b` (its
 * baseline), alternating which goes first, after `warmup` unmeasured pairs.
 * Each side returns the amount of work it did; the per-repetition figure is
 * `rate(work, timing)`.
 */
export async function paired(
  opts: { readonly warmup: number; readonly reps: number },
  a: () => Promise<number> | number,
  b: () => Promise<number> | number,
  rate: (work: number, t: Timing) => number,
): Promise<{ a: number[]; b: number[]; ratios: number[] }> {
  for (let i = 0; i < opts.warmup; i++) {
    await a();
    await b();
  }
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < opts.reps; i++) {
    const run = async (f: () => Promise<number> | number): Promise<number> => {
      const { value, timing } = await timed(f);
      return rate(value, timing);
    };
    let x: number;
    let y: number;
    if (i % 2 === 0) {
      x = await run(a);
      y = await run(b);
    } else {
      y = await run(b);
      x = await run(a);
    }
    as.push(x);
    bs.push(y);
    ratios.push(x / y);
  }
  return { a: as, b: bs, ratios };
}

/** Per-second rate from CPU time. */
export const perCpuSecond = (work: number, t: Timing): number => work / (Math.max(t.cpuMs, 1e-3) / 1000);

/** Numbers as people read them: 3 significant digits, thousands separated. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}
