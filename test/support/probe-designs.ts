/**
 * Probe designs for the evidence tests (test/crash/evidence.test.ts): design
 * seed with one defect whose mechanism is none of the known findings', each
 * breaking an invariant code some finding lists. A run of a probe must be NEW:
 * a finding recognised by its code alone would claim it. Test-only: registered
 * when this module is imported, never offered by the CLI.
 */
import { registerDesign } from '../../scenarios/designs.js';
import { decodeCommitQC, decodeWrapper, encodeCommitQC, encodeWrapper } from '../../src/codec/index.js';
import { markCommitQCsPersisted } from '../../src/avail/core.js';
import { cursorOf } from '../../src/avail/inner.js';
import type { PersistBatch } from '../../src/avail/observer.js';
import { seedDesign } from '../../src/design/seed.js';
import type { Design, LoadedAvailState, WriteGroup } from '../../src/design/types.js';
import type { BlockPersister } from '../../src/persist/blocks.js';
import { joinPath, readDir, writeAndSync, writeWithoutSync } from '../../src/persist/fsutil.js';
import { parseBlockFileName } from '../../src/persist/names.js';

type Load = Design['loadPersistedState'];

/** Seed's loader, with `edit` applied to what it loaded (the files on disk stay as they are). */
function editedLoad(edit: (l: LoadedAvailState) => LoadedAvailState): Load {
  return async (deps, ctx, dir) => {
    const r = await seedDesign.loadPersistedState(deps, ctx, dir);
    return r.loaded === undefined ? r : { ...r, loaded: edit(r.loaded) };
  };
}

/** The seed iteration with its publish group replaced. */
function withPublish(publish: WriteGroup): Design {
  const [task] = seedDesign.persistTasks;
  if (task === undefined) throw new Error('seed has a persist task');
  return { ...seedDesign, persistTasks: [{ ...task, groups: task.groups.map((g) => (g.name === 'publish' ? publish : g)) }] };
}

/** Seed's block persister, whose cleanup empties old block files (written whole, fsynced) instead of unlinking them. */
function emptyingOldBlocks(p: BlockPersister, env: Parameters<typeof readDir>[0]): BlockPersister {
  const dir = (p as unknown as { dir?: string }).dir;
  if (dir === undefined) return p;
  return {
    noop: p.noop,
    persistBlock: (ctx, b) => p.persistBlock(ctx, b),
    async deleteBefore(ctx, laneFirsts) {
      for (const entry of await readDir(env, ctx, dir)) {
        const parsed = parseBlockFileName(entry.name);
        if (!('ok' in parsed)) continue;
        const first = laneFirsts.get(parsed.ok.lane);
        if (first === undefined || parsed.ok.n < first) await writeAndSync(env, ctx, joinPath(dir, entry.name), new Uint8Array(0));
      }
    },
  };
}

/**
 * The node's own lane, as the dissemination hook last saw it (the loader is not told whose node it
 * runs in). Set in a run's first incarnation, before any restart reads it: the same on every run order.
 */
let ownLaneSeen: string | undefined;

