/**
 * Option values: parsing and validation shared by the commands. Every parser
 * throws commander's InvalidArgumentError with the allowed range, so a bad value
 * ends as one line and exit code 2.
 */
import { InvalidArgumentError } from 'commander';
import { designIds } from '../scenarios/designs.js';
import { NAMED_SCENARIOS } from '../scenarios/named.js';
import { PERSONALITY_NAMES, TORN_MODE_NAMES, type FaultMode, type TornMode } from '../scenarios/plan.js';
import { RENAMED_PERSONALITIES, type Personality } from '../sim/vfs/model.js';

export const LIMITS = {
  runsPerCellMax: 1_000_000,
  /** runs of one invocation (every run's record goes into summary.json): shard bigger sweeps */
  runsTotalMax: 500_000,
  workersMax: 64,
  shardCountMax: 10_000,
  timeBudgetSecondsMax: 7 * 24 * 3600,
  seedCharsMax: 100,
  cellsMax: 10_000,
  shrinkRunsMax: 10_000,
} as const;

/**
 * The default scenario mix of `crashsim run`: crashes, recovery, the
 * persist/prune race, fast-forward, torn writes and one-shot disk faults.
 * Left out by default (run them with --scenario): `steady` (no crashes),
 * `long-haul` (5× slower per run), `torn-writes-byte`, `swarm-faults`.
 */
export const DEFAULT_SCENARIOS: readonly string[] = ['crash-restart', 'model', 'persist-prune-race', 'fast-forward', 'recovery-crash', 'torn-writes', 'write-errors', 'read-corruption'];

/**
 * The designs of the default `crashsim run`: what a team that ships the merged code
 * wants checked (README "Designs"). `merged` is the code that shipped — its known
 * findings are reported as known, anything else fails the run; `hardened` is the fix
 * crashsim recommends, with no known finding at all — any failure of it fails the run.
 * `seed` (the PR text's design) is left to `--design seed`: nobody ships it.
 */
export const DEFAULT_DESIGNS: readonly string[] = ['merged', 'hardened'];

/** Runs per cell of `crashsim ablate` and `crashsim mutants` (one design each). */
export const DEFAULT_RUNS_PER_CELL = 300;

/**
 * Runs per cell of the default `crashsim run`: two designs × eight scenarios × 100
 * runs = 1,600 runs, about a minute on a 2-core machine (README; merged and hardened
 * runs take about half the CPU time of seed's, whose default was 300 × 8).
 */
export const RUN_DEFAULT_RUNS_PER_CELL = 100;

export const FAULT_MODES: readonly FaultMode[] = ['off', 'swarm'];
export const TORN_MODES: readonly TornMode[] = TORN_MODE_NAMES;

export function intIn(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const t = v.trim();
    if (!/^[0-9]+$/.test(t) || !Number.isSafeInteger(Number(t)) || Number(t) < min || Number(t) > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    return Number(t);
  };
}

export function secondsIn(name: string, max: number): (v: string) => number {
  return (v: string) => {
    const t = v.trim();
    const n = Number(t);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(t) || !(n > 0) || n > max) throw new InvalidArgumentError(`${name} must be a number of seconds in (0, ${max}], got ${JSON.stringify(v)}`);
    return n;
  };
}

/** A comma-separated list of known names; `all` means every one. */
function listOf<T extends string>(what: string, known: readonly T[], extra: Readonly<Record<string, readonly T[]>> = {}): (v: string) => T[] {
  return (v: string) => {
    const parts = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (parts.length === 0) throw new InvalidArgumentError(`expected one or more ${what}s (comma-separated): ${[...known, 'all'].join(', ')}`);
    const out: T[] = [];
    for (const p of parts) {
      const group = p === 'all' ? known : extra[p];
      const add = group ?? ((known as readonly string[]).includes(p) ? [p as T] : undefined);
      if (add === undefined) throw new InvalidArgumentError(`unknown ${what} ${JSON.stringify(p)}; known: ${[...known, 'all', ...Object.keys(extra)].join(', ')}`);
      for (const a of add) if (!out.includes(a)) out.push(a);
    }
    return out;
  };
}

export const parseScenarios = (v: string): string[] => listOf('scenario', NAMED_SCENARIOS.map((s) => s.id), { default: DEFAULT_SCENARIOS })(v);
export const parseDesigns = (v: string): string[] => listOf('design', designIds())(v);
/** The personality of `crashsim run` and `explore` when none is given: ext4, the disk users run on (README). */
export const DEFAULT_PERSONALITY: Personality = 'ext4';

/** A renamed personality (e.g. ext4-ordered) is refused with its new name. */
function refuseRenamed(v: string): void {
  for (const p of v.split(',').map((s) => s.trim())) {
    const renamed = RENAMED_PERSONALITIES[p];
    if (renamed !== undefined) throw new InvalidArgumentError(renamed);
  }
}

export const parsePersonalities = (v: string): Personality[] => {
  refuseRenamed(v);
  return listOf<Personality>('personality', PERSONALITY_NAMES)(v);
};

export const parsePersonality = (v: string): Personality => {
  refuseRenamed(v);
  return parseOne('personality', PERSONALITY_NAMES)(v);
};
export const parseFaultModes = (v: string): FaultMode[] => listOf<FaultMode>('fault mode', FAULT_MODES)(v);

export function parseOne<T extends string>(what: string, known: readonly T[]): (v: string) => T {
  return (v: string) => {
    if (!(known as readonly string[]).includes(v)) throw new InvalidArgumentError(`unknown ${what} ${JSON.stringify(v)}; known: ${known.join(', ')}`);
    return v as T;
  };
}

/** `k/n` with 1 ≤ k ≤ n. */
export function parseShard(v: string): [number, number] {
  const m = /^\s*([0-9]+)\s*\/\s*([0-9]+)\s*$/.exec(v);
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (m === null || !Number.isSafeInteger(k) || !Number.isSafeInteger(n) || n < 1 || n > LIMITS.shardCountMax || k < 1 || k > n) {
    throw new InvalidArgumentError(`shard must be k/n with 1 ≤ k ≤ n ≤ ${LIMITS.shardCountMax}, got ${JSON.stringify(v)}`);
  }
  return [k, n];
}

export function parseSeed(v: string): string {
  const s = v.trim();
  if (s === '' || s.length > LIMITS.seedCharsMax || !/^[\x21-\x7e]+$/.test(s)) throw new InvalidArgumentError(`seed must be 1–${LIMITS.seedCharsMax} printable characters without spaces, got ${JSON.stringify(v)}`);
  return s;
}
