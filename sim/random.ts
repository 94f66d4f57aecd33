/**
 * Seeded randomness for the simulated world.
 *
 * One root seed (a string) fans out into named, independent sub-streams
 * (`scheduler`, `crash`, `faults`, `workload`, …): stream `name` is seeded with
 * `<root>/<name>`, so adding a draw in one subsystem never shifts another.
 *
 * Every draw is a *decision* `int(bound)`. A stream can record its decisions and
 * a stream can be built to replay a recorded list: the list, not the seed, then
 * decides, which is how shrunk counterexamples and hand-edited schedules replay.
 */
import seedrandom from 'seedrandom';

export interface Rng {
  /** A uniform integer in [0, bound); bound ≥ 1. Bound 1 draws nothing and returns 0. */
  int(bound: number): number;
  /** true with probability p (0 ≤ p ≤ 1); p of 0 or 1 draws nothing. */
  chance(p: number): boolean;
  /** Uniform float in [0, 1). */
  float(): number;
  bytes(n: number): Uint8Array;
  /** Fisher–Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[];
  pick<T>(items: readonly T[]): T;
}

/** Thrown when a replayed decision list is exhausted or does not fit the bound asked for. */
export class ReplayDivergence extends Error {
  override readonly name = 'ReplayDivergence';
}

abstract class RngBase implements Rng {
  abstract int(bound: number): number;
  abstract float(): number;

  chance(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`chance(p): p must be in [0,1], got ${p}`);
    if (p === 0) return false;
    if (p === 1) return true;
    return this.float() < p;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  shuffled<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i] as T;
      a[i] = a[j] as T;
      a[j] = t;
    }
    return a;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}

function checkBound(bound: number): void {
  if (!Number.isSafeInteger(bound) || bound < 1) throw new RangeError(`int(bound): bound must be a positive safe integer, got ${bound}`);
}

/** A seedrandom (ARC4) stream; optionally records every int decision. */
export class SeededRng extends RngBase {
  /** seeded on the first draw: many streams of a world are never drawn from, and seeding ARC4 is its main cost */
  private prngOrUndefined: seedrandom.PRNG | undefined;
  /** decisions drawn so far, when recording (bound-1 draws are not recorded) */
  readonly recorded: number[] | undefined;

  constructor(readonly seed: string, opts: { record?: boolean } = {}) {
    super();
    this.recorded = opts.record === true ? [] : undefined;
  }

  private get prng(): seedrandom.PRNG {
    return (this.prngOrUndefined ??= seedrandom(this.seed));
  }

  int(bound: number): number {
    checkBound(bound);
    if (bound === 1) return 0;
    // double() has 53 bits: exact enough for bounds far below 2^32.
    const v = Math.floor(this.prng.double() * bound);
    this.recorded?.push(v);
    return v;
  }

  float(): number {
    const v = this.prng.double();
    // Recorded as a 2^30-bucket decision so a replayed list reproduces chance() outcomes.
    const bucket = Math.floor(v * 2 ** 30);
    this.recorded?.push(bucket);
    return bucket / 2 ** 30;
  }
}

/** Replays a recorded decision list; throws ReplayDivergence when the list no longer fits. */
export class ReplayRng extends RngBase {
  private pos = 0;
  constructor(private readonly decisions: readonly number[], private readonly label: string) {
    super();
  }

  get consumed(): number {
    return this.pos;
  }

  int(bound: number): number {
    checkBound(bound);
    if (bound === 1) return 0;
    const v = this.next();
    if (v >= bound) throw new ReplayDivergence(`${this.label}: decision #${this.pos - 1} is ${v}, outside [0, ${bound})`);
    return v;
  }

  float(): number {
    return this.next() / 2 ** 30;
  }

  private next(): number {
    const v = this.decisions[this.pos];
    if (v === undefined) throw new ReplayDivergence(`${this.label}: decision list exhausted after ${this.pos} decisions`);
    this.pos++;
    return v;
  }
}

/** The named sub-streams of one simulated run. */
export class RandomStreams {
  private readonly streams = new Map<string, SeededRng>();
  constructor(readonly rootSeed: string, private readonly record = false) {
    if (rootSeed.length === 0) throw new RangeError('root seed must be a non-empty string');
  }

  /** The stream named `name`, created on first use; independent of every other stream. */
  stream(name: string): SeededRng {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = new SeededRng(`${this.rootSeed}/${name}`, { record: this.record });
      this.streams.set(name, s);
    }
    return s;
  }

  /** Decisions recorded per stream (only when constructed with record = true). */
  recordedDecisions(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [name, s] of this.streams) if (s.recorded !== undefined) out[name] = s.recorded.slice();
    return out;
  }
}
