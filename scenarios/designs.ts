/**
 * Designs a plan can name: the faithful designs and their variants/mutants.
 *
 * A mutant overrides one hook of a faithful design (src/design/types.ts) to
 * remove one safeguard; the crash suite must catch every mutant — that is how
 * the suite proves its power. Fixes of findings would be added here too, as
 * separately named variants, never by editing a faithful design.
 */
import type { Design } from '../src/design/types.js';
import { seedDesign } from '../src/design/seed.js';
import { mergedDesign } from '../src/design/merged.js';
import { hardenedDesign } from '../src/design/hardened.js';
import { MUTANTS } from './mutants.js';
import type { AbPayload } from './oracles/disk.js';
import type { Ablation } from './plan.js';
import { swapWriteGroups } from './write-groups.js';

export interface DesignEntry {
  readonly id: string;
  readonly design: Design;
  /** the A/B payload the oracles decode */
  readonly abPayload: AbPayload;
  /** one line for reports */
  readonly summary: string;
  /** faithful designs are what verdicts are about; mutants exist to be caught */
  readonly kind: 'faithful' | 'mutant' | 'variant';
}

const entries = new Map<string, DesignEntry>();

export function registerDesign(e: DesignEntry): void {
  if (entries.has(e.id)) throw new Error(`design ${e.id} registered twice`);
  entries.set(e.id, e);
}

registerDesign({ id: 'seed', design: seedDesign, abPayload: 'appQC', summary: 'the PR description\'s design (spec §0.1 "seed")', kind: 'faithful' });
registerDesign({ id: 'merged', design: mergedDesign, abPayload: 'anchor', summary: 'the PR\'s merge commit, the code that shipped (spec §0.1 "merged")', kind: 'faithful' });
registerDesign({ id: 'hardened', design: hardenedDesign, abPayload: 'anchor', summary: 'variant: merged plus the smallest fixes of its findings (src/design/hardened.ts) — what crashsim recommends upstream', kind: 'variant' });
for (const m of MUTANTS) registerDesign({ id: m.id, design: m.design, abPayload: getDesign(m.base).abPayload, summary: m.explains, kind: 'mutant' });

export function designIds(): string[] {
  return [...entries.keys()];
}

export function getDesign(id: string): DesignEntry {
  const e = entries.get(id);
  if (e === undefined) throw new RangeError(`unknown design ${JSON.stringify(id)}; known: ${designIds().join(', ')}`);
  return e;
}

/**
 * The design a plan's node runs: `design` with the plan's ablation applied. An
 * fsync ablation acts in the world (the fsync is skipped there), not here; a
 * swap reorders two adjacent write groups of the persist loop.
 */
export function ablatedDesign(design: Design, ablation: Ablation | undefined): Design {
  if (ablation === undefined || ablation.kind === 'fsync') return design;
  return swapWriteGroups(design, ablation.groups);
}
