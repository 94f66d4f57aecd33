/** The oracles' own reading of the A/B pair (spec §3.4), independent of the SUT's loader. */
import { describe, expect, test } from 'vitest';
import { encodeAppQC, encodeWrapper } from '../../src/codec/index.js';
import { abVerdict, readDisk } from '../../scenarios/oracles/disk.js';
import { makeCommittee } from '../../scenarios/fixtures.js';

const c = makeCommittee('disk-oracle', 4);
const qcs = c.commitQCChain(3, { blocksPerQC: 1 });
const app = (i: number): Uint8Array => encodeAppQC(c.appQC(qcs[i]!));
const slot = (seq: bigint, data?: Uint8Array): Uint8Array => encodeWrapper({ seq, data });

describe('abVerdict', () => {
  test('no files or empty files: no data', () => {
    expect(abVerdict(undefined, undefined, 'appQC').kind).toBe('none');
    expect(abVerdict(new Uint8Array(0), new Uint8Array(0), 'appQC').kind).toBe('none');
  });
  test('the higher seq wins', () => {
    const v = abVerdict(slot(3n, app(0)), slot(4n, app(2)), 'appQC');
    expect(v.kind === 'ok' && v.slot === 'b' && v.appQC?.vote.roadIndex).toBe(2n);
  });
  test('one corrupt slot falls back to the other', () => {
    const v = abVerdict(slot(1n, app(1)), new Uint8Array([0xff, 0xff, 0xff]), 'appQC');
    expect(v.kind === 'ok' && v.slot).toBe('a');
  });
  test('equal seqs and both corrupt are errors', () => {
    expect(abVerdict(slot(2n, app(0)), slot(2n, app(1)), 'appQC').kind).toBe('error');
    expect(abVerdict(new Uint8Array([0xff]), new Uint8Array([0xff]), 'appQC').kind).toBe('error');
  });
  test('a wrapper without data loads no AppQC (a torn write that kept only seq)', () => {
    const v = abVerdict(slot(1n, app(0)), slot(2n), 'appQC');
    expect(v.kind === 'ok' && v.slot === 'b' && v.appQC).toBeUndefined();
  });
});

describe('readDisk', () => {
  test('reads canonical names only', () => {
    const files = new Map<string, Uint8Array>([
      ['/d/commitqcs/0.pb', new Uint8Array(0)],
      ['/d/commitqcs/01.pb', new Uint8Array(0)],
      ['/d/commitqcs/x.pb', new Uint8Array(0)],
      ['/e/commitqcs/1.pb', new Uint8Array(0)],
    ]);
    const v = readDisk(files, '/d', 'appQC');
    expect([...v.commitQCs.keys()]).toEqual([0n]);
    expect(v.commitQCs.get(0n)?.kind).toBe('corrupt');
  });
});
