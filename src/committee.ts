/**
 * The committee (spec §1.7): a static set of N replica public keys, sorted by raw
 * key bytes ("committee order"; for lowercase hex strings byte order equals string
 * order). Lanes are the replicas.
 *
 *   f = ⌊(N−1)/3⌋;  Commit/App/Prepare/Timeout quorum = N − f;  Lane quorum = f + 1.
 *   Leader(view) = replicas[ SHA256(BE64(index) ‖ BE64(number)) mod N ].
 */
import { createHash } from 'node:crypto';
import type { LaneId, PublicKeyHex, View } from './types.js';

const HEX64 = /^[0-9a-f]{64}$/;
const U64_MAX = (1n << 64n) - 1n;

export class Committee {
  /** committee order */
  readonly replicas: readonly PublicKeyHex[];
  readonly faulty: number;
  readonly commitQuorum: number;
  readonly appQuorum: number;
  readonly prepareQuorum: number;
  readonly timeoutQuorum: number;
  readonly laneQuorum: number;
  private readonly position: ReadonlyMap<string, number>;

  constructor(keys: readonly PublicKeyHex[]) {
    if (keys.length === 0) throw new RangeError('committee: replicas cannot be empty');
    for (const k of keys) {
      if (typeof k !== 'string' || !HEX64.test(k)) throw new RangeError(`committee: replica key must be 64 lowercase hex chars, got ${JSON.stringify(k)}`);
    }
    const sorted = [...keys].sort();
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) throw new RangeError(`committee: duplicate replica ${sorted[i]}`);
    }
    this.replicas = Object.freeze(sorted);
    this.position = new Map(sorted.map((k, i) => [k, i]));
    this.faulty = Math.floor((sorted.length - 1) / 3);
    this.commitQuorum = sorted.length - this.faulty;
    this.appQuorum = this.commitQuorum;
    this.prepareQuorum = this.commitQuorum;
    this.timeoutQuorum = this.commitQuorum;
    this.laneQuorum = this.faulty + 1;
  }

  get size(): number {
    return this.replicas.length;
  }

  /** Lanes in committee order (the same keys as the replicas). */
  get lanes(): readonly LaneId[] {
    return this.replicas;
  }

  /** Replica membership (`Replicas().Has`). */
  has(key: string): boolean {
    return this.position.has(key);
  }

  /** Lane membership (`Lanes().Has`); lanes = replicas. */
  hasLane(lane: string): boolean {
    return this.position.has(lane);
  }

  /** Committee-order position of `key`, or -1. */
  indexOf(key: string): number {
    return this.position.get(key) ?? -1;
  }

  leader(view: View): PublicKeyHex {
    if (view.index < 0n || view.index > U64_MAX || view.number < 0n || view.number > U64_MAX) {
      throw new RangeError(`committee: view (${view.index}, ${view.number}) is not a pair of uint64`);
    }
    const be = Buffer.alloc(16);
    be.writeBigUInt64BE(view.index, 0);
    be.writeBigUInt64BE(view.number, 8);
    const digest = BigInt('0x' + createHash('sha256').update(be).digest('hex'));
    return this.replicas[Number(digest % BigInt(this.replicas.length))] as PublicKeyHex;
  }
}
