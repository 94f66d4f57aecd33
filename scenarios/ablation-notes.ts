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
  seed: {
    'fsync src/persist/ab.ts newABPersister': {
      verdict: 'superfluous',
      text:
        'the startup fsync of the state directory (H6 after pre-creating both A/B slots) makes the slots\' names durable. On ext4 (the default), ext4-weak ' +
        'and ordered the first fsync of each slot\'s own write makes its name durable too (a file fsync commits the entry ops that bind ' +
        'its path, in journal order), and a slot whose name is lost reads as missing, which the load decision treats like the empty ' +
        'pre-created slot. So on the default disk nothing depends on it. It is needed where a file fsync does not make its name durable: ' +
        'see the strict-posix row below.',
    },
    'fsync src/persist/blocks.ts FileBlockPersister.persistBlock': {
      verdict: 'gap',
      text:
        'the ablation is seen at once — the node votes for a block whose file is not durable (I3 vote-not-durable) in nearly every run — ' +
        'but each such run is counted as known F8, because F8 is recognised by its invariant code alone. The gap is in the ' +
        'classification, not in the oracles: with findings recognised by the evidence of their mechanism (issue 8 part 1: F8 needs a ' +
        'failed fsync or a restart that read page-cache-only data), this ablation shows as NEW.',
    },
    'fsync src/persist/commitqcs.ts CommitQCPersister.persistCommitQC': {
      verdict: 'gap',
      text:
        'without it most runs publish a CommitQC whose file is not durable (I2 published-by-persist) or write an AppQC whose ' +
        'CommitQC is not (I1), and each is counted as known F8, recognised by its code alone; only a later deletion below the ' +
        'durable AppQC (I4) shows as NEW, after hundreds of runs (565 at the default budget, docs/ablation.md). Findings recognised ' +
        'by the evidence of their mechanism (issue 8 part 1) make it show at once.',
    },
    'swap blocks/deleteOldBlocks': {
      verdict: 'superfluous',
      text:
        'the two groups touch disjoint files: deleteBefore removes block files below each lane\'s first (and of lanes outside the ' +
        'committee), the batch\'s blocks are at or above max(cursor, first) (the clamp), no fsync or directory fsync links them, and ' +
        'neither group\'s durability justifies the other. Their order does not matter; what the deletion needs is a durable AppQC ' +
        '(F9), which comes later in either order.',
    },
    'swap deleteOldBlocks/commitQCs': {
      verdict: 'superfluous',
      text:
        'a CommitQC file does not justify deleting a block file (only the durable AppQC does, and it is written after both groups in ' +
        'either order: F9), and the two groups touch disjoint files. Moving the deletions after the CommitQC writes changes no crash ' +
        'image recovery depends on.',
    },
    'swap commitQCs/appQC': {
      verdict: 'gap',
      text:
        'writing the AppQC before its CommitQC breaks I1 (the durable AppQC\'s CommitQC is not on disk) at event time, and a crash ' +
        'in between leaves an AppQC whose CommitQC is missing; the sweep sees it (I1 appqc-without-commitqc), but F8 claims that code ' +
        'for any run, so it is counted as known. As for the block fsync above, findings recognised by their mechanism (issue 8 part 1) ' +
        'close the gap.',
    },
    'swap deleteOldCommitQCs/publish': {
      verdict: 'superfluous',
      text:
        'publish stores the batch\'s last CommitQC, whose file the commitQCs group wrote and fsynced before either group runs; the ' +
        'deletions remove only files below the queue\'s first, never the published one. Publishing before or after them exposes ' +
        'nothing that is not durable.',
    },
  },
};

export function noteFor(design: string, spec: AblationSpec, site: FsyncSite | undefined): AblationNote | undefined {
  return NOTES[design]?.[noteKey(spec, site)];
}
