// node --import crashsim/register examples/quickstart.mjs   (from the repository root)
import { exploreCrashes } from 'crashsim';
import { KvStore } from './kv-store.mjs';

for (const safe of [false, true]) {
  const result = await exploreCrashes({
    name: safe ? 'kv-safe' : 'kv',
    setup: (fs) => fs.mkdirSync('/db'),
    workload: async (_fs, { ack }) => {
      const db = await KvStore.open('/db', { safe });
      for (const [key, value] of [['a', 1], ['b', 2], ['c', 3]]) {
        if (key === 'c') await db.compact();
        await db.set(key, value);
        ack([key, value]);
      }
      await db.close();
    },
    recover: async () => (await KvStore.open('/db')).entries(),
    check: (data, { acknowledged }) => {
      for (const [key, value] of acknowledged) if (data[key] !== value) throw new Error(`acknowledged ${key}=${value} lost`);
    },
  });
  console.log(`${result.report(1)}\n`);
}
