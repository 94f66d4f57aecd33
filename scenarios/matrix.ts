/**
 * The verdict matrix (`crashsim matrix`): every faithful design and every
 * variant × disk personality × fault profile, and per cell, per invariant:
 * held, broken (by which known finding, or new), or damage detected.
 *
 * A fault profile is a group of named scenarios that inject one kind of fault
 * (or none): the matrix runs each scenario of the group and folds their runs
 * into the cell. `swarm-faults` (every kind at once, per-seed profiles) is left
 * out: each profile isolates one kind, so a broken cell says which.
 */
import { designIds, getDesign } from './designs.js';

export interface FaultProfile {
  readonly id: string;
  /** column heading */
  readonly label: string;
  readonly scenarios: readonly string[];
}

export const FAULT_PROFILES: readonly FaultProfile[] = [
  { id: 'none', label: 'no faults', scenarios: ['steady', 'crash-restart', 'model', 'persist-prune-race', 'fast-forward', 'recovery-crash', 'long-haul'] },
  { id: 'torn', label: 'torn writes', scenarios: ['torn-writes', 'torn-writes-byte', 'torn-writes-shorn', 'torn-targeted', 'committee-10', 'torn-parseable'] },
  { id: 'write-errors', label: 'write/fsync errors', scenarios: ['write-errors', 'ab-write-errors'] },
  { id: 'read-corruption', label: 'read corruption', scenarios: ['read-corruption'] },
];

export function profileOfScenario(scenario: string): FaultProfile | undefined {
  return FAULT_PROFILES.find((p) => p.scenarios.includes(scenario));
}

/** What the matrix is about: the faithful designs and the variants (never the mutants), in registration order. */
export function matrixDesigns(): string[] {
  return designIds().filter((id) => getDesign(id).kind !== 'mutant');
}

/**
 * Runs per scenario, design and personality of the default matrix: with the
 * default designs, personalities and profiles this is the budget that keeps
 * `crashsim matrix` within 15 minutes on 2 cores (measured: docs/verdicts.md).
 */
export const MATRIX_RUNS_DEFAULT = 12;
