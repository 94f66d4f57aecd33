/**
 * A bug that needs one precise preemption: `writer` runs 50 lock sections and
 * leaves the state inconsistent only between its 25th and 26th; `reader` must
 * run all 3 of its sections inside that window. Used to compare strategies.
 */
import { createWorld } from '../../../sim/world.js';
import type { StrategyOptions } from '../../../sim/world.js';
import { MapFs } from './map-fs.js';

export const WRITER_STEPS = 50;
const WINDOW_AFTER_STEP = 24;
const READER_STEPS = 3;

/** True when the run hit the bug. */
export async function rareBugHit(seed: string, strategy: StrategyOptions): Promise<boolean> {
  const world = createWorld({ seed, fs: new MapFs(), budgetSteps: 1_000, strategy });
  const env = world.env;
  const inner = env.newWatch('inner', { inconsistent: false });
  let inconsistentReads = 0;
  await world.host.main('main', (ctx) =>
    env.tasks.run(ctx, 'node', async (_c, scope) => {
      scope.spawn('writer', async (c) => {
        for (let i = 0; i < WRITER_STEPS; i++) {
          await inner.section(c, (v) => {
            v.inconsistent = i === WINDOW_AFTER_STEP;
          });
        }
      });
      scope.spawn('reader', async (c) => {
        for (let i = 0; i < READER_STEPS; i++) {
          if (await inner.section(c, (v) => v.inconsistent)) inconsistentReads++;
        }
      });
    }),
  );
  return inconsistentReads === READER_STEPS;
}

export async function hitCount(seeds: number, strategy: StrategyOptions): Promise<number> {
  let hits = 0;
  for (let s = 0; s < seeds; s++) if (await rareBugHit(`rare-${s}`, strategy)) hits++;
  return hits;
}
