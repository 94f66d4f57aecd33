/**
 * Barrier ablation: take one barrier out of a faithful design and see whether the
 * suite notices. A barrier is an fsync call site (file or directory) found in the
 * trace, or the order of two adjacent write groups of the persist loop. Each
 * ablated design runs through the same cells and seeds as `crashsim run`'s
 * default; the ablation is *caught* when a run breaks an invariant in a way no
 * known finding explains (NEW), else it is *not caught*: either the barrier is
 * superfluous where the suite looks, or the suite has a gap — the notes
 * (scenarios/ablation-notes.ts) say which, in words.
 *
 * The ablation is a plan field (scenarios/plan.ts `Ablation`): an ablated run's
 * replay token reproduces it exactly.
 */
import { DEFAULT_WORLD } from './arbitraries.js';
import { getDesign } from './designs.js';
import { Execution, initialVfs } from './execute.js';
import { findingIdsOf } from './findings.js';
import { namedScenario } from './named.js';
import type { Ablation, Plan } from './plan.js';
import { callSiteDetails } from './sites.js';
import { planFor, scenarioWorld } from './sweep.js';
import { cellKey, seedOf, type CellSpec } from './campaign.js';
import { swapCandidates } from './write-groups.js';
import type { Personality } from '../sim/vfs/model.js';

/** An fsync call site seen in the trace. */
export interface FsyncSite {
  /** `src/persist/ab.ts:47` */
  readonly id: string;
  /** the function holding the call */
  readonly fn: string;
  /** its callers, innermost first */
  readonly callers: readonly string[];
  /** what it fsyncs, as path patterns (`blocks/<lane>_<n>.pb`, `/data (directory)`) */
  readonly targets: readonly string[];
  /** fsyncs seen from it in the discovery runs */
  readonly calls: number;
}

/** One ablation to run, with the words reports use. */
export interface AblationSpec {
  /** stable within one design and code version: `fsync@src/persist/ab.ts:47`, `swap:blocks/delete-blocks` */
  readonly id: string;
  readonly ablation: Ablation;
  /** what is taken out, in words */
  readonly what: string;
  /** the source location (fsync) or the persist loop's groups (swap) */
  readonly where: string;
}

/** `/data/blocks/<64 hex>_3.pb` → `blocks/<lane>_<n>.pb`; a directory → `<path> (directory)`. */
export function targetPattern(path: string, isDir: boolean): string {
  if (isDir) return `${path} (directory)`;
  return path
    .replace(/^\/data\//, '')
    .replace(/[0-9a-f]{64}/g, '<lane>')
    .replace(/_(\d+)\.pb$/, '_<n>.pb')
    .replace(/\/(\d+)\.pb$/, '/<i>.pb');
}

/**
 * Runs the first `runsPerCell` plans of each cell (the seeds `crashsim run` uses)
 * with the site of every fsync recorded; returns every site seen, sorted by id.
 */
export async function discoverFsyncSites(cells: readonly CellSpec[], runsPerCell: number, rootSeed: string): Promise<FsyncSite[]> {
  const sites = new Map<string, { calls: number; targets: Set<string> }>();
  for (const cell of cells) {
    const scenario = namedScenario(cell.scenario);
    const world = scenarioWorld(scenario, { ...DEFAULT_WORLD, design: cell.design, personality: cell.personality, faults: cell.faults });
    for (let i = 0; i < runsPerCell; i++) {
      const plan = planFor(scenario, world, seedOf(rootSeed, cellKey(cell), i));
      await recordFsyncSites(plan, (site, target) => {
        let s = sites.get(site);
        if (s === undefined) sites.set(site, (s = { calls: 0, targets: new Set() }));
        s.calls++;
        if (target !== undefined) s.targets.add(target);
      });
    }
  }
  return [...sites.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, s]) => {
      const d = callSiteDetails(id);
      return { id, fn: d?.fn ?? '', callers: d?.callers ?? [], targets: [...s.targets].sort(), calls: s.calls };
    });
}

