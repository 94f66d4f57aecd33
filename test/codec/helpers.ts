/**
 * Shared helpers of the codec tests: a tiny hand-rolled wire writer (independent of
 * the codec under test) and fast-check arbitraries of domain objects.
 */
import fc from 'fast-check';
import type {
  AppProposal,
  AppQC,
  BlockHeader,
  CommitQC,
  LaneRange,
  Payload,
  Proposal,
  PruneAnchor,
  PublicKeyHex,
  Signature,
  SignedLaneProposal,
  Timestamp,
} from '../../src/types.js';

// ---------------------------------------------------------------------------
// Wire writer

export function varint(v: bigint | number): number[] {
  let x = BigInt(v);
  if (x < 0n) x = BigInt.asUintN(64, x);
  const out: number[] = [];
  while (x > 0x7fn) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

export function tag(field: number | bigint, wireType: number): number[] {
  return varint((BigInt(field) << 3n) | BigInt(wireType));
}

/** field as varint (wire type 0) */
export function fVarint(field: number, v: bigint | number): number[] {
  return [...tag(field, 0), ...varint(v)];
}

/** field as length-delimited (wire type 2) */
export function fBytes(field: number, body: ArrayLike<number>): number[] {
  return [...tag(field, 2), ...varint(body.length), ...Array.from(body)];
}

export function bytes(...parts: ArrayLike<number>[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...Array.from(p));
  return new Uint8Array(out);
}

export function hex(b: ArrayLike<number>): string {
  return Buffer.from(Uint8Array.from(b)).toString('hex');
}

export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

// ---------------------------------------------------------------------------
// Arbitraries (valid domain objects: what the reference can represent)

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export const arbU64 = fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: U64_MAX }), fc.constant(U64_MAX), fc.constant((1n << 53n) + 1n));
export const arbI64 = fc.oneof(fc.bigInt({ min: -300n, max: 300n }), fc.bigInt({ min: I64_MIN, max: I64_MAX }), fc.constant(I64_MIN), fc.constant(I64_MAX));
export const arbBytes = (maxLength = 40): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
export const arbFixed = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
export const arbKey: fc.Arbitrary<PublicKeyHex> = arbFixed(32).map((b) => hex(b) as PublicKeyHex);

export const arbTimestamp: fc.Arbitrary<Timestamp> = fc.record({ seconds: arbI64, nanos: fc.integer({ min: 0, max: 999_999_999 }) });

export const arbSignature: fc.Arbitrary<Signature> = fc.record({ key: arbKey, sig: arbFixed(64) });

export const arbHeader: fc.Arbitrary<BlockHeader> = fc.record({ lane: arbKey, blockNumber: arbU64, parentHash: arbFixed(32), payloadHash: arbFixed(32) });

export const arbPayload: fc.Arbitrary<Payload> = fc.record({
  createdAt: arbTimestamp,
  totalGas: arbU64,
  edgeCount: arbI64,
  coinbase: fc.option(arbBytes(24), { nil: undefined }),
  basefee: arbI64,
  txs: fc.array(arbBytes(16), { maxLength: 4 }),
});

export const arbSignedLaneProposal: fc.Arbitrary<SignedLaneProposal> = fc.record({
  block: fc.record({ header: arbHeader, payload: arbPayload }),
  sig: arbSignature,
});

export const arbLaneRange = (lane: PublicKeyHex): fc.Arbitrary<LaneRange> =>
  fc.record({ lane: fc.constant(lane), first: arbU64, next: arbU64, lastHash: arbFixed(32) });

export const arbAppProposal: fc.Arbitrary<AppProposal> = fc.record({
  globalNumber: arbU64,
  roadIndex: arbU64,
  appHash: fc.option(arbBytes(33), { nil: undefined }),
});

export const arbProposal: fc.Arbitrary<Proposal> = fc
  .uniqueArray(arbKey, { maxLength: 5 })
  .chain((lanes) =>
    fc.record({
      view: fc.record({ index: arbU64, number: arbU64 }),
      createdAt: arbTimestamp,
      laneRanges: fc.tuple(...lanes.sort().map(arbLaneRange)),
      app: fc.option(arbAppProposal, { nil: undefined }),
    }),
  );

export const arbCommitQC: fc.Arbitrary<CommitQC> = fc.record({ vote: arbProposal, sigs: fc.array(arbSignature, { maxLength: 4 }) });
export const arbAppQC: fc.Arbitrary<AppQC> = fc.record({ vote: arbAppProposal, sigs: fc.array(arbSignature, { maxLength: 4 }) });
export const arbPruneAnchor: fc.Arbitrary<PruneAnchor> = fc.record({ appQC: arbAppQC, commitQC: arbCommitQC });
