/**
 * The public exploration API (lib/explore.ts): exact counts on a workload small
 * enough to count by hand, the failure report (crash point, source line, lost
 * and kept operations, explanation, replay handle), determinism, replay,
 * limits, progress and every misuse a user can make, each a clear error.
 */
import { describe, expect, it } from 'vitest';
import { assertCrashSafe, CrashSafetyError, exploreCrashes, ExploreError } from 'crashsim';
import type { ExploreOptions, ExploreProgress, NodeFsFacade } from 'crashsim';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString());

/** The classic atomic replace with the file fsynced but not its directory: a completed replace can vanish. */
function atomicReplace(syncDir: boolean): ExploreOptions {
  return {
    name: syncDir ? 'replace-synced' : 'replace',
    setup: (fs) => {
      fs.mkdirSync('/d');
      fs.writeFileSync('/d/current', 'v1');
    },
    workload: async (fs: NodeFsFacade, { ack }) => {
      const h = await fs.promises.open('/d/current.tmp', 'w');
      await h.writeFile('v2');
      await h.sync();
      await h.close();
      await fs.promises.rename('/d/current.tmp', '/d/current');
      if (syncDir) {
        const d = await fs.promises.open('/d', 'r');
        await d.sync();
        await d.close();
      }
      ack('v2');
    },
    check: (image, { acknowledged }) => {
      const now = text(image.files.get('/d/current'));
      const allowed = acknowledged.length === 0 ? ['v1', 'v2'] : ['v2'];
      if (now === undefined || !allowed.includes(now)) throw new Error(`current holds ${JSON.stringify(now)}, acknowledged ${JSON.stringify(acknowledged)}`);
    },
  };
}

