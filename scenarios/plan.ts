/**
 * A Plan: everything one simulated run does, as plain JSON data (notes/scenarios.md).
 *
 * The seed sweep, the fast-check properties, the exhaustive explorer and
 * `crashsim replay` all build plans and hand them to one executor. Every choice
 * the harness makes — commands, step counts, crash points, crash-image index,
 * scheduler decisions, explicit faults — is a field here, so fast-check shrinks
 * them together and a replay token is just the plan.
 *
 * `parsePlan` validates untrusted JSON (tokens, scenario files) field by field
 * and names the first bad field; nothing downstream re-checks.
 */
import { checkPersonality, PERSONALITIES, type Personality } from '../sim/vfs/model.js';

export const PLAN_VERSION = 1;

export const PERSONALITY_NAMES: readonly Personality[] = PERSONALITIES;

/** How the scheduler picks the next task (see sim/sched/strategy.ts). */
export type ScheduleSpec =
  | { readonly kind: 'random' }
  | { readonly kind: 'pct'; readonly depth: number }
  /** decision i steers step i: 0 = round-robin default, k > 0 = the ((k−1) mod m)-th enabled task; beyond the list: default */
  | { readonly kind: 'guided'; readonly decisions: readonly number[] };

/** Random faults drawn per seed by the fault layer, or none. */
export type FaultMode = 'off' | 'swarm';

/** Torn writes in crash images: none, at 512-byte sectors, at any byte, shorn inside sectors, or at the end of a top-level field (scenarios/execute.ts tornOptions). */
export type TornMode = 'off' | 'sector' | 'byte' | 'shorn' | 'field';
export const TORN_MODE_NAMES: readonly TornMode[] = ['off', 'sector', 'byte', 'shorn', 'field'];

/** Which fs primitives a targeted crash point counts. */
export type CrashPrimitive = 'write' | 'fsync' | 'unlink' | 'open' | 'close';
export const CRASH_PRIMITIVES: readonly CrashPrimitive[] = ['write', 'fsync', 'unlink', 'open', 'close'];
export interface CrashFilter {
  readonly primitive: CrashPrimitive;
  readonly target: FaultTarget;
}

/** Which crash images a crash command picks from: `torn` — only those that tear a pending write (all images when none does). */
export type ImagePick = 'torn';
export const IMAGE_PICKS: readonly ImagePick[] = ['torn'];

/** Which files a scripted fault may hit: any, the A/B pair, block files, CommitQC files. */
export type FaultTarget = 'any' | 'ab' | 'blocks' | 'commitqcs';
export const FAULT_TARGETS: readonly FaultTarget[] = ['any', 'ab', 'blocks', 'commitqcs'];

/** The fault kinds of sim/vfs/faults.ts, injectable one at a time by a `fault` command. */
export type FaultKind = 'write-eio' | 'write-enospc' | 'short-write' | 'fsync-fail' | 'read-corruption';
export const FAULT_KINDS: readonly FaultKind[] = ['write-eio', 'write-enospc', 'short-write', 'fsync-fail', 'read-corruption'];

export type Command =
  /** the node produces `count` blocks on its own lane (ProduceBlock; waits for capacity) */
  | { readonly c: 'produce'; readonly count: number }
  /** peer `peer` (0-based among the peers) produces `count` blocks and delivers everything the node lacks */
  | { readonly c: 'peerBlocks'; readonly peer: number; readonly count: number }
  /** the peers deliver their votes for every block the node may still need */
  | { readonly c: 'votes' }
  /** the peers form `count` CommitQCs and deliver every CommitQC the node lacks, in order */
  | { readonly c: 'commitQC'; readonly count: number }
  /** the peers deliver AppVotes for their latest CommitQC that can have an AppQC */
  | { readonly c: 'appVotes' }
  /** the peers run `ahead` CommitQCs ahead without the node, then hand it the AppQC (fast-forward) */
  | { readonly c: 'appQC'; readonly ahead: number }
  /** let the world run `steps` scheduler steps (or until everything is blocked) */
  | { readonly c: 'run'; readonly steps: number }
  /**
   * power loss after `afterFsOps` more fs primitives (or when everything is blocked);
   * with `only`, counting just that primitive on that kind of file (e.g. right before the
   * next fsync of the A/B file). image = index into the crash images (mod their count)
   */
  | { readonly c: 'crash'; readonly afterFsOps: number; readonly image: number; readonly only?: CrashFilter; readonly pick?: ImagePick }
  /** the node process restarts without power loss (the page cache survives) */
  | { readonly c: 'restart' }
  /** the `nth` (0-based) next fs primitive of the fault's kind on a file of `target` (default any) fails */
  | { readonly c: 'fault'; readonly kind: FaultKind; readonly nth: number; readonly target?: FaultTarget };