export const PROBES = {
  /** the loader forgets the node's own highest durable block: after a restart the node produces that block number again, differently */
  'seed~probe-forget-own-block': {
    ...seedDesign,
    ownProposalBound: (_inner, lane, q) => {
      ownLaneSeen = lane;
      return q.next;
    },
    loadPersistedState: editedLoad((l) => ({ ...l, blocks: new Map([...l.blocks].map(([lane, bs]) => [lane, lane === ownLaneSeen ? bs.slice(0, -1) : bs])) })),
  },
  /** the loader forgets each lane's highest durable block: voted (and own) blocks go missing although their files are intact and durable */
  'seed~probe-forget-last-block': { ...seedDesign, loadPersistedState: editedLoad((l) => ({ ...l, blocks: new Map([...l.blocks].map(([lane, bs]) => [lane, bs.slice(0, -1)])) })) },
  /** the loader forgets the highest durable CommitQC: a published CommitQC (or the AppQC's) goes missing although its file is intact and durable */
  'seed~probe-forget-last-commitqc': { ...seedDesign, loadPersistedState: editedLoad((l) => ({ ...l, commitQCs: l.commitQCs.slice(0, -1) })) },
  /** block files are written complete and fsynced, minus their last 3 bytes (no crash, no failed write): the restart cannot decode them */
  'seed~probe-short-block-files': { ...seedDesign, fileWrite: { ...seedDesign.fileWrite, blocks: (env, ctx, path, data) => writeAndSync(env, ctx, path, data.subarray(0, Math.max(0, data.length - 3))) } },
  /** CommitQC files are written whole and fsynced with their last signature left out (no tear, no corrupt read): the restart restores an under-quorum CommitQC */
  'seed~probe-commitqc-minus-sig': {
    ...seedDesign,
    fileWrite: {
      ...seedDesign.fileWrite,
      commitQCs: (env, ctx, path, data) => {
        const d = decodeCommitQC(data);
        return writeAndSync(env, ctx, path, d.kind === 'value' ? encodeCommitQC({ ...d.value, sigs: d.value.sigs.slice(0, -1) }) : data);
      },
    },
  },
  /** the A/B file is written without fsync (no failed fsync, no process restart): a power loss undoes an A/B write the node took as done */
  'seed~probe-ab-no-fsync': { ...seedDesign, abPersister: { ...seedDesign.abPersister, write: writeWithoutSync } },
  /** the A/B file gets every byte inverted, written whole and fsynced: no slot parses */
  'seed~probe-inverted-ab': { ...seedDesign, abPersister: { ...seedDesign.abPersister, write: (env, ctx, path, data) => writeAndSync(env, ctx, path, data.map((b) => b ^ 0xff)) } },
  /** publish stores the batch's last CommitQC, then its first: with two or more in a batch, latestCommitQC goes back with no prune involved */
  'seed~probe-publish-first-again': withPublish({
    name: 'publish',
    async run(core, ctx, batch) {
      const first = batch.commitQCs[0];
      const last = batch.commitQCs[batch.commitQCs.length - 1];
      if (first === undefined || last === undefined) return;
      await markCommitQCsPersisted(core, ctx, undefined, last);
      await markCommitQCsPersisted(core, ctx, undefined, first);
    },
  }),
  /** old block files are emptied (a whole write of no bytes, fsynced) instead of unlinked: the restart cannot decode them, with no crash or failed write involved */
  'seed~probe-empty-old-blocks': {
    ...seedDesign,
    loadPersistedState: async (deps, ctx, dir) => {
      const r = await seedDesign.loadPersistedState(deps, ctx, dir);
      return { ...r, persisters: { ...r.persisters, blocks: emptyingOldBlocks(r.persisters.blocks, deps.env) } };
    },
  },
  /** the A/B wrapper is intact but its payload has every byte inverted, written whole and fsynced: the winning slot's payload does not parse, with no tear */
  'seed~probe-inverted-ab-payload': {
    ...seedDesign,
    abPersister: {
      ...seedDesign.abPersister,
      write: (env, ctx, path, data) => {
        const w = decodeWrapper(data);
        return writeAndSync(env, ctx, path, 'ok' in w && w.ok.data !== undefined ? encodeWrapper({ ...w.ok, data: w.ok.data.map((b) => b ^ 0xff) }) : data);
      },
    },
  },
  /** the persist loop never waits: with nothing pending it collects an empty batch and goes round again (no prune involved) */
  'seed~probe-never-waits': {
    ...seedDesign,
    async collectPersistBatch(core, ctx, locals): Promise<PersistBatch> {
      const idle = await core.watch.section(ctx, (inner): PersistBatch | false => {
        const pending = [...inner.blocks].some(([lane, q]) => cursorOf(inner.nextBlockToPersist, lane) < q.next) || inner.nextCommitQCToPersist < inner.commitQCs.next;
        return pending ? false : { blocks: [], laneFirsts: new Map(), commitQCs: [], commitQCFirst: inner.commitQCs.first, commitQCCur: inner.nextCommitQCToPersist, appQC: inner.latestAppQC };
      });
      return idle !== false ? idle : seedDesign.collectPersistBatch(core, ctx, locals);
    },
  },
} satisfies Record<string, Design>;

export type ProbeId = keyof typeof PROBES;

let registered = false;
export function registerProbes(): void {
  if (registered) return;
  registered = true;
  for (const [id, design] of Object.entries(PROBES)) registerDesign({ id, design: { ...design, name: id }, abPayload: 'appQC', summary: 'evidence-test probe', kind: 'mutant' });
}
