/**
 * Spec §11.5 (inner_test), merged column: newInner from loaded (filtered or
 * not) state, the anchor prune, the strict load-time checks, prune's cursor
 * raise. Fixtures: committee of 4; CommitQCs in a chain without LaneQCs
 * (`lr(qc, lane).first = 0`) unless stated.
 */
import { describe, expect, it } from 'vitest';
import type { AvailDeps } from '../../src/avail/deps.js';
import type { Inner } from '../../src/avail/inner.js';
import { prune } from '../../src/avail/inner.js';
import { newState } from '../../src/avail/state.js';
import { decodePruneAnchor, encodeAppQC, encodeRaw } from '../../src/codec/index.js';
import { mergedDesign } from '../../src/design/merged.js';
import type { LoadedAvailState } from '../../src/design/types.js';
import { createNodeEnv } from '../../src/env/node-env.js';
import { errorText } from '../../src/errors.js';
import type { LoadedBlock } from '../../src/persist/blocks.js';
import type { AppQC, CommitQC, LaneId, PruneAnchor } from '../../src/types.js';
import { commitQCIndex, laneRangeOf, laneString } from '../../src/types.js';
import { makeCommittee, plainOf } from '../../scenarios/fixtures.js';

const fx = makeCommittee('conformance-inner-merged', 4);
const host = createNodeEnv();
const deps: AvailDeps = { env: host.env, committee: fx.committee, design: mergedDesign, observer: undefined };
const chain = fx.commitQCChain(12);
const qc = (i: number): CommitQC => chain[i]!;
const appQCAt = (i: number): AppQC => fx.appQC(qc(i));
const anchorAt = (i: number, c: readonly CommitQC[] = chain): PruneAnchor => fx.pruneAnchor(fx.appQC(c[i]!), c[i]!);
const [lane0, lane1] = [fx.lane(0), fx.lane(1)];

function loadedBlocks(lane: LaneId, first: number, next: number): LoadedBlock[] {
  return fx.blocks(lane, first, next).map((p) => ({ number: p.block.header.blockNumber, proposal: p }));
}

/** Loaded state as newInner receives it (the caller decides whether it is filtered). */
function loaded(opts: { anchor?: PruneAnchor; qcs?: number[]; blocks?: Array<[LaneId, LoadedBlock[]]>; chain?: readonly CommitQC[] }): LoadedAvailState {
  const c = opts.chain ?? chain;
  return {
    pruneAnchor: opts.anchor,
    commitQCs: (opts.qcs ?? []).map((i) => ({ index: BigInt(i), qc: c[i]! })),
    blocks: new Map(opts.blocks ?? []),
  };
}

function build(l: LoadedAvailState | undefined): Inner {
  return mergedDesign.newInner(deps, l);
}

function buildError(l: LoadedAvailState): string {
  try {
    build(l);
  } catch (e) {
    return errorText(e);
  }
  throw new Error('newInner did not fail');
}

function range(q: { first: bigint; next: bigint } | undefined): [bigint, bigint] {
  return q === undefined ? [-1n, -1n] : [q.first, q.next];
}

function expectAllAtZero(inner: Inner): void {
  expect(range(inner.commitQCs)).toEqual([0n, 0n]);
  expect(range(inner.appVotes)).toEqual([0n, 0n]);
  for (const lane of fx.lanes) {
    expect(range(inner.blocks.get(lane))).toEqual([0n, 0n]);
    expect(range(inner.votes.get(lane))).toEqual([0n, 0n]);
  }
  expect(inner.latestAppQC).toBeUndefined();
  expect(inner.latestCommitQC.load()).toBeUndefined();
}

