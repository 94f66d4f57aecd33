/**
 * Spec §11.5 (inner_test), seed column: newInner from loaded state, prune.
 * Fixtures: committee of 4; CommitQCs in a chain without LaneQCs unless stated.
 */
import { describe, expect, it } from 'vitest';
import type { AvailDeps } from '../../src/avail/deps.js';
import type { Inner } from '../../src/avail/inner.js';
import { prune } from '../../src/avail/inner.js';
import { newState } from '../../src/avail/state.js';
import { seedDesign } from '../../src/design/seed.js';
import type { LoadedAvailState } from '../../src/design/types.js';
import { createNodeEnv } from '../../src/env/node-env.js';
import { errorText } from '../../src/errors.js';
import type { LoadedBlock } from '../../src/persist/blocks.js';
import type { AppQC, CommitQC, LaneId } from '../../src/types.js';
import { commitQCIndex } from '../../src/types.js';
import { makeCommittee } from '../../scenarios/fixtures.js';

const fx = makeCommittee('conformance-inner', 4);
const host = createNodeEnv();
const deps: AvailDeps = { env: host.env, committee: fx.committee, design: seedDesign, observer: undefined };
const chain = fx.commitQCChain(6);
const qc = (i: number): CommitQC => chain[i]!;
const appQCAt = (i: number): AppQC => fx.appQC(qc(i));
const [lane0, lane1] = [fx.lane(0), fx.lane(1)];

function loadedBlocks(lane: LaneId, first: number, next: number): LoadedBlock[] {
  return fx.blocks(lane, first, next).map((p) => ({ number: p.block.header.blockNumber, proposal: p }));
}

function loaded(opts: { appQC?: AppQC; qcs?: number[]; blocks?: Array<[LaneId, LoadedBlock[]]> }): LoadedAvailState {
  return {
    appQC: opts.appQC,
    commitQCs: (opts.qcs ?? []).map((i) => ({ index: BigInt(i), qc: qc(i) })),
    blocks: new Map(opts.blocks ?? []),
  };
}

