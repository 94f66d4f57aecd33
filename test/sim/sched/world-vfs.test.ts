/**
 * The world glue end to end with the real VFS: run a workload, crash before
 * every fs primitive in turn, enumerate the crash images, and run recovery in
 * a NEW world built on each image.
 */
import { describe, expect, test } from 'vitest';
import { O_CREAT, O_DIRECTORY, O_RDONLY, O_TRUNC, O_WRONLY, isFsError } from '../../../src/env.js';
import type { Ctx, Env } from '../../../src/env.js';
import { crashImages, Vfs } from '../../../sim/vfs/index.js';
import { createWorld, WorldHalted } from '../../../sim/world.js';
import type { SyncFs } from '../../../sim/fs-api.js';

const PERSONALITY = 'strict-posix' as const;

async function writeFile(env: Env, ctx: Ctx, path: string, text: string): Promise<void> {
  const fd = await env.fs.open(ctx, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
  await env.fs.write(ctx, fd, new TextEncoder().encode(text));
  await env.fs.fsync(ctx, fd);
  await env.fs.close(ctx, fd);
}

async function fsyncDir(env: Env, ctx: Ctx, path: string): Promise<void> {
  const fd = await env.fs.open(ctx, path, O_RDONLY | O_DIRECTORY);
  await env.fs.fsync(ctx, fd);
  await env.fs.close(ctx, fd);
}

/** Atomic replace of /d/CURRENT: v1 made durable, then v2 via tmp + rename + dir fsync. */
async function install(env: Env, ctx: Ctx): Promise<void> {
  await env.fs.mkdir(ctx, '/d', 0o700);
  await fsyncDir(env, ctx, '/');
  await writeFile(env, ctx, '/d/CURRENT', 'v1');
  await fsyncDir(env, ctx, '/d');
  await writeFile(env, ctx, '/d/tmp', 'v2');
  await env.fs.rename(ctx, '/d/tmp', '/d/CURRENT');
  await fsyncDir(env, ctx, '/d');
}

async function readCurrent(env: Env, ctx: Ctx): Promise<string> {
  try {
    const fd = await env.fs.open(ctx, '/d/CURRENT', O_RDONLY);
    const bytes = await env.fs.read(ctx, fd, 100);
    await env.fs.close(ctx, fd);
    return new TextDecoder().decode(bytes);
  } catch (e) {
    if (isFsError(e, 'ENOENT')) return '<absent>';
    throw e;
  }
}

function newWorld(seed: string, fs: SyncFs) {
  return createWorld({ seed, fs, budgetSteps: 1_000 });
}

describe('crash → new world on the crash image', () => {
  test('atomic replace: every image of every crash point recovers to absent, v1 or v2 (v1/v2 once v1 is durable)', async () => {
    const clean = newWorld('install', Vfs.create({ personality: PERSONALITY }));
    await clean.host.main('install', (ctx) => install(clean.env, ctx));
    const opsTotal = clean.fsOpsPerformed;
    expect(opsTotal).toBe(19);
    // Ops 0-3 mkdir /d + fsync /; 4-7 write CURRENT; 8-10 fsync /d (op 9 makes v1 durable); …
    const v1DurableFrom = 10;

    const outcomes = new Map<string, number>();
    for (let k = 0; k <= opsTotal; k++) {
      const vfs = Vfs.create({ personality: PERSONALITY });
      const w = newWorld('install', vfs);
      w.setBeforeFsOp((op) => (op.index === k ? 'crash' : 'continue'));
      const err = await w.host.main('install', (ctx) => install(w.env, ctx)).catch((e: unknown) => e);
      if (k < opsTotal) {
        expect(err).toBeInstanceOf(WorldHalted);
        expect(w.crashPoint?.index).toBe(k);
      } else {
        expect(err).toBeUndefined();
      }
      const report = crashImages(vfs, { rng: w.streams.stream('crash') });
      expect(report.images.length).toBeGreaterThan(0);
      for (const image of report.images) {
        const r = newWorld(`recover-${k}`, Vfs.fromImage(image, { personality: PERSONALITY }));
        const got = await r.host.main('recover', (ctx) => readCurrent(r.env, ctx));
        const allowed = k >= v1DurableFrom ? ['v1', 'v2'] : ['<absent>', '', 'v1'];
        expect(allowed, `crash before op ${k}, image ${image.summary}`).toContain(got);
        if (k === opsTotal) expect(got).toBe('v2');
        outcomes.set(got, (outcomes.get(got) ?? 0) + 1);
      }
    }
    // Every outcome the model allows shows up somewhere.
    expect([...outcomes.keys()].sort()).toEqual(['', '<absent>', 'v1', 'v2']);
  });
});
