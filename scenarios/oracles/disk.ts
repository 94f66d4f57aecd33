/**
 * The oracles' own reading of a disk: which AppQC (or anchor) the A/B load
 * decision picks, which CommitQC and block files decode. Written apart from the
 * system under test (only the codec is shared) so an oracle does not inherit
 * the loader it is judging: this is what the *spec* says the disk means
 * (§3.4 load decision, §4.1/§5.1 names, §1.6 decoding), not what our port does.
 */
import { decodeAppQC, decodeCommitQC, decodePruneAnchor, decodeSignedLaneProposal, decodeWrapper } from '../../src/codec/index.js';
import type { AppQC, CommitQC, LaneId, SignedLaneProposal } from '../../src/types.js';
import { toHex } from '../../src/types.js';
import { blockHeaderHash } from '../../src/codec/index.js';

/** What the A/B pair of the state dir means to a restarting node (spec §3.4 + payload decode). */
export type AbVerdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'abort'; readonly reason: string }
  | { readonly kind: 'ok'; readonly seq: bigint; readonly slot: 'a' | 'b'; readonly appQC: AppQC | undefined; readonly commitQC: CommitQC | undefined };

/** A file that is present decodes to a value, or is corrupt (skipped by loaders), or would abort the process. */
export type FileVerdict<T> = { readonly kind: 'ok'; readonly value: T } | { readonly kind: 'corrupt'; readonly error: string } | { readonly kind: 'abort'; readonly reason: string };

export interface DiskView {
  readonly ab: AbVerdict;
  /** commitqcs/<i>.pb by the index in its name (canonical names only: `<i>.pb` without leading zeros) */
  readonly commitQCs: ReadonlyMap<bigint, FileVerdict<CommitQC>>;
  /** blocks/<lane>_<n>.pb by lane and number (canonical names only) */
  readonly blocks: ReadonlyMap<LaneId, ReadonlyMap<bigint, FileVerdict<SignedLaneProposal>>>;
}

export type AbPayload = 'appQC' | 'anchor';

function slotOf(bytes: Uint8Array | undefined): { kind: 'none' } | { kind: 'corrupt' } | { kind: 'ok'; seq: bigint; data: Uint8Array | undefined } {
  if (bytes === undefined || bytes.length === 0) return { kind: 'none' };
  const w = decodeWrapper(bytes);
  if ('error' in w) return { kind: 'corrupt' };
  return { kind: 'ok', seq: w.ok.seq, data: w.ok.data };
}

/** The spec's load decision over the two slots, then the design's payload decode. */
export function abVerdict(fileA: Uint8Array | undefined, fileB: Uint8Array | undefined, payload: AbPayload): AbVerdict {
  const a = slotOf(fileA);
  const b = slotOf(fileB);
  let win: { seq: bigint; data: Uint8Array | undefined; slot: 'a' | 'b' };
  if (a.kind === 'ok' && b.kind === 'ok') {
    if (a.seq === b.seq) return { kind: 'error', error: 'corrupt state: both slots have the same seq' };
    win = a.seq > b.seq ? { ...a, slot: 'a' } : { ...b, slot: 'b' };
  } else if (a.kind === 'ok') win = { ...a, slot: 'a' };
  else if (b.kind === 'ok') win = { ...b, slot: 'b' };
  else if (a.kind === 'none' && b.kind === 'none') return { kind: 'none' };
  else return { kind: 'error', error: 'no valid state: no slot parses' };
  if (win.data === undefined) return { kind: 'ok', seq: win.seq, slot: win.slot, appQC: undefined, commitQC: undefined };
  if (payload === 'appQC') {
    const d = decodeAppQC(win.data);
    if (d.kind === 'abort') return { kind: 'abort', reason: d.reason };
    if (d.kind === 'error') return { kind: 'error', error: `decode persisted AppQC: ${d.error}` };
    return { kind: 'ok', seq: win.seq, slot: win.slot, appQC: d.value, commitQC: undefined };
  }
  const d = decodePruneAnchor(win.data);
  if (d.kind === 'abort') return { kind: 'abort', reason: d.reason };
  if (d.kind === 'error') return { kind: 'error', error: `decode prune anchor: ${d.error}` };
  return { kind: 'ok', seq: win.seq, slot: win.slot, appQC: d.value.appQC, commitQC: d.value.commitQC };
}

function fileVerdict<T>(d: ReturnType<typeof decodeCommitQC> | ReturnType<typeof decodeSignedLaneProposal>): FileVerdict<T> {
  if (d.kind === 'value') return { kind: 'ok', value: d.value as T };
  if (d.kind === 'abort') return { kind: 'abort', reason: d.reason };
  return { kind: 'corrupt', error: d.error };
}

