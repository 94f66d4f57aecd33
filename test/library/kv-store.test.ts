/**
 * The vitest form docs/library.md shows: `import 'crashsim/vitest'` first, then
 * assertCrashSafe on the quickstart's store — the safe store passes, the unsafe
 * one fails with a CrashSafetyError naming a mechanism and a replay command.
 */
import 'crashsim/vitest';
import { assertCrashSafe, CrashSafetyError } from 'crashsim';
import type { ExploreOptions } from 'crashsim';
import { expect, it } from 'vitest';
import { KvStore } from '../../examples/kv-store.mjs';

function kv(safe: boolean): ExploreOptions<Record<string, unknown>> {
  return {
    name: safe ? 'kv-safe' : 'kv',
    setup: (fs) => fs.mkdirSync('/db'),
    workload: async (_fs, { ack }) => {
      const db = await KvStore.open('/db', { safe });
      for (const [key, value] of [['a', 1], ['b', 2], ['c', 3]] as const) {
        if (key === 'c') await db.compact();
        await db.set(key, value);
        ack([key, value]);
      }
      await db.close();
    },
    recover: async () => (await KvStore.open('/db')).entries(),
    check: (data, { acknowledged }) => {
      for (const [key, value] of acknowledged as [string, number][]) if (data[key] !== value) throw new Error(`acknowledged ${key}=${value} lost`);
    },
  };
}

it('the store keeps every acknowledged key through a power loss (with its fsyncs)', async () => {
  const r = await assertCrashSafe(kv(true));
  expect(r.counts.statesChecked).toBeGreaterThan(5);
});

it('without them, assertCrashSafe fails readably', async () => {
  const e = await assertCrashSafe(kv(false)).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(CrashSafetyError);
  const msg = (e as Error).message;
  expect(msg).toMatch(/^crashsim: \d+ of \d+ crash states fail — "kv" on strict-posix/);
  expect(msg).toContain('create /db/wal.log lost');
  expect(msg).toContain('write /db/snapshot.json.tmp lost, later operations kept');
  expect(msg).toMatch(/replay: CRASHSIM_REPLAY='kv@\d+:k[\d.]*' npx vitest run test\/library\/kv-store\.test\.ts/);
});
