/**
 * Spec §11.3 (commitqcs_test), seed column, plus every malformed-file variant.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessAbort, encodeCommitQC } from '../../src/codec/index.js';
import type { Ctx, EnvHost } from '../../src/env.js';
import { seedDesign } from '../../src/design/seed.js';
import { mergedDesign } from '../../src/design/merged.js';
import { mkdirAll } from '../../src/persist/fsutil.js';
import { newCommitQCPersister, newNoOpCommitQCPersister } from '../../src/persist/commitqcs.js';
import type { LoadedCommitQC } from '../../src/persist/commitqcs.js';
import { commitQCFileName, parseCommitQCFileName } from '../../src/persist/names.js';
import type { CommitQC } from '../../src/types.js';
import { makeCommittee } from '../../scenarios/fixtures.js';
import { ENVS } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { withFaultyFs } from '../support/faulty-fs.js';
import { GARBAGE, inTask, joinPath, listNames, readBytes, writeBytes } from '../support/fsops.js';

const fx = makeCommittee('conformance-commitqcs', 4);
const qcs = fx.commitQCChain(8);
const qc = (i: number): CommitQC => qcs[i]!;

function indices(l: readonly LoadedCommitQC[]): bigint[] {
  return l.map((x) => x.index);
}

for (const design of [seedDesign, mergedDesign]) for (const factory of ENVS) {
  const S = design.name === 'seed';
  describe(`CommitQC persister, ${design.name} [${factory.name}]`, () => {
    let t: TestEnv;
    let host: EnvHost;
    let dir: string;
    let qcDir: string;
    beforeEach(async () => {
      t = await factory.make();
      host = t.host;
      dir = t.stateDir;
      qcDir = joinPath(dir, 'commitqcs');
    });
    afterEach(async () => t.cleanup());

    const run = <T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> => inTask(host, fn);
    const open = (ctx: Ctx, h: EnvHost = host) => newCommitQCPersister(h.env, ctx, dir, design.commitQCPersister);
    async function put(ctx: Ctx, name: string, bytes: Uint8Array): Promise<void> {
      await mkdirAll(host.env, ctx, qcDir);
      await writeBytes(host.env, ctx, joinPath(qcDir, name), bytes);
    }
    async function persistAll(ctx: Ctx, is: readonly number[]): Promise<void> {
      const { persister } = await open(ctx);
      for (const i of is) await persister.persistCommitQC(ctx, qc(i));
    }

    it('TestNewCommitQCPersisterEmptyDir', async () => {
      await run(async (ctx) => {
        const { persister, loaded } = await open(ctx);
        expect(loaded).toEqual([]);
        expect(persister.loadNext()).toBe(0n);
        expect(await listNames(host.env, ctx, dir)).toContain('commitqcs');
      });
    });

    it('TestPersistCommitQCAndLoad', async () => {
      await run(async (ctx) => {
        const { persister } = await open(ctx);
        for (const i of [0, 1, 2]) await persister.persistCommitQC(ctx, qc(i));
        expect(persister.loadNext()).toBe(3n);
        const again = await open(ctx);
        expect(indices(again.loaded)).toEqual([0n, 1n, 2n]);
        expect(again.persister.loadNext()).toBe(3n);
        for (const l of again.loaded) expect(Buffer.from(encodeCommitQC(l.qc)).equals(Buffer.from(encodeCommitQC(qc(Number(l.index)))))).toBe(true);
      });
    });

    it('TestLoadSkipsCorruptCommitQCFile', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [0]);
        await put(ctx, commitQCFileName(1n), GARBAGE);
        const { loaded, persister } = await open(ctx);
        expect(indices(loaded)).toEqual([0n]);
        expect(persister.loadNext()).toBe(1n);
      });
    });

    if (S) {
      it('TestLoadCommitQCTruncatesAtGap (derived: LoadNext = 2)', async () => {
        await run(async (ctx) => {
          await persistAll(ctx, [0, 1, 3]);
          const { loaded, persister } = await open(ctx);
          expect(indices(loaded)).toEqual([0n, 1n]);
          expect(persister.loadNext()).toBe(2n);
        });
      });

      it('TestLoadCommitQCCorruptMidSequenceTruncatesAtGap', async () => {
        await run(async (ctx) => {
          await persistAll(ctx, [0, 2]);
          await put(ctx, commitQCFileName(1n), GARBAGE);
          const { loaded } = await open(ctx);
          expect(indices(loaded)).toEqual([0n]);
        });
      });
    } else {
      it('TestLoadCommitQCReturnsAllWithGap', async () => {
        await run(async (ctx) => {
          await persistAll(ctx, [0, 1, 3]);
          const { loaded, persister } = await open(ctx);
          expect(indices(loaded)).toEqual([0n, 1n, 3n]);
          expect(persister.loadNext()).toBe(4n);
        });
      });

      it('TestLoadCommitQCCorruptMidSequenceCreatesGap', async () => {
        await run(async (ctx) => {
          await persistAll(ctx, [0, 2]);
          await put(ctx, commitQCFileName(1n), GARBAGE);
          const { loaded } = await open(ctx);
          expect(indices(loaded)).toEqual([0n, 2n]);
        });
      });
    }

    it('a run may start anywhere: 5, 6 load as [5, 6], next 7', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [5, 6]);
        const { loaded, persister } = await open(ctx);
        expect(indices(loaded)).toEqual([5n, 6n]);
        expect(persister.loadNext()).toBe(7n);
      });
    });

    it('TestLoadCommitQCSkipsMismatchedIndex', async () => {
      await run(async (ctx) => {
        await put(ctx, commitQCFileName(5n), encodeCommitQC(qc(0)));
        const { loaded } = await open(ctx);
        expect(loaded).toEqual([]);
      });
    });

    it('TestLoadCommitQCSkipsUnrecognizedFilename', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [0]);
        await put(ctx, 'notaqc.pb', GARBAGE);
        await put(ctx, 'readme.txt', GARBAGE);
        await put(ctx, 'commitqc_1.pb', encodeCommitQC(qc(1))); // the PR text's name is not the code's (A1)
        await put(ctx, '-1.pb', GARBAGE);
        const { loaded } = await open(ctx);
        expect(indices(loaded)).toEqual([0n]);
      });
    });

    it('leading zeros: 001.pb is index 1', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [0]);
        await put(ctx, '001.pb', encodeCommitQC(qc(1)));
        const { loaded } = await open(ctx);
        expect(indices(loaded)).toEqual([0n, 1n]);
      });
    });

    it('TestCommitQCDeleteBeforeRemovesOldKeepsNew', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [0, 1, 2, 3, 4]);
        const { persister } = await open(ctx);
        await persister.deleteBefore(ctx, 3n);
        expect(await listNames(host.env, ctx, qcDir)).toEqual(['3.pb', '4.pb']);
      });
    });

    it('TestCommitQCDeleteBeforeZero', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await persistAll(ctx, [0, 1, 2]);
        const { persister } = await open(ctx, f.host);
        f.fs.calls.length = 0;
        await persister.deleteBefore(ctx, 0n);
        expect(f.fs.calls).toEqual([]);
        expect(await listNames(host.env, ctx, qcDir)).toEqual(['0.pb', '1.pb', '2.pb']);
      });
    });

    it('DeleteBefore: listing failure is an error; unrecognised names are kept', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await persistAll(ctx, [0, 1, 2]);
        await put(ctx, 'notaqc.pb', GARBAGE);
        const { persister } = await open(ctx, f.host);
        f.fs.addFault({ syscall: 'open', path: (p) => p === qcDir, errno: 'EMFILE' });
        await expect(persister.deleteBefore(ctx, 2n)).rejects.toThrow(/^list commitqcs dir for cleanup: open .*: too many open files$/);
        f.fs.clearFaults();
        await persister.deleteBefore(ctx, 2n);
        expect(await listNames(host.env, ctx, qcDir)).toEqual(['2.pb', 'notaqc.pb']);
      });
    });

    it('TestCommitQCFilenameRoundTrip', () => {
      expect(commitQCFileName(42n)).toBe('42.pb');
      const p = parseCommitQCFileName('42.pb');
      expect('ok' in p && p.ok).toBe(42n);
      expect('error' in parseCommitQCFileName('commitqc_42.pb')).toBe(true);
    });

    if (S) {
      it('(derived) seed: PersistCommitQC of an index below next succeeds and rewrites the file; next unchanged', async () => {
        await run(async (ctx) => {
          const { persister } = await open(ctx);
          for (const i of [0, 1, 2]) await persister.persistCommitQC(ctx, qc(i));
          await writeBytes(host.env, ctx, joinPath(qcDir, '1.pb'), GARBAGE);
          await persister.persistCommitQC(ctx, qc(1));
          expect(persister.loadNext()).toBe(3n);
          expect(Buffer.from(await readBytes(host.env, ctx, joinPath(qcDir, '1.pb'))).equals(Buffer.from(encodeCommitQC(qc(1))))).toBe(true);
          // a gap above next is accepted too
          await persister.persistCommitQC(ctx, qc(6));
          expect(persister.loadNext()).toBe(7n);
        });
      });
    } else {
      it('(derived) merged: PersistCommitQC of an index below next returns `commitqc <i> already persisted (next=<n>)` without I/O; gaps above next are accepted', async () => {
        const f = withFaultyFs(host);
        await run(async (ctx) => {
          const { persister } = await open(ctx, f.host);
          for (const i of [0, 1, 2]) await persister.persistCommitQC(ctx, qc(i));
          f.fs.calls.length = 0;
          await expect(persister.persistCommitQC(ctx, qc(1))).rejects.toThrow(/^commitqc 1 already persisted \(next=3\)$/);
          expect(f.fs.calls).toEqual([]);
          expect(persister.loadNext()).toBe(3n);
          await persister.persistCommitQC(ctx, qc(6));
          expect(persister.loadNext()).toBe(7n);
          // ResetNext (merged only, spec §5.3) moves next back; the order check follows it
          persister.resetNext(2n);
          await persister.persistCommitQC(ctx, qc(2));
          expect(persister.loadNext()).toBe(3n);
        });
      });
    }

    it('a failed write leaves next unchanged and reads `persist commitqc <i>: <os error>`', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        const { persister } = await open(ctx, f.host);
        f.fs.calls.length = 0;
        f.fs.addFault({ syscall: 'write', path: (p) => p.endsWith('/0.pb'), errno: 'ENOSPC' });
        await expect(persister.persistCommitQC(ctx, qc(0))).rejects.toThrow(/^persist commitqc 0: write .*0\.pb: no space left on device$/);
        expect(persister.loadNext()).toBe(0n);
        // H1 closed the fd after the failed write
        expect(f.fs.trace(qcDir)).toEqual(['open /0.pb', 'write /0.pb !ENOSPC', 'close /0.pb']);
      });
    });

    it('constructor failures: create and read of commitqcs/', async () => {
      const f = withFaultyFs(host);
      f.fs.addFault({ syscall: 'mkdir', errno: 'EROFS' });
      await run(async (ctx) => {
        await expect(open(ctx, f.host)).rejects.toThrow(/^create commitqcs dir .*commitqcs: mkdir .*: read-only file system$/);
      });
      const g = withFaultyFs(host);
      g.fs.addFault({ syscall: 'getdents', errno: 'EIO' });
      await run(async (ctx) => {
        await expect(open(ctx, g.host)).rejects.toThrow(/^read commitqcs dir .*commitqcs: getdents .*: input\/output error$/);
      });
    });

    it('mkdir losing a race is fine: lstat finds the directory', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await mkdirAll(host.env, ctx, qcDir);
        f.fs.addFault({ syscall: 'stat', path: (p) => p === qcDir, errno: 'ENOENT' });
        const { loaded } = await open(ctx, f.host);
        expect(loaded).toEqual([]);
        expect(f.fs.trace(dir).slice(0, 3)).toEqual(['stat /commitqcs !ENOENT', 'mkdir /commitqcs', 'lstat /commitqcs']);
      });
    });

    describe('malformed or truncated CommitQC files (spec §1.6, §5.2)', () => {
      for (const [name, v] of Object.entries(fx.commitQCFileVariants(1))) {
        it(`variant ${name}: ${v.expect}`, async () => {
          await run(async (ctx) => {
            await persistAll(ctx, [0, 2]);
            await put(ctx, '1.pb', v.bytes);
            const r = await open(ctx).then(
              (x) => ({ ok: x }),
              (e: unknown) => ({ err: e }),
            );
            if (v.expect === 'abort') {
              expect('err' in r && r.err instanceof ProcessAbort).toBe(true);
            } else {
              expect('ok' in r).toBe(true);
              if ('ok' in r) expect(indices(r.ok.loaded)).toEqual(v.expect === 'value' ? [0n, 1n, 2n] : S ? [0n] : [0n, 2n]);
            }
          });
        });
      }
    });

    it('no-op persister: no I/O, tracks next', async () => {
      const p = newNoOpCommitQCPersister(host.env, design.commitQCPersister);
      await run(async (ctx) => {
        await p.persistCommitQC(ctx, qc(0));
        await p.persistCommitQC(ctx, qc(3));
        expect(p.loadNext()).toBe(4n);
        await p.deleteBefore(ctx, 3n);
        expect(await listNames(host.env, ctx, dir)).toEqual([]);
      });
    });
  });
}