// The VFS shares immutable file buffers between its durable state and every
// image, so a decode is memoized on the buffer itself: the oracles read the
// durable disk at every event, and only changed files are decoded again.
const commitQCCache = new WeakMap<Uint8Array, FileVerdict<CommitQC>>();
const blockCache = new WeakMap<Uint8Array, FileVerdict<SignedLaneProposal>>();

function commitQCVerdict(bytes: Uint8Array): FileVerdict<CommitQC> {
  let v = commitQCCache.get(bytes);
  if (v === undefined) commitQCCache.set(bytes, (v = fileVerdict<CommitQC>(decodeCommitQC(bytes))));
  return v;
}

function blockVerdict(bytes: Uint8Array): FileVerdict<SignedLaneProposal> {
  let v = blockCache.get(bytes);
  if (v === undefined) blockCache.set(bytes, (v = fileVerdict<SignedLaneProposal>(decodeSignedLaneProposal(bytes))));
  return v;
}

const COMMITQC_NAME = /^(0|[1-9][0-9]*)\.pb$/;
const BLOCK_NAME = /^([0-9a-f]{64})_(0|[1-9][0-9]*)\.pb$/;

type FileName = { readonly kind: 'commitQC'; readonly index: bigint } | { readonly kind: 'block'; readonly lane: LaneId; readonly n: bigint };

// The same few names are parsed at every read of the disk: parsed once.
const NAME_MEMO_MAX_ENTRIES = 65_536;
const nameMemo = new Map<string, FileName | null>();

/** What a path relative to the state dir names: a canonical CommitQC or block file, or nothing the oracles read. */
function nameOf(rel: string): FileName | undefined {
  let name = nameMemo.get(rel);
  if (name === undefined) {
    name = null;
    if (rel.startsWith('commitqcs/')) {
      const m = COMMITQC_NAME.exec(rel.slice('commitqcs/'.length));
      if (m !== null) name = { kind: 'commitQC', index: BigInt(m[1] as string) };
    } else if (rel.startsWith('blocks/')) {
      const m = BLOCK_NAME.exec(rel.slice('blocks/'.length));
      if (m !== null) name = { kind: 'block', lane: m[1] as LaneId, n: BigInt(m[2] as string) };
    }
    if (nameMemo.size >= NAME_MEMO_MAX_ENTRIES) nameMemo.clear();
    nameMemo.set(rel, name);
  }
  return name ?? undefined;
}

// A disk is read many times unchanged (the VFS hands out one durable image
// object until the durable state changes; an explored image is read at every
// check of its recovery), so the view is memoized on the files map itself.
const viewCache = new WeakMap<ReadonlyMap<string, Uint8Array>, Map<string, DiskView>>();

/** Reads the state dir `stateDir` of a disk given as path → bytes. The map must not change afterwards (the view is memoized on it). */
export function readDisk(files: ReadonlyMap<string, Uint8Array>, stateDir: string, payload: AbPayload): DiskView {
  let perMap = viewCache.get(files);
  if (perMap === undefined) viewCache.set(files, (perMap = new Map()));
  const key = `${payload}\0${stateDir}`;
  let view = perMap.get(key);
  if (view === undefined) perMap.set(key, (view = readDiskUncached(files, stateDir, payload)));
  return view;
}

function readDiskUncached(files: ReadonlyMap<string, Uint8Array>, stateDir: string, payload: AbPayload): DiskView {
  const dir = stateDir.endsWith('/') ? stateDir : stateDir + '/';
  const commitQCs = new Map<bigint, FileVerdict<CommitQC>>();
  const blocks = new Map<LaneId, Map<bigint, FileVerdict<SignedLaneProposal>>>();
  for (const [path, bytes] of files) {
    if (!path.startsWith(dir)) continue;
    const name = nameOf(path.slice(dir.length));
    if (name === undefined) continue;
    if (name.kind === 'commitQC') commitQCs.set(name.index, commitQCVerdict(bytes));
    else {
      let perLane = blocks.get(name.lane);
      if (perLane === undefined) blocks.set(name.lane, (perLane = new Map()));
      perLane.set(name.n, blockVerdict(bytes));
    }
  }
  return { ab: abVerdict(files.get(dir + 'avail_inner_a.pb'), files.get(dir + 'avail_inner_b.pb'), payload), commitQCs, blocks };
}

/** The CommitQC file `i` decodes to a CommitQC whose index is `i`. */
export function hasCommitQC(view: DiskView, index: bigint): boolean {
  const f = view.commitQCs.get(index);
  return f !== undefined && f.kind === 'ok' && f.value.vote.view.index === index;
}

/** The block file (lane, n) decodes to a block whose header hash is `headerHashHex`. */
export function hasBlock(view: DiskView, lane: LaneId, n: bigint, headerHashHex: string): boolean {
  const f = view.blocks.get(lane)?.get(n);
  if (f === undefined || f.kind !== 'ok') return false;
  const h = f.value.block.header;
  return h.lane === lane && h.blockNumber === n && toHex(blockHeaderHash(h)) === headerHashHex;
}
