/**
 * The production Env (src/env/node-env.ts) keeps the semantics of the Env port
 * (src/env.ts, spec §0.3): lock sections with Go's Wait/WaitUntil, AtomicSend,
 * scope.Run, contexts, and file-system primitives mapped to FsError.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, FsError, O_CREAT, O_RDONLY, O_WRONLY, WAIT, isFsError } from '../../src/env.js';
import type { Ctx } from '../../src/env.js';
import { createNodeEnv } from '../../src/env/node-env.js';
import type { NodeEnvHost } from '../../src/env/node-env.js';
import { nodeEnvFactory } from '../support/envs.js';
import type { TestEnv } from '../support/envs.js';
import { joinPath } from '../support/fsops.js';

describe('node Env: locks, cells, tasks', () => {
  const host: NodeEnvHost = createNodeEnv({ logEntriesMax: 3 });
  const env = host.env;
  const main = <T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> => host.main('t', fn);

  it('WAIT parks until the next updated(); the body reruns with its closure state', async () => {
    await main(async (ctx) => {
      const w = env.newWatch('w', { n: 0 });
      let runs = 0;
      const waiter = w.section(ctx, (v) => {
        runs++;
        return v.n >= 2 ? v.n : WAIT;
      });
      await w.section(ctx, (v) => {
        v.n = 1; // no updated(): the waiter must not rerun
      });
      await env.tasks.yield(ctx);
      expect(runs).toBe(1);
      await w.section(ctx, (v, ctl) => {
        v.n = 1;
        ctl.updated();
      });
      await env.tasks.yield(ctx);
      expect(runs).toBe(2);
      await w.section(ctx, (v, ctl) => {
        v.n = 2;
        ctl.updated();
      });
      expect(await waiter).toBe(2);
      expect(runs).toBe(3);
    });
  });

  it('the predicate is checked before the context; a parked section ends with CancelledError', async () => {
    await main(async (ctx) => {
      const w = env.newWatch('w', { ok: true });
      const { ctx: c, cancel } = env.tasks.withCancel(ctx);
      cancel();
      expect(await w.section(c, (v) => (v.ok ? 'done' : WAIT))).toBe('done');
      await expect(w.section(c, () => WAIT)).rejects.toBeInstanceOf(CancelledError);
      const { ctx: c2, cancel: cancel2 } = env.tasks.withCancel(ctx);
      const parked = w.section(c2, () => WAIT);
      cancel2('stop');
      await expect(parked).rejects.toThrow('stop');
    });
  });

  it('AtomicSend: load/store, wait checks the predicate first, wakes on store, rejects on cancellation', async () => {
    await main(async (ctx) => {
      const cell = env.newAtomicSend<number | undefined>('c', undefined);
      const { ctx: c, cancel } = env.tasks.withCancel(ctx);
      const later = cell.wait(ctx, (v) => v !== undefined && v >= 3);
      const cancelled = cell.wait(c, (v) => v === 100);
      cell.store(1);
      expect(cell.load()).toBe(1);
      cell.store(3);
      expect(await later).toBe(3);
      cancel();
      await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
      expect(await cell.wait(c, (v) => v === 3)).toBe(3); // already true: succeeds despite cancellation
    });
  });

  it('tasks.run: first error cancels the scope, waits for every task, rejects with that error', async () => {
    await main(async (ctx) => {
      const order: string[] = [];
      const boom = new Error('boom');
      const p = env.tasks.run(ctx, 'scope', async (_c, scope) => {
        scope.spawn('waiter', async (tc) => {
          expect(tc.taskName).toBe('scope/waiter');
          const e = await env.tasks.done(tc);
          order.push(`waiter saw ${e.message}`);
          throw new Error('second error');
        });
        scope.spawn('failer', async () => {
          order.push('failer');
          throw boom;
        });
      });
      await expect(p).rejects.toBe(boom);
      expect(order[0]).toBe('failer');
      expect(order).toHaveLength(2);
    });
  });

  it('tasks.run resolves once every task ended; contexts cascade; sleep is cancellable', async () => {
    await main(async (ctx) => {
      let done = 0;
      await env.tasks.run(ctx, 's', async (_c, scope) => {
        for (let i = 0; i < 3; i++) scope.spawn(`t${i}`, async (tc) => {
          await env.clock.sleep(tc, 2);
          done++;
        });
      });
      expect(done).toBe(3);
      const parent = env.tasks.withCancel(ctx);
      const child = env.tasks.withCancel(parent.ctx);
      const sleeping = env.clock.sleep(child.ctx, 60_000);
      parent.cancel();
      await expect(sleeping).rejects.toBeInstanceOf(CancelledError);
      expect(child.ctx.err()).toBeInstanceOf(CancelledError);
      expect(ctx.err()).toBeUndefined();
    });
  });

  it('random and log: int bounds, bytes length; the log ring is bounded', () => {
    for (let i = 0; i < 50; i++) {
      const v = env.random.int(7);
      expect(v >= 0 && v < 7).toBe(true);
    }
    expect(env.random.int(1)).toBe(0);
    expect(env.random.bytes(5)).toHaveLength(5);
    expect(() => env.random.int(0)).toThrow(RangeError);
    for (let i = 0; i < 5; i++) env.log.log(undefined, 'info', `m${i}`);
    expect(host.recentLogs().map((e) => e.msg)).toEqual(['m2', 'm3', 'm4']);
  });
});

describe('node Env: file-system primitives', () => {
  let t: TestEnv;
  beforeEach(async () => {
    t = await nodeEnvFactory.make();
  });
  afterEach(async () => t.cleanup());
  const run = <T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> => t.host.main('fs', fn);

  it('errors are FsError with the errno and Go-like text', async () => {
    await run(async (ctx) => {
      const fs = t.host.env.fs;
      const missing = joinPath(t.stateDir, 'missing');
      const e = await fs.open(ctx, missing, O_RDONLY).then(() => undefined, (x: unknown) => x);
      expect(isFsError(e, 'ENOENT')).toBe(true);
      expect((e as FsError).message).toBe(`open ${missing}: no such file or directory`);
      await expect(fs.fsync(ctx, 999)).rejects.toSatisfy((x: unknown) => isFsError(x, 'EBADF'));
      await expect(fs.mkdir(ctx, t.stateDir, 0o700)).rejects.toSatisfy((x: unknown) => isFsError(x, 'EEXIST'));
      await expect(fs.rmdir(ctx, missing)).rejects.toSatisfy((x: unknown) => isFsError(x, 'ENOENT'));
      await expect(fs.unlink(ctx, t.stateDir)).rejects.toSatisfy((x: unknown) => isFsError(x, 'EISDIR') || isFsError(x, 'EPERM'));
    });
  });

  it('small own fds; write/read at the offset; EOF is empty; getdents lists without . and ..; close releases', async () => {
    await run(async (ctx) => {
      const fs = t.host.env.fs;
      const p = joinPath(t.stateDir, 'f');
      const fd = await fs.open(ctx, p, O_WRONLY | O_CREAT, 0o600);
      expect(fd).toBeGreaterThanOrEqual(3);
      expect(fd).toBeLessThan(100);
      expect(await fs.write(ctx, fd, new Uint8Array([1, 2, 3]))).toBe(3);
      await fs.fsync(ctx, fd);
      await fs.close(ctx, fd);
      await expect(fs.close(ctx, fd)).rejects.toSatisfy((x: unknown) => isFsError(x, 'EBADF'));
      expect((await fs.stat(ctx, p)).sizeBytes).toBe(3);
      expect((await fs.stat(ctx, p)).mode).toBe(0o600);
      const rd = await fs.open(ctx, p, O_RDONLY);
      expect([...(await fs.read(ctx, rd, 2))]).toEqual([1, 2]);
      expect([...(await fs.read(ctx, rd, 10))]).toEqual([3]);
      expect((await fs.read(ctx, rd, 10)).length).toBe(0);
      await expect(fs.getdents(ctx, rd)).rejects.toSatisfy((x: unknown) => isFsError(x, 'ENOTDIR'));
      await fs.close(ctx, rd);
      await fs.mkdir(ctx, joinPath(t.stateDir, 'sub'), 0o700);
      const d = await fs.open(ctx, t.stateDir, O_RDONLY);
      const ents = (await fs.getdents(ctx, d)).sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(ents).toEqual([
        { name: 'f', isDirectory: false },
        { name: 'sub', isDirectory: true },
      ]);
      await fs.fsync(ctx, d); // a directory fd can be fsynced
      await fs.close(ctx, d);
    });
  });
});
