import { describe, expect, test } from 'vitest';
import { CancelledError, WAIT } from '../../../src/env.js';
import type { Ctx, Scope } from '../../../src/env.js';
import { createWorld } from '../../../sim/world.js';
import type { WorldOptions } from '../../../sim/world.js';
import { MapFs } from './map-fs.js';

function world(opts: Partial<WorldOptions> = {}) {
  return createWorld({ seed: 'sem', fs: new MapFs(), budgetSteps: 10_000, ...opts });
}

describe('Watch.section (Go WaitUntil)', () => {
  test('the predicate is checked before the context: a cancelled ctx still succeeds when it holds', async () => {
    const w = world();
    const watch = w.env.newWatch('inner', { ready: true });
    const out = await w.host.main('m', async (ctx) => {
      const { ctx: c, cancel } = w.env.tasks.withCancel(ctx);
      cancel('gone');
      const ok = await watch.section(c, (v) => (v.ready ? 'ran' : WAIT));
      const err = await watch.section(c, () => WAIT).catch((e: unknown) => e);
      return { ok, err };
    });
    expect(out.ok).toBe('ran');
    expect(out.err).toBeInstanceOf(CancelledError);
    expect((out.err as CancelledError).reason).toBe('gone');
  });

  test('a parked section reruns once per updated(); cancellation rejects without rerunning the body', async () => {
    const w = world();
    const env = w.env;
    const watch = env.newWatch('inner', { n: 0 });
    let runs = 0;
    const waiter = w.spawn('waiter', (c) => watch.section(c, (v) => (runs++, v.n >= 100 ? v.n : WAIT)));
    expect((await w.runUntilBlocked()).kind).toBe('blocked');
    expect(runs).toBe(1);
    expect(w.scheduler.blockedTasks()[0]?.waitsFor).toBe('waits in section(inner)');

    // A section that does not call updated() wakes nobody.
    w.spawn('quiet', (c) => watch.section(c, (v) => void v.n++));
    await w.runUntilBlocked();
    expect(runs).toBe(1);

    // Each updated() reruns the body once.
    for (let i = 0; i < 2; i++) {
      w.spawn(`bump${i}`, (c) => watch.section(c, (v, ctl) => (v.n++, ctl.updated())));
      await w.runUntilBlocked();
      expect(runs).toBe(2 + i);
    }

    waiter.cancel('shutdown');
    await w.runUntilBlocked();
    expect(runs).toBe(3);
    const outcome = waiter.outcome();
    expect(outcome?.ok).toBe(false);
    expect(outcome?.ok === false && outcome.error).toBeInstanceOf(CancelledError);
    expect(w.trace.events().filter((e) => e.taskName === 'waiter' && e.op === 'section').map((e) => e.result)).toEqual([
      'wait', 'wait', 'wait', 'cancelled',
    ]);
  });

  test('woken and cancelled before it runs: the body reruns first (a holding predicate wins)', async () => {
    const w = world();
    const watch = w.env.newWatch('inner', { n: 0 });
    const waiter = w.spawn('waiter', (c) => watch.section(c, (v) => (v.n > 0 ? 'saw update' : WAIT)));
    await w.runUntilBlocked();
    // Update and cancel inside one driver turn, before the waiter's next step.
    const bumper = w.spawn('bumper', (c) => watch.section(c, (v, ctl) => (v.n++, ctl.updated())));
    await w.runUntil(() => bumper.outcome() !== undefined);
    waiter.cancel();
    await w.runUntilBlocked();
    expect(waiter.outcome()).toEqual({ ok: true, value: 'saw update' });
  });
});

