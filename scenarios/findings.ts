/**
 * Known findings: invariants the harness shows broken in a *faithful* design.
 * Each is a result, kept with its replay command (reports/findings.md) and a
 * test that asserts the harness still finds it (test/crash/findings.test.ts).
 * A campaign recognises a failure as known when design, personality, code and
 * fault condition match; anything else is new.
 */
import type { Personality } from '../sim/vfs/model.js';

export interface Finding {
  readonly id: string;
  readonly design: string;
  /** personalities where it shows; a failure elsewhere counts as new */
  readonly personalities: readonly Personality[];
  /** violation codes (`<invariant>/<kind>`), each exact or a prefix ending in `*` */
  readonly codes: readonly string[];
  /** 'none': shows without any disk fault; 'some': needs an injected fault first; 'any' */
  readonly faults: 'none' | 'some' | 'any';
  readonly title: string;
  /** where a campaign finds it: the cell and how many runs it may take (test/crash/findings.test.ts) */
  readonly foundIn: { readonly scenario: string; readonly personality: Personality; readonly faults: 'off' | 'swarm'; readonly runsMax: number };
}

const ALL: readonly Personality[] = ['ext4', 'ext4-weak', 'strict-posix', 'ordered'];

export const FINDINGS: readonly Finding[] = [
  { id: 'F1', design: 'seed', personalities: ALL, codes: ['I2/published-by-prune', 'I2/published-lost-by-crash'], faults: 'any', title: 'prune publishes a fast-forwarded CommitQC before it is on disk; a crash then loses a published CommitQC', foundIn: { scenario: 'persist-prune-race', personality: 'ext4-weak', faults: 'off', runsMax: 3 } },
  { id: 'F2', design: 'seed', personalities: ALL, codes: ['X2/regressed-by-persist', 'I11/appended-beyond-published'], faults: 'any', title: 'after a fast-forward the persist loop publishes an older CommitQC: latestCommitQC goes backwards (and PushCommitQC then appends past it, I11)', foundIn: { scenario: 'persist-prune-race', personality: 'ext4-weak', faults: 'off', runsMax: 5 } },
  {
    id: 'F3',
    design: 'seed',
    personalities: ['strict-posix'],
    codes: ['I3/vote-not-durable', 'I2/published-by-persist', 'I1/appqc-without-commitqc', 'I9/below-cursor-not-durable', 'I3/voted-block-lost-by-crash', 'I2/published-lost-by-crash', 'I5/error:persisted AppQC at road index N but no matching commitQC on disk'],
    faults: 'any',
    title: 'no directory fsync: new block and CommitQC files (and blocks/, commitqcs/ themselves) can vanish after their fsync', foundIn: { scenario: 'steady', personality: 'strict-posix', faults: 'off', runsMax: 3 },
  },
  { id: 'F4', design: 'seed', personalities: ALL, codes: ['I5/abort:decode block file*'], faults: 'any', title: 'an empty block file (created, data not yet durable, or a failed write) makes the restart panic', foundIn: { scenario: 'torn-writes', personality: 'ordered', faults: 'off', runsMax: 30 } },
  { id: 'F5', design: 'seed', personalities: ALL, codes: ['X1/own-equivocation'], faults: 'any', title: 'after a crash the node re-produces an own block it had already disseminated, with different content', foundIn: { scenario: 'torn-writes-byte', personality: 'ordered', faults: 'off', runsMax: 30 } },
  { id: 'F6', design: 'seed', personalities: ALL, codes: ['I5/error:persisted AppQC at road index N but no matching commitQC on disk'], faults: 'any', title: 'after a fast-forward, an old CommitQC file whose unlink was lost makes the gap-truncating loader drop the AppQC\'s CommitQC: restart fails', foundIn: { scenario: 'fast-forward', personality: 'ordered', faults: 'off', runsMax: 30 } },
  { id: 'F7', design: 'seed', personalities: ['ext4', 'ext4-weak', 'ordered'], codes: ['I3/voted-block-lost-by-crash'], faults: 'some', title: 'a corrupt read of one block file at startup truncates the lane at that gap: blocks the node voted for are gone', foundIn: { scenario: 'read-corruption', personality: 'ext4-weak', faults: 'off', runsMax: 30 } },
  { id: 'F8', design: 'seed', personalities: ['ext4', 'ext4-weak', 'ordered'], codes: ['I3/vote-not-durable', 'I9/below-cursor-not-durable', 'I1/appqc-without-commitqc', 'I2/published-by-persist'], faults: 'any', title: 'after a process restart (a kill between write and fsync, or an fsync failure) the node loads page-cache-only data as persisted and votes for it (fsyncgate)', foundIn: { scenario: 'write-errors', personality: 'ext4-weak', faults: 'off', runsMax: 30 } },
  { id: 'F9', design: 'seed', personalities: ALL, codes: ['I3/voted-block-lost-by-crash'], faults: 'any', title: 'old block files are deleted (step 2) before the AppQC that justifies it is written (step 4): a crash in between loses voted blocks', foundIn: { scenario: 'long-haul', personality: 'ordered', faults: 'off', runsMax: 30 } },
  {
    id: 'F10',
    design: 'seed',
    personalities: ALL,
    codes: ['I5/error:NewPersister avail_inner: no valid state*'],
    faults: 'any',
    title: 'a torn or failed first write of the A/B file leaves a corrupt slot beside an empty one: the load decision is an error and the node never restarts',
    foundIn: { scenario: 'ab-write-errors', personality: 'ext4-weak', faults: 'off', runsMax: 30 },
  },
  {
    id: 'F11',
    design: 'seed',
    personalities: ALL,
    codes: ['I5/error:NewPersister avail_inner: unmarshal persisted*'],
    faults: 'any',
    title: 'a torn A/B write whose unwritten tail reads as zeros still parses as a wrapper; its payload does not, and the loader refuses to fall back to the other, valid slot',
    foundIn: { scenario: 'torn-targeted', personality: 'ordered', faults: 'off', runsMax: 30 },
  },
  {
    id: 'F12',
    design: 'seed',
    personalities: ALL,
    codes: ['LIVENESS/livelock:avail/persist'],
    faults: 'any',
    title: 'the persist loop busy-spins when a prune empties a lane past its persistence cursor: the wake predicate holds, the batch is empty, nothing moves the cursor',
    foundIn: { scenario: 'torn-targeted', personality: 'ordered', faults: 'off', runsMax: 30 },
  },
  {
    id: 'F13',
    design: 'seed',
    personalities: ALL,
    codes: ['I4/delete-at-or-above-appqc'],
    faults: 'some',
    title: 'a corrupt read of a CommitQC file at startup (a sticky bit flip) makes the loader skip it, and the cleanup then deletes it although no durable AppQC justifies that: a read error destroys durable data',
    foundIn: { scenario: 'read-corruption', personality: 'ordered', faults: 'off', runsMax: 150 },
  },
];

