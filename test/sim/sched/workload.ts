/**
 * A workload that exercises every kind of scheduling point: lock sections with
 * WAIT, updated(), an AtomicSend with waiters, sleeps on the virtual clock,
 * cancellation (withCancel, done, a failing scope cancelling its siblings),
 * yields, fs primitives and the sut random stream. Used by the determinism
 * tests in-process and by `determinism-main.ts` in a fresh process.
 */
import { CancelledError, O_CREAT, O_RDONLY, O_WRONLY, WAIT } from '../../../src/env.js';
import type { Ctx, Env } from '../../../src/env.js';
import { createWorld } from '../../../sim/world.js';
import type { StrategyOptions, World } from '../../../sim/world.js';
import { MapFs } from './map-fs.js';

const PRODUCERS = 3;
const ITEMS_PER_PRODUCER = 4;
const TOTAL_ITEMS = PRODUCERS * ITEMS_PER_PRODUCER;
const QUEUE_CAPACITY = 2;

export async function mixedWorkload(env: Env, ctx: Ctx): Promise<string> {
  const inner = env.newWatch('inner', { produced: 0, consumed: 0, order: [] as string[] });
  const consumed = env.newAtomicSend('consumed', 0);
  await env.fs.mkdir(ctx, '/d', 0o700);
  let cancelledSleeps = 0;
  let failingScopeError = '';

  await env.tasks.run(ctx, 'node', async (sctx, scope) => {
    for (let p = 0; p < PRODUCERS; p++) {
      scope.spawn(`producer${p}`, async (c) => {
        for (let i = 0; i < ITEMS_PER_PRODUCER; i++) {
          await inner.section(c, (v, ctl) => {
            if (v.produced - v.consumed >= QUEUE_CAPACITY) return WAIT;
            v.produced++;
            v.order.push(`p${p}.${i}`);
            ctl.updated();
            return undefined;
          });
          const fd = await env.fs.open(c, `/d/p${p}-${i}`, O_WRONLY | O_CREAT, 0o600);
          await env.fs.write(c, fd, env.random.bytes(1 + env.random.int(8)));
          await env.fs.fsync(c, fd);
          await env.fs.close(c, fd);
          if (env.random.int(3) === 0) await env.clock.sleep(c, 1 + env.random.int(20));
        }
      });
    }
    scope.spawn('consumer', async (c) => {
      for (;;) {
        const n = await inner.section(c, (v, ctl) => {
          if (v.consumed >= v.produced) return WAIT;
          v.consumed++;
          consumed.store(v.consumed);
          ctl.updated();
          return v.consumed;
        });
        if (n === TOTAL_ITEMS) return;
        await env.tasks.yield(c);
      }
    });
    scope.spawn('watcher', async (c) => {
      const v = await consumed.wait(c, (x) => x >= TOTAL_ITEMS / 2);
      env.log.log(c, 'info', 'half consumed', { v, atMs: env.clock.nowMs() });
    });
    // A ticker on its own cancellable ctx, stopped by another task once everything is consumed.
    const tickerCancel = env.newAtomicSend<((reason: string) => void) | undefined>('tickerCancel', undefined);
    scope.spawn('ticker', async (c) => {
      const ticker = env.tasks.withCancel(c);
      tickerCancel.store(ticker.cancel);
      try {
        for (;;) await env.clock.sleep(ticker.ctx, 7);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        cancelledSleeps++;
      }
      const e = await env.tasks.done(ticker.ctx);
      env.log.log(c, 'debug', 'ticker done', { reason: e.reason });
    });
    scope.spawn('stopper', async (c) => {
      await consumed.wait(c, (x) => x === TOTAL_ITEMS);
      const cancel = await tickerCancel.wait(c, (f) => f !== undefined);
      cancel?.('all consumed');
    });
    // A nested scope whose first error cancels its sibling; run rejects with that error.
    scope.spawn('failing', async (c) => {
      try {
        await env.tasks.run(c, 'sub', async (_subCtx, sub) => {
          sub.spawn('boom', async (bc) => {
            await env.tasks.yield(bc);
            throw new Error('boom');
          });
          sub.spawn('victim', async (vc) => {
            await inner.section(vc, () => WAIT);
          });
        });
      } catch (e) {
        failingScopeError = e instanceof Error ? e.message : String(e);
      }
    });
  });

  // Read back one file and list the directory.
  const fd = await env.fs.open(ctx, '/d/p0-0', O_RDONLY);
  const data = await env.fs.read(ctx, fd, 64);
  await env.fs.close(ctx, fd);
  const dfd = await env.fs.open(ctx, '/d', O_RDONLY);
  const ents = await env.fs.getdents(ctx, dfd);
  await env.fs.close(ctx, dfd);
  const order = await inner.section(ctx, (v) => v.order.join(','));
  return `${order}|${data.length}|${ents.length}|${cancelledSleeps}|${failingScopeError}|t=${env.clock.nowMs()}`;
}

export interface WorkloadRun {
  readonly hash: string;
  readonly result: string;
  readonly decisions: number[];
  readonly steps: number;
  readonly world: World;
}

export async function runWorkload(seed: string, strategy: StrategyOptions = { kind: 'random' }, traceSources = false): Promise<WorkloadRun> {
  const world = createWorld({ seed, fs: new MapFs(), budgetSteps: 50_000, strategy, traceSources });
  const result = await world.host.main('main', (ctx) => mixedWorkload(world.env, ctx));
  return { hash: world.trace.hash(), result, decisions: world.decisions(), steps: world.step, world };
}
