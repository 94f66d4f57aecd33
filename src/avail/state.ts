/**
 * The availability state (spec §7–§9): `NewState`, `Run` (persist loop + data
 * pump), and the public API with its validation, gates and effects. Every lock
 * section is one `Watch.section` with a synchronous body; `WAIT` is Go's
 * `Wait()`. Design-specific behaviour is reached through `deps.design`.
 */
import { ProcessAbort } from '../codec/index.js';
import { WAIT } from '../env.js';
import type { AtomicSend, Ctx, Env } from '../env.js';
import { AvailError, ErrBadLane, ErrPruned, errorIs, invariant, wrapError } from '../errors.js';
import { runPersistTask } from '../design/loop.js';
import type { Design, Persisters } from '../design/types.js';
import {
  ZERO_HASH,
  appQCIndex,
  bytesEqual,
  commitQCIndex,
  laneRangeOf,
  laneString,
  nextIndexOptCommitQC,
  nextOptAppQC,
  toHex,
} from '../types.js';
import type {
  AppQC,
  AppVote,
  Block,
  BlockHeader,
  CommitQC,
  FullCommitQC,
  LaneId,
  LaneQC,
  LaneRange,
  LaneVote,
  Payload,
  SignedLaneProposal,
} from '../types.js';
import type { StateCore } from './core.js';
import type { DataLayer } from './data.js';
import { InMemoryDataLayer } from './data.js';
import type { AvailDeps } from './deps.js';
import { AppVotes, BlockVotes, laneQC, prune } from './inner.js';
import type { Inner } from './inner.js';
import type { AvailObserver } from './observer.js';
import { unspecifiedOrder } from './order.js';
import {
  headerHash,
  payloadHashOf,
  signLaneProposal,
  signLaneVote,
  verifyAppProposalFor,
  verifyAppQC,
  verifyBlock,
  verifyCommitQC,
  verifyLaneVote,
  verifySignedAppVote,
  verifySignedLaneProposal,
  verifySignedLaneVote,
} from './ports.js';
import type { CommitteeView, SigningKey } from './ports.js';

export interface NewStateOptions {
  readonly key: SigningKey;
  readonly committee: CommitteeView;
  /** the state directory D (must exist); undefined = persistence disabled */
  readonly stateDir?: string | undefined;
  readonly design: Design;
  readonly observer?: AvailObserver | undefined;
  /** default: a fresh InMemoryDataLayer */
  readonly data?: DataLayer | undefined;
}

/** `NewState` (spec §7): load (or no-op persisters), newInner, design cleanup. Throws the §7.4 errors or ProcessAbort. */
export async function newState(env: Env, ctx: Ctx, opts: NewStateOptions): Promise<AvailState> {
  const deps: AvailDeps = { env, committee: opts.committee, design: opts.design, observer: opts.observer };
  const { loaded, persisters } = await opts.design.loadPersistedState(deps, ctx, opts.stateDir);
  const inner = opts.design.newInner(deps, loaded);
  await opts.design.startupCleanup(deps, ctx, inner, persisters);
  return new AvailState(
    { ...deps, key: opts.key, inner, watch: env.newWatch('avail.inner', inner), persisters },
    opts.data ?? new InMemoryDataLayer(),
  );
}

/** Read-only view of `latestCommitQC` (Go's AtomicRecv). */
export interface CommitQCSubscription {
  load(): CommitQC | undefined;
  wait(ctx: Ctx, pred: (qc: CommitQC | undefined) => boolean): Promise<CommitQC | undefined>;
}

/** A plain snapshot of `inner` for tests and oracles. */
export interface InnerSnapshot {
  readonly latestAppQCIndex: bigint | undefined;
  readonly latestCommitQCIndex: bigint | undefined;
  readonly commitQCs: { readonly first: bigint; readonly next: bigint };
  readonly appVotes: { readonly first: bigint; readonly next: bigint };
  readonly nextCommitQCToPersist: bigint;
  /** committee order */
  readonly lanes: ReadonlyArray<{
    readonly lane: LaneId;
    readonly blocks: { readonly first: bigint; readonly next: bigint };
    readonly votes: { readonly first: bigint; readonly next: bigint };
    /** undefined when the map has no key (reads as 0) */
    readonly nextBlockToPersist: bigint | undefined;
    readonly persistedBlockStart: bigint | undefined;
  }>;
}

