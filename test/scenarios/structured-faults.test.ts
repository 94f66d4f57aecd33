/**
 * Structure-aware tears and seeded flips generate, by themselves, the crash
 * images that recovery must not trust (issue 10): a CommitQC file torn between
 * two signatures still parses, with fewer signatures than a quorum; a block
 * file whose payload took a bit flip still parses, with another payload. The
 * oracles that catch them are not here: this shows the images exist.
 */
import { describe, expect, it } from 'vitest';
import { decodeCommitQC, decodeSignedLaneProposal, encodeCommitQC, encodeSignedLaneProposal, payloadHash } from '../../src/codec/index.js';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../../src/env.js';
import { SeededRng } from '../../sim/random.js';
import { crashImages } from '../../sim/vfs/crash.js';
import { Vfs } from '../../sim/vfs/vfs.js';
import { DEFAULT_WORLD, planOf } from '../../scenarios/arbitraries.js';
import { COMMITTEE_SEED, executePlan, SIMULATION_SIGNATURE_SCHEME, tornOptions } from '../../scenarios/execute.js';
import { useSignatureScheme } from '../../src/crypto.js';
import type { Command } from '../../scenarios/plan.js';
import { ScriptedFaults, ScriptedFaultState } from '../../scenarios/faults.js';
import { fieldBoundaries } from '../../scenarios/field-cuts.js';
import { Network } from '../../scenarios/network.js';

// Fixtures are memoized per signature scheme: sign them the way every simulation does.
useSignatureScheme(SIMULATION_SIGNATURE_SCHEME);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A CommitQC of an `n`-node committee, as the node writes commitqcs/0.pb. */
function commitQCFile(n: number): { bytes: Uint8Array; quorum: number } {
  const net = new Network(COMMITTEE_SEED, n, 0);
  for (const lane of net.peerLanes) net.producePeerBlocks(lane, 1);
  const qc = net.formCommitQC();
  return { bytes: encodeCommitQC(qc), quorum: net.fx.committee.commitQuorum };
}

/** A VFS with `/d/commitqcs/0.pb` created and written, not yet fsynced: the crash point before its fsync. */
function pendingWrite(bytes: Uint8Array): Vfs {
  const v = Vfs.fromImage({ dirs: ['/', '/d', '/d/commitqcs'], files: new Map() }, { personality: 'ext4' });
  const fd = v.open('/d/commitqcs/0.pb', O_WRONLY | O_CREAT, 0o600);
  v.write(fd, bytes);
  return v;
}

describe('field-boundary cuts', () => {
  it('lists every field start of a CommitQC, nested ones included, and nothing for non-protobuf', () => {
    const { bytes } = commitQCFile(4);
    const cuts = fieldBoundaries(bytes);
    expect(cuts.length).toBeGreaterThan(8);
    expect(cuts.every((c) => c > 0 && c < bytes.length)).toBe(true);
    expect(fieldBoundaries(new Uint8Array([0xff, 0xff, 0xff]))).toEqual([]);
  });

  for (const [n, mode] of [[4, 'sector'], [7, 'byte'], [10, 'shorn']] as const) {
    it(`${n} nodes, torn mode ${mode}: a crash image holds a CommitQC that parses with fewer signatures than a quorum`, () => {
      const { bytes, quorum } = commitQCFile(n);
      if (n === 10) expect(bytes.length).toBeGreaterThan(512); // spans sectors: sector cuts alone would split it too
      const report = crashImages(pendingWrite(bytes), { prefixes: false, subsets: false, torn: tornOptions(mode, 8), rng: new SeededRng(`cuts-${n}`) });
      const underQuorum = (images: typeof report.images): number[] => images.flatMap((img) => {
        const b = img.files.get('/d/commitqcs/0.pb');
        const d = b === undefined ? undefined : decodeCommitQC(b);
        return d?.kind === 'value' && d.value.sigs.length < quorum ? [d.value.sigs.length] : [];
      });
      expect(underQuorum(report.images).length, `${n} nodes: no parseable torn image under quorum ${quorum}`).toBeGreaterThan(0);
      if (mode === 'sector') {
        // Sector cuts alone land between two signatures only by chance: here never.
        const plain = crashImages(pendingWrite(bytes), { prefixes: false, subsets: false, torn: { sectorBytes: 512, fills: ['old', 'zero'] } });
        expect(underQuorum(plain.images)).toEqual([]);
      }
    });
  }

  it('shorn tears cut inside sectors with the old bytes after the cut, never zeros', () => {
    const v = Vfs.fromImage({ dirs: ['/'], files: new Map([['/f', new Uint8Array(1100).fill(1)]]) }, { personality: 'ext4' });
    const fd = v.open('/f', O_WRONLY);
    v.write(fd, new Uint8Array(1100).fill(2));
    const r = crashImages(v, { prefixes: false, subsets: false, torn: { sectorBytes: 512, shorn: true, fills: ['old'] }, rng: new SeededRng('shorn') });
    const cuts = r.images.map((i) => i.torn?.cutAtBytes as number);
    // Sector cuts 512, 1024 plus one byte cut inside each of the three sectors the write spans.
    expect(cuts.filter((c) => c % 512 === 0)).toEqual([512, 1024]);
    expect(cuts.filter((c) => c % 512 !== 0).map((c) => Math.floor(c / 512))).toEqual([0, 1, 2]);
    for (const img of r.images) {
      const b = img.files.get('/f') as Uint8Array;
      const cut = img.torn?.cutAtBytes as number;
      expect(b.length).toBe(1100);
      expect(b.subarray(0, cut).every((x) => x === 2) && b.subarray(cut).every((x) => x === 1)).toBe(true);
    }
  });
});

