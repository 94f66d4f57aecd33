/**
 * Iteration orders the reference leaves to Go's randomised map iteration
 * (spec §0.2). They come from `env.random`, so the simulator's seed decides
 * them and a replay reproduces them. Lists of length ≤ 1 draw nothing.
 */
import type { Env } from '../env.js';

export function unspecifiedOrder<T>(env: Env, items: readonly T[]): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = env.random.int(i + 1);
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
  return a;
}