describe('scopes (Go scope.Run)', () => {
  test('the first error cancels the siblings; run rejects with it after every task ended (any schedule)', async () => {
    for (let seed = 0; seed < 20; seed++) {
      const w = world({ seed: `scope-${seed}` });
      const env = w.env;
      const ended: string[] = [];
      const err = await w.host
        .main('m', (ctx) =>
          env.tasks.run(ctx, 'svc', async (_c, scope) => {
            scope.spawn('failer', async (c) => {
              await env.clock.sleep(c, 10);
              ended.push('failer');
              throw new Error('disk on fire');
            });
            scope.spawn('doneWaiter', async (c) => {
              const e = await env.tasks.done(c);
              ended.push(`doneWaiter:${e.reason}`);
            });
            scope.spawn('sleeper', async (c) => {
              try {
                await env.clock.sleep(c, 1_000);
              } finally {
                ended.push(`sleeper@${env.clock.nowMs()}`);
              }
            });
          }),
        )
        .catch((e: unknown) => e);
      expect((err as Error).message).toBe('disk on fire');
      expect(ended[0]).toBe('failer');
      expect(ended.slice(1).sort()).toEqual(['doneWaiter:scope svc failed', 'sleeper@10']);
      expect(w.nowMs).toBe(10);
    }
  });

  test('a failing body cancels spawned tasks; spawning after the scope ended is refused', async () => {
    const w = world();
    const env = w.env;
    let saved: Scope | undefined;
    let taskCtxErr: string | undefined;
    const err = await w.host
      .main('m', (ctx) =>
        env.tasks.run(ctx, 'svc', async (c, scope) => {
          saved = scope;
          scope.spawn('t', async (tc) => {
            await env.tasks.done(tc);
            taskCtxErr = tc.err()?.reason;
          });
          await env.tasks.yield(c);
          throw new Error('body failed');
        }),
      )
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('body failed');
    expect(taskCtxErr).toBe('scope svc failed');
    expect(() => saved!.spawn('late', async () => undefined)).toThrow(/spawn\(late\) after the scope ended/);
  });

  test('cancelling the parent ctx reaches tasks of nested scopes', async () => {
    const w = world();
    const env = w.env;
    const reasons: string[] = [];
    await w.host.main('m', async (ctx) => {
      const { ctx: c, cancel } = env.tasks.withCancel(ctx);
      await env.tasks.run(c, 'outer', async (_oc, scope) => {
        scope.spawn('inner-owner', (ic) =>
          env.tasks.run(ic, 'inner', async (_c2, s2) => {
            s2.spawn('deep', async (dc) => void reasons.push((await env.tasks.done(dc)).reason));
          }),
        );
        scope.spawn('canceller', async (cc) => {
          await env.clock.sleep(cc, 5);
          cancel('stop all');
        });
      });
    });
    expect(reasons).toEqual(['stop all']);
  });

  test('task ids follow spawn order and names are <scope>/<name>', async () => {
    const w = world();
    const env = w.env;
    const seen: string[] = [];
    const record = async (c: Ctx): Promise<void> => {
      seen.push(`${c.taskId}:${c.taskName}`);
    };
    await w.host.main('main', (ctx) =>
      env.tasks.run(ctx, 'outer', async (_c, scope) => {
        scope.spawn('x', record);
        scope.spawn('y', async (c) => {
          await record(c);
          await env.tasks.run(c, 'inner', async (_ic, s2) => s2.spawn('z', record));
        });
      }),
    );
    expect(seen.sort()).toEqual(['2:outer/x', '3:outer/y', '4:inner/z']);
  });
});

describe('AtomicSend', () => {
  test('true at the call resolves; otherwise it waits for a store that makes it true, judged on the latest value', async () => {
    const w = world();
    const cell = w.env.newAtomicSend('latest', 0);
    const now = w.spawn('now', (c) => cell.wait(c, (v) => v >= 0));
    const later = w.spawn('later', (c) => cell.wait(c, (v) => v >= 5));
    await w.runUntilBlocked();
    expect(now.outcome()).toEqual({ ok: true, value: 0 });
    expect(later.outcome()).toBeUndefined();
    cell.store(5);
    cell.store(1); // 5 held only briefly: the waiter must not wake on a value that is gone
    expect(w.enabledOps()).toEqual([]);
    cell.store(7);
    expect(w.enabledOps().map((o) => `${o.taskName}:${o.op}`)).toEqual(['later:atomic.wait']);
    await w.runUntilBlocked();
    expect(later.outcome()).toEqual({ ok: true, value: 7 });
  });

  test('cancellation rejects a waiter whose predicate does not hold', async () => {
    const w = world();
    const cell = w.env.newAtomicSend('latest', 0);
    const h = w.spawn('waiter', (c) => cell.wait(c, (v) => v > 0));
    await w.runUntilBlocked();
    h.cancel('bye');
    await w.runUntilBlocked();
    const o = h.outcome();
    expect(o?.ok === false && (o.error as CancelledError).reason).toBe('bye');
  });
});

describe('clock and done', () => {
  test('sleep: the clock jumps to the earliest deadline only when nothing else can run', async () => {
    const w = world();
    const env = w.env;
    const log: string[] = [];
    await w.host.main('m', (ctx) =>
      env.tasks.run(ctx, 's', async (_c, scope) => {
        scope.spawn('sleeper', async (c) => {
          await env.clock.sleep(c, 50);
          log.push(`woke@${env.clock.nowMs()}`);
        });
        scope.spawn('busy', async (c) => {
          for (let i = 0; i < 100; i++) await env.tasks.yield(c);
          log.push(`busy done@${env.clock.nowMs()}`);
        });
      }),
    );
    expect(log).toEqual(['busy done@0', 'woke@50']);
  });

  test('done(ctx) parks until cancellation and resolves with the CancelledError', async () => {
    const w = world();
    const h = w.spawn('d', async (c) => (await w.env.tasks.done(c)).reason);
    await w.runUntilBlocked();
    expect(h.outcome()).toBeUndefined();
    h.cancel('now');
    await w.runUntilBlocked();
    expect(h.outcome()).toEqual({ ok: true, value: 'now' });
  });
});