describe('exploreCrashes', () => {
  it('counts crash points, images and states exactly, and reports the vanished replace', async () => {
    const r = await exploreCrashes(atomicReplace(false));
    // primitives: open(create), write, fsync, close, rename = 5 points, +1 after the workload returned
    expect(r.counts.crashPoints).toBe(6);
    // Candidates per point on strict-posix = (k+1) prefixes + 2^k subsets of the k pending ops, by hand:
    //  p1 {} → 1+1; p2 {create} → 2+2; p3 {create, write} → 3+4; p4, p5 {create} (the write is fsynced) → 2+2 each;
    //  p6 {create, rename} → 3+4. Total 2+4+7+4+4+7 = 28.
    expect(r.counts.candidates).toBe(28);
    // distinct disks: A = v1 alone; B = v1 + empty tmp; C = v1 + tmp "v2"; D = current "v2" (a rename without its create is dropped)
    expect(r.counts.distinctImages).toBe(4);
    // states: A, B, C before the acknowledgement; A, C, D after it (p6) — A and C then fail
    expect(r.counts.statesChecked).toBe(6);
    expect(r.ok).toBe(false);
    expect(r.counts.failed).toBe(2);
    expect(r.outcomes).toEqual({ ok: 4, 'current holds "v1", acknowledged ["v2"]': 2 });
    expect(r.mechanisms).toEqual({
      'create /d/current.tmp lost though an acknowledgement followed it': 1,
      'rename /d/current.tmp -> /d/current lost though an acknowledgement followed it': 1,
    });
    expect(r.failures.map((f) => f.handle)).toEqual(['replace@6:k', 'replace@6:k4']);
    const f = r.failures[0]!;
    expect(f.point.before).toBe('after the workload returned');
    expect(f.point.completed).toBe(true);
    expect(f.handle).toBe('replace@6:k');
    expect(f.kind).toBe('prefix');
    expect(f.lost).toEqual([
      expect.stringMatching(/^#4 create \/d\/current\.tmp {3}← test\/library\/explore\.test\.ts:\d+:\d+$/),
      expect.stringMatching(/^#6 rename \/d\/current\.tmp -> \/d\/current {3}← test\/library\/explore\.test\.ts:\d+:\d+$/),
    ]);
    expect(f.kept).toEqual([]);
    expect(f.explanation).toBe('The workload acknowledged "v2" after issuing #4 create /d/current.tmp, but that operation had not reached the disk: nothing made it durable first; an fsync of /d before the acknowledgement would have.');
    expect(f.mechanism).toBe('create /d/current.tmp lost though an acknowledgement followed it');
    expect(f.replay).toMatch(/^CRASHSIM_REPLAY='replace@6:k' npx vitest run test\/library\/explore\.test\.ts$/);
    expect([...f.image.files.keys()]).toEqual(['/d/current']);
    const report = r.report();
    expect(report).toContain('crashsim: 2 of 6 crash states fail — "replace" on strict-posix (6 crash points, 28 candidate images, 4 distinct; every allowed image enumerated)');
    expect(report).toContain('   crash point 6 of 6: after the workload returned');
    expect(report).toContain("   replay: CRASHSIM_REPLAY='replace@6:k'");
    expect(report).toContain('     /d/current  2 B  "v1"');
  });

  it('passes once the directory is fsynced', async () => {
    const r = await assertCrashSafe(atomicReplace(true));
    expect(r.ok).toBe(true);
    expect(r.counts.crashPoints).toBe(9);
  });

  it('names each crash point by its primitive, the Node call and the source line', async () => {
    const r = await exploreCrashes({
      name: 'sites',
      workload: async (fs) => {
        fs.writeFileSync('/a', '1');
        await fs.promises.rename('/a', '/b');
        await new Promise<void>((done) => fs.mkdir('/c', () => done()));
      },
      check: () => undefined,
    });
    const points = r.points().map((p) => `${p.index} ${p.before} @ ${p.site}`);
    const line = 'test/library/explore.test.ts:\\d+:\\d+';
    const want = [
      `0 before open /a \\(fs.writeFileSync\\) @ ${line}`,
      `1 before write /a \\(fs.writeFileSync\\) @ ${line}`,
      `2 before close /a \\(fs.writeFileSync\\) @ ${line}`,
      `3 before rename /a -> /b \\(fs.promises.rename\\) @ ${line}`,
      `4 before mkdir /c \\(fs.mkdir\\) @ ${line}`,
      '5 after the workload returned @ undefined',
    ];
    expect(points).toHaveLength(6);
    expect(r.points().map((p) => p.completed)).toEqual([false, false, false, false, false, true]);
    points.forEach((p, i) => expect(p).toMatch(new RegExp(`^${want[i]}$`)));
  });

  it('assertCrashSafe throws a readable CrashSafetyError with the replay command', async () => {
    const e = await assertCrashSafe(atomicReplace(false)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CrashSafetyError);
    const msg = (e as Error).message;
    expect(msg.split('\n')[0]).toBe('crashsim: 2 of 6 crash states fail — "replace" on strict-posix (6 crash points, 28 candidate images, 4 distinct; every allowed image enumerated)');
    expect(msg).toContain('failing states by mechanism:');
    expect(msg).toContain('why:  The workload acknowledged "v2"');
    expect(msg).toContain("replay: CRASHSIM_REPLAY='replace@6:k' npx vitest run test/library/explore.test.ts");
  });

  it('replays one state by its handle, and refuses handles that do not fit', async () => {
    const full = await exploreCrashes(atomicReplace(false));
    const replayed = await exploreCrashes({ ...atomicReplace(false), replay: full.failures[0]!.handle });
    expect(replayed.replayed).toBe('replace@6:k');
    expect(replayed.counts.statesChecked).toBe(1);
    expect(replayed.failures[0]!.message).toBe(full.failures[0]!.message);
    expect(replayed.summary()).toBe('crashsim: 1 of 1 crash states fail — "replace" on strict-posix (replayed replace@6:k)');
    const other = await exploreCrashes({ ...atomicReplace(false), replay: 'elsewhere@1:k' });
    expect(other.skipped).toBe('the replay handle names "elsewhere"');
    expect(other.ok).toBe(true);
    await expect(exploreCrashes({ ...atomicReplace(false), replay: 'replace@6:k9' })).rejects.toThrow(/crash point 6 of "replace" has no such image/);
    await expect(exploreCrashes({ ...atomicReplace(false), replay: 'replace@60:k' })).rejects.toThrow(/the workload now has only 6 crash points/);
    await expect(exploreCrashes({ ...atomicReplace(false), replay: 'replace#6' })).rejects.toThrow(/replay handle "replace#6" is malformed/);
  });

  it('reads CRASHSIM_REPLAY from the environment', async () => {
    process.env.CRASHSIM_REPLAY = 'replace@6:k';
    try {
      const r = await exploreCrashes(atomicReplace(false));
      expect(r.replayed).toBe('replace@6:k');
    } finally {
      delete process.env.CRASHSIM_REPLAY;
    }
  });

  it('is deterministic per seed when sampling, and the seed matters', async () => {
    const sampled = (seed: string): ExploreOptions => ({
      name: 'many',
      seed,
      limits: { exhaustiveOpsMax: 3, samplesPerPoint: 5 },
      workload: async (fs) => {
        for (let i = 0; i < 6; i++) await fs.promises.writeFile(`/f${i}`, `x${i}`);
      },
      check: (image) => {
        if (image.files.size > 3) throw new Error(`${image.files.size} files`);
      },
    });
    const a = await exploreCrashes(sampled('one'));
    const b = await exploreCrashes(sampled('one'));
    const c = await exploreCrashes(sampled('two'));
    expect(a.counts.sampledPoints).toBeGreaterThan(0);
    expect(a.report(5)).toBe(b.report(5));
    expect(JSON.stringify(a.counts)).not.toBe(JSON.stringify(c.counts));
  });

  it('torn: true tears small writes too, with exact torn candidates', async () => {
    const r = await exploreCrashes({
      name: 'torn',
      torn: true,
      workload: async (fs) => fs.promises.writeFile('/f', 'abcdef'),
      check: (image) => {
        const s = text(image.files.get('/f'));
        if (s !== undefined && s !== '' && s !== 'abcdef') throw new Error(`partial ${JSON.stringify(s)}`);
      },
    });
    expect(r.ok).toBe(false);
    expect(Object.keys(r.outcomes).some((k) => k.startsWith('partial'))).toBe(true);
    expect(r.failures.some((f) => f.torn !== undefined && f.explanation.startsWith('The crash tore write #2 to /f'))).toBe(true);
  });

  it('explores calls a workload left running (callbacks), and reports progress per point', async () => {
    const progress: ExploreProgress[] = [];
    const r = await exploreCrashes({
      name: 'callbacks',
      workload: (fs) => {
        fs.writeFile('/a', 'x', () => fs.writeFile('/b', 'y', () => undefined));
      },
      check: () => undefined,
      onProgress: (p) => progress.push(p),
    });
    expect(r.counts.crashPoints).toBe(7); // open, write, close twice, + the end
    expect(progress.map((p) => p.pointsDone)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(progress.at(-1)).toEqual({ name: 'callbacks', pointsDone: 7, points: 7, statesChecked: r.counts.statesChecked, failures: 0 });
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => lines.push(chunk) > 0) as unknown as typeof process.stderr.write;
    try {
      await exploreCrashes({ name: 'noisy', progress: true, workload: (fs) => fs.writeFileSync('/a', 'x'), check: () => undefined });
    } finally {
      process.stderr.write = write;
    }
    expect(lines).toEqual([
      'crashsim: noisy: crash point 1/4, 1 states checked, 0 failing\n',
      'crashsim: noisy: crash point 2/4, 2 states checked, 0 failing\n',
      'crashsim: noisy: crash point 3/4, 3 states checked, 0 failing\n',
      'crashsim: noisy: crash point 4/4, 3 states checked, 0 failing\n',
    ]);
  });

  it('check returning false fails; recovery errors and loops are failures with their own message', async () => {
    const base: ExploreOptions<string> = {
      name: 'verdicts',
      workload: (fs) => fs.writeFileSync('/f', 'x'),
      recover: (fs) => (fs.existsSync('/f') ? 'there' : 'gone'),
      check: (s) => s === 'there',
    };
    const r = await exploreCrashes(base);
    expect(r.outcomes['check returned false']).toBeGreaterThan(0);
    const threw = await exploreCrashes({ ...base, recover: () => { throw new Error('corrupt'); } });
    expect(Object.keys(threw.outcomes)).toEqual(['recovery threw: corrupt']);
    const loops = await exploreCrashes({ ...base, limits: { recoverCallsMax: 50 }, recover: async (fs) => { for (;;) await fs.promises.stat('/'); } });
    expect(Object.keys(loops.outcomes)).toEqual(['recovery threw: recovery issued more than 50 file-system primitives (limits.recoverCallsMax): a retry loop?']);
  });

  it('stops at limits.statesMax with exact counts, and refuses runaway workloads', async () => {
    const r = await exploreCrashes({ ...atomicReplace(false), limits: { statesMax: 3 } });
    expect(r.counts.statesChecked).toBe(3);
    expect(r.incomplete).toMatch(/^stopped after limits\.statesMax = 3 states, at crash point \d of 6$/);
    expect(r.summary()).toContain('INCOMPLETE');
    await expect(exploreCrashes({ ...atomicReplace(false), limits: { callsMax: 3 } })).rejects.toThrow('replace: the workload issued more than 3 file-system primitives (limits.callsMax)');
    await expect(exploreCrashes({
      name: 'swallow', limits: { callsMax: 2 }, check: () => undefined,
      workload: async (fs) => { for (let i = 0; i < 5; i++) await fs.promises.stat('/').catch(() => undefined); },
    })).rejects.toThrow('swallow: the workload issued more than 2 file-system primitives (limits.callsMax)');
  });

  it('refuses bad options and explorations that cannot run, each with a clear ExploreError', async () => {
    const ok = atomicReplace(false);
    const cases: [unknown, RegExp][] = [
      [{ ...ok, workload: undefined }, /options\.workload must be a function/],
      [{ ...ok, check: 'yes' }, /options\.check must be a function/],
      [{ ...ok, personality: 'ext5' }, /unknown personality "ext5" \(one of /],
      [{ ...ok, name: 'a b' }, /options\.name must not contain/],
      [{ ...ok, seed: '' }, /options\.seed must be a non-empty string/],
      [{ ...ok, cwd: 'rel' }, /options\.cwd must be absolute/],
      [{ ...ok, limits: { exhaustiveOpsMax: 30 } }, /limits\.exhaustiveOpsMax must be an integer in \[0, 24\], got 30/],
      [{ ...ok, torn: 'yes' }, /options\.torn must be a boolean or torn-write options/],
      [{ ...ok, setup: () => { throw new Error('no space'); } }, /replace: setup threw: no space/],
      [{ ...ok, workload: () => { throw new Error('bug'); } }, /replace: the workload threw \(no crash was simulated yet\): bug/],
      [{ ...ok, workload: () => undefined }, /replace: the workload made no file-system call on the simulated disk; /],
    ];
    for (const [opts, msg] of cases) {
      const e = await exploreCrashes(opts as ExploreOptions).catch((x: unknown) => x);
      expect(e, String(msg)).toBeInstanceOf(ExploreError);
      expect((e as Error).message).toMatch(msg);
    }
  });
});
