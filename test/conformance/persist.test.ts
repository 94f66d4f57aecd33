/**
 * Spec §11.1 (persist_test, S+M): the generic A/B persister, plus the exact
 * primitive sequences of §2.4 step 1 / §3.3 and the §3.4 decision table.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeWrapper, encodeRaw, encodeWrapper, parseStage1 } from '../../src/codec/index.js';
import type { Ctx, EnvHost } from '../../src/env.js';
import { isFsError } from '../../src/env.js';
import { errorText } from '../../src/errors.js';
import { loadPersisted, newABPersister } from '../../src/persist/ab.js';
import { ENVS } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { withFaultyFs } from '../support/faulty-fs.js';
import { GARBAGE, exists, inTask, joinPath, listNames, readBytes, writeBytes } from '../support/fsops.js';

const PREFIX = 'avail_inner';

/** The two payload types the A/B persister carries (seed: AppQC; merged: the prune anchor), with distinct Stage-1-valid payloads. */
const PAYLOADS = [
  { design: 'seed', type: 'AppQC', payload: (i: number): Uint8Array => encodeRaw('AppQC', { vote: { globalNumber: BigInt(i), roadIndex: BigInt(i) } }) },
  {
    design: 'merged',
    type: 'PersistedAvailPruneAnchor',
    payload: (i: number): Uint8Array => encodeRaw('PersistedAvailPruneAnchor', { appQc: { vote: { globalNumber: BigInt(i), roadIndex: BigInt(i) } } }),
  },
] as const;

