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
