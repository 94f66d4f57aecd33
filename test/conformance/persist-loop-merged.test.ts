/**
 * The merged persist loop (spec §2.5, §8) and what the merged tests rely on:
 * write order anchor → CommitQCs → publish → blocks → deletes, a new AppQC
 * alone waking the loop, the derived CommitQC cursor with its clamp, fatal
 * errors with the merged texts (I10), the immediate re-write of a loaded
 * anchor after a restart (§8.6), RecvBatch and publication gates (S+M).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePruneAnchor } from '../../src/codec/index.js';
import { InMemoryDataLayer } from '../../src/avail/data.js';
import type { AvailObserver } from '../../src/avail/observer.js';
import { newState } from '../../src/avail/state.js';
import type { AvailState } from '../../src/avail/state.js';
import { mergedDesign } from '../../src/design/merged.js';
import { CancelledError } from '../../src/env.js';
import type { Ctx, EnvHost } from '../../src/env.js';
import { errorText } from '../../src/errors.js';
import { newABPersister } from '../../src/persist/ab.js';
import { newCommitQCPersister } from '../../src/persist/commitqcs.js';
import type { CommitQC, LaneId } from '../../src/types.js';
import { appQCIndex, commitQCIndex, laneString } from '../../src/types.js';
import { makeCommittee } from '../../scenarios/fixtures.js';
import { ENVS } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { withFaultyFs } from '../support/faulty-fs.js';
import type { FaultyFs } from '../support/faulty-fs.js';
import { eventually } from '../support/flow.js';
import { inTask } from '../support/fsops.js';

const fx = makeCommittee('conformance-loop-merged', 4);
const chain = fx.commitQCChain(4);
const qc = (i: number): CommitQC => chain[i]!;
const lane0 = fx.lane(0);
/** QC i finalises block i of every lane: lr(c1[1], lane).first = 1. */
const c1 = fx.commitQCChain(2, { blocksPerQC: 1 });