/**
 * One barrier taken out of the system under test (scenarios/ablation.ts), part of
 * the plan so an ablated run replays from its token:
 *  - `fsync`: every fsync issued from call site `site` (`src/…:line`, the
 *    code that asked for it, above the shared fs helpers) is skipped and succeeds;
 *  - `swap`: the persist loop runs write groups `groups[0]` and `groups[1]`
 *    (adjacent, by name) in the opposite order.
 */
export type Ablation =
  | { readonly kind: 'fsync'; readonly site: string }
  | { readonly kind: 'swap'; readonly groups: readonly [string, string] };

export interface Plan {
  readonly v: typeof PLAN_VERSION;
  /** design id: `seed`, or a variant/mutant id registered in scenarios/designs.ts */
  readonly design: string;
  readonly personality: Personality;
  readonly faults: FaultMode;
  readonly torn: TornMode;
  readonly committeeSize: number;
  /** the node under test's index in the committee */
  readonly nodeIndex: number;
  /** root seed of every stream the plan does not pin down (payloads, map orders, fault draws) */
  readonly seed: string;
  readonly schedule: ScheduleSpec;
  readonly commands: readonly Command[];
  /** after the last command: faults off, the node must make progress */
  readonly liveness: boolean;
  /** steps one incarnation of the node may take before the run counts as a livelock */
  readonly budgetSteps: number;
  /** steps the liveness phase may take */
  readonly livenessBudgetSteps: number;
  /** a barrier taken out (`crashsim ablate`); absent in ordinary runs */
  readonly ablation?: Ablation;
}

/** Limits that keep a hand-written or corrupted plan from running away. */
export const PLAN_LIMITS = {
  committeeSizeMax: 16,
  commandsMax: 10_000,
  countMax: 1_000,
  stepsMax: 10_000_000,
  decisionsMax: 1_000_000,
  pctDepthMax: 64,
  seedCharsMax: 200,
} as const;

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

type Json = unknown;

function obj(v: Json, at: string): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PlanError(`${at}: expected an object`);
  return v as Record<string, Json>;
}

