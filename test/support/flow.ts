/**
 * The TestState flow of spec §11.6, reusable with or without persistence:
 * per iteration, produce blocks on several lanes, push every LaneVote, wait for
 * LaneQCs, push the CommitQC built from them, push AppVotes for
 * (GlobalRange.Next − 1, idx) until an AppQC forms, then check pruning,
 * fullCommitQC and what the data layer received.
 */
import { expect } from 'vitest';
import { blockHeaderHash, commitVoteMsgHash } from '../../src/codec/index.js';
import type { AvailState } from '../../src/avail/state.js';
import type { InMemoryDataLayer } from '../../src/avail/data.js';
import type { Ctx, Env } from '../../src/env.js';
import { ErrPruned, errorIs } from '../../src/errors.js';
import { ZERO_HASH, bytesEqual, commitQCIndex, globalRange, laneRangeOf, toHex } from '../../src/types.js';
import type { CommitQC, LaneId, LaneQC, LaneRange, Proposal, SignedLaneProposal } from '../../src/types.js';
import type { CommitteeFixture } from '../../scenarios/fixtures.js';

/** The CommitQC at `index` finalising, per lane, up to the LaneQC found (empty range otherwise). */
export function commitQCFromLaneQCs(fx: CommitteeFixture, index: bigint, prev: CommitQC | undefined, laneQCs: ReadonlyMap<LaneId, LaneQC>): CommitQC {
  const laneRanges: LaneRange[] = fx.lanes.map((lane) => {
    const first = laneRangeOf(prev, lane).next;
    const lq = laneQCs.get(lane);
    if (lq === undefined) return { lane, first, next: first, lastHash: ZERO_HASH };
    return { lane, first, next: lq.header.blockNumber + 1n, lastHash: blockHeaderHash(lq.header) };
  });
  const vote: Proposal = { view: { index, number: 0n }, createdAt: { seconds: 1_700_000_000n + index, nanos: 0 }, laneRanges };
  const h = commitVoteMsgHash(vote);
  return { vote, sigs: fx.keys.slice(0, fx.committee.commitQuorum).map((k) => fx.signature(k, h)) };
}

/** Polls `pred` with short sleeps; fails after `attemptsMax` (no timed assertions: a bound, not a target). */
export async function eventually(env: Env, ctx: Ctx, what: string, pred: () => boolean, attemptsMax = 20_000): Promise<void> {
  for (let i = 0; i < attemptsMax; i++) {
    if (pred()) return;
    await env.clock.sleep(ctx, 1);
  }
  throw new Error(`condition not reached: ${what}`);
}

export async function rejectsWith(p: Promise<unknown>, sentinel: unknown): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (e) {
    return errorIs(e, sentinel);
  }
}

export interface FlowOptions {
  readonly iterations: number;
  readonly blocksPerIteration: number;
  /** index of the first CommitQC (continuing after a restart) */
  readonly firstIndex?: bigint;
  readonly prev?: CommitQC | undefined;
  /** picks the committee index of the lane for block j of iteration i */
  readonly laneFor?: (i: number, j: number) => number;
}

export interface FlowResult {
  readonly qcs: CommitQC[];
  readonly produced: SignedLaneProposal[];
}

export async function runStateFlow(env: Env, ctx: Ctx, state: AvailState, fx: CommitteeFixture, data: InMemoryDataLayer, opts: FlowOptions): Promise<FlowResult> {
  const laneFor = opts.laneFor ?? ((i: number, j: number) => (i * 5 + j * 3 + ((i * j) % 2)) % fx.lanes.length);
  const qcs: CommitQC[] = [];
  const allProduced: SignedLaneProposal[] = [];
  let prev = opts.prev;
  const firstIndex = opts.firstIndex ?? 0n;
  for (let i = 0; i < opts.iterations; i++) {
    const idx = firstIndex + BigInt(i);
    const produced: SignedLaneProposal[] = [];
    for (let j = 0; j < opts.blocksPerIteration; j++) {
      const lane = fx.lane(laneFor(i, j));
      produced.push(await state.produceBlockWith(ctx, fx.key(lane), fx.payload(lane, idx * 1000n + BigInt(j))));
    }
    allProduced.push(...produced);
    for (const p of produced) for (const k of fx.keys) await state.pushVote(ctx, fx.laneVote(p.block.header, k));

    const laneQCs = await state.waitForLaneQCs(ctx, prev);
    const qc = commitQCFromLaneQCs(fx, idx, prev, laneQCs);
    // every produced block is finalised by this QC
    for (const p of produced) {
      const lr = laneRangeOf(qc, p.block.header.lane);
      expect(p.block.header.blockNumber >= lr.first && p.block.header.blockNumber < lr.next).toBe(true);
    }
    await state.pushCommitQC(ctx, qc);
    // publication (by the persist loop) gates CommitQC(idx); the pump then hands it to the data layer
    await state.lastCommitQC().wait(ctx, (q) => q !== undefined && commitQCIndex(q) >= idx);
    await eventually(env, ctx, `data layer received QC ${idx}`, () => data.indices().includes(idx));

    const gr = globalRange(qc);
    const proposal = fx.appProposal(gr.next - 1n, idx);
    for (const k of fx.keys) await state.pushAppVote(ctx, fx.appVote(proposal, k));
    const { appQC, commitQC } = await state.waitForAppQC(ctx, idx);
    expect(appQC.vote.roadIndex).toBe(idx);
    expect(commitQC).toBe(qc);
    expect(await state.firstCommitQC(ctx)).toBe(idx);

    if (prev !== undefined) {
      expect(await rejectsWith(state.commitQC(ctx, idx - 1n), ErrPruned)).toBe(true);
      for (const lane of fx.lanes) {
        const lr = laneRangeOf(prev, lane);
        if (lr.next > lr.first) expect(await rejectsWith(state.block(ctx, lane, lr.next - 1n), ErrPruned)).toBe(true);
      }
    }

    // fullCommitQC: headers from votes, committee order then block number; payload hashes match the produced blocks
    // (the range may also hold blocks produced before this iteration, e.g. restored from disk)
    const expected: SignedLaneProposal[] = [];
    for (const lane of fx.lanes) {
      const lr = laneRangeOf(qc, lane);
      for (let n = lr.first; n < lr.next; n++) {
        const b = await state.block(ctx, lane, n);
        if (b === undefined) throw new Error(`block ${n} of a finalised range is missing`);
        expected.push(b);
      }
    }
    for (const p of produced) expect(expected).toContain(p);
    const full = await state.fullCommitQC(ctx, idx);
    expect(full.headers.map((h) => toHex(h.payloadHash))).toEqual(expected.map((p) => toHex(p.block.header.payloadHash)));
    const got = data.received.find((r) => commitQCIndex(r.qc.qc) === idx);
    expect(got?.blocks.length).toBe(expected.length);
    for (const [k, b] of (got?.blocks ?? []).entries()) expect(bytesEqual(b.header.payloadHash, expected[k]!.block.header.payloadHash)).toBe(true);

    qcs.push(qc);
    prev = qc;
  }
  return { qcs, produced: allProduced };
}