describe('newInner and prune, merged', () => {
  it('TestPruneMismatchedIndices', async () => {
    const state = await host.main('t', (ctx) => newState(host.env, ctx, { key: fx.key(0), committee: fx.committee, design: mergedDesign }));
    await host.main('t', async (ctx) => {
      await expect(state.pushAppQC(ctx, appQCAt(1), qc(0))).rejects.toThrow('mismatched QCs: appQC index 1, commitQC index 0');
    });
    const inner = state.core.inner;
    const r = prune(state.core, inner, appQCAt(1), qc(0));
    expect(r.updated).toBe(false);
    expect(errorText(r.error)).toBe('mismatched QCs: appQC index 1, commitQC index 0');
    expect(inner.latestAppQC).toBeUndefined();
  });

  it('an anchor with unequal indices fails newInner with `prune: mismatched QCs` (§7.4)', () => {
    expect(buildError(loaded({ anchor: fx.pruneAnchor(appQCAt(2), qc(1)) }))).toBe('prune: mismatched QCs: appQC index 2, commitQC index 1');
  });

  it('TestNewInnerFreshStart', () => {
    const inner = build(undefined);
    expectAllAtZero(inner);
    expect(inner.nextBlockToPersist).toBeInstanceOf(Map);
    expect(inner.nextBlockToPersist.size).toBe(0);
    expect(inner.persistedBlockStart.size).toBe(0);
  });

  it('TestNewInnerLoadedNoAnchor', () => {
    const inner = build(loaded({}));
    expectAllAtZero(inner);
    expect(inner.nextBlockToPersist.size).toBe(0);
    expect(inner.persistedBlockStart.size).toBe(0);
  });

  it('TestNewInnerLoadedBlocksContiguous', () => {
    const inner = build(loaded({ blocks: [[lane0, loadedBlocks(lane0, 0, 3)]] }));
    expect(range(inner.blocks.get(lane0))).toEqual([0n, 3n]);
    expect(range(inner.votes.get(lane0))).toEqual([0n, 0n]);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(3n);
    for (const lane of fx.lanes.slice(1)) expect(inner.nextBlockToPersist.get(lane) ?? 0n).toBe(0n);
  });

  it('TestNewInnerLoadedBlocksEmptySlice', () => {
    const inner = build(loaded({ blocks: [[lane0, []]] }));
    expect(range(inner.blocks.get(lane0))).toEqual([0n, 0n]);
    expect(inner.nextBlockToPersist.has(lane0)).toBe(false);
  });

  it('TestNewInnerLoadedBlocksUnknownLane', () => {
    const stranger = fx.outsider(0).publicKey as LaneId;
    const inner = build(loaded({ blocks: [[stranger, loadedBlocks(stranger, 0, 3)]] }));
    expect(inner.blocks.has(stranger)).toBe(false);
    expect(inner.nextBlockToPersist.size).toBe(0);
    expectAllAtZero(inner);
  });

  it('TestNewInnerLoadedBlocksMultipleLanes', () => {
    const inner = build(loaded({ blocks: [[lane0, loadedBlocks(lane0, 0, 2)], [lane1, loadedBlocks(lane1, 0, 3)]] }));
    expect(range(inner.blocks.get(lane0))).toEqual([0n, 2n]);
    expect(range(inner.blocks.get(lane1))).toEqual([0n, 3n]);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(2n);
    expect(inner.nextBlockToPersist.get(lane1)).toBe(3n);
  });

  it('TestNewInnerLoadedCommitQCsNoAppQC', () => {
    const inner = build(loaded({ qcs: [0, 1, 2] }));
    expect(range(inner.commitQCs)).toEqual([0n, 3n]);
    expect(inner.latestCommitQC.load()).toBe(qc(2));
    expect(inner.latestAppQC).toBeUndefined();
  });

  it('TestNewInnerLoadedCommitQCsWithAppQC (anchor@2 + QCs 2..4)', () => {
    const a = anchorAt(2);
    const inner = build(loaded({ anchor: a, qcs: [2, 3, 4] }));
    expect(range(inner.commitQCs)).toEqual([2n, 5n]);
    expect(inner.latestCommitQC.load()).toBe(qc(4));
    expect(inner.latestAppQC).toBe(a.appQC);
    expect(inner.commitQCs.get(2n)).toBe(a.commitQC);
  });

  it('TestNewInnerLoadedAllThree (anchor@2 + QCs 2..4 + blocks 0..2)', () => {
    const a = anchorAt(2);
    const inner = build(loaded({ anchor: a, qcs: [2, 3, 4], blocks: [[lane0, loadedBlocks(lane0, 0, 3)]] }));
    expect(range(inner.commitQCs)).toEqual([2n, 5n]);
    expect(range(inner.blocks.get(lane0))).toEqual([0n, 3n]);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(3n);
    expect(inner.latestCommitQC.load()).toBe(qc(4));
    expect(inner.latestAppQC).toBe(a.appQC);
  });

  it('TestNewInnerLoadedCommitQCsEmpty', () => {
    const inner = build(loaded({ qcs: [] }));
    expect(range(inner.commitQCs)).toEqual([0n, 0n]);
    expect(inner.latestCommitQC.load()).toBeUndefined();
  });

  it('TestNewInnerLoadedCommitQCsGapReturnsError', () => {
    expect(buildError(loaded({ qcs: [0, 1, 3] }))).toBe('non-contiguous persisted commitQCs: expected 2, got 3');
  });

  it('without an anchor, loaded CommitQCs must start at 0', () => {
    expect(buildError(loaded({ qcs: [3, 4] }))).toBe('non-contiguous persisted commitQCs: expected 0, got 3');
  });

  it('TestDecodePruneAnchorIncomplete', () => {
    const only = encodeRaw('PersistedAvailPruneAnchor', { appQc: plainOf('AppQC', encodeAppQC(appQCAt(1))) });
    const d = decodePruneAnchor(only);
    expect(d.kind).toBe('error');
    expect(d.kind === 'error' && d.error).toBe('incomplete prune anchor: AppQC=true CommitQC=false');
  });

  it('TestPruneAdvancesNextBlockToPersist', () => {
    // QC i finalises block i of every lane: lr(qc2, lane).first = 2.
    const c1 = fx.commitQCChain(4, { blocksPerQC: 1 });
    const inner = build(loaded({ blocks: [[lane0, loadedBlocks(lane0, 0, 5)]] }));
    inner.nextBlockToPersist.set(lane0, 1n);
    const r = prune(deps, inner, fx.appQC(c1[2]!), c1[2]!);
    expect(r).toEqual({ updated: true });
    const q = inner.blocks.get(lane0)!;
    expect(q.first > 1n).toBe(true);
    expect(inner.nextBlockToPersist.get(lane0)! >= q.first).toBe(true);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(2n);
    // lanes without blocks are raised too (a missing key reads as 0)
    expect(inner.nextBlockToPersist.get(lane1)).toBe(2n);
    // a cursor already above the prune point stays
    inner.nextBlockToPersist.set(lane0, 4n);
    prune(deps, inner, fx.appQC(c1[3]!), c1[3]!);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(4n);
  });

  it('TestNewInnerLoadedCommitQCsAllBeforeAppQCArePruned (anchor@5, no QC files)', () => {
    const a = anchorAt(5);
    const inner = build(loaded({ anchor: a }));
    expect(range(inner.commitQCs)).toEqual([5n, 6n]);
    expect(inner.commitQCs.get(5n)).toBe(a.commitQC);
    expect(inner.latestCommitQC.load()).toBe(a.commitQC);
  });

  it('TestNewInnerAnchorWithNoCommitQCFiles (anchor@3 only)', () => {
    const c2 = fx.commitQCChain(5, { blocksPerQC: 2 });
    const a = anchorAt(3, c2);
    const inner = build(loaded({ anchor: a, chain: c2 }));
    expect(range(inner.commitQCs)).toEqual([3n, 4n]);
    expect(inner.latestAppQC).toBe(a.appQC);
    for (const lane of fx.lanes) expect(inner.persistedBlockStart.get(lane)).toBe(laneRangeOf(c2[3], lane).first);
    expect(inner.persistedBlockStart.get(lane0)).toBe(6n);
  });

  it('TestNewInnerLoadedCommitQCsGapWithAppQCAnchor (anchor@10, files [10])', () => {
    const inner = build(loaded({ anchor: anchorAt(10), qcs: [10] }));
    expect(range(inner.commitQCs)).toEqual([10n, 11n]);
    expect(inner.latestCommitQC.load()).toBe(qc(10));
  });

  it('TestNewInnerLoadedCommitQCsBelowAnchorSkipped (unfiltered 1..5, anchor@3)', () => {
    const inner = build(loaded({ anchor: anchorAt(3), qcs: [1, 2, 3, 4, 5] }));
    expect(range(inner.commitQCs)).toEqual([3n, 6n]);
    expect(inner.latestCommitQC.load()).toBe(qc(5));
  });

  it('TestNewInnerLoadedCommitQCsGapAfterAnchorReturnsError (anchor@2, files 2, 3, 5)', () => {
    expect(buildError(loaded({ anchor: anchorAt(2), qcs: [2, 3, 5] }))).toBe('non-contiguous persisted commitQCs: expected 4, got 5');
  });

  it('TestNewInnerLoadedBlocksGapReturnsError (blocks 3, 4, 6, 7, no anchor)', () => {
    const bs = [3, 4, 6, 7].flatMap((n) => loadedBlocks(lane0, n, n + 1));
    expect(buildError(loaded({ blocks: [[lane0, bs]] }))).toBe(`lane ${laneString(lane0)}: non-contiguous persisted blocks: expected 0, got 3`);
    const gapLater = [0, 1, 3].flatMap((n) => loadedBlocks(lane0, n, n + 1));
    expect(buildError(loaded({ blocks: [[lane0, gapLater]] }))).toMatch(/non-contiguous persisted blocks: expected 2, got 3$/);
  });

  it('TestNewInnerLoadedBlocksParentHashMismatchReturnsError', () => {
    const bs = loadedBlocks(lane0, 0, 2);
    const forged = fx.block(lane0, 2, 'zero');
    bs.push({ number: 2n, proposal: forged });
    expect(buildError(loaded({ blocks: [[lane0, bs]] }))).toBe(`lane ${laneString(lane0)}: parent hash mismatch at block 2`);
    // the first loaded block's parent is not checked
    const first = [{ number: 0n, proposal: fx.block(lane0, 0, 'zero', { variant: 3 }) }];
    expect(range(build(loaded({ blocks: [[lane0, first]] })).blocks.get(lane0))).toEqual([0n, 1n]);
  });

  it('TestNewInnerLoadedBlocksOverCapacityReturnsError (35 contiguous blocks)', () => {
    expect(buildError(loaded({ blocks: [[lane0, loadedBlocks(lane0, 0, 35)]] }))).toBe(`lane ${laneString(lane0)}: loaded 35 blocks exceeds capacity 30`);
    expect(range(build(loaded({ blocks: [[lane0, loadedBlocks(lane0, 0, 30)]] })).blocks.get(lane0))).toEqual([0n, 30n]);
  });

  it('TestNewInnerPruneAnchorPrunesBlockQueues', () => {
    const c = fx.commitQCChain(4, { blocksPerQC: (i, lane) => (lane === lane0 ? 3 : i) });
    const a = anchorAt(3, c);
    const inner = build(loaded({ anchor: a, chain: c }));
    for (const lane of fx.lanes) {
      const f = laneRangeOf(a.commitQC, lane).first;
      expect(range(inner.blocks.get(lane))).toEqual([f, f]);
      expect(range(inner.votes.get(lane))).toEqual([f, f]);
      expect(inner.nextBlockToPersist.get(lane) ?? 0n).toBe(f);
    }
    expect(inner.blocks.get(lane0)!.first).toBe(9n);
  });

  it('TestNewInnerPruneAnchorCommitQCUsedForPrune (anchor@1 + files 1, 2)', () => {
    const inner = build(loaded({ anchor: anchorAt(1), qcs: [1, 2] }));
    expect(range(inner.commitQCs)).toEqual([1n, 3n]);
  });

  it('blocks after an anchor must start at lr(anchor, lane).first', () => {
    const c2 = fx.commitQCChain(3, { blocksPerQC: 2 });
    const a = anchorAt(2, c2); // lr.first = 4 on every lane
    const inner = build(loaded({ anchor: a, qcs: [2], chain: c2, blocks: [[lane0, loadedBlocks(lane0, 4, 7)]] }));
    expect(range(inner.blocks.get(lane0))).toEqual([4n, 7n]);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(7n);
    expect(buildError(loaded({ anchor: a, qcs: [2], chain: c2, blocks: [[lane0, loadedBlocks(lane0, 5, 7)]] }))).toMatch(/non-contiguous persisted blocks: expected 4, got 5$/);
  });

  it('prune: stale AppQCs change nothing; a fast-forward pushes without publishing (merged)', () => {
    const inner = build(undefined);
    const published: bigint[] = [];
    const d: AvailDeps = { ...deps, observer: { onCommitQCPublished: (e) => published.push(commitQCIndex(e.qc)) } };
    expect(prune(d, inner, appQCAt(3), qc(3))).toEqual({ updated: true });
    expect(range(inner.commitQCs)).toEqual([3n, 4n]);
    expect(inner.latestCommitQC.load()).toBeUndefined();
    expect(published).toEqual([]);
    expect(prune(d, inner, appQCAt(3), qc(3))).toEqual({ updated: false });
    expect(prune(d, inner, appQCAt(2), qc(2))).toEqual({ updated: false });
    expect(inner.latestAppQC!.vote.roadIndex).toBe(3n);
    // merged prune touches neither latestCommitQC nor persistedBlockStart
    expect(inner.persistedBlockStart.size).toBe(0);
  });

  it('§7.3 / I7 (M): anchor reconstruction of every quantity', () => {
    const c2 = fx.commitQCChain(5, { blocksPerQC: 2 });
    const a = anchorAt(2, c2);
    const inner = build(loaded({ anchor: a, qcs: [2, 3], chain: c2, blocks: [[lane0, loadedBlocks(lane0, 4, 6)]] }));
    expect(inner.latestAppQC).toBe(a.appQC);
    expect(range(inner.commitQCs)).toEqual([2n, 4n]);
    expect(inner.latestCommitQC.load()).toBe(c2[3]);
    expect(inner.appVotes.first).toBe(4n * 4n); // anchor CommitQC.GlobalRange().First
    for (const lane of fx.lanes) {
      expect(inner.persistedBlockStart.get(lane)).toBe(4n);
      expect(range(inner.votes.get(lane))).toEqual([4n, 4n]);
    }
    expect(range(inner.blocks.get(lane0))).toEqual([4n, 6n]);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(6n);
    expect(range(inner.blocks.get(lane1))).toEqual([4n, 4n]);
    expect(inner.nextBlockToPersist.get(lane1)).toBe(4n); // via the anchor prune
  });
});
