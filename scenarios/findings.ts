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
}

const ALL: readonly Personality[] = ['ext4-ordered', 'strict-posix', 'ordered'];

export const FINDINGS: readonly Finding[] = [
  { id: 'F1', design: 'seed', personalities: ALL, codes: ['I2/published-by-prune', 'I2/published-lost-by-crash'], faults: 'any', title: 'prune publishes a fast-forwarded CommitQC before it is on disk; a crash then loses a published CommitQC' },
  { id: 'F2', design: 'seed', personalities: ALL, codes: ['X2/regressed-by-persist'], faults: 'any', title: 'after a fast-forward the persist loop publishes an older CommitQC: latestCommitQC goes backwards' },
  {
    id: 'F3',
    design: 'seed',
    personalities: ['strict-posix'],
    codes: ['I3/vote-not-durable', 'I2/published-by-persist', 'I1/appqc-without-commitqc', 'I9/below-cursor-not-durable', 'I3/voted-block-lost-by-crash', 'I2/published-lost-by-crash', 'I5/error:persisted AppQC at road index N but no matching commitQC on disk'],
    faults: 'any',
    title: 'no directory fsync: new block and CommitQC files (and blocks/, commitqcs/ themselves) can vanish after their fsync',
  },
  { id: 'F4', design: 'seed', personalities: ALL, codes: ['I5/abort:decode block file*'], faults: 'any', title: 'an empty block file (created, data not yet durable, or a failed write) makes the restart panic' },
  { id: 'F5', design: 'seed', personalities: ALL, codes: ['X1/own-equivocation'], faults: 'any', title: 'after a crash the node re-produces an own block it had already disseminated, with different content' },
  { id: 'F6', design: 'seed', personalities: ALL, codes: ['I5/error:persisted AppQC at road index N but no matching commitQC on disk'], faults: 'any', title: 'after a fast-forward, an old CommitQC file whose unlink was lost makes the gap-truncating loader drop the AppQC\'s CommitQC: restart fails' },
  { id: 'F7', design: 'seed', personalities: ['ext4-ordered', 'ordered'], codes: ['I3/voted-block-lost-by-crash'], faults: 'some', title: 'a corrupt read of one block file at startup truncates the lane at that gap: blocks the node voted for are gone' },
  { id: 'F8', design: 'seed', personalities: ['ext4-ordered', 'ordered'], codes: ['I3/vote-not-durable', 'I9/below-cursor-not-durable'], faults: 'some', title: 'after an fsync failure and a process restart, the node loads page-cache-only blocks as persisted and votes for them (fsyncgate)' },
  { id: 'F9', design: 'seed', personalities: ALL, codes: ['I3/voted-block-lost-by-crash'], faults: 'any', title: 'old block files are deleted (step 2) before the AppQC that justifies it is written (step 4): a crash in between loses voted blocks' },
];

function codeMatches(pattern: string, code: string): boolean {
  return pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : pattern === code;
}

/** The known finding a violation matches, if any. */
export function knownFinding(design: string, personality: Personality, code: string, faultsBefore = 0): Finding | undefined {
  return FINDINGS.find(
    (f) =>
      f.design === design &&
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
