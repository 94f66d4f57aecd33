/**
 * Why an ablation is not caught, in words: one note per barrier of a faithful
 * design that `crashsim ablate` takes out without the suite failing. A note says
 * either why the barrier is superfluous where the suite looks (the default
 * cells), or which scenario or oracle is missing (a gap). Keys are stable across
 * line moves: an fsync site by its file and function, a swap by its groups.
 * docs/ablation.md shows them next to the measured table.
 */
import type { AblationNote, AblationSpec, FsyncSite } from './ablation.js';

/** `fsync src/persist/ab.ts newABPersister`, `swap blocks/deleteOldBlocks` */
export function noteKey(spec: AblationSpec, site: FsyncSite | undefined): string {
  return spec.ablation.kind === 'fsync' ? `fsync ${spec.ablation.site.replace(/:\d+$/, '')} ${site?.fn ?? ''}`.trimEnd() : `swap ${spec.ablation.groups[0]}/${spec.ablation.groups[1]}`;
}

const NOTES: Readonly<Record<string, Readonly<Record<string, AblationNote>>>> = {
  seed: {},
};

export function noteFor(design: string, spec: AblationSpec, site: FsyncSite | undefined): AblationNote | undefined {
  return NOTES[design]?.[noteKey(spec, site)];
}
