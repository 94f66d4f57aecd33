import { describe, expect, test } from 'vitest';
import { O_CREAT, O_WRONLY, WAIT } from '../../../src/env.js';
import { createWorld, DeadlockError, EnvUsageError, HarnessError, LivelockError, WorldHalted } from '../../../sim/world.js';
import type { FsOpInfo, WorldOptions } from '../../../sim/world.js';
import { MapFs } from './map-fs.js';

function world(opts: Partial<WorldOptions> = {}) {
  return createWorld({ seed: 'fail-seed', fs: new MapFs(), budgetSteps: 10_000, ...opts });
}

describe('deadlock', () => {
  test('two tasks waiting on each other\'s condition: a typed report naming each task and its wait', async () => {
    const w = world();
    const env = w.env;
    const state = env.newWatch('inner', { aReady: false, bReady: false });
    const flag = env.newAtomicSend('flag', 0);
    const err = await w.host
      .main('node', (ctx) =>
        env.tasks.run(ctx, 'node', async (_c, scope) => {
          scope.spawn('a', async (c) => {
            await state.section(c, (v) => (v.bReady ? undefined : WAIT));
            await state.section(c, (v, ctl) => {
              v.aReady = true;
              ctl.updated();
            });
          });
          scope.spawn('b', async (c) => {
            await state.section(c, (v) => (v.aReady ? undefined : WAIT));
          });
          scope.spawn('c', async (c) => {
            await flag.wait(c, (x) => x > 0);
          });
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    const d = err as DeadlockError;
    expect(d.kind).toBe('deadlock');
    expect(d.seed).toBe('fail-seed');
    expect(d.blocked.map((b) => `${b.taskName} ${b.waitsFor}`)).toEqual([
      'node joins scope(node), waiting for node/a, node/b, node/c',
      'node/a waits in section(inner)',
      'node/b waits in section(inner)',
      'node/c waits on atomic(flag)',
    ]);
    expect(d.message).toMatch(/^deadlock: .* while the driver waits for task node to finish \[seed=fail-seed step=\d+ t=0ms\]/);
    expect(d.message).toContain('node/a (task 2) waits in section(inner)');
    // The world is failed for good.
    expect(w.status).toBe('failed');
    await expect(w.runSteps(1)).rejects.toBe(err);
  });

  test('sleepers are not a deadlock: the clock jumps to the earliest deadline', async () => {
    const w = world();
    const env = w.env;
    const woke: string[] = [];
    await w.host.main('m', (ctx) =>
      env.tasks.run(ctx, 's', async (_c, scope) => {
        scope.spawn('late', async (c) => {
          await env.clock.sleep(c, 120);
          woke.push(`late@${env.clock.nowMs()}`);
        });
        scope.spawn('early', async (c) => {
          await env.clock.sleep(c, 30);
          woke.push(`early@${env.clock.nowMs()}`);
        });
      }),
    );
    expect(woke).toEqual(['early@30', 'late@120']);
    expect(w.nowMs).toBe(120);
  });

  test('runSteps / runUntilBlocked report "blocked" without failing; runUntil fails with a DeadlockError', async () => {
    const w = world();
    const flag = w.env.newAtomicSend('flag', 0);
    const h = w.spawn('waiter', async (c) => flag.wait(c, (x) => x === 1));
    expect((await w.runSteps(100)).kind).toBe('blocked');
    expect(w.scheduler.blockedTasks()).toEqual([{ taskId: 1, taskName: 'waiter', waitsFor: 'waits on atomic(flag)' }]);
    flag.store(1); // the driver may change the world between runs
    expect(w.enabledOps().map((o) => `${o.taskName}:${o.op}`)).toEqual(['waiter:atomic.wait']);
    expect((await w.runUntilBlocked()).kind).toBe('blocked');
    expect(h.outcome()).toEqual({ ok: true, value: 1 });
    const never = w.spawn('sleeper-forever', async (c) => {
      await w.env.tasks.done(c);
    });
    await expect(w.runUntil(() => never.outcome() !== undefined, 'sleeper-forever')).rejects.toThrow(
      /while the driver waits for sleeper-forever[\s\S]*sleeper-forever \(task 2\) waits for done\(ctx\)/,
    );
  });
});

describe('livelock', () => {
  test('two tasks yielding forever exhaust the budget: a typed report with the last trace lines', async () => {
    const w = world({ budgetSteps: 500 });
    const env = w.env;
    const err = await w.host
      .main('node', (ctx) =>
        env.tasks.run(ctx, 'spin', async (_c, scope) => {
          for (const name of ['a', 'b']) {
            scope.spawn(name, async (c) => {
              for (;;) await env.tasks.yield(c);
            });
          }
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LivelockError);
    const l = err as LivelockError;
    expect(l.kind).toBe('livelock');
    expect(l.step).toBe(500);
    expect(l.budgetSteps).toBe(500);
    expect(l.lastTrace).toHaveLength(40);
    expect(l.lastTrace.at(-1)).toMatch(/^#499 t=0ms spin\/[ab]: yield -> ok \[2 enabled\]$/);
    expect(l.message).toMatch(/^livelock: step budget of 500 steps exhausted \[seed=fail-seed step=500 t=0ms\]/);
  });
});

describe('a task awaiting a promise no Env call created', () => {
  test('a never-settling foreign promise is reported, naming the task, not hung', async () => {
    const w = world();
    const err = await w.host
      .main('node', (ctx) =>
        w.env.tasks.run(ctx, 's', async (_c, scope) => {
          scope.spawn('stuck', async (c) => {
            await w.env.tasks.yield(c);
            await new Promise(() => undefined);
          });
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as Error).message).toContain('s/stuck (task 2) neither reached an Env call nor finished');
  });

  test('a foreign promise that settles later (a real timer) is reported too', async () => {
    const w = world();
    const err = await w.host
      .main('node', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as Error).message).toContain('node (task 1) neither reached an Env call nor finished');
  });

  test('awaiting several Env promises at once (Promise.all / race) is fine', async () => {
    const w = world();
    const env = w.env;
    const got = await w.host.main('node', async (ctx) => {
      const both = await Promise.all([env.clock.sleep(ctx, 5), env.tasks.yield(ctx), env.fs.mkdir(ctx, '/x', 0o700)]);
      const { ctx: child, cancel } = env.tasks.withCancel(ctx);
      const raced = await Promise.race([env.clock.sleep(child, 50).then(() => 'slept'), env.tasks.yield(ctx).then(() => 'yielded')]);
      cancel();
      await env.clock.sleep(ctx, 100);
      return `${both.length} ${raced} ${env.clock.nowMs()}`;
    });
    expect(got).toBe('3 yielded 105');
  });
});

describe('misuse is a clear error, not a hang', () => {
  test('using another task\'s Ctx is refused at the call', async () => {
    const w = world();
    const env = w.env;
    const err = await w.host
      .main('node', (ctx) =>
        env.tasks.run(ctx, 's', async (_c, scope) => {
          scope.spawn('borrower', async () => {
            await env.tasks.yield(ctx); // main's ctx, while main is parked in join
          });
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvUsageError);
    expect((err as Error).message).toMatch(/yield with the Ctx of task node, which is parked/);
  });

  test('a Ctx from another world and a Ctx of an ended task are refused', async () => {
    const w1 = world();
    const w2 = world();
    let leaked: import('../../../src/env.js').Ctx | undefined;
    await w1.host.main('a', async (ctx) => {
      leaked = ctx;
    });
    await expect(w2.host.main('b', async () => w2.env.tasks.yield(leaked!))).rejects.toThrow(/belongs to another world/);
    await expect(w1.host.main('c', async () => w1.env.tasks.yield(leaked!))).rejects.toThrow(/Ctx of task a, which has ended/);
  });

  test('section bodies: no Env waits inside, no promises returned, updated() only inside', async () => {
    const w = world();
    const env = w.env;
    const watch = env.newWatch('inner', {});
    let savedCtl: { updated(): void } | undefined;
    await w.host.main('node', async (ctx) => {
      await expect(watch.section(ctx, () => void env.tasks.yield(ctx))).rejects.toThrow(/yield called inside a lock section body/);
      await expect(watch.section(ctx, async () => 1)).rejects.toThrow(/body returned a promise/);
      await watch.section(ctx, (_v, ctl) => {
        savedCtl = ctl;
      });
      expect(() => savedCtl!.updated()).toThrow(/updated\(\) of watch inner called outside one of its sections/);
      await expect(env.clock.sleep(ctx, -1)).rejects.toThrow(RangeError);
      await expect(env.fs.open(ctx, 42 as unknown as string, O_WRONLY)).rejects.toThrow(/fs.open: bad path 42/);
    });
  });
});

describe('limits', () => {
  test('too many pending Env calls in one task are refused', async () => {
    const w = world();
    await expect(
      w.host.main('greedy', async (ctx) => {
        const ps: Promise<void>[] = [];
        for (let i = 0; i < 1_001; i++) ps.push(w.env.tasks.yield(ctx));
        await Promise.all(ps);
      }),
    ).rejects.toThrow(/greedy: more than 1000 pending Env calls at once/);
  });

  test('concurrent host.main calls are driven one after the other and both settle', async () => {
    const w = world();
    const [a, b] = await Promise.all([
      w.host.main('a', async (ctx) => (await w.env.clock.sleep(ctx, 10), 'a')),
      w.host.main('b', async (ctx) => (await w.env.clock.sleep(ctx, 5), 'b')),
    ]);
    expect([a, b, w.nowMs]).toEqual(['a', 'b', 10]);
  });
});

describe('crash and stop', () => {
  async function writer(w: ReturnType<typeof world>): Promise<void> {
    await w.host.main('node', async (ctx) => {
      await w.env.fs.mkdir(ctx, '/d', 0o700);
      for (let i = 0; i < 5; i++) {
        const fd = await w.env.fs.open(ctx, `/d/f${i}`, O_WRONLY | O_CREAT, 0o600);
        await w.env.fs.write(ctx, fd, new Uint8Array([i]));
        await w.env.fs.close(ctx, fd);
      }
    });
  }

  test('counting fs ops, then crashing before op #k halts the world with nothing settled after', async () => {
    const clean = world();
    await writer(clean);
    expect(clean.fsOpsPerformed).toBe(16);
    for (const k of [0, 1, 7, 15]) {
      const fs = new MapFs();
      const seen: FsOpInfo[] = [];
      const w = world({ fs, beforeFsOp: (op) => (seen.push(op), op.index === k ? 'crash' : 'continue') });
      const err = await writer(w).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorldHalted);
      expect((err as WorldHalted).reason).toBe('crashed');
      expect(w.status).toBe('crashed');
      expect(w.fsOpsPerformed).toBe(k);
      expect(w.crashPoint?.index).toBe(k);
      expect(seen.map((s) => s.index)).toEqual(Array.from({ length: k + 1 }, (_, i) => i));
      // A halted world never runs again.
      expect((await w.runSteps(10)).kind).toBe('crashed');
      expect(w.fsOpsPerformed).toBe(k);
      expect(w.trace.lines(2).join('\n')).toMatch(/-> crash[\s\S]*world: crash before fs primitive #\d+/);
      // What the fs saw is exactly the first k ops: after op 0 (mkdir), each file is open/write/close.
      expect(fs.files.size).toBe(k === 0 ? 0 : Math.ceil((k - 1) / 3));
    }
  });

  test('stop() from inside a task halts the world; main rejects with WorldHalted', async () => {
    const w = world();
    const err = await w.host
      .main('node', async (ctx) => {
        await w.env.tasks.yield(ctx);
        w.stop('oracle saw enough');
        await w.env.tasks.yield(ctx);
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorldHalted);
    expect((err as Error).message).toBe('world stopped at step 2: oracle saw enough');
    await expect(w.host.main('again', async () => 1)).rejects.toBeInstanceOf(WorldHalted);
  });
});
