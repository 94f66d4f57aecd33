/**
 * Swaps of adjacent write groups of a design's persist loop (src/design/loop.ts
 * runs each persist task's groups in list order): the order ablations of
 * `crashsim ablate`. A swap is a different group list, never a copy of the loop.
 */
import type { Design } from '../src/design/types.js';
import { withGroups } from '../src/design/loop.js';
import { PlanError } from './plan.js';

/** Every pair of adjacent write groups of every persist task, in loop order. */
export function swapCandidates(design: Design): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const t of design.persistTasks) {
    for (let i = 0; i + 1 < t.groups.length; i++) out.push([(t.groups[i] as { name: string }).name, (t.groups[i + 1] as { name: string }).name]);
  }
  return out;
}

/** `design` with adjacent groups `a`, `b` (in that order, in one persist task) run as `b`, `a`. */
export function swapWriteGroups(design: Design, [a, b]: readonly [string, string]): Design {
  for (const t of design.persistTasks) {
    const i = t.groups.findIndex((g, j) => g.name === a && t.groups[j + 1]?.name === b);
    if (i < 0) continue;
    const swapped = withGroups(design, (gs) => [...gs.slice(0, i), gs[i + 1], gs[i], ...gs.slice(i + 2)] as typeof gs, t.name);
    return { ...swapped, name: `${design.name}~swap-${a}-${b}` };
  }
  const names = design.persistTasks.map((t) => `${t.name}: ${t.groups.map((g) => g.name).join(' → ')}`).join('; ');
  throw new PlanError(`design ${design.name} has no adjacent write groups ${a} → ${b} (${names})`);
}
