/**
 * crashsim inside vitest.
 *
 * Usually one line is enough — vitest loads test dependencies through Node's
 * module loader, which the routing hooks see:
 * ```ts
 * import 'crashsim/vitest';           // first import of the test file (or a setupFiles entry)
 * ```
 * For modules vitest transforms itself (your own sources) `vi.mock` works too,
 * with the routed modules as factories:
 * ```ts
 * vi.mock('node:fs', async () => (await import('crashsim/vitest')).mockFsModule('fs'));
 * vi.mock('node:fs/promises', async () => (await import('crashsim/vitest')).mockFsModule('fs/promises'));
 * ```
 */
import { installRouting, routedModule } from './routing.js';
import type { RoutedModuleId } from './routing.js';

installRouting();

/** A `vi.mock` factory result for a routed module: its functions as named exports plus the module as `default`. */
export function mockFsModule(id: RoutedModuleId): Record<string, unknown> {
  const m = routedModule(id) as Record<string, unknown>;
  const out: Record<string, unknown> = { default: m };
  for (const k of Object.keys(m)) out[k] = m[k];
  return out;
}

export { assertCrashSafe, exploreCrashes } from './explore.js';
