/**
 * Totality: no input bytes make a decoder throw. Every result is one of the three
 * outcomes; every decoded value is representable (re-encodes and decodes to itself);
 * Stage 1 is idempotent. Inputs: random bytes and random mutations (truncation,
 * byte edits, insertions, deletions, splices) of valid encodings.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  canonicalize,
  decodeAppQC,
  decodeAppVote,
  decodeCommitQC,
  decodeLaneVote,
  decodeMsg,
  decodePruneAnchor,
  decodeSignedLaneProposal,
  decodeWrapper,
  encodeAppQC,
  encodeAppVote,
  encodeCommitQC,
  encodeLaneVote,
  encodeMsg,
  encodePruneAnchor,
  encodeSignedLaneProposal,
  encodeWrapper,
  MESSAGE_NAMES,
  parseStage1,
  PROTO_PARSE_ERROR,
  Stage1Failure,
} from '../../src/codec/index.js';
import { corruptions, makeCommittee } from '../../scenarios/fixtures.js';

const fx = makeCommittee('totality', 4);
const qcs = fx.commitQCChain(2, { blocksPerQC: 1 });
const qc1 = qcs[1]!;
const aqc = fx.appQC(qc1);

type Decoder = { name: string; decode: (b: Uint8Array) => { kind: string } & Record<string, unknown>; reencode: (v: never) => Uint8Array; seeds: Uint8Array[] };

const decoders: Decoder[] = [
  { name: 'SignedLaneProposal', decode: decodeSignedLaneProposal, reencode: encodeSignedLaneProposal, seeds: [encodeSignedLaneProposal(fx.block(fx.lane(0), 1))] },
  { name: 'LaneVote', decode: decodeLaneVote, reencode: encodeLaneVote, seeds: [encodeLaneVote(fx.laneVote(fx.header(fx.lane(2), 0), 1))] },
  { name: 'AppVote', decode: decodeAppVote, reencode: encodeAppVote, seeds: [encodeAppVote(fx.appVote(aqc.vote, 3))] },
  { name: 'CommitQC', decode: decodeCommitQC, reencode: encodeCommitQC, seeds: [encodeCommitQC(qc1)] },
  { name: 'AppQC', decode: decodeAppQC, reencode: encodeAppQC, seeds: [encodeAppQC(aqc)] },
  { name: 'PruneAnchor', decode: decodePruneAnchor, reencode: encodePruneAnchor, seeds: [encodePruneAnchor(fx.pruneAnchor(aqc, qc1))] },
  { name: 'Msg', decode: decodeMsg, reencode: encodeMsg, seeds: [encodeMsg({ kind: 'commitVote', proposal: qc1.vote }), encodeMsg({ kind: 'timeoutVote', view: { index: 3n, number: 1n } })] },
];
const allSeeds = decoders.flatMap((d) => d.seeds);

/** A mutation of a valid encoding. */
const arbMutated: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.constantFrom(...allSeeds), fc.constantFrom(...allSeeds), fc.array(fc.tuple(fc.nat(5), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
  .map(([base, other, ops]) => {
    let b = Array.from(base);
    for (const [op, i, j, v] of ops) {
      const at = b.length === 0 ? 0 : i % b.length;
      switch (op) {
        case 0: b = b.slice(0, at); break; // truncate
        case 1: if (b.length > 0) b[at] = v; break; // overwrite a byte
        case 2: b.splice(at, 0, v); break; // insert a byte
        case 3: b.splice(at, 1 + (j % 8)); break; // delete a run
        case 4: b = [...b.slice(0, at), ...Array.from(other).slice(j % Math.max(1, other.length))]; break; // splice another message in
        default: b.push(v, (v * 7) & 0xff); // append junk
      }
    }
    return new Uint8Array(b);
  });

const arbInput: fc.Arbitrary<Uint8Array> = fc.oneof(fc.uint8Array({ maxLength: 300 }), arbMutated);

function checkOutcome(d: Decoder, b: Uint8Array): void {
  let r: { kind: string } & Record<string, unknown>;
  try {
    r = d.decode(b);
  } catch (e) {
    throw new Error(`${d.name} decoder threw on ${Buffer.from(b).toString('hex')}: ${String(e)}`);
  }
  expect(['value', 'error', 'abort']).toContain(r.kind);
  if (r.kind === 'error') expect(typeof r['error']).toBe('string');
  if (r.kind === 'abort') expect(typeof r['reason']).toBe('string');
  if (r.kind === 'value') {
    // decoded values are representable: encode, decode, same value
    const again = d.decode(d.reencode(r['value'] as never));
    expect(again).toEqual(r);
  }
  if (r.kind === 'error') expect(r['error']).not.toMatch(/codec internal error/);
}

describe('every decoder is total', () => {
  test.each(decoders.map((d) => [d.name, d] as const))('%s on random and mutated bytes', (_name, d) => {
    fc.assert(fc.property(arbInput, (b) => checkOutcome(d, b)), { numRuns: 400 });
  });

  test('the wrapper decoder on random and mutated bytes', () => {
    const seed = encodeWrapper({ seq: 3n, data: encodeAppQC(aqc) });
    fc.assert(
      fc.property(fc.oneof(arbInput, fc.constant(seed), fc.integer({ min: 0, max: seed.length }).map((n) => seed.slice(0, n))), (b) => {
        const r = decodeWrapper(b);
        if ('error' in r) expect(r.error).toBe(PROTO_PARSE_ERROR);
        else expect(decodeWrapper(encodeWrapper(r.ok))).toEqual(r);
      }),
      { numRuns: 400 },
    );
  });

  test('Stage 1 of every message type is total and idempotent', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MESSAGE_NAMES), arbInput, (name, b) => {
        const c = canonicalize(name, b);
        const text = parseStage1(name, b);
        if (c instanceof Stage1Failure) {
          expect(text).toBe(PROTO_PARSE_ERROR);
        } else {
          expect(text).toBeUndefined();
          const again = canonicalize(name, c);
          expect(again).toEqual(c);
        }
      }),
      { numRuns: 600 },
    );
  });

  test('the fixture corruptions and a non-Uint8Array input never throw', () => {
    for (const d of decoders) {
      for (const s of d.seeds) for (const c of corruptions(s, d.name)) checkOutcome(d, c.bytes);
      expect(d.decode('not bytes' as unknown as Uint8Array)).toEqual({ kind: 'error', error: PROTO_PARSE_ERROR });
    }
  });
});
