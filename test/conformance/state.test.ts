/**
 * Spec §11.6 (state_test), seed column, plus the end-to-end restart flow on a
 * real directory and the startup error catalogue of §7.4 reached through
 * NewState (malformed files in every persister directory included).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessAbort, encodeAppQC, encodeCommitQC, encodeRaw, encodeSignedLaneProposal, encodeWrapper } from '../../src/codec/index.js';
import { InMemoryDataLayer } from '../../src/avail/data.js';
import type { AvailObserver } from '../../src/avail/observer.js';
import { newState } from '../../src/avail/state.js';
import type { AvailState } from '../../src/avail/state.js';
import { seedDesign } from '../../src/design/seed.js';
import { CancelledError } from '../../src/env.js';
import type { Ctx, EnvHost } from '../../src/env.js';
import { ErrBadLane, ErrPruned, errorText } from '../../src/errors.js';
import { newABPersister } from '../../src/persist/ab.js';
import { newBlockPersister } from '../../src/persist/blocks.js';
import { newCommitQCPersister } from '../../src/persist/commitqcs.js';
import { mkdirAll } from '../../src/persist/fsutil.js';
import { blockFileName } from '../../src/persist/names.js';
import type { AppQC, CommitQC, LaneId, SignedLaneProposal } from '../../src/types.js';
import { ZERO_HASH, appQCIndex, commitQCIndex } from '../../src/types.js';
import { makeCommittee } from '../../scenarios/fixtures.js';
import { ENVS } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { withFaultyFs } from '../support/faulty-fs.js';
import { eventually, runStateFlow } from '../support/flow.js';
import { inTask, joinPath, listNames, writeBytes } from '../support/fsops.js';

const fx = makeCommittee('conformance-state', 4);
const chain = fx.commitQCChain(8);
const qc = (i: number): CommitQC => chain[i]!;
const lane0 = fx.lane(0);

for (const factory of ENVS) {
  describe(`avail state, seed [${factory.name}]`, () => {
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
        design: seedDesign,
        stateDir: opts.stateDir,
        data: opts.data,
        observer: opts.observer,
      });

    /** Starts Run in the background; `stop()` cancels it and returns how it ended. */
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

    // ---------------------------------------------------------------------
    // Flows

    it('TestState (persistence disabled)', async () => {
      await run(async (ctx) => {
        const data = new InMemoryDataLayer();
        const state = await open(ctx, { data });
        const r = startRun(ctx, state);
        await runStateFlow(host.env, ctx, state, fx, data, { iterations: 3, blocksPerIteration: 10 });
        expect(await r.stop()).toBeInstanceOf(CancelledError);
        // §2.6: no primitive was issued, the state dir is untouched
        expect(await listNames(host.env, ctx, dir)).toEqual([]);
      });
    });

    it('TestStateWithPersistence (5 fresh directories; persist/prune concurrency with the clamp)', async () => {
      for (let d = 0; d < 5; d++) {
        await run(async (ctx) => {
          const sub = joinPath(dir, `run-${d}`);
          await host.env.fs.mkdir(ctx, sub, 0o700);
          const data = new InMemoryDataLayer();
          const batches: number[] = [];
          const state = await open(ctx, { stateDir: sub, data, observer: { onPersistBatch: (b) => batches.push(b.blocks.length + b.commitQCs.length) } });
          const r = startRun(ctx, state);
          await runStateFlow(host.env, ctx, state, fx, data, { iterations: 3, blocksPerIteration: 10, laneFor: (i, j) => (i + j * (d + 1)) % 4 });
          expect(r.failure()).toBeUndefined();
          expect(batches.length).toBeGreaterThan(0);
          expect(await r.stop()).toBeInstanceOf(CancelledError);
        });
      }
    });

    it('§11.6 end to end on disk: blocks, votes, LaneQCs, CommitQC, AppVotes → AppQC, prune; restart restores AppQC, CommitQCs, block queues and cursors', async () => {
      await run(async (ctx) => {
        const data = new InMemoryDataLayer();
        let lastWrittenAppQC: AppQC | undefined;
        const state = await open(ctx, { stateDir: dir, data, observer: { onAppQCWritten: (e) => (lastWrittenAppQC = e.appQC) } });
        const r = startRun(ctx, state);
        const { qcs } = await runStateFlow(host.env, ctx, state, fx, data, { iterations: 3, blocksPerIteration: 10 });
        const lastQC = qcs[qcs.length - 1]!;

        // Seed: a new AppQC alone does not wake the persist loop, so the final AppQC is not on disk yet.
        const latest = await state.lastAppQC(ctx);
        expect(appQCIndex(latest!)).toBe(2n);
        expect(lastWrittenAppQC === undefined ? -1n : appQCIndex(lastWrittenAppQC)).toBeLessThan(2n);
        // One more block wakes it: blocks, then the AppQC.
        const extra = await state.produceBlock(ctx, fx.payload(lane0, 99_999n));
        await eventually(host.env, ctx, 'final AppQC written', () => lastWrittenAppQC === latest);
        await eventually(host.env, ctx, 'every block persisted', () =>
          state.inspect().lanes.every((l) => (l.nextBlockToPersist ?? 0n) >= l.blocks.next),
        );
        const pre = state.inspect();
        expect(pre.latestCommitQCIndex).toBe(commitQCIndex(lastQC));
        expect(await r.stop()).toBeInstanceOf(CancelledError);

        // Restart from disk.
        const restarted = await open(ctx, { stateDir: dir, data: new InMemoryDataLayer() });
        const post = restarted.inspect();
        expect(post.latestAppQCIndex).toBe(2n);
        expect(post.commitQCs).toEqual({ first: 2n, next: 3n });
        expect(post.latestCommitQCIndex).toBe(2n);
        expect(post.nextCommitQCToPersist).toBe(3n);
        expect(await restarted.firstCommitQC(ctx)).toBe(2n);
        for (const [k, l] of post.lanes.entries()) {
          const before = pre.lanes[k]!;
          expect(l.blocks, `lane ${k}`).toEqual(before.blocks);
          expect(await restarted.nextBlock(ctx, l.lane)).toBe(await state.nextBlock(ctx, l.lane));
          if (l.blocks.next > l.blocks.first) {
            expect(l.nextBlockToPersist).toBe(l.blocks.next);
            expect(l.votes.first).toBe(l.blocks.first);
          }
        }
        // the restarted state keeps working: one more iteration on top of the restored chain
        const data2 = new InMemoryDataLayer();
        const again = await open(ctx, { stateDir: dir, data: data2 });
        const r2 = startRun(ctx, again);
        // Votes are never persisted: until peers re-send them, the pump waits on the headers of
        // QC 2's range. Re-send every restored block's votes, as reconnecting peers' RecvBatch does.
        let revoted = 0;
        for (const l of again.inspect().lanes) {
          for (let n = l.blocks.first; n < l.blocks.next; n++) {
            const b = await again.block(ctx, l.lane, n);
            for (const k of fx.keys) await again.pushVote(ctx, fx.laneVote(b!.block.header, k));
            revoted++;
          }
        }
        expect(revoted).toBeGreaterThan(0);
        expect((await again.block(ctx, lane0, extra.block.header.blockNumber))?.block.header.blockNumber).toBe(extra.block.header.blockNumber);
        await eventually(host.env, ctx, 'pump delivered the restored QC', () => data2.indices().includes(2n));
        await runStateFlow(host.env, ctx, again, fx, data2, { iterations: 1, blocksPerIteration: 4, firstIndex: 3n, prev: lastQC });
        expect(r2.failure()).toBeUndefined();
        expect(await r2.stop()).toBeInstanceOf(CancelledError);
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
        await state.pushBlock(ctx, fx.block(lane0, 1, 'zero')); // forged parent: dropped, no error
        expect(await state.nextBlock(ctx, lane0)).toBe(1n);
        await state.pushBlock(ctx, fx.block(lane0, 1));
        expect(await state.nextBlock(ctx, lane0)).toBe(2n);
      });
    });

    it('TestPushBlockRejectsWrongSigner', async () => {
      await run(async (ctx) => {
        const state = await open(ctx);
        const forged = fx.makeBlock(lane0, 0, ZERO_HASH, { signer: 1 });
        await expect(state.pushBlock(ctx, forged)).rejects.toThrow(/^signer validator:ed25519:public:[0-9a-f]{64} does not match lane validator:ed25519:public:[0-9a-f]{64}$/);
        expect(await state.nextBlock(ctx, lane0)).toBe(0n);
      });
    });

    it('PushBlock validation: non-committee lane, payload hash, signature; ignored duplicates and future blocks wait', async () => {
      await run(async (ctx) => {
        const state = await open(ctx);
        const stranger = fx.outsider(0).publicKey as LaneId;
        await expect(state.pushBlock(ctx, fx.block(stranger, 0))).rejects.toThrow(/^block\.Verify\(\): header\.Verify\(\): "validator:ed25519:public:[0-9a-f]{64}" is not a lane$/);
        const good = fx.block(lane0, 0);
        const badPayload = fx.signBlock({ header: good.block.header, payload: fx.payload(lane0, 0, 7) }, lane0);
        await expect(state.pushBlock(ctx, badPayload)).rejects.toThrow(/^block\.Verify\(\): payload\.Hash\(\) = \[.*\], want \[.*\]$/);
        const badSig: SignedLaneProposal = { block: good.block, sig: { key: lane0, sig: new Uint8Array(64) } };
        await expect(state.pushBlock(ctx, badSig)).rejects.toThrow(/^p\.VerifySig\(\): /);
        await state.pushBlock(ctx, good);
        await state.pushBlock(ctx, good); // n ≠ q.next: ignored
        expect(await state.nextBlock(ctx, lane0)).toBe(1n);
        expect(await state.nextBlock(ctx, stranger)).toBe(0n);
        await expect(state.block(ctx, stranger, 0n)).rejects.toBe(ErrBadLane);
      });
    });

    it('capacity gates: ProduceBlock waits at 30 blocks; PushVote waits at votes.first + 30', async () => {
      await run(async (ctx) => {
        const state = await open(ctx);
        for (let i = 0; i < 30; i++) await state.produceBlock(ctx, fx.payload(lane0, i));
        const { ctx: c, cancel } = host.env.tasks.withCancel(ctx);
        const waiting = state.produceBlock(c, fx.payload(lane0, 30)).then(() => 'produced', (e: unknown) => e);
        const cap = state.waitForCapacity(c, lane0).then(() => 'capacity', (e: unknown) => e);
        const vote = state.pushVote(c, fx.laneVote(fx.header(fx.lane(1), 30), 1)).then(() => 'voted', (e: unknown) => e);
        await host.env.clock.sleep(ctx, 20);
        cancel();
        expect(await waiting).toBeInstanceOf(CancelledError);
        expect(await cap).toBeInstanceOf(CancelledError);
        expect(await vote).toBeInstanceOf(CancelledError);
        expect(await state.nextBlock(ctx, lane0)).toBe(30n);
        await state.pushVote(ctx, fx.laneVote(fx.header(fx.lane(1), 29), 1)); // below the gate: accepted
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

    async function seedDisk(ctx: Ctx, opts: { appQC?: AppQC; qcs?: number[]; blocks?: SignedLaneProposal[] }): Promise<void> {
      const ab = await newABPersister(host.env, ctx, dir, 'avail_inner', 'AppQC');
      if (opts.appQC !== undefined) await ab.persister.persist(ctx, encodeAppQC(opts.appQC));
      const cp = await newCommitQCPersister(host.env, ctx, dir, seedDesign.commitQCPersister);
      for (const i of opts.qcs ?? []) await cp.persister.persistCommitQC(ctx, qc(i));
      const bp = await newBlockPersister(host.env, ctx, dir, seedDesign.blockLoader);
      for (const b of opts.blocks ?? []) await bp.persister.persistBlock(ctx, b);
    }

    it('TestNewStateWithPersistence / loads persisted AppQC', async () => {
      await run(async (ctx) => {
        const a = fx.appQC(7, 50);
        await seedDisk(ctx, { appQC: a, qcs: [0, 1, 2, 3, 4, 5, 6, 7] });
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

    it('TestNewStateWithPersistence / AppQC and blocks together (blocks 10..12)', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { appQC: fx.appQC(qc(2)), qcs: [0, 1, 2], blocks: fx.blocks(lane0, 10, 13) });
        const state = await open(ctx, { stateDir: dir });
        expect(await state.nextBlock(ctx, lane0)).toBe(13n);
        expect(await state.firstCommitQC(ctx)).toBe(2n);
      });
    });

    it('TestNewStateWithPersistence / headers returns ErrPruned for blocks before loaded range', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { blocks: fx.blocks(lane0, 5, 8) });
        const state = await open(ctx, { stateDir: dir });
        const { ctx: limited, cancel } = host.env.tasks.withCancel(ctx);
        const outcome = state.headers(limited, fx.laneRange(lane0, 0, 3)).then(() => 'headers', (e: unknown) => e);
        const timer = host.env.clock.sleep(limited, 1000).then(() => cancel(), () => undefined);
        const e = await outcome;
        cancel();
        await timer;
        expect(e).toBe(ErrPruned); // not a cancellation: it did not wait
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

    it('TestNewStateWithPersistence / commitQCs with AppQC', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { appQC: fx.appQC(qc(1)), qcs: [0, 1, 2, 3, 4] });
        const state = await open(ctx, { stateDir: dir });
        expect(await state.firstCommitQC(ctx)).toBe(1n);
        expect(commitQCIndex(state.lastCommitQC().load()!)).toBe(4n);
        // a fresh start writes nothing: the seed startup performs no unlink
        expect(await state.commitQC(ctx, 4n)).toBe(state.lastCommitQC().load());
        await expect(state.commitQC(ctx, 0n)).rejects.toBe(ErrPruned);
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
    // §7.4 catalogue through NewState, and malformed files in every directory

    it('§7.4: AppQC whose CommitQC is not on disk', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { appQC: fx.appQC(qc(5)), qcs: [0, 1, 2] });
        await expect(open(ctx, { stateDir: dir })).rejects.toThrow(/^persisted AppQC at road index 5 but no matching commitQC on disk$/);
      });
    });

    it('§7.4: a CommitQC gap on disk truncates, so the AppQC above it has no match', async () => {
      await run(async (ctx) => {
        await seedDisk(ctx, { appQC: fx.appQC(qc(4)), qcs: [0, 1, 3, 4] });
        await expect(open(ctx, { stateDir: dir })).rejects.toThrow(/no matching commitQC on disk/);
      });
    });

    it('§7.4: A/B payload variants (decode persisted AppQC, typed abort)', async () => {
      for (const [name, v] of Object.entries(fx.appQCFileVariants(2))) {
        await run(async (ctx) => {
          const sub = joinPath(dir, `ab-${name}`);
          await mkdirAll(host.env, ctx, sub);
          await writeBytes(host.env, ctx, joinPath(sub, 'avail_inner_a.pb'), encodeWrapper({ seq: 1n, data: v.bytes }));
          const r = await open(ctx, { stateDir: sub }).then(
            (s) => ({ ok: s }),
            (e: unknown) => ({ err: e }),
          );
          if (v.expect === 'value') {
            // valid AppQC@2 but no CommitQC on disk
            expect('err' in r && errorText(r.err)).toMatch(/no matching commitQC on disk/);
          } else if (v.expect === 'error') {
            if (v.note.startsWith('starts with field number 0')) expect('err' in r && errorText(r.err)).toMatch(/^NewPersister avail_inner: unmarshal persisted avail_inner: /);
            else expect('err' in r && errorText(r.err), name).toBe(`decode persisted AppQC: ${v.error}`);
          } else {
            expect('err' in r && r.err instanceof ProcessAbort).toBe(true);
          }
        });
      }
      // an AppQC signature without its key aborts the process (§1.6), typed, not wrapped
      await run(async (ctx) => {
        const sub = joinPath(dir, 'ab-abort');
        await mkdirAll(host.env, ctx, sub);
        const bytes = encodeRaw('AppQC', { vote: { globalNumber: 1n, roadIndex: 1n }, sigs: [{ sig: new Uint8Array(64) }] });
        await writeBytes(host.env, ctx, joinPath(sub, 'avail_inner_a.pb'), encodeWrapper({ seq: 1n, data: bytes }));
        const e = await open(ctx, { stateDir: sub }).then(() => undefined, (x: unknown) => x);
        expect(e).toBeInstanceOf(ProcessAbort);
      });
    });

    it('malformed block files: NewState skips errors, aborts (typed) on nil dereferences', async () => {
      for (const [name, v] of Object.entries(fx.blockFileVariants(lane0, 1))) {
        await run(async (ctx) => {
          const sub = joinPath(dir, `blk-${name}`);
          const blocksDir = joinPath(sub, 'blocks');
          await mkdirAll(host.env, ctx, sub);
          await mkdirAll(host.env, ctx, blocksDir);
          await writeBytes(host.env, ctx, joinPath(blocksDir, blockFileName(lane0, 0n)), encodeSignedLaneProposal(fx.block(lane0, 0)));
          await writeBytes(host.env, ctx, joinPath(blocksDir, blockFileName(lane0, 1n)), v.bytes);
          const r = await open(ctx, { stateDir: sub }).then(
            (s) => ({ ok: s }),
            (e: unknown) => ({ err: e }),
          );
          if (v.expect === 'abort') expect('err' in r && r.err instanceof ProcessAbort, name).toBe(true);
          else {
            expect('ok' in r, name).toBe(true);
            if ('ok' in r) expect(await r.ok.nextBlock(ctx, lane0), name).toBe(v.expect === 'value' ? 2n : 1n);
          }
        });
      }
    });

    it('malformed CommitQC files: NewState skips errors, aborts (typed) on nil dereferences', async () => {
      for (const [name, v] of Object.entries(fx.commitQCFileVariants(1))) {
        await run(async (ctx) => {
          const sub = joinPath(dir, `qc-${name}`);
          const qcDir = joinPath(sub, 'commitqcs');
          await mkdirAll(host.env, ctx, sub);
          await mkdirAll(host.env, ctx, qcDir);
          await writeBytes(host.env, ctx, joinPath(qcDir, '0.pb'), encodeCommitQC(fx.commitQC(0)));
          await writeBytes(host.env, ctx, joinPath(qcDir, '1.pb'), v.bytes);
          const r = await open(ctx, { stateDir: sub }).then(
            (s) => ({ ok: s }),
            (e: unknown) => ({ err: e }),
          );
          if (v.expect === 'abort') expect('err' in r && r.err instanceof ProcessAbort, name).toBe(true);
          else {
            expect('ok' in r, name).toBe(true);
            if ('ok' in r) expect(commitQCIndex(r.ok.lastCommitQC().load()!), name).toBe(v.expect === 'value' ? 1n : 0n);
          }
        });
      }
    });

    it('§7.4: persister directory failures carry the NewBlockPersister / NewCommitQCPersister prefixes', async () => {
      const f = withFaultyFs(host);
      f.fs.addFault({ syscall: 'mkdir', path: (p) => p.endsWith('/blocks'), errno: 'EACCES' });
      await run(async (ctx) => {
        await expect(open(ctx, { stateDir: dir, h: f.host })).rejects.toThrow(/^NewBlockPersister: create blocks dir .*blocks: mkdir .*: permission denied$/);
      });
      const g = withFaultyFs(host);
      g.fs.addFault({ syscall: 'getdents', path: (p) => p.endsWith('/commitqcs'), errno: 'EIO' });
      await run(async (ctx) => {
        await expect(open(ctx, { stateDir: dir, h: g.host })).rejects.toThrow(/^NewCommitQCPersister: read commitqcs dir .*commitqcs: getdents .*: input\/output error$/);
      });
      await run(async (ctx) => {
        await expect(open(ctx, { stateDir: joinPath(dir, 'nope') })).rejects.toThrow(/^NewPersister avail_inner: invalid state dir ".*nope": /);
      });
    });

    it('§2.4 seed startup order: A/B → blocks/ → commitqcs/, no unlink, nothing else', async () => {
      await run(async (ctx) => seedDisk(ctx, { appQC: fx.appQC(qc(1)), qcs: [0, 1], blocks: fx.blocks(lane0, 0, 2) }));
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await open(ctx, { stateDir: dir, h: f.host });
        const trace = f.fs.trace(dir);
        const firstBlocks = trace.findIndex((s) => s.includes('/blocks'));
        const firstQCs = trace.findIndex((s) => s.includes('/commitqcs'));
        const lastAB = trace.map((s) => s === 'close /' || s.includes('avail_inner')).lastIndexOf(true);
        expect(lastAB).toBeLessThan(firstBlocks);
        expect(firstBlocks).toBeLessThan(firstQCs);
        expect(trace.filter((s) => /^(unlink|rmdir|rename|mkdir)/.test(s) && !s.includes('writable-probe'))).toEqual([]);
        expect(trace.slice(firstBlocks, firstBlocks + 4)).toEqual(['stat /blocks', 'open /blocks', 'getdents /blocks', 'close /blocks']);
      });
    });
  });
}
