/**
 * Spec §11.6 (state_test), merged column, plus the merged startup (§2.4 steps
 * 1–7: order, filtering, cleanup unlinks, ResetNext), the §7.4 merged error
 * catalogue reached through NewState, and the gates on persistedBlockStart
 * (§9.2, §12 rows 18–22).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessAbort, encodeCommitQC, encodePruneAnchor, encodeRaw, encodeSignedLaneProposal, encodeWrapper } from '../../src/codec/index.js';
import { InMemoryDataLayer } from '../../src/avail/data.js';
import type { AvailObserver } from '../../src/avail/observer.js';
import { newState } from '../../src/avail/state.js';
import type { AvailState } from '../../src/avail/state.js';
import { mergedDesign } from '../../src/design/merged.js';
import { CancelledError } from '../../src/env.js';
import type { Ctx, EnvHost } from '../../src/env.js';
import { ErrPruned, errorText } from '../../src/errors.js';
import { newABPersister } from '../../src/persist/ab.js';
import { newBlockPersister } from '../../src/persist/blocks.js';
import { newCommitQCPersister } from '../../src/persist/commitqcs.js';
import { mkdirAll } from '../../src/persist/fsutil.js';
import { blockFileName } from '../../src/persist/names.js';
import type { CommitQC, LaneId, PruneAnchor, SignedLaneProposal } from '../../src/types.js';
import { ZERO_HASH, appQCIndex, commitQCIndex, laneString } from '../../src/types.js';
import { makeCommittee, plainOf } from '../../scenarios/fixtures.js';
import { ENVS } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { withFaultyFs } from '../support/faulty-fs.js';
import { eventually, runStateFlow } from '../support/flow.js';
import { inTask, joinPath, listNames, writeBytes } from '../support/fsops.js';

const fx = makeCommittee('conformance-state-merged', 4);
const chain = fx.commitQCChain(8);
const qc = (i: number): CommitQC => chain[i]!;
const anchorAt = (i: number, c: readonly CommitQC[] = chain, global?: number): PruneAnchor => fx.pruneAnchor(fx.appQC(c[i]!, global), c[i]!);
const lane0 = fx.lane(0);
const lane1 = fx.lane(1);

for (const factory of ENVS) {
  describe(`avail state, merged [${factory.name}]`, () => {
    let t: TestEnv;
    let host: EnvHost;
    let dir: string;
    beforeEach(async () => {
      t = await factory.make();
      host = t.host;
      dir = t.stateDir;
    });
    afterEach(async () => t.cleanup());

    const run = <T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> => inTask(host, fn);
    const open = (ctx: Ctx, opts: { stateDir?: string; data?: InMemoryDataLayer; observer?: AvailObserver; h?: EnvHost } = {}) =>
      newState((opts.h ?? host).env, ctx, {
        key: fx.key(0),
        committee: fx.committee,
        design: mergedDesign,
        stateDir: opts.stateDir,
        data: opts.data,
        observer: opts.observer,
      });

    function startRun(ctx: Ctx, state: AvailState): { stop(): Promise<unknown>; failure(): unknown } {
      const { ctx: runCtx, cancel } = host.env.tasks.withCancel(ctx);
      let ended: { error: unknown } | undefined;
      const p = state.run(runCtx).then(
        () => (ended = { error: undefined }),
        (e: unknown) => (ended = { error: e }),
      );
      return {
        async stop() {
          cancel();
          await p;
          return ended?.error;
        },
        failure: () => ended?.error,
      };
    }

    /** Writes files as the merged persisters would (anchor in the A/B file). */
    async function seedDisk(ctx: Ctx, opts: { anchor?: PruneAnchor; qcs?: number[]; qcChain?: readonly CommitQC[]; blocks?: SignedLaneProposal[] }, at = dir): Promise<void> {
      const ab = await newABPersister(host.env, ctx, at, 'avail_inner', mergedDesign.abPayloadType);
      if (opts.anchor !== undefined) await ab.persister.persist(ctx, encodePruneAnchor(opts.anchor));
      const cp = await newCommitQCPersister(host.env, ctx, at, mergedDesign.commitQCPersister);
      for (const i of opts.qcs ?? []) await cp.persister.persistCommitQC(ctx, (opts.qcChain ?? chain)[i]!);
      const bp = await newBlockPersister(host.env, ctx, at, mergedDesign.blockLoader);
      for (const b of opts.blocks ?? []) await bp.persister.persistBlock(ctx, b);
    }

    // ---------------------------------------------------------------------
    // Flows

    it('TestState (persistence disabled)', async () => {
      await run(async (ctx) => {
        const data = new InMemoryDataLayer();
        const state = await open(ctx, { data });
        const r = startRun(ctx, state);
        await runStateFlow(host.env, ctx, state, fx, data, { iterations: 3, blocksPerIteration: 10 });
        expect(await r.stop()).toBeInstanceOf(CancelledError);
        expect(await listNames(host.env, ctx, dir)).toEqual([]);
      });
    });

    it('TestStateWithPersistence (5 fresh directories)', async () => {
      for (let d = 0; d < 5; d++) {
        await run(async (ctx) => {
          const sub = joinPath(dir, `run-${d}`);
          await host.env.fs.mkdir(ctx, sub, 0o700);
          const data = new InMemoryDataLayer();
          const anchors: bigint[] = [];
          const state = await open(ctx, { stateDir: sub, data, observer: { onAppQCWritten: (e) => anchors.push(appQCIndex(e.appQC)) } });
          const r = startRun(ctx, state);
          await runStateFlow(host.env, ctx, state, fx, data, { iterations: 3, blocksPerIteration: 10, laneFor: (i, j) => (i + j * (d + 1)) % 4 });
          expect(r.failure()).toBeUndefined();
          // A new AppQC alone wakes the merged loop: every anchor gets written.
          await eventually(host.env, ctx, 'anchor 2 written', () => anchors.includes(2n));
          expect(await r.stop()).toBeInstanceOf(CancelledError);
        });
      }
    });

    it('TestStateRestartFromPersisted (2 iterations on disk, stop, NewState on the same directory)', async () => {
      await run(async (ctx) => {
        const data = new InMemoryDataLayer();
        let anchorWritten: bigint | undefined;
        const state = await open(ctx, { stateDir: dir, data, observer: { onAppQCWritten: (e) => (anchorWritten = appQCIndex(e.appQC)) } });
        const r = startRun(ctx, state);
        await runStateFlow(host.env, ctx, state, fx, data, { iterations: 2, blocksPerIteration: 10 });
        const lastAppQC = (await state.lastAppQC(ctx))!;
        await state.lastCommitQC().wait(ctx, (q) => q !== undefined && commitQCIndex(q) >= appQCIndex(lastAppQC));
        await eventually(host.env, ctx, 'anchor and blocks on disk', () => anchorWritten === appQCIndex(lastAppQC) && state.inspect().lanes.every((l) => (l.nextBlockToPersist ?? 0n) >= l.blocks.next));
        const nextBefore = await Promise.all(fx.lanes.map((l) => state.nextBlock(ctx, l)));
        expect(await r.stop()).toBeInstanceOf(CancelledError);

        const restarted = await open(ctx, { stateDir: dir });
        expect((await restarted.lastAppQC(ctx))?.vote.roadIndex).toBe(appQCIndex(lastAppQC));
        expect(await restarted.firstCommitQC(ctx)).toBeGreaterThanOrEqual(appQCIndex(lastAppQC));
        expect(restarted.lastCommitQC().load()).toBeDefined();
        expect(await Promise.all(fx.lanes.map((l) => restarted.nextBlock(ctx, l)))).toEqual(nextBefore);
      });
    });

    // ---------------------------------------------------------------------
    // Single behaviours

    it('TestStateMismatchedQCs / PushAppQC mismatch', async () => {
      await run(async (ctx) => {
        const state = await open(ctx);
        await expect(state.pushAppQC(ctx, fx.appQC(qc(1)), qc(0))).rejects.toThrow('mismatched QCs: appQC index 1, commitQC index 0');
        expect(await state.lastAppQC(ctx)).toBeUndefined();
      });
    });

    it('TestPushBlockRejectsBadParentHash', async () => {
      await run(async (ctx) => {
        const state = await open(ctx);
        await state.pushBlock(ctx, fx.block(lane0, 0));
        await state.pushBlock(ctx, fx.block(lane0, 1, 'zero'));
        expect(await state.nextBlock(ctx, lane0)).toBe(1n);
      });
    });

    it('TestPushBlockRejectsWrongSigner', async () => {
      await run(async (ctx) => {
        const state = await open(ctx);
        const forged = fx.makeBlock(lane0, 0, ZERO_HASH, { signer: 1 });
        await expect(state.pushBlock(ctx, forged)).rejects.toThrow(/^signer validator:ed25519:public:[0-9a-f]{64} does not match lane validator:ed25519:public:[0-9a-f]{64}$/);
      });
    });

    it('PushVote error prefixes are merged\'s: `vote.Msg().Verify(): `, `vote.VerifySig(): ` (§12 row 22)', async () => {
      await run(async (ctx) => {
        const state = await open(ctx);
        const stranger = fx.outsider(0).publicKey as LaneId;
        await expect(state.pushVote(ctx, fx.laneVote(fx.header(stranger, 0), 1))).rejects.toThrow(/^vote\.Msg\(\)\.Verify\(\): /);
        const v = fx.laneVote(fx.header(lane1, 0), 1);
        await expect(state.pushVote(ctx, { ...v, sig: { ...v.sig, sig: new Uint8Array(64) } })).rejects.toThrow(/^vote\.VerifySig\(\): /);
      });
    });

    it('capacity gates on persistedBlockStart: a prune alone frees no capacity; the anchor write does (§9.2, §12 rows 18–21)', async () => {
      await run(async (ctx) => {
        const c10 = fx.commitQCChain(2, { blocksPerQC: (_i, lane) => (lane === lane0 ? 10 : 0) });
        const state = await open(ctx);
        for (let i = 0; i < 30; i++) await state.produceBlock(ctx, fx.payload(lane0, i));
        // prune to lr(qc1, lane0).first = 10 in memory: q.len() = 20, but persistedBlockStart is still 0
        await state.pushAppQC(ctx, fx.appQC(c10[1]!), c10[1]!);
        expect(state.inspect().lanes[0]!.blocks).toEqual({ first: 10n, next: 30n });
        const { ctx: c, cancel } = host.env.tasks.withCancel(ctx);
        const waiting = state.produceBlock(c, fx.payload(lane0, 30)).then(() => 'produced', (e: unknown) => e);
        const cap = state.waitForCapacity(c, lane0).then(() => 'capacity', (e: unknown) => e);
        const vote = state.pushVote(c, fx.laneVote(fx.header(lane1, 30), 1)).then(() => 'voted', (e: unknown) => e);
        const block = state.pushBlock(c, fx.block(lane1, 30)).then(() => 'pushed', (e: unknown) => e);
        await host.env.clock.sleep(ctx, 20);
        cancel();
        for (const p of [waiting, cap, vote, block]) expect(await p).toBeInstanceOf(CancelledError);
        await state.pushVote(ctx, fx.laneVote(fx.header(lane1, 29), 1)); // below the gate: accepted
        // the persist loop writes the anchor (no-op persister) and advances the watermark
        const r = startRun(ctx, state);
        const produced = await state.produceBlock(ctx, fx.payload(lane0, 30));
        expect(produced.block.header.blockNumber).toBe(30n);
        expect(state.inspect().lanes[0]!.persistedBlockStart).toBe(10n);
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('TestNewStateWithPersistence / empty dir', async () => {
      await run(async (ctx) => {
        const state = await open(ctx, { stateDir: dir });
        expect(await state.lastAppQC(ctx)).toBeUndefined();
        expect(await state.firstCommitQC(ctx)).toBe(0n);
        expect(state.lastCommitQC().load()).toBeUndefined();
      });
    });

    it('TestNewStateWithPersistence / loads persisted AppQC (QC files 0..7 + anchor(AppQC@7, QC7))', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { anchor: anchorAt(7, chain, 50), qcs: [0, 1, 2, 3, 4, 5, 6, 7] });
        const state = await open(ctx, { stateDir: dir });
        const got = await state.lastAppQC(ctx);
        expect(got?.vote.roadIndex).toBe(7n);
        expect(got?.vote.globalNumber).toBe(50n);
        expect(await state.firstCommitQC(ctx)).toBe(7n);
      });
    });

    it('TestNewStateWithPersistence / loads persisted blocks', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { blocks: fx.blocks(lane0, 0, 3) });
        const state = await open(ctx, { stateDir: dir });
        expect(await state.nextBlock(ctx, lane0)).toBe(3n);
      });
    });

    it('TestNewStateWithPersistence / AppQC and blocks together (anchor@2 + QCs 0..2 + blocks 0..2)', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { anchor: anchorAt(2), qcs: [0, 1, 2], blocks: fx.blocks(lane0, 0, 3) });
        const state = await open(ctx, { stateDir: dir });
        expect(await state.nextBlock(ctx, lane0)).toBe(3n);
        expect(await state.firstCommitQC(ctx)).toBe(2n);
      });
    });

    it('TestNewStateWithPersistence / loads persisted commitQCs', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { qcs: [0, 1, 2] });
        const state = await open(ctx, { stateDir: dir });
        expect(await state.firstCommitQC(ctx)).toBe(0n);
        expect(commitQCIndex(state.lastCommitQC().load()!)).toBe(2n);
      });
    });

    it('TestNewStateWithPersistence / commitQCs with AppQC (anchor@1 + QCs 0..4)', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { anchor: anchorAt(1), qcs: [0, 1, 2, 3, 4] });
        const state = await open(ctx, { stateDir: dir });
        expect(await state.firstCommitQC(ctx)).toBe(1n);
        expect(commitQCIndex(state.lastCommitQC().load()!)).toBe(4n);
        await expect(state.commitQC(ctx, 0n)).rejects.toBe(ErrPruned);
        // the startup cleanup removed 0.pb (below the restored range)
        expect(await listNames(host.env, ctx, joinPath(dir, 'commitqcs'))).toEqual(['1.pb', '2.pb', '3.pb', '4.pb']);
      });
    });

    it('TestNewStateWithPersistence / non-contiguous commitQC files (anchor@0 + files 0, 1, 2, 5)', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { anchor: anchorAt(0), qcs: [0, 1, 2, 5] });
        await expect(open(ctx, { stateDir: dir })).rejects.toThrow(/non-contiguous/);
        await expect(open(ctx, { stateDir: dir })).rejects.toThrow(/^non-contiguous persisted commitQCs: expected 3, got 5$/);
      });
    });

    it('TestNewStateWithPersistence / corrupt AppQC data', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, joinPath(dir, 'avail_inner_a.pb'), encodeWrapper({ seq: 1n, data: new Uint8Array([0x00, 0x01, 0x02]) }));
        await expect(open(ctx, { stateDir: dir })).rejects.toThrow(
          'NewPersister avail_inner: unmarshal persisted avail_inner: proto: cannot parse invalid wire-format data',
        );
      });
    });

    // ---------------------------------------------------------------------
    // Startup: filtering, cleanup, ResetNext, order; the §7.4 merged catalogue

    it('§7.2 filtering: CommitQCs below the anchor and blocks below lr(anchor, lane).first are dropped before newInner; the cleanup then unlinks them and every non-committee lane', async () => {
      const c2 = fx.commitQCChain(4, { blocksPerQC: 2 });
      const stranger = fx.outsider(0).publicKey as LaneId;
      await run(async (ctx) => {
        await seedDisk(ctx, { anchor: anchorAt(2, c2), qcs: [0, 1, 2, 3], qcChain: c2, blocks: [...fx.blocks(lane0, 0, 6), fx.block(stranger, 0)] });
        const state = await open(ctx, { stateDir: dir });
        const snap = state.inspect();
        expect(snap.commitQCs).toEqual({ first: 2n, next: 4n });
        expect(snap.lanes[0]!.blocks).toEqual({ first: 4n, next: 6n });
        expect(snap.lanes[0]!.nextBlockToPersist).toBe(6n);
        expect(snap.lanes[1]!.blocks).toEqual({ first: 4n, next: 4n });
        expect(snap.lanes.map((l) => l.persistedBlockStart)).toEqual([4n, 4n, 4n, 4n]);
        expect(await listNames(host.env, ctx, joinPath(dir, 'commitqcs'))).toEqual(['2.pb', '3.pb']);
        expect(await listNames(host.env, ctx, joinPath(dir, 'blocks'))).toEqual([blockFileName(lane0, 4n), blockFileName(lane0, 5n)].sort());
        // ResetNext(commitQCs.next): the CommitQC persister's order check starts at 4
        expect(state.persisters.commitQCs.loadNext()).toBe(4n);
      });
    });

    it('§2.4 merged startup order: A/B → blocks/ → commitqcs/ → block cleanup → CommitQC cleanup', async () => {
      await run(async (ctx) => seedDisk(ctx, { anchor: anchorAt(1), qcs: [0, 1], blocks: fx.blocks(lane0, 0, 2) }));
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await open(ctx, { stateDir: dir, h: f.host });
        const trace = f.fs.trace(dir).filter((s) => !s.includes('writable-probe'));
        const lastAB = trace.map((s) => s === 'close /' || s.includes('avail_inner')).lastIndexOf(true);
        const firstBlocks = trace.indexOf('stat /blocks');
        const firstQCs = trace.indexOf('stat /commitqcs');
        expect(lastAB).toBeLessThan(firstBlocks);
        expect(firstBlocks).toBeLessThan(firstQCs);
        const tail = trace.slice(trace.lastIndexOf('close /commitqcs/1.pb') + 1);
        expect(tail).toEqual([
          'open /blocks', 'getdents /blocks', 'close /blocks', // block cleanup: lane firsts are 0, nothing below
          'open /commitqcs', 'getdents /commitqcs', 'close /commitqcs', 'unlink /commitqcs/0.pb',
        ]);
        expect(trace.filter((s) => /^(rename|rmdir)/.test(s))).toEqual([]);
      });
    });

    it('§7.4: A/B payload variants (decode prune anchor, incomplete prune anchor)', async () => {
      for (const [name, v] of Object.entries(fx.pruneAnchorFileVariants(2))) {
        await run(async (ctx) => {
          const sub = joinPath(dir, `ab-${name}`);
          await mkdirAll(host.env, ctx, sub);
          await writeBytes(host.env, ctx, joinPath(sub, 'avail_inner_a.pb'), encodeWrapper({ seq: 1n, data: v.bytes }));
          const r = await open(ctx, { stateDir: sub }).then(
            (s) => ({ ok: s }),
            (e: unknown) => ({ err: e }),
          );
          if (v.expect === 'value') {
            // an anchor carries its CommitQC: no file needed (§12 row 15)
            expect('ok' in r, name).toBe(true);
            if ('ok' in r) expect(await r.ok.firstCommitQC(ctx)).toBe(2n);
          } else {
            expect('err' in r && errorText(r.err), name).toBe(`decode prune anchor: ${v.error}`);
          }
        });
      }
      // a CommitQC signature without its key aborts the process (§1.6), typed
      await run(async (ctx) => {
        const sub = joinPath(dir, 'ab-abort');
        await mkdirAll(host.env, ctx, sub);
        const q = plainOf('CommitQC', encodeCommitQC(qc(1)));
        const sigs = q['sigs'] as Array<Record<string, unknown>>;
        const bytes = encodeRaw('PersistedAvailPruneAnchor', {
          appQc: plainOf('AppQC', encodeRaw('AppQC', { vote: { globalNumber: 1n, roadIndex: 1n } })),
          commitQc: { ...q, sigs: [{ sig: sigs[0]!['sig'] }] },
        });
        await writeBytes(host.env, ctx, joinPath(sub, 'avail_inner_a.pb'), encodeWrapper({ seq: 1n, data: bytes }));
        const e = await open(ctx, { stateDir: sub }).then(() => undefined, (x: unknown) => x);
        expect(e).toBeInstanceOf(ProcessAbort);
      });
    });

    it('§7.4: block checks through NewState: gap, parent hash, capacity (lane rendered as validator:ed25519:public:<hex>)', async () => {
      const cases: Array<[string, SignedLaneProposal[], string]> = [
        ['gap', [0, 1, 3].map((n) => fx.block(lane0, n)), `lane ${laneString(lane0)}: non-contiguous persisted blocks: expected 2, got 3`],
        ['parent', [fx.block(lane0, 0), fx.block(lane0, 1, 'zero')], `lane ${laneString(lane0)}: parent hash mismatch at block 1`],
        ['capacity', fx.blocks(lane0, 0, 31), `lane ${laneString(lane0)}: loaded 31 blocks exceeds capacity 30`],
      ];
      for (const [name, blocks, want] of cases) {
        await run(async (ctx) => {
          const sub = joinPath(dir, name);
          await mkdirAll(host.env, ctx, sub);
          await seedDisk(ctx, { blocks }, sub);
          await expect(open(ctx, { stateDir: sub })).rejects.toThrow(new RegExp(`^${want.replace(/[()]/g, '\\$&')}$`));
        });
      }
    });

    it('an empty block file (a crash between create and fsync) aborts the restart, as in seed (§1.6)', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { blocks: fx.blocks(lane0, 0, 1) });
        await writeBytes(host.env, ctx, joinPath(joinPath(dir, 'blocks'), blockFileName(lane0, 1n)), new Uint8Array(0));
        const e = await open(ctx, { stateDir: dir }).then(() => undefined, (x: unknown) => x);
        expect(e).toBeInstanceOf(ProcessAbort);
        expect(errorText(e)).toMatch(/decode block file .*_1\.pb/);
      });
    });

    it('malformed CommitQC files: a skipped file leaves a gap, which newInner rejects (merged) instead of truncating (seed)', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { qcs: [0, 2] });
        await writeBytes(host.env, ctx, joinPath(joinPath(dir, 'commitqcs'), '1.pb'), encodeSignedLaneProposal(fx.block(lane0, 0)));
        await expect(open(ctx, { stateDir: dir })).rejects.toThrow(/^non-contiguous persisted commitQCs: expected 1, got 2$/);
      });
    });

    it('§7.4: cleanup listing failures read `prune stale block files: …` / `prune stale commitQC files: …`', async () => {
      const f = withFaultyFs(host);
      f.fs.addFault({ syscall: 'getdents', path: (p) => p.endsWith('/blocks'), nth: 2, errno: 'EIO' });
      await run(async (ctx) => {
        await expect(open(ctx, { stateDir: dir, h: f.host })).rejects.toThrow(/^prune stale block files: list blocks dir for cleanup: getdents .*blocks: input\/output error$/);
      });
      await run(async (ctx) => seedDisk(ctx, { anchor: anchorAt(1), qcs: [1] }));
      const g = withFaultyFs(host);
      g.fs.addFault({ syscall: 'getdents', path: (p) => p.endsWith('/commitqcs'), nth: 2, errno: 'EIO' });
      await run(async (ctx) => {
        await expect(open(ctx, { stateDir: dir, h: g.host })).rejects.toThrow(/^prune stale commitQC files: list commitqcs dir for cleanup: getdents .*commitqcs: input\/output error$/);
      });
    });
  });
}