function codeMatches(pattern: string, code: string): boolean {
  return pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : pattern === code;
}

/** Findings belong to faithful designs; a variant or mutant `base~name` inherits its base's. */
export function baseDesign(design: string): string {
  const i = design.indexOf('~');
  return i < 0 ? design : design.slice(0, i);
}

/** The known finding a violation matches, if any. */
export function knownFinding(design: string, personality: Personality, code: string, faultsBefore = 0): Finding | undefined {
  const base = baseDesign(design);
  return FINDINGS.find(
    (f) =>
      f.design === base &&
      f.personalities.includes(personality) &&
      (f.faults === 'any' || (f.faults === 'some') === faultsBefore > 0) &&
      f.codes.some((c) => codeMatches(c, code)),
  );
}

export function findingById(id: string): Finding {
  const f = FINDINGS.find((x) => x.id === id);
  if (f === undefined) throw new RangeError(`unknown finding ${id}`);
  return f;
}

/** Every known finding of `design`, by id (what campaigns look past by default). */
export function findingIdsOf(design: string): string[] {
  const base = baseDesign(design);
  return FINDINGS.filter((f) => f.design === base).map((f) => f.id);
}

/**
 * Looks past exactly the findings `ids`: returns the id of the finding a violation
 * is, when it is one of them; undefined (the run stops) for anything else.
 */
export function acknowledger(design: string, personality: Personality, ids: readonly string[]): (v: { readonly code: string; readonly faultsBefore: number }) => string | undefined {
  const set = new Set(ids);
  return (v) => {
    const k = knownFinding(design, personality, v.code, v.faultsBefore);
    return k !== undefined && set.has(k.id) ? k.id : undefined;
  };
}