function int(v: Json, at: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new PlanError(`${at}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(v: Json, at: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) throw new PlanError(`${at}: expected one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function str(v: Json, at: string, maxChars: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > maxChars) throw new PlanError(`${at}: expected a non-empty string of at most ${maxChars} characters`);
  return v;
}

function bool(v: Json, at: string): boolean {
  if (typeof v !== 'boolean') throw new PlanError(`${at}: expected true or false`);
  return v;
}

function parseSchedule(v: Json, at: string): ScheduleSpec {
  const o = obj(v, at);
  const kind = oneOf(o['kind'], `${at}.kind`, ['random', 'pct', 'guided'] as const);
  if (kind === 'random') return { kind };
  if (kind === 'pct') return { kind, depth: int(o['depth'], `${at}.depth`, 1, PLAN_LIMITS.pctDepthMax) };
  const d = o['decisions'];
  if (!Array.isArray(d) || d.length > PLAN_LIMITS.decisionsMax) throw new PlanError(`${at}.decisions: expected an array of at most ${PLAN_LIMITS.decisionsMax} integers`);
  return { kind, decisions: d.map((x, i) => int(x, `${at}.decisions[${i}]`, 0, 2 ** 31 - 1)) };
}

function parseCommand(v: Json, at: string, peers: number): Command {
  const o = obj(v, at);
  const c = oneOf(o['c'], `${at}.c`, ['produce', 'peerBlocks', 'votes', 'commitQC', 'appVotes', 'appQC', 'run', 'crash', 'restart', 'fault'] as const);
  const count = (): number => int(o['count'], `${at}.count`, 1, PLAN_LIMITS.countMax);
  switch (c) {
    case 'produce':
      return { c, count: count() };
    case 'peerBlocks':
      return { c, peer: int(o['peer'], `${at}.peer`, 0, peers - 1), count: count() };
    case 'votes':
    case 'appVotes':
    case 'restart':
      return { c };
    case 'commitQC':
      return { c, count: count() };
    case 'appQC':
      return { c, ahead: int(o['ahead'], `${at}.ahead`, 0, PLAN_LIMITS.countMax) };
    case 'run':
      return { c, steps: int(o['steps'], `${at}.steps`, 0, PLAN_LIMITS.stepsMax) };
    case 'crash': {
      const afterFsOps = int(o['afterFsOps'], `${at}.afterFsOps`, 0, PLAN_LIMITS.stepsMax);
      const image = int(o['image'], `${at}.image`, 0, 2 ** 31 - 1);
      const pick = o['pick'] === undefined ? {} : { pick: oneOf(o['pick'], `${at}.pick`, IMAGE_PICKS) };
      if (o['only'] === undefined) return { c, afterFsOps, image, ...pick };
      const f = obj(o['only'], `${at}.only`);
      return { c, afterFsOps, image, only: { primitive: oneOf(f['primitive'], `${at}.only.primitive`, CRASH_PRIMITIVES), target: oneOf(f['target'], `${at}.only.target`, FAULT_TARGETS) }, ...pick };
    }
    case 'fault': {
      const kind = oneOf(o['kind'], `${at}.kind`, FAULT_KINDS);
      const nth = int(o['nth'], `${at}.nth`, 0, PLAN_LIMITS.stepsMax);
      return o['target'] === undefined ? { c, kind, nth } : { c, kind, nth, target: oneOf(o['target'], `${at}.target`, FAULT_TARGETS) };
    }
  }
}

function personalityOf(v: Json): Personality {
  try {
    return checkPersonality(v, 'plan.personality');
  } catch (e) {
    throw e instanceof RangeError ? new PlanError(e.message) : e;
  }
}

const SITE_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,180}\.[cm]?[jt]s:\d{1,6}$/;
const GROUP_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

function parseAblation(v: Json, at: string): Ablation {
  const o = obj(v, at);
  const kind = oneOf(o['kind'], `${at}.kind`, ['fsync', 'swap'] as const);
  if (kind === 'fsync') {
    const site = str(o['site'], `${at}.site`, 200);
    if (!SITE_PATTERN.test(site)) throw new PlanError(`${at}.site: expected a source location <file>.ts:<line>, got ${JSON.stringify(site)}`);
    return { kind, site };
  }
  const g = o['groups'];
  if (!Array.isArray(g) || g.length !== 2 || !g.every((x) => typeof x === 'string' && GROUP_PATTERN.test(x)) || g[0] === g[1]) {
    throw new PlanError(`${at}.groups: expected two different write-group names`);
  }
  return { kind, groups: [g[0] as string, g[1] as string] };
}

