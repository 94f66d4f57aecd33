/**
 * The real npm packages, unmodified, explored on every personality
 * (examples/file-replace.mjs): what each guarantees after a power loss is pinned
 * here, so a new version that changes its durability fails this test. Each
 * failure's replay handle re-checks the same state.
 */
import 'crashsim/vitest';
import { describe, expect, it } from 'vitest';
import { exploreCrashes, PERSONALITIES } from 'crashsim';
import { exploreReplace, OUTCOMES, replaceOptions } from '../../examples/file-replace.mjs';
import { libraries as steno } from '../../examples/steno.mjs';
import { libraries as writeFileAtomic } from '../../examples/write-file-atomic.mjs';

type Outcome = keyof typeof OUTCOMES;

/** Per library and personality: which bad outcomes a power loss can produce. */
const EXPECTED: Record<string, Record<string, Outcome[]>> = {
  // fsync before rename: never empty or torn; no directory fsync: a completed write can vanish everywhere
  'write-file-atomic': { ext4: ['vanished'], 'ext4-weak': ['vanished'], 'strict-posix': ['vanished'], ordered: ['vanished'] },
  'write-file-atomic.sync': { ext4: ['vanished'], 'ext4-weak': ['vanished'], 'strict-posix': ['vanished'], ordered: ['vanished'] },
  // no fsync at all: a completed write can vanish everywhere; where a rename can reach the disk before the
  // renamed file's data, the file can be empty — not on real ext4, whose auto_da_alloc flushes that data first
  steno: { ext4: ['vanished'], 'ext4-weak': ['vanished', 'empty'], 'strict-posix': ['vanished', 'empty'], ordered: ['vanished'] },
};

const libraries: Record<string, (path: string, text: string) => Promise<unknown>> = { ...writeFileAtomic, ...steno };

describe('real packages on the crash-faithful disk', () => {
  it('covers every personality', () => {
    for (const lib of Object.keys(EXPECTED)) expect(Object.keys(EXPECTED[lib]!).sort(), lib).toEqual([...PERSONALITIES].sort());
  });

  for (const [lib, write] of Object.entries(libraries)) {
    for (const personality of PERSONALITIES) {
      it(`${lib} on ${personality}`, async () => {
        const { result } = await exploreReplace({ name: `${lib}-${personality}`, personality, write });
        expect(result.incomplete).toBeUndefined();
        expect(result.counts.sampledPoints).toBe(0);
        const seen = (Object.keys(OUTCOMES) as Outcome[]).filter((k) => result.outcomes[OUTCOMES[k]] !== undefined);
        expect(seen).toEqual(EXPECTED[lib]![personality]);
        expect(Object.keys(result.outcomes).filter((k) => k !== 'ok' && !Object.values(OUTCOMES).includes(k))).toEqual([]);
        for (const key of seen) {
          const f = result.failures.find((x) => x.message === OUTCOMES[key])!;
          const again = await exploreCrashes({ ...replaceOptions({ name: `${lib}-${personality}`, personality, write }), replay: f.handle });
          expect(again.failures[0]?.message, f.handle).toBe(OUTCOMES[key]);
        }
      });
    }
  }
});