/** Runs `plan` like executePlan, telling `onFsync` the site and target of every fsync. */
async function recordFsyncSites(plan: Plan, onFsync: (site: string, target: string | undefined) => void): Promise<void> {
  const x = new Execution(plan, { recordSites: 'fsync', acknowledgeFindings: findingIdsOf(plan.design) });
  x.probeFsOp = (op) => {
    if (op.primitive !== 'fsync' || op.site === undefined) return;
    const fd = op.args[0];
    const info = typeof fd === 'number' ? x.cur.vfs.fdInfo(fd) : undefined;
    onFsync(op.site, info?.path === undefined ? undefined : targetPattern(info.path, info.type === 'dir'));
  };
  x.startIncarnation(initialVfs(plan), undefined);
  for (const [i, c] of plan.commands.entries()) {
    if (x.over) break;
    await x.command(c, i);
  }
  if (plan.liveness && !x.over) await x.liveness();
  x.finish();
}

/** Every ablation of `design`: each fsync site skipped, each pair of adjacent write groups swapped. */
export function ablationsOf(design: string, sites: readonly FsyncSite[]): AblationSpec[] {
  const out: AblationSpec[] = sites.map((s) => ({
    id: `fsync@${s.id}`,
    ablation: { kind: 'fsync', site: s.id },
    what: `the fsync ${s.fn === '' ? '' : `in ${s.fn} `}(${s.targets.join(', ') || 'no file seen'}) skipped`,
    where: s.id,
  }));
  for (const [a, b] of swapCandidates(getDesign(design).design)) {
    out.push({ id: `swap:${a}/${b}`, ablation: { kind: 'swap', groups: [a, b] }, what: `write groups ${a} and ${b} of the persist loop run in the opposite order`, where: `persist loop: ${a} ↔ ${b}` });
  }
  return out;
}

/** A note on an ablation the suite does not catch: why, in words. */
export interface AblationNote {
  /** superfluous: the barrier does not matter where the suite looks; gap: it matters and the suite misses it */
  readonly verdict: 'superfluous' | 'gap';
  readonly text: string;
}

/** The first NEW failure of an ablated sweep (and what shrinking and the explanation made of it). */
export interface FirstNew {
  readonly cell: string;
  readonly index: number;
  readonly seed: number;
  readonly code: string;
  readonly invariant: string;
  readonly message: string;
  readonly token: string;
  readonly replay: string;
  readonly commands: number;
  readonly shrunk: { readonly code: string; readonly message: string; readonly token: string; readonly replay: string; readonly commands: number } | undefined;
  /** the nearest-image explanation (scenarios/explain.ts) */
  readonly explanation: string | undefined;
  /** which run it explains: the shrunk one (what the replay command shows), or the original when shrinking lost the pair */
  readonly explanationOf: 'shrunk' | 'original' | undefined;
}

export interface AblationOutcome {
  readonly spec: AblationSpec;
  readonly status: 'caught' | 'not-caught';
  /** runs made (a caught ablation stops at its first NEW failure) */
  readonly runs: number;
  /** 1-based position of the first NEW failure in the sweep's run order */
  readonly runsToFirstNew: number | undefined;
  readonly seconds: number;
  readonly firstNew: FirstNew | undefined;
  /** known findings met (acknowledged or ending a run): id → occurrences */
  readonly knownSeen: Readonly<Record<string, number>>;
  /** known findings met far more often than without the ablation: the classification takes it for them */
  readonly maskedAs: readonly string[];
  readonly note: AblationNote | undefined;
  /** not caught: the same ablation on other disk personalities (is the barrier needed there?) */
  readonly rechecks: readonly Recheck[];
  /** NEW failures passed over because the unablated design breaks the same way on the same plan (its own bugs) */
  readonly baseOwnNew: number;
}

/** An uncaught ablation run again on another personality: caught there (the code and its replay) or not. */
export interface Recheck {
  readonly personality: Personality;
  readonly status: 'caught' | 'not-caught';
  readonly runs: number;
  readonly code: string | undefined;
  readonly cell: string | undefined;
  readonly replay: string | undefined;
}

/**
 * Known findings an ablation makes far more frequent than the unablated sweep
 * (≥ 2× and ≥ 10 more over the same runs): the ablation shows, but as known.
 */
export function maskingFindings(seen: Readonly<Record<string, number>>, runs: number, baseline: Readonly<Record<string, number>> | undefined, baselineRuns: number): string[] {
  if (baseline === undefined || runs === 0 || baselineRuns === 0) return [];
  const scale = runs / baselineRuns;
  return Object.entries(seen)
    .filter(([id, n]) => {
      const expected = (baseline[id] ?? 0) * scale;
      return n >= 2 * expected && n - expected >= 10;
    })
    .map(([id]) => id)
    .sort();
}
