/**
 * The seed persist loop (spec §2.5, §8) and the persistence gates of §9:
 * write order, fatal errors (I10), the clamp (§8.2) and a mutant without it,
 * RecvBatch gated on the block cursor, publication gating CommitQC(idx),
 * the re-write of a loaded AppQC after a restart (§8.6).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessAbort, encodeAppQC } from '../../src/codec/index.js';
import { InMemoryDataLayer } from '../../src/avail/data.js';
import { cursorOf } from '../../src/avail/inner.js';
import type { AvailObserver, PersistBatch } from '../../src/avail/observer.js';
import { unspecifiedOrder } from '../../src/avail/order.js';
import { newState } from '../../src/avail/state.js';
import type { AvailState } from '../../src/avail/state.js';
import { seedDesign } from '../../src/design/seed.js';
import type { Design } from '../../src/design/types.js';
import { CancelledError, WAIT } from '../../src/env.js';
import type { Ctx, EnvHost } from '../../src/env.js';
import { errorText } from '../../src/errors.js';
import { newABPersister } from '../../src/persist/ab.js';
import { newCommitQCPersister } from '../../src/persist/commitqcs.js';
import type { CommitQC, LaneId, SignedLaneProposal } from '../../src/types.js';
import { appQCIndex, commitQCIndex, laneString } from '../../src/types.js';
import { makeCommittee } from '../../scenarios/fixtures.js';
import { mutantDesign } from '../../scenarios/mutants.js';
import { ENVS } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { withFaultyFs } from '../support/faulty-fs.js';
import type { FaultyFs } from '../support/faulty-fs.js';
import { eventually } from '../support/flow.js';
import { inTask } from '../support/fsops.js';

const fx = makeCommittee('conformance-loop', 4);
const chain = fx.commitQCChain(4);
const qc = (i: number): CommitQC => chain[i]!;
const lane0 = fx.lane(0);


for (const factory of ENVS) {
  describe(`seed persist loop [${factory.name}]`, () => {
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

    function open(ctx: Ctx, opts: { h?: EnvHost; stateDir?: string | null; observer?: AvailObserver; design?: Design } = {}): Promise<AvailState> {
      return newState((opts.h ?? host).env, ctx, {
        key: fx.key(0),
        committee: fx.committee,
        design: opts.design ?? seedDesign,
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

    /** One log of fs calls (relative paths) and observer events, in the order they happened. */
    function eventLog(fs: FaultyFs): { log: string[]; observer: AvailObserver } {
      const log: string[] = [];
      const rel = (p: string | undefined) => (p === undefined ? '' : p.startsWith(dir) ? p.slice(dir.length + 1) : p);
      const short = (p: string) => p.replace(/[0-9a-f]{64}/g, (h) => `L${fx.lanes.indexOf(h as LaneId)}`);
      fs.onCall = (c) => log.push(short(`${c.syscall} ${rel(c.path)}`.trim()));
      const observer: AvailObserver = {
        onPersistBatch: (b) => log.push(`batch blocks=${b.blocks.length} qcs=${b.commitQCs.map(commitQCIndex).join(',')} appQC=${b.appQC === undefined ? '-' : appQCIndex(b.appQC)}`),
        onMark: (e) => log.push(e.kind === 'blockPersisted' ? `mark block L${fx.lanes.indexOf(e.lane)} next=${e.next}` : `mark ${e.kind}`),
        onCommitQCPublished: (e) => log.push(`publish ${commitQCIndex(e.qc)} by ${e.writer}`),
        onAppQCWritten: (e) => log.push(`appQC ${appQCIndex(e.appQC)} written seq=${e.seq} ${e.file}`),
        onBlockWritten: (e) => log.push(`block ${e.proposal.block.header.blockNumber} written`),
        onCommitQCWritten: (e) => log.push(`commitQC ${commitQCIndex(e.qc)} written`),
        onDeleteBefore: (e) => log.push(e.kind === 'blocks' ? 'deleteBefore blocks' : `deleteBefore commitQCs <${e.before}`),
        onPrune: (e) => log.push(`prune ${appQCIndex(e.appQC)} updated=${e.updated}`),
      };
      return { log, observer };
    }

    it('§2.5 seed iteration order: blocks (each + mark) → delete old blocks → CommitQCs → AppQC → delete old CommitQCs → publish', async () => {
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
        await state.lastCommitQC().wait(ctx, (q) => q !== undefined);
        const block = (n: number) => [
          `open blocks/L0_${n}.pb`, `write blocks/L0_${n}.pb`, `fsync blocks/L0_${n}.pb`, `close blocks/L0_${n}.pb`,
          `block ${n} written`, `mark block L0 next=${n + 1}`,
        ];
        expect(log).toEqual([
          'prune 0 updated=true',
          'batch blocks=2 qcs=0 appQC=0',
          ...block(0),
          ...block(1),
          'open blocks', 'getdents blocks', 'close blocks', 'deleteBefore blocks',
          'open commitqcs/0.pb', 'write commitqcs/0.pb', 'fsync commitqcs/0.pb', 'close commitqcs/0.pb', 'commitQC 0 written',
          'open avail_inner_a.pb', 'write avail_inner_a.pb', 'fsync avail_inner_a.pb', 'close avail_inner_a.pb', 'appQC 0 written seq=1 avail_inner_a.pb',
          // DeleteBefore(0) of CommitQCs: nothing, no I/O
          'deleteBefore commitQCs <0',
          'publish 0 by persist', 'mark commitQCsPersisted',
        ]);

        // Phase 2 (a fresh Run, so both changes land in one batch): an AppQC fast-forward past
        // the queue and one block; the iteration deletes 0.pb after the AppQC write.
        expect(await r.stop()).toBeInstanceOf(CancelledError);
        log.length = 0;
        await state.pushAppQC(ctx, fx.appQC(qc(2)), qc(2));
        await state.produceBlock(ctx, fx.payload(lane0, 2));
        const r2 = startRun(ctx, state);
        await eventually(host.env, ctx, 'phase 2 published', () => log.includes('publish 2 by persist'));
        expect(log).toEqual([
          'publish 2 by prune', // seed prune publishes on a fast-forward push (§6.3), inside the prune
          'prune 2 updated=true',
          'batch blocks=1 qcs=2 appQC=2',
          ...block(2),
          'open blocks', 'getdents blocks', 'close blocks', 'deleteBefore blocks',
          'open commitqcs/2.pb', 'write commitqcs/2.pb', 'fsync commitqcs/2.pb', 'close commitqcs/2.pb', 'commitQC 2 written',
          // a new Run starts with lastPersistedAppQC = None: the AppQC is written
          'open avail_inner_b.pb', 'write avail_inner_b.pb', 'fsync avail_inner_b.pb', 'close avail_inner_b.pb', 'appQC 2 written seq=2 avail_inner_b.pb',
          'open commitqcs', 'getdents commitqcs', 'close commitqcs', 'unlink commitqcs/0.pb', 'deleteBefore commitQCs <2',
          'publish 2 by persist', 'mark commitQCsPersisted',
        ]);
        expect(state.inspect().nextCommitQCToPersist).toBe(3n);
        expect(await r2.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('a new AppQC alone does not wake the loop (wake-up predicate: pending blocks or CommitQCs)', async () => {
      const f = withFaultyFs(host);
      const { log, observer } = eventLog(f.fs);
      await run(async (ctx) => {
        const state = await open(ctx, { h: f.host, observer });
        const r = startRun(ctx, state);
        await state.pushCommitQC(ctx, qc(0));
        await state.lastCommitQC().wait(ctx, (q) => q !== undefined);
        log.length = 0;
        await state.pushAppQC(ctx, fx.appQC(qc(0)), qc(0));
        await host.env.clock.sleep(ctx, 30);
        expect(log).toEqual(['prune 0 updated=true']);
        await state.produceBlock(ctx, fx.payload(lane0, 0));
        await eventually(host.env, ctx, 'AppQC written', () => log.some((s) => s.startsWith('appQC 0 written')));
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('I10: each persister failure ends Run with the §8.3 text, and the failed item is not marked', async () => {
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
          check: (s) => {
            expect(s.lastCommitQC().load()).toBeUndefined();
            expect(s.inspect().nextCommitQCToPersist).toBe(0n);
          },
        },
        {
          name: 'AppQC write',
          fault: { syscall: 'open', path: (p) => p.endsWith('avail_inner_a.pb'), nth: 3, errno: 'EACCES' },
          act: async (ctx, s) => {
            await s.pushCommitQC(ctx, qc(0));
            await s.pushAppQC(ctx, fx.appQC(qc(0)), qc(0));
          },
          want: /^persist AppQC: persist to avail_inner_a\.pb: open .*avail_inner_a\.pb: permission denied$/,
          check: (s) => expect(s.lastCommitQC().load()).toBeUndefined(),
        },
        {
          name: 'block DeleteBefore',
          fault: { syscall: 'getdents', path: (p) => p.endsWith('/blocks'), nth: 2, errno: 'EIO' },
          act: (ctx, s) => s.produceBlock(ctx, fx.payload(lane0, 0)),
          want: /^block deleteBefore: list blocks dir for cleanup: getdents .*blocks: input\/output error$/,
          check: (s) => expect(s.inspect().lanes[0]!.nextBlockToPersist).toBe(1n),
        },
        {
          name: 'CommitQC DeleteBefore',
          fault: { syscall: 'getdents', path: (p) => p.endsWith('/commitqcs'), nth: 2, errno: 'EIO' },
          act: (ctx, s) => s.pushAppQC(ctx, fx.appQC(qc(1)), qc(1)),
          want: /^commitqc deleteBefore: list commitqcs dir for cleanup: getdents .*commitqcs: input\/output error$/,
          check: (s) => expect(s.inspect().nextCommitQCToPersist).toBe(0n),
        },
      ];
      for (const c of cases) {
        const sub = `${dir}/${c.name.replace(/ /g, '-')}`;
        await run(async (ctx) => host.env.fs.mkdir(ctx, sub, 0o700));
        const f = withFaultyFs(host);
        f.fs.addFault(c.fault);
        await run(async (ctx) => {
          const state = await open(ctx, { h: f.host, stateDir: sub });
          await c.act(ctx, state); // everything pending before the loop's first iteration
          const r = startRun(ctx, state);
          const err = await r.ended();
          expect(errorText(err), c.name).toMatch(c.want);
          c.check(state);
        });
      }
    });

    it('§8.2 clamp: cursors below a pruned queue start yield only non-null entries; a mutant without the clamp aborts', async () => {
      const c2 = fx.commitQCChain(3, { blocksPerQC: 2 });
      async function prepare(ctx: Ctx, design: Design): Promise<AvailState> {
        const state = await open(ctx, { stateDir: null, design });
        for (const p of fx.blocks(lane0, 0, 5)) await state.pushBlock(ctx, p);
        await state.pushAppQC(ctx, fx.appQC(c2[2]!), c2[2]!); // prunes blocks to 4 and CommitQCs to 2
        return state;
      }
      await run(async (ctx) => {
        const state = await prepare(ctx, seedDesign);
        const snap = state.inspect();
        expect(snap.lanes[0]!.blocks).toEqual({ first: 4n, next: 5n });
        expect(snap.lanes[0]!.nextBlockToPersist).toBeUndefined(); // cursor 0 < first 4
        const batch = await seedDesign.collectPersistBatch(state.core, ctx, { lastPersistedAppQC: undefined, lastPersistedAppQCNext: 0n });
        expect(batch.blocks.map((p) => p.block.header.blockNumber)).toEqual([4n]);
        expect(batch.commitQCs.map(commitQCIndex)).toEqual([2n]);
        expect(batch.commitQCCur).toBe(2n);
        expect(batch.commitQCFirst).toBe(2n);
        expect([...batch.laneFirsts.values()]).toEqual([4n, 4n, 4n, 4n]);
        expect(batch.laneFirsts.size).toBe(4);
      });
      await run(async (ctx) => {
        const mutant: Design = mutantDesign('seed~no-clamp');
        const state = await prepare(ctx, mutant);
        const batch = await mutant.collectPersistBatch(state.core, ctx, { lastPersistedAppQC: undefined, lastPersistedAppQCNext: 0n });
        expect(batch.blocks.some((p) => p === undefined)).toBe(true);
        // the mutant hook is what the persist task collects with: the nil entry kills the process
        const r = startRun(ctx, state);
        expect(await r.ended()).toBeInstanceOf(ProcessAbort);
      });
    });

    it('RecvBatch only yields blocks below nextBlockToPersist; the observer sees each batch', async () => {
      await run(async (ctx) => {
        const seen: bigint[][] = [];
        const state = await open(ctx, { stateDir: null, observer: { onRecvBatch: (hs) => seen.push(hs.map((h) => h.blockNumber)) } });
        for (let i = 0; i < 3; i++) await state.produceBlock(ctx, fx.payload(lane0, i));
        const sub = state.subscribeLaneVotes();
        const { ctx: c, cancel } = host.env.tasks.withCancel(ctx);
        const early = sub.recvBatch(c).then((v) => v, (e: unknown) => e);
        await host.env.clock.sleep(ctx, 20);
        cancel();
        expect(await early).toBeInstanceOf(CancelledError); // nothing persisted yet (no Run)
        const r = startRun(ctx, state);
        const votes = await sub.recvBatch(ctx);
        const got = votes.map((v) => v.header.blockNumber);
        expect(got.length).toBeGreaterThan(0);
        const all = [...got];
        while (all.length < 3) all.push(...(await sub.recvBatch(ctx)).map((v) => v.header.blockNumber));
        expect(all).toEqual([0n, 1n, 2n]);
        expect(seen.flat()).toEqual([0n, 1n, 2n]);
        for (const v of votes) expect(v.sig.key).toBe(fx.key(0).publicKey);
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('PushCommitQC does not publish; CommitQC(idx) and PushCommitQC(idx+1) wait for publication by the loop', async () => {
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

    it('§8.6: after a restart the first iteration that runs re-writes the loaded AppQC (new seq), and only then', async () => {
      await run(async (ctx) => {
        const ab = await newABPersister(host.env, ctx, dir, 'avail_inner', 'AppQC');
        await ab.persister.persist(ctx, encodeAppQC(fx.appQC(qc(1))));
        const cp = await newCommitQCPersister(host.env, ctx, dir, seedDesign.commitQCPersister);
        for (const i of [0, 1]) await cp.persister.persistCommitQC(ctx, qc(i));
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
        const r = startRun(ctx, state);
        await host.env.clock.sleep(ctx, 30);
        expect(writes).toEqual([]); // nothing pending: the loop does not run
        await state.produceBlock(ctx, fx.payload(lane0, 0));
        await eventually(host.env, ctx, 'AppQC re-written', () => writes.length > 0);
        expect(writes).toEqual(['1@2:avail_inner_b.pb']);
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
    });

    it('short writes are repeated until complete (H1)', async () => {
      const f = withFaultyFs(host);
      f.fs.writeBytesMax = 7;
      await run(async (ctx) => {
        const state = await open(ctx, { h: f.host });
        f.fs.calls.length = 0;
        const r = startRun(ctx, state);
        await state.pushCommitQC(ctx, qc(0));
        await state.lastCommitQC().wait(ctx, (q) => q !== undefined);
        const writes = f.fs.trace(dir).filter((s) => s === 'write /commitqcs/0.pb').length;
        expect(writes).toBeGreaterThan(10);
        expect(await r.stop()).toBeInstanceOf(CancelledError);
      });
      await run(async (ctx) => {
        const again = await open(ctx);
        expect(commitQCIndex(again.lastCommitQC().load()!)).toBe(0n);
      });
    });
  });
}