function build(l: LoadedAvailState | undefined): Inner {
  return seedDesign.newInner(deps, l);
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

describe('newInner and prune, seed', () => {
  it('TestPruneMismatchedIndices', async () => {
    const state = await host.main('t', (ctx) => newState(host.env, ctx, { key: fx.key(0), committee: fx.committee, design: seedDesign }));
    await host.main('t', async (ctx) => {
      await expect(state.pushAppQC(ctx, appQCAt(1), qc(0))).rejects.toThrow('mismatched QCs: appQC index 1, commitQC index 0');
    });
    const inner = state.core.inner;
    const r = prune(state.core, inner, appQCAt(1), qc(0));
    expect(r.updated).toBe(false);
    expect(errorText(r.error)).toBe('mismatched QCs: appQC index 1, commitQC index 0');
    expect(inner.latestAppQC).toBeUndefined();
  });

  it('TestNewInnerFreshStart (derived A3: cursor map present and empty)', () => {
    const inner = build(undefined);
    expectAllAtZero(inner);
    expect(inner.nextBlockToPersist).toBeInstanceOf(Map);
    expect(inner.nextBlockToPersist.size).toBe(0);
    expect(inner.nextCommitQCToPersist).toBe(0n);
  });

  it('TestNewInnerLoadedAppQCNone', () => {
    const inner = build(loaded({}));
    expectAllAtZero(inner);
    expect(inner.nextBlockToPersist.size).toBe(0);
  });

  it('TestNewInnerLoadedBlocksContiguous', () => {
    const inner = build(loaded({ blocks: [[lane0, loadedBlocks(lane0, 5, 8)]] }));
    expect(range(inner.blocks.get(lane0))).toEqual([5n, 8n]);
    expect(range(inner.votes.get(lane0))).toEqual([5n, 5n]);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(8n);
    for (const lane of fx.lanes.slice(1)) expect(inner.nextBlockToPersist.get(lane) ?? 0n).toBe(0n);
    expect(inner.blocks.get(lane0)!.get(6n)).toBe(loadedBlocks(lane0, 6, 7)[0]!.proposal);
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
    const inner = build(loaded({ blocks: [[lane0, loadedBlocks(lane0, 2, 4)], [lane1, loadedBlocks(lane1, 0, 3)]] }));
    expect(range(inner.blocks.get(lane0))).toEqual([2n, 4n]);
    expect(range(inner.blocks.get(lane1))).toEqual([0n, 3n]);
    expect(inner.votes.get(lane0)!.first).toBe(2n);
    expect(inner.votes.get(lane1)!.first).toBe(0n);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(4n);
    expect(inner.nextBlockToPersist.get(lane1)).toBe(3n);
  });

  it('TestNewInnerLoadedCommitQCsNoAppQC', () => {
    const inner = build(loaded({ qcs: [0, 1, 2] }));
    expect(range(inner.commitQCs)).toEqual([0n, 3n]);
    expect(inner.latestCommitQC.load()).toBe(qc(2));
    expect(inner.latestAppQC).toBeUndefined();
  });

  it('a CommitQC run may start above 0 without an AppQC (queue starts at the first loaded index)', () => {
    const inner = build(loaded({ qcs: [3, 4] }));
    expect(range(inner.commitQCs)).toEqual([3n, 5n]);
    expect(inner.nextCommitQCToPersist).toBe(5n);
  });

  it('TestNewInnerLoadedCommitQCsWithAppQC', () => {
    const a = appQCAt(2);
    const inner = build(loaded({ appQC: a, qcs: [0, 1, 2, 3, 4] }));
    expect(range(inner.commitQCs)).toEqual([2n, 5n]);
    expect(inner.latestCommitQC.load()).toBe(qc(4));
    expect(inner.latestAppQC).toBe(a);
    expect(inner.commitQCs.get(2n)).toBe(qc(2));
    expect(inner.commitQCs.get(1n)).toBeUndefined();
  });

  it('TestNewInnerLoadedAllThree', () => {
    const a = appQCAt(2);
    const inner = build(loaded({ appQC: a, qcs: [0, 1, 2, 3, 4], blocks: [[lane0, loadedBlocks(lane0, 5, 8)]] }));
    expect(range(inner.commitQCs)).toEqual([2n, 5n]);
    expect(range(inner.blocks.get(lane0))).toEqual([5n, 8n]);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(8n);
    expect(inner.latestCommitQC.load()).toBe(qc(4));
    expect(inner.latestAppQC).toBe(a);
  });

  it('TestNewInnerLoadedCommitQCsEmpty', () => {
    const inner = build(loaded({ qcs: [] }));
    expect(range(inner.commitQCs)).toEqual([0n, 0n]);
    expect(inner.latestCommitQC.load()).toBeUndefined();
  });

  it('TestNewInnerLoadedAppQCWithoutMatchingCommitQC', () => {
    expect(buildError(loaded({ appQC: fx.appQC(5) }))).toBe('persisted AppQC at road index 5 but no matching commitQC on disk');
  });

  it('TestNewInnerLoadedAppQCAndBlocksWithoutCommitQC', () => {
    expect(buildError(loaded({ appQC: fx.appQC(3), blocks: [[lane0, loadedBlocks(lane0, 0, 3)]] }))).toBe(
      'persisted AppQC at road index 3 but no matching commitQC on disk',
    );
  });

  it('TestNewInnerLoadedCommitQCsAllBeforeAppQC', () => {
    expect(buildError(loaded({ appQC: appQCAt(5), qcs: [0, 1, 2] }))).toBe('persisted AppQC at road index 5 but no matching commitQC on disk');
  });

  it('TestNewInnerLoadedCommitQCsNonConsecutive', () => {
    expect(buildError(loaded({ qcs: [0, 1, 3] }))).toBe('non-consecutive commitQC: got index 3, want 2');
  });

  it('nextCommitQCToPersist reconstruction (derived A2): QCs 0..2 → 3; none → 0', () => {
    expect(build(loaded({ qcs: [0, 1, 2] })).nextCommitQCToPersist).toBe(3n);
    expect(build(loaded({})).nextCommitQCToPersist).toBe(0n);
    expect(build(loaded({ appQC: appQCAt(1), qcs: [0, 1, 2] })).nextCommitQCToPersist).toBe(3n);
  });

  it('§7.3: the AppQC prune moves block queues past the loaded blocks but not the cursor; votes follow', () => {
    // QC i finalises blocks [2i, 2i+2) of every lane: lr(qc3, lane).first = 6.
    const c2 = fx.commitQCChain(5, { blocksPerQC: 2 });
    const l: LoadedAvailState = {
      appQC: fx.appQC(c2[3]!),
      commitQCs: c2.map((q) => ({ index: commitQCIndex(q), qc: q })),
      blocks: new Map([[lane0, loadedBlocks(lane0, 2, 5)]]),
    };
    const inner = build(l);
    expect(range(inner.blocks.get(lane0))).toEqual([6n, 6n]);
    expect(inner.nextBlockToPersist.get(lane0)).toBe(5n); // last loaded + 1, below blocks.next
    expect(range(inner.votes.get(lane0))).toEqual([6n, 6n]);
    expect(range(inner.blocks.get(lane1))).toEqual([6n, 6n]);
    expect(inner.nextBlockToPersist.has(lane1)).toBe(false);
    expect(range(inner.commitQCs)).toEqual([3n, 5n]);
    // appVotes at First of the AppQC's CommitQC
    expect(inner.appVotes.first).toBe(6n * 4n);
  });

  it('prune: stale AppQCs change nothing; a fast-forward pushes and publishes (seed)', () => {
    const inner = build(undefined);
    const published: bigint[] = [];
    const d: AvailDeps = { ...deps, observer: { onCommitQCPublished: (e) => published.push(commitQCIndex(e.qc)) } };
    const r = prune(d, inner, appQCAt(3), qc(3));
    expect(r).toEqual({ updated: true });
    expect(range(inner.commitQCs)).toEqual([3n, 4n]);
    expect(inner.latestCommitQC.load()).toBe(qc(3));
    expect(published).toEqual([3n]);
    expect(prune(d, inner, appQCAt(3), qc(3))).toEqual({ updated: false });
    expect(prune(d, inner, appQCAt(2), qc(2))).toEqual({ updated: false });
    expect(inner.latestAppQC!.vote.roadIndex).toBe(3n);
    // seed prune touches neither cursor (A4)
    expect(inner.nextBlockToPersist.size).toBe(0);
    expect(inner.nextCommitQCToPersist).toBe(0n);
  });
});
