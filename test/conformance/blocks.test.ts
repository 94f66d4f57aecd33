/**
 * Spec §11.2 (blocks_test), seed column, plus the loader rules of §4.3 for
 * every malformed-file variant (skip, or a typed ProcessAbort).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessAbort, encodeSignedLaneProposal } from '../../src/codec/index.js';
import type { Ctx, EnvHost } from '../../src/env.js';
import { errorText } from '../../src/errors.js';
import { seedDesign } from '../../src/design/seed.js';
import { mergedDesign } from '../../src/design/merged.js';
import { newBlockPersister, newNoOpBlockPersister } from '../../src/persist/blocks.js';
import type { LoadedBlock } from '../../src/persist/blocks.js';
import { mkdirAll } from '../../src/persist/fsutil.js';
import { blockFileName, parseBlockFileName } from '../../src/persist/names.js';
import type { LaneId, SignedLaneProposal } from '../../src/types.js';
import { makeCommittee } from '../../scenarios/fixtures.js';
import { ENVS } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { withFaultyFs } from '../support/faulty-fs.js';
import { GARBAGE, inTask, joinPath, listNames, writeBytes } from '../support/fsops.js';

const fx = makeCommittee('conformance-blocks', 4);
const lane1 = fx.lane(0);
const lane2 = fx.lane(1);

function numbers(bs: readonly LoadedBlock[] | undefined): bigint[] {
  return (bs ?? []).map((b) => b.number);
}

function sameBlock(a: SignedLaneProposal, b: SignedLaneProposal): boolean {
  return Buffer.from(encodeSignedLaneProposal(a)).equals(Buffer.from(encodeSignedLaneProposal(b)));
}

for (const design of [seedDesign, mergedDesign]) for (const factory of ENVS) {
  const S = design.name === 'seed';
  describe(`block persister, ${design.name} [${factory.name}]`, () => {
    let t: TestEnv;
    let host: EnvHost;
    let dir: string;
    let blocksDir: string;
    beforeEach(async () => {
      t = await factory.make();
      host = t.host;
      dir = t.stateDir;
      blocksDir = joinPath(dir, 'blocks');
    });
    afterEach(async () => t.cleanup());

    const run = <T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> => inTask(host, fn);
    const open = (ctx: Ctx, h: EnvHost = host) => newBlockPersister(h.env, ctx, dir, design.blockLoader);
    async function put(ctx: Ctx, name: string, bytes: Uint8Array): Promise<void> {
      await mkdirAll(host.env, ctx, blocksDir);
      await writeBytes(host.env, ctx, joinPath(blocksDir, name), bytes);
    }
    async function persistAll(ctx: Ctx, ps: readonly SignedLaneProposal[]): Promise<void> {
      const { persister } = await open(ctx);
      for (const p of ps) await persister.persistBlock(ctx, p);
    }

    it('TestNewBlockPersisterEmptyDir', async () => {
      await run(async (ctx) => {
        const { loaded } = await open(ctx);
        expect(loaded.size).toBe(0);
        expect(await listNames(host.env, ctx, dir)).toContain('blocks');
      });
    });

    it('TestPersistBlockAndLoad', async () => {
      await run(async (ctx) => {
        const ps = fx.blocks(lane1, 0, 2);
        await persistAll(ctx, [ps[1]!, ps[0]!]);
        const { loaded } = await open(ctx);
        const got = loaded.get(lane1);
        expect(numbers(got)).toEqual([0n, 1n]);
        expect(sameBlock(got![0]!.proposal, ps[0]!)).toBe(true);
        expect(sameBlock(got![1]!.proposal, ps[1]!)).toBe(true);
        expect(await listNames(host.env, ctx, blocksDir)).toEqual([blockFileName(lane1, 0n), blockFileName(lane1, 1n)]);
      });
    });

    it('TestPersistBlockMultipleLanes', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [...fx.blocks(lane1, 0, 2), ...fx.blocks(lane2, 0, 3)]);
        const { loaded } = await open(ctx);
        expect(numbers(loaded.get(lane1))).toEqual([0n, 1n]);
        expect(numbers(loaded.get(lane2))).toEqual([0n, 1n, 2n]);
      });
    });

    it('TestLoadSkipsCorruptBlockFile', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [fx.block(lane1, 0)]);
        await put(ctx, blockFileName(lane1, 1n), GARBAGE);
        const { loaded } = await open(ctx);
        expect(numbers(loaded.get(lane1))).toEqual([0n]);
      });
    });

    it(S ? 'TestLoadCorruptMidSequenceTruncatesAtGap' : 'TestLoadCorruptMidSequenceCreatesGap', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [fx.block(lane1, 0), fx.block(lane1, 2)]);
        await put(ctx, blockFileName(lane1, 1n), GARBAGE);
        const { loaded } = await open(ctx);
        expect(numbers(loaded.get(lane1))).toEqual(S ? [0n] : [0n, 2n]);
      });
    });

    it(S ? 'TestLoadTruncatesAtGap' : 'TestLoadReturnsAllWithGap', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [3, 4, 6, 7].map((n) => fx.block(lane1, n)));
        const { loaded } = await open(ctx);
        expect(numbers(loaded.get(lane1))).toEqual(S ? [3n, 4n] : [3n, 4n, 6n, 7n]);
      });
    });

    it('TestLoadSkipsMismatchedHeader', async () => {
      await run(async (ctx) => {
        await put(ctx, blockFileName(lane2, 0n), encodeSignedLaneProposal(fx.block(lane1, 0)));
        await put(ctx, blockFileName(lane1, 5n), encodeSignedLaneProposal(fx.block(lane1, 0))); // number mismatch
        const { loaded } = await open(ctx);
        expect(loaded.size).toBe(0);
      });
    });

    it('TestLoadSkipsUnrecognizedFilename', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [fx.block(lane1, 0)]);
        await put(ctx, 'notablock.pb', GARBAGE);
        await put(ctx, 'readme.txt', GARBAGE);
        await put(ctx, `${lane1}_x1.pb`, GARBAGE); // bad number
        await put(ctx, `${lane1.slice(2)}_1.pb`, GARBAGE); // 31-byte key
        await put(ctx, `zz${lane1.slice(2)}_1.pb`, GARBAGE); // not hex
        await put(ctx, `${lane1}_18446744073709551616.pb`, GARBAGE); // 2^64 overflows uint64
        await host.env.fs.mkdir(ctx, joinPath(blocksDir, blockFileName(lane1, 1n)), 0o700); // a directory named like a block
        const { loaded } = await open(ctx);
        expect([...loaded.keys()]).toEqual([lane1]);
        expect(numbers(loaded.get(lane1))).toEqual([0n]);
      });
    });

    it('names with leading zeros and upper-case hex are recognised; a later name replaces an earlier one', async () => {
      await run(async (ctx) => {
        await put(ctx, `${lane1.toUpperCase()}_0.pb`, encodeSignedLaneProposal(fx.block(lane1, 0)));
        await put(ctx, `${lane1}_001.pb`, encodeSignedLaneProposal(fx.block(lane1, 1, 'chain', { variant: 1 })));
        await put(ctx, `${lane1}_01.pb`, GARBAGE); // same (lane, 1), corrupt: skipped
        await put(ctx, `${lane1}_1.pb`, encodeSignedLaneProposal(fx.block(lane1, 1))); // same (lane, 1), last in name order: wins
        const { loaded } = await open(ctx);
        expect(numbers(loaded.get(lane1))).toEqual([0n, 1n]);
        expect(sameBlock(loaded.get(lane1)![1]!.proposal, fx.block(lane1, 1))).toBe(true);
      });
    });

    it('blocks of non-committee lanes are returned by the loader', async () => {
      await run(async (ctx) => {
        const stranger = fx.outsider(0).publicKey as LaneId;
        await put(ctx, blockFileName(stranger, 0n), encodeSignedLaneProposal(fx.block(stranger, 0)));
        const { loaded } = await open(ctx);
        expect(numbers(loaded.get(stranger))).toEqual([0n]);
      });
    });

    it('TestDeleteBeforeRemovesOldKeepsNew', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, fx.blocks(lane1, 0, 5));
        const { persister } = await open(ctx);
        await persister.deleteBefore(ctx, new Map([[lane1, 3n]]));
        expect(await listNames(host.env, ctx, blocksDir)).toEqual([blockFileName(lane1, 3n), blockFileName(lane1, 4n)]);
      });
    });

    it('TestDeleteBeforeMultipleLanes', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [...fx.blocks(lane1, 0, 3), ...fx.blocks(lane2, 0, 3)]);
        const { persister } = await open(ctx);
        await persister.deleteBefore(ctx, new Map([[lane1, 2n], [lane2, 1n]]));
        const { loaded } = await open(ctx);
        expect(numbers(loaded.get(lane1))).toEqual([2n]);
        expect(numbers(loaded.get(lane2))).toEqual([1n, 2n]);
      });
    });

    it('TestDeleteBeforeEmptyMap', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await persistAll(ctx, fx.blocks(lane1, 0, 3));
        const { persister } = await open(ctx, f.host);
        f.fs.calls.length = 0;
        await persister.deleteBefore(ctx, new Map());
        expect(f.fs.calls).toEqual([]); // not even a directory listing
        expect((await listNames(host.env, ctx, blocksDir)).length).toBe(3);
      });
    });

    it('TestDeleteBeforeRemovesOrphanedLanes', async () => {
      await run(async (ctx) => {
        await persistAll(ctx, [...fx.blocks(lane1, 0, 3), ...fx.blocks(lane2, 0, 3)]);
        const { persister } = await open(ctx);
        await persister.deleteBefore(ctx, new Map([[lane1, 1n]]));
        const { loaded } = await open(ctx);
        expect(numbers(loaded.get(lane1))).toEqual([1n, 2n]);
        expect(loaded.has(lane2)).toBe(false);
        expect(await listNames(host.env, ctx, blocksDir)).toEqual([blockFileName(lane1, 1n), blockFileName(lane1, 2n)]);
      });
    });

    it('DeleteBefore: never opens files; skips unrecognised names; H4 then H5 in name order', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await persistAll(ctx, fx.blocks(lane1, 0, 3));
        await put(ctx, 'notablock.pb', GARBAGE);
        const { persister } = await open(ctx, f.host);
        f.fs.calls.length = 0;
        await persister.deleteBefore(ctx, new Map([[lane1, 2n]]));
        expect(f.fs.trace(blocksDir)).toEqual([
          'open /',
          'getdents /',
          'close /',
          `unlink /${blockFileName(lane1, 0n)}`,
          `unlink /${blockFileName(lane1, 1n)}`,
        ]);
        expect(await listNames(host.env, ctx, blocksDir)).toEqual([blockFileName(lane1, 2n), 'notablock.pb']);
      });
    });

    it('DeleteBefore: listing failure is an error; unlink failures are logged and ignored', async () => {
      const f = withFaultyFs(host);
      await run(async (ctx) => {
        await persistAll(ctx, fx.blocks(lane1, 0, 3));
        const { persister } = await open(ctx, f.host);
        f.fs.addFault({ syscall: 'getdents', errno: 'EIO' });
        await expect(persister.deleteBefore(ctx, new Map([[lane1, 2n]]))).rejects.toThrow(/^list blocks dir for cleanup: getdents .*: input\/output error$/);
        f.fs.clearFaults();
        f.fs.addFault({ syscall: 'unlink', path: (p) => p.endsWith(blockFileName(lane1, 0n)), errno: 'EACCES' });
        f.fs.addFault({ syscall: 'rmdir', path: (p) => p.endsWith(blockFileName(lane1, 0n)), errno: 'ENOTDIR' });
        await persister.deleteBefore(ctx, new Map([[lane1, 2n]]));
        expect(await listNames(host.env, ctx, blocksDir)).toEqual([blockFileName(lane1, 0n), blockFileName(lane1, 2n)]);
      });
    });

    it('constructor failures: create and read of blocks/', async () => {
      const f = withFaultyFs(host);
      f.fs.addFault({ syscall: 'mkdir', errno: 'EACCES' });
      await run(async (ctx) => {
        await expect(open(ctx, f.host)).rejects.toThrow(/^create blocks dir .*blocks: mkdir .*: permission denied$/);
      });
      // a regular file named blocks
      await run(async (ctx) => {
        await writeBytes(host.env, ctx, blocksDir, new Uint8Array([1]));
        await expect(open(ctx)).rejects.toThrow(/^create blocks dir .*blocks: mkdir .*blocks: not a directory$/);
        await host.env.fs.unlink(ctx, blocksDir);
      });
      const g = withFaultyFs(host);
      g.fs.addFault({ syscall: 'getdents', errno: 'EIO' });
      await run(async (ctx) => {
        await expect(open(ctx, g.host)).rejects.toThrow(/^read blocks dir .*blocks: getdents .*: input\/output error$/);
      });
    });

    it('an unreadable block file is skipped like a corrupt one', async () => {
      await run(async (ctx) => persistAll(ctx, fx.blocks(lane1, 0, 3)));
      const f = withFaultyFs(host);
      f.fs.addFault({ syscall: 'read', path: (p) => p.endsWith(blockFileName(lane1, 1n)), errno: 'EIO' });
      await run(async (ctx) => {
        const { loaded } = await open(ctx, f.host);
        expect(numbers(loaded.get(lane1))).toEqual(S ? [0n] : [0n, 2n]);
      });
    });

    describe('malformed or truncated block files (spec §1.6, §4.3)', () => {
      for (const [name, v] of Object.entries(fx.blockFileVariants(lane1, 1))) {
        it(`variant ${name}: ${v.expect}`, async () => {
          await run(async (ctx) => {
            await persistAll(ctx, [fx.block(lane1, 0), fx.block(lane1, 2)]);
            await put(ctx, blockFileName(lane1, 1n), v.bytes);
            const r = await open(ctx).then(
              (x) => ({ ok: x }),
              (e: unknown) => ({ err: e }),
            );
            if (v.expect === 'abort') {
              expect('err' in r && r.err instanceof ProcessAbort).toBe(true);
            } else if (v.expect === 'error') {
              expect('ok' in r).toBe(true);
              if ('ok' in r) expect(numbers(r.ok.loaded.get(lane1))).toEqual(S ? [0n] : [0n, 2n]); // skipped → gap (seed: truncated there)
            } else {
              expect('ok' in r).toBe(true);
              if ('ok' in r) expect(numbers(r.ok.loaded.get(lane1))).toEqual([0n, 1n, 2n]);
            }
          });
        });
      }
    });

    it('no-op persister: no I/O', async () => {
      const p = newNoOpBlockPersister();
      await run(async (ctx) => {
        await p.persistBlock(ctx, fx.block(lane1, 0));
        await p.deleteBefore(ctx, new Map([[lane1, 5n]]));
        expect(await listNames(host.env, ctx, dir)).toEqual([]);
      });
    });
  });
}

describe('block file names', () => {
  it('TestBlockFilenameRoundTrip', () => {
    const name = blockFileName(lane1, 42n);
    expect(name).toBe(`${lane1}_42.pb`);
    const parsed = parseBlockFileName(name);
    expect('ok' in parsed && parsed.ok).toEqual({ lane: lane1, n: 42n });
  });

  it('rejects names the reference rejects', () => {
    for (const bad of ['notablock.pb', `${lane1}_.pb`, `${lane1}_-1.pb`, `${lane1}_+1.pb`, `${lane1}_1_2.pb`, `_1.pb`, `${lane1}0_1.pb`]) {
      expect('error' in parseBlockFileName(bad), bad).toBe(true);
    }
    expect(errorText(new Error('x'))).toBe('x');
  });
});