for (const { design, type: TYPE, payload } of PAYLOADS) for (const factory of ENVS) {
  describe(`A/B persister, ${design} payload ${TYPE} [${factory.name}]`, () => {
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
    const open = (ctx: Ctx, h: EnvHost = host) => newABPersister(h.env, ctx, dir, PREFIX, TYPE);
    const slot = (s: 'a' | 'b') => joinPath(dir, `${PREFIX}_${s}.pb`);
    async function slotSeq(ctx: Ctx, s: 'a' | 'b'): Promise<bigint | undefined> {
      const b = await readBytes(host.env, ctx, slot(s));
      if (b.length === 0) return undefined;
      const w = decodeWrapper(b);
      if ('error' in w) throw new Error(w.error);
      return w.ok.seq;
    }

    it('garbage really is a Stage-1 failure', () => {
      expect(parseStage1('PersistedWrapper', GARBAGE)).toBeDefined();
      expect(parseStage1(TYPE, payload(1))).toBeUndefined();
    });

    it('TestPersisterAlternates', async () => {
      await run(async (ctx) => {
        const { persister, loaded } = await open(ctx);
        expect(loaded).toBeUndefined();
        expect((await readBytes(host.env, ctx, slot('a'))).length).toBe(0);
        expect((await readBytes(host.env, ctx, slot('b'))).length).toBe(0);
        await persister.persist(ctx, payload(1));
        expect(await slotSeq(ctx, 'a')).toBe(1n);
        expect(await slotSeq(ctx, 'b')).toBeUndefined();
        await persister.persist(ctx, payload(2));
        expect(await slotSeq(ctx, 'b')).toBe(2n);
        await persister.persist(ctx, payload(3));
        expect(await slotSeq(ctx, 'a')).toBe(3n);
        expect(await slotSeq(ctx, 'b')).toBe(2n);
        const again = await open(ctx);
        expect(again.loaded).toEqual(payload(3));
      });
    });

    it('TestPersisterPicksHigherSeq', async () => {
      await run(async (ctx) => {
        const { persister } = await open(ctx);
        for (const i of [1, 2, 3]) await persister.persist(ctx, payload(i));
        const again = await open(ctx);
        expect(again.loaded).toEqual(payload(3));
        expect(again.persister.seq).toBe(3n);
      });
    });

    it('TestLoadPersistedOneCorruptFileSucceeds', async () => {
      await run(async (ctx) => {
        const { persister } = await open(ctx);
        await persister.persist(ctx, payload(1)); // A seq 1
        await persister.persist(ctx, payload(2)); // B seq 2
        await writeBytes(host.env, ctx, slot('b'), GARBAGE);
        const again = await open(ctx);
        expect(again.loaded).toEqual(payload(1));
        expect(again.persister.seq).toBe(1n);
      });
    });

    it('TestLoadPersistedBothCorruptError', async () => {
      await run(async (ctx) => {
        const { persister } = await open(ctx);
        await persister.persist(ctx, payload(1)); // A seq 1; B stays empty
        await writeBytes(host.env, ctx, slot('a'), GARBAGE);
        const err = await open(ctx).then(() => undefined, (e: unknown) => e);
        expect(errorText(err)).toBe(
          `no valid state: ${PREFIX}_a.pb: unmarshal ${PREFIX}_a.pb: proto: cannot parse invalid wire-format data: corrupt persisted data; ${PREFIX}_b.pb: file does not exist`,
        );
      });
    });

    it('both slots corrupt → no valid state', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('a'), GARBAGE);
        await writeBytes(host.env, ctx, slot('b'), GARBAGE);
        await expect(open(ctx)).rejects.toThrow(/^no valid state: avail_inner_a\.pb: unmarshal .*; avail_inner_b\.pb: unmarshal .*corrupt persisted data$/);
      });
    });

    it('TestNewPersisterOneCorruptFileSucceeds', async () => {
      await run(async (ctx) => {
        const first = await open(ctx);
        await first.persister.persist(ctx, payload(1)); // A 1
        await first.persister.persist(ctx, payload(2)); // B 2 (winner)
        await writeBytes(host.env, ctx, slot('b'), GARBAGE);
        const second = await open(ctx);
        expect(second.loaded).toEqual(payload(1));
        await second.persister.persist(ctx, payload(7)); // goes to B with seq 2
        expect(await slotSeq(ctx, 'b')).toBe(2n);
        const third = await open(ctx);
        expect(third.loaded).toEqual(payload(7));
      });
    });

    it('TestLoadPersistedEmptyDir', async () => {
      await run(async (ctx) => {
        expect(await loadPersisted(host.env, ctx, dir, PREFIX)).toBeUndefined();
        const { loaded, persister } = await open(ctx);
        expect(loaded).toBeUndefined();
        expect(persister.seq).toBe(0n);
      });
    });

    it('TestNewPersisterInvalidDirError', async () => {
      await run(async (ctx) => {
        const missing = joinPath(dir, 'does-not-exist');
        const err = await newABPersister(host.env, ctx, missing, PREFIX, TYPE).then(() => undefined, (e: unknown) => e);
        expect(errorText(err)).toMatch(/^invalid state dir ".*does-not-exist": /);
        // a regular file is not a directory
        await writeBytes(host.env, ctx, joinPath(dir, 'plain'), new Uint8Array([1]));
        await expect(newABPersister(host.env, ctx, joinPath(dir, 'plain'), PREFIX, TYPE)).rejects.toThrow(
          /^invalid state dir ".*plain": not a directory$/,
        );
      });
    });

    it('TestPersistWriteErrorReturnsError', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        const { persister } = await newABPersister(f.host.env, ctx, dir, PREFIX, TYPE);
        f.fs.addFault({ syscall: 'open', path: (p) => p.endsWith('_a.pb'), errno: 'EACCES' });
        const err = await persister.persist(ctx, payload(1)).then(() => undefined, (e: unknown) => e);
        expect(errorText(err)).toMatch(/^persist to avail_inner_a\.pb: open .*avail_inner_a\.pb: permission denied$/);
        expect(persister.seq).toBe(0n);
      });
    });

    it('TestPersistWriteErrorDoesNotAdvanceSeq', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        const { persister } = await newABPersister(f.host.env, ctx, dir, PREFIX, TYPE);
        await persister.persist(ctx, payload(1)); // A 1
        f.fs.addFault({ syscall: 'fsync', path: (p) => p.endsWith('_b.pb'), errno: 'EIO' });
        await expect(persister.persist(ctx, payload(2))).rejects.toThrow(/^persist to avail_inner_b\.pb: fsync .*: input\/output error$/);
        expect(persister.seq).toBe(1n);
        await persister.persist(ctx, payload(3)); // retries slot B with seq 2
        expect(await slotSeq(ctx, 'b')).toBe(2n);
        const again = await open(ctx);
        expect(again.loaded).toEqual(payload(3));
      });
    });

    it('TestLoadPersistedOSErrorPropagates', async () => {
      await run(async (ctx) => {
        const { persister } = await open(ctx);
        await persister.persist(ctx, payload(1));
        await persister.persist(ctx, payload(2));
      });
      const f = withFaultyFs(host);
      f.fs.addFault({ syscall: 'open', path: (p) => p.endsWith('avail_inner_b.pb'), errno: 'EACCES' });
      await run(async (ctx) => {
        const err = await newABPersister(f.host.env, ctx, dir, PREFIX, TYPE).then(() => undefined, (e: unknown) => e);
        const text = errorText(err);
        expect(text).toMatch(/^load avail_inner_b\.pb: read avail_inner_b\.pb: open .*avail_inner_b\.pb: permission denied$/);
        expect(text).not.toMatch(/corrupt|no valid state/);
      });
    });

    it('OS error on slot A is reported before a corrupt B (OSError rows first)', async () => {
      await run(async (ctx) => writeBytes(host.env, ctx, slot('b'), GARBAGE));
      const f = withFaultyFs(host);
      f.fs.addFault({ syscall: 'read', path: (p) => p.endsWith('avail_inner_a.pb'), errno: 'EIO' });
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('a'), encodeWrapper({ seq: 1n, data: payload(1) }));
        await expect(newABPersister(f.host.env, ctx, dir, PREFIX, TYPE)).rejects.toThrow(/^load avail_inner_a\.pb: read avail_inner_a\.pb: read .*: input\/output error$/);
      });
    });

    it('TestLoadPersistedCorruptFallsBack', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('a'), encodeWrapper({ seq: 5n, data: payload(5) }));
        await writeBytes(host.env, ctx, slot('b'), GARBAGE);
        const { loaded, persister } = await open(ctx);
        expect(loaded).toEqual(payload(5));
        expect(persister.seq).toBe(5n);
      });
    });

    it('TestNewPersisterResumeSeq', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('a'), encodeWrapper({ seq: 3n, data: payload(3) }));
        await writeBytes(host.env, ctx, slot('b'), encodeWrapper({ seq: 2n, data: payload(2) }));
        const { loaded, persister } = await open(ctx);
        expect(loaded).toEqual(payload(3));
        await persister.persist(ctx, payload(4));
        expect(await slotSeq(ctx, 'b')).toBe(4n);
        expect(await slotSeq(ctx, 'a')).toBe(3n);
      });
    });

    it('TestNewPersisterPreservesWinner', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('a'), encodeWrapper({ seq: 1n, data: payload(1) }));
        await writeBytes(host.env, ctx, slot('b'), encodeWrapper({ seq: 2n, data: payload(2) }));
        const { loaded, persister } = await open(ctx);
        expect(loaded).toEqual(payload(2));
        await persister.persist(ctx, payload(3));
        expect(await slotSeq(ctx, 'a')).toBe(3n);
        expect(await slotSeq(ctx, 'b')).toBe(2n);
      });
    });

    it('equal seq in both slots → corrupt state error', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('a'), encodeWrapper({ seq: 4n, data: payload(1) }));
        await writeBytes(host.env, ctx, slot('b'), encodeWrapper({ seq: 4n, data: payload(2) }));
        await expect(open(ctx)).rejects.toThrow(
          'corrupt state: both avail_inner_a.pb and avail_inner_b.pb have same seq; remove avail_inner_b.pb if acceptable',
        );
      });
    });

    it('winner with data absent → no payload, seq kept; data not parseable → unmarshal persisted error', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('a'), encodeWrapper({ seq: 9n, data: undefined }));
        const r = await open(ctx);
        expect(r.loaded).toBeUndefined();
        expect(r.persister.seq).toBe(9n);
        // the winner's data is not a payload message: no fallback to the other slot
        await writeBytes(host.env, ctx, slot('b'), encodeWrapper({ seq: 10n, data: GARBAGE }));
        await expect(open(ctx)).rejects.toThrow(/^unmarshal persisted avail_inner: proto: cannot parse invalid wire-format data$/);
      });
    });

    it('a wrapper without seq reads as seq 0 and still wins over a missing slot', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('b'), encodeWrapper({ seq: 0n, data: payload(8) }));
        const r = await open(ctx);
        expect(r.loaded).toEqual(payload(8));
        await r.persister.persist(ctx, payload(9)); // seq 1 → slot A
        expect(await slotSeq(ctx, 'a')).toBe(1n);
      });
    });

    it('NewPersister issues exactly the §2.4 step-1 primitives; Persist exactly H1', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        const { persister } = await newABPersister(f.host.env, ctx, dir, PREFIX, TYPE);
        const trace = f.fs.trace(dir).map((s) => s.replace(/writable-probe-\d+/, 'writable-probe-R'));
        expect(trace).toEqual([
          'stat /',
          'open /.writable-probe-R',
          'close /.writable-probe-R',
          'unlink /.writable-probe-R',
          // H2 of a missing slot stops at open
          'open /avail_inner_a.pb',
          'open /avail_inner_b.pb',
          'open /avail_inner_a.pb',
          'close /avail_inner_a.pb',
          'open /avail_inner_b.pb',
          'close /avail_inner_b.pb',
          'open /',
          'fsync /',
          'close /',
        ]);
        f.fs.calls.length = 0;
        await persister.persist(ctx, payload(1));
        expect(f.fs.trace(dir)).toEqual(['open /avail_inner_a.pb', 'write /avail_inner_a.pb', 'fsync /avail_inner_a.pb', 'close /avail_inner_a.pb']);
        // the probe file is gone
        expect((await listNames(host.env, ctx, dir)).filter((n) => n.startsWith('.writable-probe-'))).toEqual([]);
      });
    });

    it('a restart reads both slots with H2 (open, fstat, read until EOF, close)', async () => {
      await run(async (ctx) => (await open(ctx)).persister.persist(ctx, payload(1)));
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await newABPersister(f.host.env, ctx, dir, PREFIX, TYPE);
        const reads = f.fs.trace(dir).slice(4, 12);
        expect(reads).toEqual([
          'open /avail_inner_a.pb',
          'fstat /avail_inner_a.pb',
          'read /avail_inner_a.pb',
          'read /avail_inner_a.pb',
          'close /avail_inner_a.pb',
          'open /avail_inner_b.pb',
          'fstat /avail_inner_b.pb',
          'read /avail_inner_b.pb',
        ]);
      });
    });

    it('startup failures: probe, pre-create, directory sync', async () => {
      const cases: { fault: Parameters<ReturnType<typeof withFaultyFs>['fs']['addFault']>[0]; want: RegExp }[] = [
        { fault: { syscall: 'open', path: (p) => p.includes('.writable-probe-'), errno: 'EROFS' }, want: /^state dir ".*" is not writable: open .*: read-only file system$/ },
        { fault: { syscall: 'open', path: (p) => p.endsWith('_b.pb'), nth: 2, errno: 'ENOSPC' }, want: /^state file ".*avail_inner_b\.pb" is not writable: open .*: no space left on device$/ },
        { fault: { syscall: 'open', path: (p) => p === dir, errno: 'EMFILE' }, want: /^open directory .*: open .*: too many open files$/ },
        { fault: { syscall: 'fsync', path: (p) => p === dir, errno: 'EIO' }, want: /^sync directory .*: fsync .*: input\/output error$/ },
      ];
      for (const c of cases) {
        const f = withFaultyFs(host);
        f.fs.addFault(c.fault);
        await run(async (ctx) => {
          const err = await newABPersister(f.host.env, ctx, dir, PREFIX, TYPE).then(() => undefined, (e: unknown) => e);
          expect(errorText(err)).toMatch(c.want);
        });
      }
    });

    it('a failed load decision skips pre-creation and the directory sync', async () => {
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, slot('a'), GARBAGE);
      });
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await expect(newABPersister(f.host.env, ctx, dir, PREFIX, TYPE)).rejects.toThrow(/no valid state/);
        expect(await exists(host.env, ctx, slot('b'))).toBe(false);
        expect(f.fs.trace(dir).filter((s) => s === 'fsync /')).toEqual([]);
      });
    });

    it('a missing slot reads as NotExist (ENOENT), not as an OS error', async () => {
      await run(async (ctx) => {
        const e = await readBytes(host.env, ctx, slot('a')).then(() => undefined, (x: unknown) => x);
        expect(isFsError(e, 'ENOENT')).toBe(true);
      });
    });
  });
}

