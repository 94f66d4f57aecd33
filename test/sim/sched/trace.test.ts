import { describe, expect, test } from 'vitest';
import { O_APPEND, O_CREAT, O_EXCL, O_RDWR, O_WRONLY } from '../../../src/env.js';
import { Fnv1a64, openFlagsText, renderEvent, Trace } from '../../../sim/trace.js';
import { createWorld } from '../../../sim/world.js';
import { MapFs } from './map-fs.js';
import { runWorkload } from './workload.js';

function fnvOfAscii(s: string): string {
  const h = new Fnv1a64();
  for (let i = 0; i < s.length; i++) h.byte(s.charCodeAt(i));
  return h.hex();
}

describe('trace hash', () => {
  test('FNV-1a 64 matches the published test vectors', () => {
    expect(fnvOfAscii('')).toBe('cbf29ce484222325');
    expect(fnvOfAscii('a')).toBe('af63dc4c8601ec8c');
    expect(fnvOfAscii('foobar')).toBe('85944171f73967e8');
  });

  test('the hash does not depend on source capture or on how many events are kept', async () => {
    const plain = await runWorkload('tr-1');
    const sourced = await runWorkload('tr-1', { kind: 'random' }, true);
    expect(sourced.hash).toBe(plain.hash);
    const w = createWorld({ seed: 'tr-1', fs: new MapFs(), budgetSteps: 50_000, traceKeepLastEvents: 0 });
    const { mixedWorkload } = await import('./workload.js');
    await w.host.main('main', (ctx) => mixedWorkload(w.env, ctx));
    expect(w.trace.hash()).toBe(plain.hash);
    expect(w.trace.events()).toEqual([]);
    expect(w.trace.eventCount).toBe(plain.world.trace.eventCount);
  });

  test('the hash covers arguments and results: one changed byte count changes it', async () => {
    const hashFor = async (len: number): Promise<string> => {
      const w = createWorld({ seed: 'same', fs: new MapFs(), budgetSteps: 100 });
      await w.host.main('m', async (ctx) => {
        const fd = await w.env.fs.open(ctx, '/f', O_WRONLY | O_CREAT, 0o600);
        await w.env.fs.write(ctx, fd, new Uint8Array(len));
      });
      return w.trace.hash();
    };
    expect(await hashFor(3)).toBe(await hashFor(3));
    expect(await hashFor(3)).not.toBe(await hashFor(4));
  });
});

describe('trace text', () => {
  test('one line per event: step, time, task, primitive with flag names, result, choices, source', async () => {
    const w = createWorld({ seed: 'txt', fs: new MapFs(), budgetSteps: 100, traceSources: true });
    await w.host.main('node', async (ctx) => {
      await w.env.fs.mkdir(ctx, '/d', 0o700);
      const fd = await w.env.fs.open(ctx, '/d/x', O_RDWR | O_CREAT | O_EXCL, 0o600);
      await w.env.fs.write(ctx, fd, new Uint8Array(10));
      await w.env.fs.rename(ctx, '/d/x', '/d/y');
      await w.env.fs.open(ctx, '/d/x', O_WRONLY).catch(() => undefined);
      await w.env.clock.sleep(ctx, 120);
      w.env.log.log(ctx, 'warn', 'hello', { n: 1n, ok: true });
    });
    const lines = w.trace.lines();
    expect(lines[0]).toMatch(/^#0 t=0ms node: start -> ok at test\/sim\/sched\/trace\.test\.ts:\d+:\d+$/);
    expect(lines).toContain(`#2 t=0ms node: fs.open /d/x O_RDWR|O_CREAT|O_EXCL 0600 -> 3 at ${lines[2]?.split(' at ')[1]}`);
    expect(lines.slice(1).every((l) => / at test\/sim\/sched\/trace\.test\.ts:\d+:\d+$/.test(l) || !l.startsWith('#'))).toBe(true);
    const bare = lines.map((l) => l.replace(/ at \S+$/, ''));
    expect(bare).toEqual([
      '#0 t=0ms node: start -> ok',
      '#1 t=0ms node: fs.mkdir /d 0700 -> ok',
      '#2 t=0ms node: fs.open /d/x O_RDWR|O_CREAT|O_EXCL 0600 -> 3',
      '#3 t=0ms node: fs.write fd 3 10B -> 10',
      '#4 t=0ms node: fs.rename /d/x -> /d/y -> ok',
      '#5 t=0ms node: fs.open /d/x O_WRONLY -> ENOENT',
      ' 6 t=120ms world: clock advance to 120ms -> ok',
      '#6 t=120ms node: sleep until 120ms -> ok',
      ' 6 t=120ms node: log warn "hello" n=1 ok=true -> ok',
      ' 6 t=120ms node: end -> ok',
    ]);
    expect(w.logs()).toEqual([{ atMs: 120, level: 'warn', task: 'node', msg: 'hello', fields: { n: 1n, ok: true } }]);
  });

  test('flag names, unknown bits and the ring bound', () => {
    expect(openFlagsText(O_WRONLY | O_CREAT | O_APPEND)).toBe('O_WRONLY|O_CREAT|O_APPEND');
    expect(openFlagsText(0)).toBe('O_RDONLY');
    expect(openFlagsText(O_RDWR | 0o4000000)).toBe('O_RDWR|0o4000000');
    const t = new Trace({ keepLastEvents: 3 });
    for (let i = 0; i < 5; i++) t.record({ step: i, timeMs: 0, taskId: 1, taskName: 't', op: 'yield', args: [], choices: 1, result: 'ok', source: undefined });
    expect(t.events().map((e) => e.step)).toEqual([2, 3, 4]);
    expect(t.droppedEvents).toBe(2);
    expect(t.lines(1)).toEqual(['#4 t=0ms t: yield -> ok']);
    expect(renderEvent({ step: 9, timeMs: 1.5, taskId: 0, taskName: 'world', op: 'x', args: ['a', 2], choices: 0, result: undefined, source: undefined })).toBe(' 9 t=1.5ms world: x a 2');
    expect(() => new Trace({ keepLastEvents: -1 })).toThrow(RangeError);
  });
});

describe('throughput (measured, not asserted)', () => {
  test('steps per second of a simple 4-task workload', async () => {
    const w = createWorld({ seed: 'speed', fs: new MapFs(), budgetSteps: 1_000_000 });
    const env = w.env;
    const watch = env.newWatch('w', { n: 0 });
    const t0 = performance.now();
    await w.host.main('main', (ctx) =>
      env.tasks.run(ctx, 's', async (_c, scope) => {
        for (let t = 0; t < 4; t++) {
          scope.spawn(`t${t}`, async (c) => {
            for (let i = 0; i < 10_000; i++) {
              if (i % 2 === 0) await env.tasks.yield(c);
              else await watch.section(c, (v, ctl) => (v.n++, ctl.updated()));
            }
          });
        }
      }),
    );
    const ms = performance.now() - t0;
    expect(w.step).toBe(40_006);
    console.log(`scheduler throughput: ${w.step} steps in ${ms.toFixed(0)} ms = ${Math.round((w.step / ms) * 1000)} steps/s`);
  });
});
