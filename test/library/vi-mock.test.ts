/**
 * The vi.mock form of module routing (docs/library.md): for modules vitest
 * transforms itself, `vi.mock` with crashsim's routed modules as factories puts
 * them on the simulated disk during explorations.
 */
import { expect, it, vi } from 'vitest';
import * as fsp from 'node:fs/promises';
import { exploreCrashes, routedModule } from 'crashsim';
import { KvStore } from '../../examples/kv-store.mjs';

vi.mock('node:fs/promises', async () => (await import('crashsim/vitest')).mockFsModule('fs/promises'));

it('node:fs/promises is the routed module, and the store explores through it', async () => {
  expect((fsp as unknown as { default: unknown }).default).toBe(routedModule('fs/promises'));
  const r = await exploreCrashes({
    name: 'mocked',
    personality: 'ext4',
    setup: (fs) => fs.mkdirSync('/db'),
    workload: async () => {
      const db = await KvStore.open('/db', { safe: true });
      await db.set('k', 1);
      await db.close();
    },
    recover: async () => (await KvStore.open('/db')).entries(),
    check: (data, { completed }) => {
      if (completed && data.k !== 1) throw new Error('lost k');
    },
  });
  expect(r.counts.crashPoints).toBeGreaterThan(5);
  expect(r.ok).toBe(true);
});