export interface LaneVoteSubscription {
  /** per-lane position of this subscriber (0 when absent) */
  readonly next: ReadonlyMap<LaneId, bigint>;
  recvBatch(ctx: Ctx): Promise<LaneVote[]>;
}

export interface LaneProposalSubscription {
  readonly next: bigint;
  recv(ctx: Ctx): Promise<SignedLaneProposal>;
}

/** Largest lane range `headers` allocates for (far above any range a committee can finalise). */
const HEADERS_RANGE_MAX = 1n << 24n;

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export class AvailState {
  constructor(
    readonly core: StateCore,
    readonly data: DataLayer,
  ) {}

  get design(): Design {
    return this.core.design;
  }

  get persisters(): Persisters {
    return this.core.persisters;
  }

  private get committee(): CommitteeView {
    return this.core.committee;
  }

  private section<R>(ctx: Ctx, body: (inner: Inner, ctl: { updated(): void }) => R | typeof WAIT): Promise<R> {
    return this.core.watch.section(ctx, body);
  }

  // -------------------------------------------------------------------------
  // Run (spec §8.1, §9.5)

  /** Starts the design's persist task(s) ("persist") and "s.data.PushQC" in one scope; ends with the first error. */
  run(ctx: Ctx): Promise<void> {
    return this.core.env.tasks.run(ctx, 'avail', async (_sctx, scope) => {
      for (const t of this.core.design.persistTasks) scope.spawn(t.name, (c) => runPersistTask(this.core, c, t));
      scope.spawn('s.data.PushQC', (c) => this.dataPump(c));
    });
  }

  /** The data pump: FullCommitQCs in order plus the locally present blocks. */
  private async dataPump(ctx: Ctx): Promise<void> {
    // The advance `n := max(n + 1, FirstCommitQC())` also runs after ErrPruned.
    for (let n = 0n; ; n = maxBig(n + 1n, await this.firstCommitQC(ctx))) {
      let full: FullCommitQC;
      try {
        full = await this.fullCommitQC(ctx, n);
      } catch (e) {
        if (errorIs(e, ErrPruned)) continue;
        throw e;
      }
      const blocks = await this.section(ctx, (inner) => {
        const out: Block[] = [];
        for (const lane of this.committee.lanes) {
          const lr = laneRangeOf(full.qc, lane);
          const q = inner.blocks.get(lane);
          for (let i = lr.first; i < lr.next; i++) {
            const p = q?.get(i);
            if (p !== undefined) out.push(p.block);
          }
        }
        return out;
      });
      try {
        await this.data.pushQC(ctx, full, blocks);
      } catch (e) {
        throw wrapError('s.data.PushQC()', e);
      }
    }
  }

  // -------------------------------------------------------------------------
  // Blocks

  /** PushBlock (spec §9.2). */
  async pushBlock(ctx: Ctx, p: SignedLaneProposal): Promise<void> {
    const h = p.block.header;
    if (p.sig.key !== h.lane) throw new AvailError(`signer ${laneString(p.sig.key)} does not match lane ${laneString(h.lane)}`);
    const blockErr = verifyBlock(this.committee, p.block);
    if (blockErr !== undefined) throw new AvailError(`block.Verify(): ${blockErr}`);
    const sigErr = verifySignedLaneProposal(this.committee, p);
    if (sigErr !== undefined) throw new AvailError(`p.VerifySig(): ${sigErr}`);
    const n = h.blockNumber;
    await this.section(ctx, (inner, ctl) => {
      const q = inner.blocks.get(h.lane);
      if (q === undefined) throw ErrBadLane;
      if (!this.design.pushBlockAdmits(inner, h.lane, q, n)) return WAIT;
      if (q.next !== n) return; // not needed any more
      if (q.first < q.next) {
        const prev = q.get(q.next - 1n);
        invariant(prev !== undefined, 'non-empty block queue has its last entry');
        const prevHash = headerHash(prev.block.header);
        if (!bytesEqual(h.parentHash, prevHash)) {
          this.core.env.log.log(ctx, 'error', 'parent hash mismatch (producer equivocation)', {
            lane: laneString(h.lane),
            block: n,
            got: toHex(h.parentHash),
            want: toHex(prevHash),
          });
          return;
        }
      }
      q.pushBack(p);
      ctl.updated();
    });
  }

  /** ProduceBlock (spec §9.2): a new block on the own lane; its file is written later by the persist loop. */
  produceBlock(ctx: Ctx, payload: Payload): Promise<SignedLaneProposal> {
    return this.produceBlockWith(ctx, this.core.key, payload);
  }

  /** The reference's test-only `produceBlock(key, payload)`: produce on `key`'s lane, signed by `key`. */
  async produceBlockWith(ctx: Ctx, key: SigningKey, payload: Payload): Promise<SignedLaneProposal> {
    const lane = key.publicKey;
    const payloadHash = payloadHashOf(payload);
    return this.section(ctx, (inner, ctl) => {
      const q = inner.blocks.get(lane);
      if (q === undefined) throw ErrBadLane;
      if (!this.design.hasCapacity(inner, lane, q)) return WAIT;
      let parentHash = ZERO_HASH;
      if (q.first < q.next) {
        const prev = q.get(q.next - 1n);
        invariant(prev !== undefined, 'non-empty block queue has its last entry');
        parentHash = headerHash(prev.block.header);
      }
      const block: Block = { header: { lane, blockNumber: q.next, parentHash, payloadHash }, payload };
      const result = signLaneProposal(key, block);
      q.pushBack(result);
      ctl.updated();
      return result;
    });
  }

  /** WaitForCapacity (spec §9.2). The reference has no lane check: an unknown lane dereferences nil. */
  async waitForCapacity(ctx: Ctx, lane: LaneId): Promise<void> {
    await this.section(ctx, (inner) => {
      const q = inner.blocks.get(lane);
      if (q === undefined) throw new ProcessAbort(`WaitForCapacity: no block queue for lane ${laneString(lane)}`);
      if (!this.design.hasCapacity(inner, lane, q)) return WAIT;
      return;
    });
  }

  /** Block(lane, n) (spec §9.2): waits until n < q.next; ErrPruned below q.first. */
  async block(ctx: Ctx, lane: LaneId, n: bigint): Promise<SignedLaneProposal | undefined> {
    return this.section(ctx, (inner) => {
      const q = inner.blocks.get(lane);
      if (q === undefined) throw ErrBadLane;
      if (!(n < q.next)) return WAIT;
      if (n < q.first) throw ErrPruned;
      return q.get(n);
    });
  }

  async nextBlock(ctx: Ctx, lane: LaneId): Promise<bigint> {
    return this.section(ctx, (inner) => inner.blocks.get(lane)?.next ?? 0n);
  }

  // -------------------------------------------------------------------------
  // Votes

  /** PushVote (spec §9.2). */
  async pushVote(ctx: Ctx, v: LaneVote): Promise<void> {
    const prefixes = this.design.pushVoteErrorPrefixes;
    const verifyErr = verifyLaneVote(this.committee, v);
    if (verifyErr !== undefined) throw new AvailError(`${prefixes.verify}${verifyErr}`);
    const sigErr = verifySignedLaneVote(this.committee, v);
    if (sigErr !== undefined) throw new AvailError(`${prefixes.sig}${sigErr}`);
    const h = v.header;
    const n = h.blockNumber;
    await this.section(ctx, (inner, ctl) => {
      const q = inner.votes.get(h.lane);
      if (q === undefined) throw ErrBadLane;
      if (!this.design.pushVoteAdmits(inner, h.lane, q, n)) return WAIT;
      if (n < q.first) return;
      while (q.next <= n) q.pushBack(new BlockVotes());
      const bv = q.get(n);
      invariant(bv !== undefined, 'votes entry exists after padding');
      if (bv.pushVote(v, this.committee.laneQuorum) !== undefined) ctl.updated();
    });
  }

  /** WaitForLaneQCs (spec §9.2): per lane, the highest consecutive LaneQC after `prev` (≤ 10 looked at). */
  async waitForLaneQCs(ctx: Ctx, prev: CommitQC | undefined): Promise<Map<LaneId, LaneQC>> {
    const laneQCs = new Map<LaneId, LaneQC>();
    return this.section(ctx, (inner) => {
      for (const lane of this.committee.lanes) {
        const first = laneRangeOf(prev, lane).next;
        for (let i = 0n; i < 10n; i++) {
          const qc = laneQC(this.core, inner, lane, first + i);
          if (qc === undefined) break;
          laneQCs.set(lane, qc);
        }
      }
      if (laneQCs.size > 0) return laneQCs;
      return WAIT;
    });
  }

  /** headers(lr) (spec §6.5): reconstructs a range's headers from votes; ErrPruned once the votes queue moved past it. */
  async headers(ctx: Ctx, lr: LaneRange): Promise<BlockHeader[]> {
    if (lr.first === lr.next) return [];
    const count = lr.next - lr.first;
    // The reference allocates the slice up front: an absurd (unverified, loaded) range panics there.
    if (count < 0n || count > HEADERS_RANGE_MAX) throw new ProcessAbort(`headers: makeslice: len out of range (${count})`);
    const result: BlockHeader[] = new Array<BlockHeader>(Number(count));
    let want = lr.lastHash;
    let n = lr.next - 1n;
    return this.section(ctx, (inner) => {
      const q = inner.votes.get(lr.lane);
      // The reference dereferences the missing queue.
      if (q === undefined) throw new ProcessAbort(`headers: no votes queue for lane ${laneString(lr.lane)}`);
      while (n >= lr.first) {
        if (q.first > lr.first) throw ErrPruned;
        const vs = q.get(n)?.byHeader.get(toHex(want));
        const v = vs?.[0];
        if (v === undefined) return WAIT;
        result[Number(n - lr.first)] = v.header;
        want = v.header.parentHash;
        n--;
      }
      return result;
    });
  }

  /** RecvBatch subscriptions (spec §9.3): headers below the persistence cursor, signed as LaneVotes. */
  subscribeLaneVotes(): LaneVoteSubscription {
    const next = new Map<LaneId, bigint>();
    return {
      next,
      recvBatch: async (ctx: Ctx): Promise<LaneVote[]> => {
        const headers = await this.section(ctx, (inner) => {
          const batch: BlockHeader[] = [];
          for (const [lane, q] of unspecifiedOrder(this.core.env, [...inner.blocks])) {
            const upper = this.design.recvBatchBound(inner, lane, q);
            for (let i = maxBig(q.first, next.get(lane) ?? 0n); i < upper; i++) {
              const p = q.get(i);
              invariant(p !== undefined, 'block queue entry inside [first, next)');
              batch.push(p.block.header);
            }
            next.set(lane, upper); // plain assignment, as in the reference
          }
          if (batch.length === 0) return WAIT;
          this.core.observer?.onRecvBatch?.(batch);
          return batch;
        });
        return headers.map((h) => signLaneVote(this.core.key, h));
      },
    };
  }

  /** SubscribeLaneProposals(first).Recv (spec §9.3): own lane, skipping pruned blocks; no persistence gate. */
  subscribeLaneProposals(first: bigint): LaneProposalSubscription {
    const own = this.core.key.publicKey;
    const sub = {
      next: first,
      recv: async (ctx: Ctx): Promise<SignedLaneProposal> => {
        const gate = this.design.ownProposalBound;
        for (;;) {
          let b: SignedLaneProposal | undefined;
          // Only a design with a dissemination gate waits here (faithful designs: no extra step).
          if (gate !== undefined) {
            await this.section(ctx, (inner) => {
              const q = inner.blocks.get(own);
              return q === undefined || sub.next < q.first || sub.next < gate(inner, own, q) ? undefined : WAIT;
            });
          }
          try {
            b = await this.block(ctx, own, sub.next);
          } catch (e) {
            if (errorIs(e, ErrPruned)) {
              sub.next += 1n;
              continue;
            }
            throw wrapError('x.avail.Block()', e);
          }
          sub.next += 1n;
          if (b === undefined) throw new ProcessAbort('SubscribeLaneProposals: nil block inside the queue range');
          return b;
        }
      },
    };
    return sub;
  }

  // -------------------------------------------------------------------------
  // CommitQCs

  /** LastCommitQC(): read-only subscription to `latestCommitQC`. */
  lastCommitQC(): CommitQCSubscription {
    const cell: AtomicSend<CommitQC | undefined> = this.core.inner.latestCommitQC;
    return { load: () => cell.load(), wait: (ctx, pred) => cell.wait(ctx, pred) };
  }

  private async waitForCommitQC(ctx: Ctx, idx: bigint): Promise<void> {
    await this.core.inner.latestCommitQC.wait(ctx, (qc) => nextIndexOptCommitQC(qc) > idx);
  }

  /** PushCommitQC (spec §9.2): waits for idx−1 to be published; appends without publishing. */
  async pushCommitQC(ctx: Ctx, qc: CommitQC): Promise<void> {
    const idx = commitQCIndex(qc);
    if (idx > 0n) await this.waitForCommitQC(ctx, idx - 1n);
    const err = verifyCommitQC(this.committee, qc);
    if (err !== undefined) throw new AvailError(`qc.Verify(): ${err}`);
    await this.section(ctx, (inner, ctl) => {
      if (idx !== inner.commitQCs.next) return;
      inner.commitQCs.pushBack(qc);
      this.design.onCommitQCPushed(this.core, inner, qc);
      this.core.observer?.onCommitQCPushed?.({ qc, latest: inner.latestCommitQC.load() });
      ctl.updated();
    });
  }

  /** CommitQC(idx) (spec §9.2): gated on publication; ErrPruned below commitQCs.first. */
  async commitQC(ctx: Ctx, idx: bigint): Promise<CommitQC | undefined> {
    await this.waitForCommitQC(ctx, idx);
    return this.section(ctx, (inner) => {
      if (idx < inner.commitQCs.first) throw ErrPruned;
      return inner.commitQCs.get(idx);
    });
  }

  async firstCommitQC(ctx: Ctx): Promise<bigint> {
    return this.section(ctx, (inner) => inner.commitQCs.first);
  }

  /** fullCommitQC(n) (spec §9.4). */
  async fullCommitQC(ctx: Ctx, n: bigint): Promise<FullCommitQC> {
    const qc = await this.commitQC(ctx, n);
    if (qc === undefined) throw new ProcessAbort(`fullCommitQC: nil CommitQC at index ${n}`);
    const headers: BlockHeader[] = [];
    for (const lane of this.committee.lanes) headers.push(...(await this.headers(ctx, laneRangeOf(qc, lane))));
    return { qc, headers };
  }

  // -------------------------------------------------------------------------
  // AppVotes and AppQCs

  /** PushAppVote (spec §9.2). */
  async pushAppVote(ctx: Ctx, v: AppVote): Promise<void> {
    const sigErr = verifySignedAppVote(this.committee, v);
    if (sigErr !== undefined) throw new AvailError(`v.VerifySig(): ${sigErr}`);
    const idx = v.proposal.roadIndex;
    await this.waitForCommitQC(ctx, idx);
    await this.section(ctx, (inner, ctl) => {
      if (idx < nextOptAppQC(inner.latestAppQC)) return;
      const qc = inner.commitQCs.get(idx);
      if (qc === undefined) throw new ProcessAbort(`PushAppVote: nil CommitQC at index ${idx}`);
      const invalid = verifyAppProposalFor(v.proposal, qc);
      if (invalid !== undefined) throw new AvailError(`invalid vote: ${invalid}`);
      const n = v.proposal.globalNumber;
      const q = inner.appVotes;
      while (q.next <= n) q.pushBack(new AppVotes());
      const av = q.get(n);
      if (av === undefined) throw new ProcessAbort(`PushAppVote: no appVotes entry at ${n} (first ${q.first})`);
      const appQC = av.pushVote(v, this.committee.appQuorum, () =>
        this.core.env.log.log(ctx, 'error', 'AppVotes reached quorum with conflicting proposals', { globalNumber: n }),
      );
      if (appQC === undefined) return;
      const r = prune(this.core, inner, appQC, qc);
      if (r.error !== undefined) throw r.error;
      if (r.updated) ctl.updated();
    });
  }

  /** PushAppQC (spec §9.2): no durability wait. */
  async pushAppQC(ctx: Ctx, appQC: AppQC, commitQC: CommitQC): Promise<void> {
    const stale = await this.section(ctx, (inner) => nextOptAppQC(inner.latestAppQC) > appQCIndex(appQC));
    if (stale) return;
    const aErr = verifyAppQC(this.committee, appQC);
    if (aErr !== undefined) throw new AvailError(`appQC.Verify(): ${aErr}`);
    const cErr = verifyCommitQC(this.committee, commitQC);
    if (cErr !== undefined) throw new AvailError(`commitQC.Verify(): ${cErr}`);
    if (appQCIndex(appQC) !== commitQCIndex(commitQC)) {
      throw new AvailError(`mismatched QCs: appQC index ${appQCIndex(appQC)}, commitQC index ${commitQCIndex(commitQC)}`);
    }
    await this.section(ctx, (inner, ctl) => {
      const r = prune(this.core, inner, appQC, commitQC);
      if (r.error !== undefined) throw r.error;
      if (r.updated) ctl.updated();
    });
  }

  /** WaitForAppQC(idx) (spec §9.2): not gated on any write. */
  async waitForAppQC(ctx: Ctx, idx: bigint): Promise<{ appQC: AppQC; commitQC: CommitQC | undefined }> {
    return this.section(ctx, (inner) => {
      const a = inner.latestAppQC;
      if (a !== undefined) {
        const x = appQCIndex(a);
        if (x >= idx && inner.commitQCs.next > x) return { appQC: a, commitQC: inner.commitQCs.get(x) };
      }
      return WAIT;
    });
  }

  async lastAppQC(ctx: Ctx): Promise<AppQC | undefined> {
    return this.section(ctx, (inner) => inner.latestAppQC);
  }

  // -------------------------------------------------------------------------
  // Inspection (no lock, no scheduling point: sections are atomic steps)

  inspect(): InnerSnapshot {
    const inner = this.core.inner;
    return {
      latestAppQCIndex: inner.latestAppQC === undefined ? undefined : appQCIndex(inner.latestAppQC),
      latestCommitQCIndex: (() => {
        const qc = inner.latestCommitQC.load();
        return qc === undefined ? undefined : commitQCIndex(qc);
      })(),
      commitQCs: { first: inner.commitQCs.first, next: inner.commitQCs.next },
      appVotes: { first: inner.appVotes.first, next: inner.appVotes.next },
      nextCommitQCToPersist: inner.nextCommitQCToPersist,
      lanes: this.committee.lanes.map((lane) => {
        const b = inner.blocks.get(lane);
        const v = inner.votes.get(lane);
        return {
          lane,
          blocks: { first: b?.first ?? 0n, next: b?.next ?? 0n },
          votes: { first: v?.first ?? 0n, next: v?.next ?? 0n },
          nextBlockToPersist: inner.nextBlockToPersist.get(lane),
          persistedBlockStart: inner.persistedBlockStart.get(lane),
        };
      }),
    };
  }
}