for (const factory of ENVS) {
  describe(`merged persist loop [${factory.name}]`, () => {
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

    function open(ctx: Ctx, opts: { h?: EnvHost; stateDir?: string | null; observer?: AvailObserver } = {}): Promise<AvailState> {
      return newState((opts.h ?? host).env, ctx, {
        key: fx.key(0),
        committee: fx.committee,
        design: mergedDesign,
        stateDir: opts.stateDir === null ? undefined : (opts.stateDir ?? dir),
        observer: opts.observer,
        data: new InMemoryDataLayer(),
      });
    }

    function startRun(ctx: Ctx, state: AvailState): { stop(): Promise<unknown>; ended(): Promise<unknown> } {
      const { ctx: runCtx, cancel } = host.env.tasks.withCancel(ctx);
      const p = state.run(runCtx).then(
        () => undefined,
        (e: unknown) => e,
      );
      return {
        async stop() {
          cancel();
          return p;
        },
        ended: () => p,
      };
    }

    function eventLog(fs: FaultyFs): { log: string[]; observer: AvailObserver } {
      const log: string[] = [];
      const rel = (p: string | undefined) => (p === undefined ? '' : p.startsWith(dir) ? p.slice(dir.length + 1) : p);
      const short = (p: string) => p.replace(/[0-9a-f]{64}/g, (h) => `L${fx.lanes.indexOf(h as LaneId)}`);
      fs.onCall = (c) => log.push(short(`${c.syscall} ${rel(c.path)}`.trim()));
      const observer: AvailObserver = {
        onPersistBatch: (b) => log.push(`batch blocks=${b.blocks.length} qcs=${b.commitQCs.map(commitQCIndex).join(',')} anchor=${b.pruneAnchor === undefined ? '-' : appQCIndex(b.pruneAnchor.appQC)}`),
        onMark: (e) => log.push(e.kind === 'blockPersisted' ? `mark block L${fx.lanes.indexOf(e.lane)} next=${e.next}` : `mark ${e.kind}`),
        onCommitQCPublished: (e) => log.push(`publish ${commitQCIndex(e.qc)} by ${e.writer}`),
        onAppQCWritten: (e) => log.push(`anchor ${appQCIndex(e.appQC)}/${e.commitQC === undefined ? '-' : commitQCIndex(e.commitQC)} written seq=${e.seq} ${e.file}`),
        onBlockWritten: (e) => log.push(`block ${e.proposal.block.header.blockNumber} written`),
        onCommitQCWritten: (e) => log.push(`commitQC ${commitQCIndex(e.qc)} written`),
        onDeleteBefore: (e) => log.push(e.kind === 'blocks' ? 'deleteBefore blocks' : `deleteBefore commitQCs <${e.before}`),
        onPrune: (e) => log.push(`prune ${appQCIndex(e.appQC)} updated=${e.updated}`),
      };
      return { log, observer };
    }

    const h1 = (file: string) => [`open ${file}`, `write ${file}`, `fsync ${file}`, `close ${file}`];
    const block = (n: number) => [...h1(`blocks/L0_${n}.pb`), `block ${n} written`, `mark block L0 next=${n + 1}`];

    it('§2.5 merged iteration order: anchor (+ watermark) → CommitQCs → publish → blocks (each + mark) → delete old blocks → delete old CommitQCs', async () => {
      const f = withFaultyFs(host);
      const { log, observer } = eventLog(f.fs);
      await run(async (ctx) => {
        const state = await open(ctx, { h: f.host, observer });
        log.length = 0;
        await state.produceBlock(ctx, fx.payload(lane0, 0));
        await state.produceBlock(ctx, fx.payload(lane0, 1));
        await state.pushCommitQC(ctx, qc(0));
        await state.pushAppQC(ctx, fx.appQC(qc(0)), qc(0));
        const r = startRun(ctx, state);
        await eventually(host.env, ctx, 'iteration 1 done', () => log.includes('deleteBefore commitQCs <0'));
        expect(log).toEqual([
          'prune 0 updated=true',
          'batch blocks=2 qcs=0 anchor=0',
          ...h1('avail_inner_a.pb'), 'anchor 0/0 written seq=1 avail_inner_a.pb', 'mark persistedBlockStart',
          ...h1('commitqcs/0.pb'), 'commitQC 0 written',
          'publish 0 by persist', 'mark commitQCsPersisted',
          ...block(0),
          ...block(1),
          'open blocks', 'getdents blocks', 'close blocks', 'deleteBefore blocks',
          'deleteBefore commitQCs <0', // DeleteBefore(0): nothing, no I/O
        ]);

        // Phase 2 (a fresh Run, so both changes land in one batch): a fast-forward past the
        // queue (no publication by prune) and one block. The derived cursor (1) is clamped to
        // commitQCs.first (2): the anchor's CommitQC gets its own file too.
        expect(await r.stop()).toBeInstanceOf(CancelledError);
        log.length = 0;
        await state.pushAppQC(ctx, fx.appQC(qc(2)), qc(2));
        expect(state.lastCommitQC().load()).toBe(qc(0));
        await state.produceBlock(ctx, fx.payload(lane0, 2));
        const r2 = startRun(ctx, state);
        await eventually(host.env, ctx, 'phase 2 done', () => log.includes('deleteBefore commitQCs <2'));
        expect(log).toEqual([
          'prune 2 updated=true',
          'batch blocks=1 qcs=2 anchor=2',
          // lastPersistedAppQCNext is a local of the loop: a new Run writes the anchor again
          ...h1('avail_inner_b.pb'), 'anchor 2/2 written seq=2 avail_inner_b.pb', 'mark persistedBlockStart',
          ...h1('commitqcs/2.pb'), 'commitQC 2 written',
          'publish 2 by persist', 'mark commitQCsPersisted',
          ...block(2),
          'open blocks', 'getdents blocks', 'close blocks', 'deleteBefore blocks',
          'open commitqcs', 'getdents commitqcs', 'close commitqcs', 'unlink commitqcs/0.pb', 'deleteBefore commitQCs <2',
        ]);
        expect(await r2.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('a new AppQC alone wakes the loop: the anchor is written, and only once (§12 rows 26–28)', async () => {
      const f = withFaultyFs(host);
      const { log, observer } = eventLog(f.fs);
      await run(async (ctx) => {
        const state = await open(ctx, { h: f.host, observer });
        log.length = 0; // the startup cleanup's events
        const r = startRun(ctx, state);
        await state.pushCommitQC(ctx, qc(0));
        await state.lastCommitQC().wait(ctx, (q) => q !== undefined);
        await eventually(host.env, ctx, 'iteration done', () => log.includes('deleteBefore commitQCs <0'));
        log.length = 0;
        await state.pushAppQC(ctx, fx.appQC(qc(0)), qc(0));
        await eventually(host.env, ctx, 'anchor written', () => log.includes('deleteBefore commitQCs <0'));
        expect(log).toEqual([
          'prune 0 updated=true',
          'batch blocks=0 qcs= anchor=0',
          ...h1('avail_inner_a.pb'), 'anchor 0/0 written seq=1 avail_inner_a.pb', 'mark persistedBlockStart',
          'open blocks', 'getdents blocks', 'close blocks', 'deleteBefore blocks',
          'deleteBefore commitQCs <0',
        ]);
        log.length = 0;
        await host.env.clock.sleep(ctx, 30);
        expect(log).toEqual([]); // NextOpt(latestAppQC) = lastPersistedAppQCNext: the loop waits
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('I10: each persister failure ends Run with the merged §8.3 text, and the failed item is not marked', async () => {
      const cases: Array<{
        name: string;
        fault: Parameters<FaultyFs['addFault']>[0];
        act: (ctx: Ctx, s: AvailState) => Promise<unknown>;
        want: RegExp;
        check: (s: AvailState) => void;
      }> = [
        {
          name: 'block write',
          fault: { syscall: 'open', path: (p) => p.endsWith('_0.pb'), errno: 'EIO' },
          act: (ctx, s) => s.produceBlock(ctx, fx.payload(lane0, 0)),
          want: new RegExp(`^persist block ${laneString(lane0)}/0: open .*_0\\.pb: input/output error$`),
          check: (s) => expect(s.inspect().lanes[0]!.nextBlockToPersist).toBeUndefined(),
        },
        {
          name: 'CommitQC write',
          fault: { syscall: 'fsync', path: (p) => p.endsWith('commitqcs/0.pb'), errno: 'ENOSPC' },
          act: (ctx, s) => s.pushCommitQC(ctx, qc(0)),
          want: /^persist commitqc 0: persist commitqc 0: fsync .*0\.pb: no space left on device$/,
          check: (s) => expect(s.lastCommitQC().load()).toBeUndefined(),
        },
        {
          name: 'anchor write',
          fault: { syscall: 'open', path: (p) => p.endsWith('avail_inner_a.pb'), nth: 3, errno: 'EACCES' },
          act: async (ctx, s) => {
            await s.pushCommitQC(ctx, qc(0));
            await s.pushAppQC(ctx, fx.appQC(c1[1]!), c1[1]!);
          },
          want: /^persist prune anchor: persist to avail_inner_a\.pb: open .*avail_inner_a\.pb: permission denied$/,
          check: (s) => {
            expect(s.inspect().lanes.map((l) => l.persistedBlockStart)).toEqual([undefined, undefined, undefined, undefined]);
            expect(s.lastCommitQC().load()).toBeUndefined();
          },
        },
        {
          name: 'block DeleteBefore',
          // 1: loadAll, 2: startup cleanup, 3: the loop's
          fault: { syscall: 'getdents', path: (p) => p.endsWith('/blocks'), nth: 3, errno: 'EIO' },
          act: (ctx, s) => s.produceBlock(ctx, fx.payload(lane0, 0)),
          want: /^block deleteBefore: list blocks dir for cleanup: getdents .*blocks: input\/output error$/,
          check: (s) => expect(s.inspect().lanes[0]!.nextBlockToPersist).toBe(1n),
        },
        {
          name: 'CommitQC DeleteBefore',
          // 1: loadAll (the startup DeleteBefore(0) lists nothing), 2: the loop's
          fault: { syscall: 'getdents', path: (p) => p.endsWith('/commitqcs'), nth: 2, errno: 'EIO' },
          act: (ctx, s) => s.pushAppQC(ctx, fx.appQC(qc(1)), qc(1)),
          want: /^commitqc deleteBefore: list commitqcs dir for cleanup: getdents .*commitqcs: input\/output error$/,
          // merged publishes before the deletes
          check: (s) => expect(commitQCIndex(s.lastCommitQC().load()!)).toBe(1n),
        },
      ];
      for (const c of cases) {
        const sub = `${dir}/${c.name.replace(/ /g, '-')}`;
        await run(async (ctx) => host.env.fs.mkdir(ctx, sub, 0o700));
        const f = withFaultyFs(host);
        f.fs.addFault(c.fault);
        await run(async (ctx) => {
          const state = await open(ctx, { h: f.host, stateDir: sub });
          await c.act(ctx, state);
          const r = startRun(ctx, state);
          const err = await r.ended();
          expect(errorText(err), c.name).toMatch(c.want);
          c.check(state);
        });
      }
    });

    it('§8.2 clamp with the derived cursor: prune raised nextBlockToPersist (§6.3), the CommitQC cursor is clamped to first; no null entries', async () => {
      const c2 = fx.commitQCChain(3, { blocksPerQC: 2 });
      await run(async (ctx) => {
        const state = await open(ctx, { stateDir: null });
        for (const p of fx.blocks(lane0, 0, 5)) await state.pushBlock(ctx, p);
        await state.pushAppQC(ctx, fx.appQC(c2[2]!), c2[2]!);
        const snap = state.inspect();
        expect(snap.lanes[0]!.blocks).toEqual({ first: 4n, next: 5n });
        expect(snap.lanes.map((l) => l.nextBlockToPersist)).toEqual([4n, 4n, 4n, 4n]);
        const batch = await mergedDesign.collectPersistBatch(state.core, ctx, { lastPersistedAppQC: undefined, lastPersistedAppQCNext: 0n });
        expect(batch.blocks.map((p) => p.block.header.blockNumber)).toEqual([4n]);
        expect(batch.commitQCs.map(commitQCIndex)).toEqual([2n]);
        expect(batch.commitQCFirst).toBe(2n);
        expect(batch.pruneAnchor?.commitQC).toBe(c2[2]);
        expect([...batch.laneFirsts.values()]).toEqual([4n, 4n, 4n, 4n]);
        // the anchor has been written already: no anchor in the batch
        const again = await mergedDesign.collectPersistBatch(state.core, ctx, { lastPersistedAppQC: undefined, lastPersistedAppQCNext: 3n });
        expect(again.pruneAnchor).toBeUndefined();
      });
    });

    it('RecvBatch only yields blocks below nextBlockToPersist (S+M)', async () => {
      await run(async (ctx) => {
        const state = await open(ctx, { stateDir: null });
        for (let i = 0; i < 3; i++) await state.produceBlock(ctx, fx.payload(lane0, i));
        const sub = state.subscribeLaneVotes();
        const { ctx: c, cancel } = host.env.tasks.withCancel(ctx);
        const early = sub.recvBatch(c).then((v) => v, (e: unknown) => e);
        await host.env.clock.sleep(ctx, 20);
        cancel();
        expect(await early).toBeInstanceOf(CancelledError);
        const r = startRun(ctx, state);
        const all: bigint[] = [];
        while (all.length < 3) all.push(...(await sub.recvBatch(ctx)).map((v) => v.header.blockNumber));
        expect(all).toEqual([0n, 1n, 2n]);
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('PushCommitQC does not publish; CommitQC(idx) and PushCommitQC(idx+1) wait for publication by the loop (S+M)', async () => {
      await run(async (ctx) => {
        const state = await open(ctx, { stateDir: null });
        await state.pushCommitQC(ctx, qc(0));
        expect(state.lastCommitQC().load()).toBeUndefined();
        const { ctx: c, cancel } = host.env.tasks.withCancel(ctx);
        const read = state.commitQC(c, 0n).then((v) => v, (e: unknown) => e);
        const next = state.pushCommitQC(c, qc(1)).then(() => 'pushed', (e: unknown) => e);
        await host.env.clock.sleep(ctx, 20);
        cancel();
        expect(await read).toBeInstanceOf(CancelledError);
        expect(await next).toBeInstanceOf(CancelledError);
        const r = startRun(ctx, state);
        expect(await state.commitQC(ctx, 0n)).toBe(qc(0));
        await state.pushCommitQC(ctx, qc(1));
        expect(await state.commitQC(ctx, 1n)).toBe(qc(1));
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('§8.6: after a restart the first iteration writes the loaded anchor again immediately (new seq), advancing persistedBlockStart to the same values', async () => {
      const c2 = fx.commitQCChain(2, { blocksPerQC: 2 });
      await run(async (ctx) => {
        const ab = await newABPersister(host.env, ctx, dir, 'avail_inner', mergedDesign.abPayloadType);
        await ab.persister.persist(ctx, encodePruneAnchor(fx.pruneAnchor(fx.appQC(c2[1]!), c2[1]!)));
        const cp = await newCommitQCPersister(host.env, ctx, dir, mergedDesign.commitQCPersister);
        await cp.persister.persistCommitQC(ctx, c2[1]!);
      });
      await run(async (ctx) => {
        const writes: string[] = [];
        const writers: string[] = [];
        const state = await open(ctx, {
          observer: {
            onAppQCWritten: (e) => writes.push(`${appQCIndex(e.appQC)}@${e.seq}:${e.file}`),
            onCommitQCPublished: (e) => writers.push(e.writer),
          },
        });
        expect(writers).toEqual(['newInner']);
        expect(state.inspect().lanes.map((l) => l.persistedBlockStart)).toEqual([2n, 2n, 2n, 2n]);
        const r = startRun(ctx, state);
        await eventually(host.env, ctx, 'anchor re-written', () => writes.length > 0);
        expect(writes).toEqual(['1@2:avail_inner_b.pb']);
        expect(state.inspect().lanes.map((l) => l.persistedBlockStart)).toEqual([2n, 2n, 2n, 2n]);
        await host.env.clock.sleep(ctx, 30);
        expect(writes).toHaveLength(1);
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
    });
  });
}