describe('seeded read corruption', () => {
  /** A block file as the node writes it, read back through scripted faults armed for the first read. */
  function readFlipped(seed: string): { original: Uint8Array; read: Uint8Array; detail: string } {
    const net = new Network(COMMITTEE_SEED, 4, 0);
    const lane = net.peerLanes[0] as (typeof net.peerLanes)[number];
    net.producePeerBlocks(lane, 1);
    const original = encodeSignedLaneProposal(net.block(lane, 0n));
    const v = Vfs.fromImage({ dirs: ['/', '/d', '/d/blocks'], files: new Map([['/d/blocks/x_0.pb', original]]) }, { personality: 'ext4' });
    const events: string[] = [];
    const state = new ScriptedFaultState(new SeededRng(seed));
    const f = new ScriptedFaults(v, v, (e) => events.push(e.detail), state);
    f.arm('read-corruption', 0, 'blocks');
    const fd = f.open('/d/blocks/x_0.pb', O_RDONLY);
    const read = f.read(fd, 1 << 16);
    f.close(fd);
    return { original, read, detail: events[0] ?? '' };
  }

  it('byte and bit come from the seed; the same seed flips the same bit', () => {
    const details = new Set(Array.from({ length: 12 }, (_, i) => readFlipped(`s${i}`).detail));
    expect(details.size).toBeGreaterThan(6);
    expect(readFlipped('s3').detail).toBe(readFlipped('s3').detail);
  });

  it('some seeds flip a payload bit: the block still parses, restored with another payload (hash)', () => {
    let payloadFlips = 0;
    for (let i = 0; i < 60; i++) {
      const { original, read } = readFlipped(`p${i}`);
      const a = decodeSignedLaneProposal(original);
      const b = decodeSignedLaneProposal(read);
      if (a.kind !== 'value' || b.kind !== 'value') continue;
      if (hex(payloadHash(a.value.block.payload)) !== hex(payloadHash(b.value.block.payload))) payloadFlips++;
    }
    expect(payloadFlips).toBeGreaterThan(0);
  });

  it('an armed fault survives a process restart and a power loss; a flip is healed by a write over it', () => {
    const state = new ScriptedFaultState(new SeededRng('keep'));
    state.arm('read-corruption', 1); // the second read, wherever it happens
    const img = { dirs: ['/'], files: new Map([['/f', new Uint8Array(64).fill(7)]]) };
    const first = Vfs.fromImage(img, { personality: 'ext4' });
    const a = new ScriptedFaults(first, first, () => undefined, state);
    const fd = a.open('/f', O_RDONLY);
    a.read(fd, 64); // read #1: counted
    // power loss: a new VFS from the image, a new wrapper over the same state
    const second = Vfs.fromImage(img, { personality: 'ext4' });
    const b = new ScriptedFaults(second, second, () => undefined, state);
    const fd2 = b.open('/f', O_RDONLY);
    const got = b.read(fd2, 64); // read #2: fires
    expect(state.firedCount).toBe(1);
    const at = got.findIndex((x) => x !== 7);
    expect(at).toBeGreaterThanOrEqual(0);
    b.close(fd2);
    // sticky across the next power loss too, until a write over that byte
    const third = Vfs.fromImage(img, { personality: 'ext4' });
    const c = new ScriptedFaults(third, third, () => undefined, state);
    const w = c.open('/f', O_WRONLY);
    const r = c.open('/f', O_RDONLY);
    expect(c.read(r, 64)[at]).not.toBe(7);
    c.write(w, new Uint8Array(64).fill(7));
    expect([...third.pread(r, 64, 0)].every((x) => x === 7)).toBe(true);
    const r2 = c.open('/f', O_RDONLY);
    expect(c.read(r2, 64).every((x) => x === 7)).toBe(true);
  });
});

describe('scripted faults across incarnations (the executor)', () => {
  const plan = (commands: Command[]) =>
    planOf({ ...DEFAULT_WORLD, personality: 'ext4', scriptedFaults: true, liveness: false }, { seed: 'across', nodeIndex: 0, schedule: { kind: 'random' }, commands });
  const steady: Command[] = [{ c: 'peerBlocks', peer: 0, count: 3 }, { c: 'votes' }, { c: 'run', steps: 300 }];

  for (const [what, boundary] of [['a process restart', { c: 'restart' }], ['a power loss', { c: 'crash', afterFsOps: 1000, image: 0 }]] as const) {
    it(`a read fault armed before ${what} fires on the restarted node's startup reads`, async () => {
      const r = await executePlan(plan([...steady, { c: 'fault', kind: 'read-corruption', nth: 0, target: 'blocks' }, boundary as Command, { c: 'run', steps: 400 }]));
      expect(r.stats.scriptedFaultsArmed).toBe(1);
      expect(r.stats.scriptedFaultsFired).toBe(1);
      expect(r.timeline.some((e) => e.kind === 'fault' && e.incarnation === 1 && /read-corruption of \/data\/blocks\//.test(e.text))).toBe(true);
    });
  }

  it('a fault armed for more calls than happen never fires, and the run says so', async () => {
    const r = await executePlan(plan([...steady, { c: 'fault', kind: 'read-corruption', nth: 500, target: 'blocks' }, { c: 'restart' }, { c: 'run', steps: 400 }]));
    expect([r.stats.scriptedFaultsArmed, r.stats.scriptedFaultsFired, r.stats.faultsInjected]).toEqual([1, 0, 0]);
  });
});
