/**
 * The hardened variant's changes against merged (src/design/hardened.ts), each
 * on both Envs: atomic file replacement, the startup directory fsyncs, own
 * blocks disseminated only once persisted, and the load-time checks that stop
 * with CorruptStateError instead of acting on damaged data.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePruneAnchor, encodeSignedLaneProposal, encodeWrapper } from '../../src/codec/index.js';
import { InMemoryDataLayer } from '../../src/avail/data.js';
import { newState } from '../../src/avail/state.js';
import type { AvailState } from '../../src/avail/state.js';
import { hardenedDesign } from '../../src/design/hardened.js';
import { mergedDesign } from '../../src/design/merged.js';
import type { Design } from '../../src/design/types.js';
import { CancelledError } from '../../src/env.js';
import type { Ctx, EnvHost } from '../../src/env.js';
import { CorruptStateError, errorText } from '../../src/errors.js';
import { newABPersister } from '../../src/persist/ab.js';
import { newBlockPersister } from '../../src/persist/blocks.js';
import { mkdirAll } from '../../src/persist/fsutil.js';
import { blockFileName } from '../../src/persist/names.js';
import type { CommitQC, PruneAnchor, SignedLaneProposal } from '../../src/types.js';
import { makeCommittee } from '../../scenarios/fixtures.js';
import { ENVS } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { withFaultyFs } from '../support/faulty-fs.js';
import { eventually } from '../support/flow.js';
import { inTask, joinPath, listNames, readBytes, writeBytes } from '../support/fsops.js';

const fx = makeCommittee('conformance-hardened', 4);
const c2 = fx.commitQCChain(4, { blocksPerQC: 2 });
const anchorAt = (i: number): PruneAnchor => fx.pruneAnchor(fx.appQC(c2[i]!), c2[i]! as CommitQC);
const lane0 = fx.lane(0);

for (const factory of ENVS) {
  describe(`hardened variant [${factory.name}]`, () => {
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
    const open = (ctx: Ctx, opts: { design?: Design; h?: EnvHost; stateDir?: string | null } = {}): Promise<AvailState> =>
      newState((opts.h ?? host).env, ctx, { key: fx.key(0), committee: fx.committee, design: opts.design ?? hardenedDesign, stateDir: opts.stateDir === null ? undefined : (opts.stateDir ?? dir), data: new InMemoryDataLayer() });
    async function openError(ctx: Ctx, design: Design = hardenedDesign): Promise<unknown> {
      return open(ctx, { design }).then(() => undefined, (e: unknown) => e);
    }
    function startRun(ctx: Ctx, state: AvailState): { stop(): Promise<unknown> } {
      const { ctx: runCtx, cancel } = host.env.tasks.withCancel(ctx);
      const p = state.run(runCtx).then(() => undefined, (e: unknown) => e);
      return {
        async stop() {
          cancel();
          return p;
        },
      };
    }
    async function putBlock(ctx: Ctx, p: SignedLaneProposal, bytes = encodeSignedLaneProposal(p)): Promise<void> {
      await mkdirAll(host.env, ctx, joinPath(dir, 'blocks'));
      await writeBytes(host.env, ctx, joinPath(joinPath(dir, 'blocks'), blockFileName(p.block.header.lane, p.block.header.blockNumber)), bytes);
    }
    async function putAnchor(ctx: Ctx, a: PruneAnchor, slot: 'a' | 'b' = 'a', seq = 1n): Promise<void> {
      await writeBytes(host.env, ctx, joinPath(dir, `avail_inner_${slot}.pb`), encodeWrapper({ seq, data: encodePruneAnchor(a) }));
    }

    it('every persisted file is replaced atomically: H1 of <name>.tmp, rename, fsync of the directory', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        const state = await open(ctx, { h: f.host });
        f.fs.calls.length = 0;
        const r = startRun(ctx, state);
        await state.produceBlock(ctx, fx.payload(lane0, 0));
        await eventually(host.env, ctx, 'block persisted', () => state.inspect().lanes[0]!.nextBlockToPersist === 1n);
        const name = `/blocks/${blockFileName(lane0, 0n)}`;
        const trace = f.fs.trace(dir).filter((s) => s.includes(name) || s === 'open /blocks' || s === 'fsync /blocks' || s === 'close /blocks');
        expect(trace.slice(0, 8)).toEqual([`open ${name}.tmp`, `write ${name}.tmp`, `fsync ${name}.tmp`, `close ${name}.tmp`, `rename ${name}.tmp`, 'open /blocks', 'fsync /blocks', 'close /blocks']);
        expect(await r.stop()).toBeInstanceOf(CancelledError);
        expect(await listNames(host.env, ctx, joinPath(dir, 'blocks'))).toEqual([blockFileName(lane0, 0n)]);
      });
    });

    it('startup fsyncs blocks/, commitqcs/ and the state dir after loading', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await open(ctx, { h: f.host });
        const trace = f.fs.trace(dir);
        const syncs = trace.filter((s) => s.startsWith('fsync '));
        // NewPersister's own H6 of the state dir, then the three of the hardened startup
        expect(syncs).toEqual(['fsync /', 'fsync /blocks', 'fsync /commitqcs', 'fsync /']);
      });
    });

    it('own blocks are disseminated only once persisted (merged: at once)', async () => {
      await run(async (ctx) => {
        for (const [design, before] of [[mergedDesign, 1], [hardenedDesign, 0]] as const) {
          const state = await open(ctx, { design, stateDir: null });
          await state.produceBlock(ctx, fx.payload(lane0, 0));
          const sub = state.subscribeLaneProposals(0n);
          const { ctx: c, cancel } = host.env.tasks.withCancel(ctx);
          let got = 0;
          const p = sub.recv(c).then(() => (got = 1), () => undefined);
          await host.env.clock.sleep(ctx, 20);
          expect(got, design.name).toBe(before);
          const r = startRun(ctx, state);
          await eventually(host.env, ctx, 'disseminated after the write', () => got === 1);
          cancel();
          await p;
          expect(await r.stop()).toBeInstanceOf(CancelledError);
        }
      });
    });

    it('a needed block that no longer verifies (or decodes, or would panic) stops the restart with CorruptStateError naming it; merged loads it or panics', async () => {
      await run(async (ctx) => {
        await putBlock(ctx, fx.block(lane0, 0));
        const b1 = fx.block(lane0, 1);
        const bytes = encodeSignedLaneProposal(b1);
        const flipped = Uint8Array.from(bytes);
        flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0x01; // a signature byte
        await putBlock(ctx, b1, flipped);
        const e = await openError(ctx);
        expect(e).toBeInstanceOf(CorruptStateError);
        expect((e as CorruptStateError).files).toEqual([`blocks/${blockFileName(lane0, 1n)}`]);
        expect(errorText(e)).toMatch(/^corrupt persisted state: blocks\/[0-9a-f]{64}_1\.pb: /);
        expect(await openError(ctx, mergedDesign)).toBeUndefined(); // merged takes the damaged block as persisted
        await putBlock(ctx, b1, new Uint8Array(0)); // an empty file: merged's decode panics
        expect(errorText(await openError(ctx))).toMatch(/^corrupt persisted state: blocks\/[0-9a-f]{64}_1\.pb: /);
      });
    });

    it('a damaged block below the anchor\'s prune point is not needed: ignored, and deleted by the cleanup', async () => {
      await run(async (ctx) => {
        await newABPersister(host.env, ctx, dir, 'avail_inner', hardenedDesign.abPayloadType);
        await putAnchor(ctx, anchorAt(1)); // lr.first = 2 on every lane
        await putBlock(ctx, fx.block(lane0, 0), new Uint8Array([0x0a, 0x05, 0x01]));
        await putBlock(ctx, fx.block(lane0, 2));
        const state = await open(ctx);
        expect(state.inspect().lanes[0]!.blocks).toEqual({ first: 2n, next: 3n });
        expect(await listNames(host.env, ctx, joinPath(dir, 'blocks'))).toEqual([blockFileName(lane0, 2n)]);
      });
    });

    it('A/B: an unparseable slot, a slot without payload, or a seq that contradicts the anchors\' order stop with CorruptStateError; a valid pair loads', async () => {
      await run(async (ctx) => {
        await putAnchor(ctx, anchorAt(1), 'a', 1n);
        await putAnchor(ctx, anchorAt(2), 'b', 2n);
        expect((await open(ctx)).inspect().latestAppQCIndex).toBe(2n);
        // the older anchor carries the higher seq (a damaged seq): the newest anchor would be lost
        await putAnchor(ctx, anchorAt(1), 'a', 3n);
        let e = await openError(ctx);
        expect(errorText(e)).toMatch(/^corrupt persisted state: avail_inner_a\.pb, avail_inner_b\.pb: the slot with the higher seq holds position 1, the other 2$/);
        // merged silently rolls back to the older anchor
        expect(await openError(ctx, mergedDesign)).toBeUndefined();
        await writeBytes(host.env, ctx, joinPath(dir, 'avail_inner_a.pb'), new Uint8Array([0x0a, 0x05, 0x01]));
        e = await openError(ctx);
        expect((e as CorruptStateError).files).toEqual(['avail_inner_a.pb']);
        await writeBytes(host.env, ctx, joinPath(dir, 'avail_inner_a.pb'), encodeWrapper({ seq: 3n, data: undefined }));
        expect(errorText(await openError(ctx))).toBe('corrupt persisted state: avail_inner_a.pb: the winning slot holds no payload');
      });
    });

    it('A/B: an anchor whose signatures no longer verify stops the restart; merged loads it', async () => {
      await run(async (ctx) => {
        const a = anchorAt(2);
        const bad: PruneAnchor = { appQC: a.appQC, commitQC: { ...a.commitQC, sigs: a.commitQC.sigs.map((s, i) => (i === 0 ? { ...s, sig: new Uint8Array(64) } : s)) } };
        await putAnchor(ctx, bad, 'b', 2n);
        const e = await openError(ctx);
        expect((e as CorruptStateError).files).toEqual(['avail_inner_b.pb']);
        expect(errorText(e)).toMatch(/^corrupt persisted state: avail_inner_b\.pb: prune anchor CommitQC: /);
        expect(await openError(ctx, mergedDesign)).toBeUndefined();
        expect(await readBytes(host.env, ctx, joinPath(dir, 'avail_inner_b.pb'))).toBeDefined();
      });
    });
  });
}