/** Validates untrusted JSON as a Plan; throws PlanError naming the first bad field. */
export function parsePlan(v: Json): Plan {
  const o = obj(v, 'plan');
  const version = o['v'];
  if (version !== PLAN_VERSION) throw new PlanError(`plan.v: this crashsim reads plan version ${PLAN_VERSION}, got ${JSON.stringify(version)}`);
  const committeeSize = int(o['committeeSize'], 'plan.committeeSize', 4, PLAN_LIMITS.committeeSizeMax);
  const cmds = o['commands'];
  if (!Array.isArray(cmds) || cmds.length > PLAN_LIMITS.commandsMax) throw new PlanError(`plan.commands: expected an array of at most ${PLAN_LIMITS.commandsMax} commands`);
  return {
    v: PLAN_VERSION,
    design: str(o['design'], 'plan.design', 100),
    personality: personalityOf(o['personality']),
    faults: oneOf(o['faults'], 'plan.faults', ['off', 'swarm'] as const),
    torn: oneOf(o['torn'], 'plan.torn', TORN_MODE_NAMES),
    committeeSize,
    nodeIndex: int(o['nodeIndex'], 'plan.nodeIndex', 0, committeeSize - 1),
    seed: str(o['seed'], 'plan.seed', PLAN_LIMITS.seedCharsMax),
    schedule: parseSchedule(o['schedule'], 'plan.schedule'),
    commands: cmds.map((c, i) => parseCommand(c, `plan.commands[${i}]`, committeeSize - 1)),
    liveness: bool(o['liveness'], 'plan.liveness'),
    budgetSteps: int(o['budgetSteps'], 'plan.budgetSteps', 1, PLAN_LIMITS.stepsMax),
    livenessBudgetSteps: int(o['livenessBudgetSteps'], 'plan.livenessBudgetSteps', 1, PLAN_LIMITS.stepsMax),
    ...(o['ablation'] === undefined ? {} : { ablation: parseAblation(o['ablation'], 'plan.ablation') }),
  };
}

/** The ablation in words (reports, replay). */
export function describeAblation(a: Ablation): string {
  return a.kind === 'fsync' ? `fsync at ${a.site} skipped` : `write groups ${a.groups[0]} and ${a.groups[1]} swapped`;
}

/** One line per command, for reports and shrunk counterexamples. */
export function describeCommand(c: Command): string {
  switch (c.c) {
    case 'produce': return `node produces ${c.count} block(s)`;
    case 'peerBlocks': return `peer ${c.peer} produces ${c.count} block(s) and delivers`;
    case 'votes': return 'peers deliver votes';
    case 'commitQC': return `peers form ${c.count} CommitQC(s) and deliver`;
    case 'appVotes': return 'peers deliver AppVotes';
    case 'appQC': return `peers run ${c.ahead} CommitQC(s) ahead, then deliver the AppQC (fast-forward)`;
    case 'run': return `run ${c.steps} steps`;
    case 'crash':
      return c.only === undefined
        ? `power loss after ${c.afterFsOps} more fs primitive(s), ${c.pick === 'torn' ? 'torn ' : ''}crash image #${c.image}`
        : `power loss before the ${ordinal(c.afterFsOps + 1)} next ${c.only.primitive}${c.only.target === 'any' ? '' : ` of ${TARGET_TEXT[c.only.target]}`}, ${c.pick === 'torn' ? 'torn ' : ''}crash image #${c.image}`;
    case 'restart': return 'node process restarts (no power loss)';
    case 'fault': return `fault: the ${ordinal(c.nth + 1)} next ${FAULT_PRIMITIVE[c.kind]}${c.target === undefined || c.target === 'any' ? '' : ` of ${TARGET_TEXT[c.target]}`} gets ${c.kind}`;
  }
}

const TARGET_TEXT: Readonly<Record<FaultTarget, string>> = { any: 'any file', ab: 'the A/B file', blocks: 'a block file', commitqcs: 'a CommitQC file' };

/** The fs primitive each fault kind hits. */
export const FAULT_PRIMITIVE: Readonly<Record<FaultKind, 'write' | 'fsync' | 'read'>> = {
  'write-eio': 'write', 'write-enospc': 'write', 'short-write': 'write', 'fsync-fail': 'fsync', 'read-corruption': 'read',
};

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}
