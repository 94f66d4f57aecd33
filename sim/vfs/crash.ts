/**
 * Crash images: what the disk may hold if the machine dies now, i.e. between
 * two primitives (from the pending log of a `Vfs` or of a `VfsSnapshot`) or,
 * with the torn knob, inside a write.
 *
 * Every image = durable state ⊕ the durable entries still in the log ⊕ a choice
 * of pending ops, applied in issue order by model.ts's rules. Three kinds:
 *  - `prefix`: the first j pending ops, j = 0..k (k+1 candidates for k ops);
 *    valid for every personality;
 *  - `subset`: the choices the personality allows (vfs.ts rules 3, 6, 9, E6):
 *    ordered = prefixes (k+1), ext4-weak = entry-op prefix × any data-op
 *    subset ((e+1)·2^d), strict-posix = any subset (2^k), ext4 = journal
 *    prefix × the writes E2/E3/E5 allow (at most (m+1)·2^w). Enumerated
 *    exhaustively while that bound is at most 2^exhaustiveOpsMax (bit i of a
 *    counter = keep pending op i, counting up from 0; ext4: journal prefix
 *    j = 0..m, then each allowed write kept or not, in issue order), else
 *    `subsetSamples` seeded draws;
 *  - `torn`: pending write W cut at file offset c — the ops before W kept, bytes
 *    [off, c) of W written, [c, end) left `old` (file grows only to c), `zero` or
 *    `garbage` (file grows to end; seeded bytes). Cut points: sector boundaries
 *    strictly inside W (every `sectorBytes`), or every byte inside W
 *    (`anyByte`), and, for zero/garbage, W's start (size grew, no data landed);
 *    plus `shorn` cuts (one seeded byte offset strictly inside each sector W
 *    spans: a sector half written, as on SSDs without power-loss protection)
 *    and the caller's `cutHints` (e.g. protobuf field boundaries: sim/ knows no
 *    file format). Off by default.
 * Candidates are deduplicated by a SHA-256 Merkle hash of the resulting tree
 * (model.ts `stateHash`, the same value as `imageHash` of the image); the report
 * counts candidates and distinct states per kind and in total, and lists the
 * distinct images in the order first found. Same inputs (and same rng state) ⇒
 * same images, same order, same bytes.
 */
import type { Rng } from '../random.js';
import { Vfs } from './vfs.js';
import type { CrashSource } from './vfs.js';
import { applyOp, Cons, describeOp, EMPTY_BYTES, imageOf, isDataOp, Overlay, patchBytes, stateHash } from './model.js';
import type { DiskImage, DurableState, LogEntry, PendingOp, Personality, WriteOp } from './model.js';

export type CrashImageKind = 'prefix' | 'subset' | 'torn';
export type TornFill = 'old' | 'zero' | 'garbage';

export interface TornOptions {
  /** Cut at file offsets that are multiples of this (bytes); 0 = no sector cuts. Default 512. */
  readonly sectorBytes?: number;
  /** Also cut at every byte offset inside the write. Default false. */
  readonly anyByte?: boolean;
  /** What the unwritten part holds; one candidate per fill. Default ['old']. */
  readonly fills?: readonly TornFill[];
  /** Interior cut points per write; beyond, a seeded sample of this many. Default 16. */
  readonly cutsPerWriteMax?: number;
  /** Also one seeded byte cut strictly inside each sector the write spans (shorn writes). Default false. */
  readonly shorn?: boolean;
  /**
   * Extra cut points for a write (absolute file offsets; those strictly inside
   * the write count), kept besides the uniform ones; beyond `hintCutsMax` per
   * write, a seeded sample. For structure-aware tears (scenarios/field-cuts.ts).
   */
  readonly cutHints?: (write: { readonly path: string; readonly offsetBytes: number; readonly bytes: Uint8Array }) => readonly number[];
  /** Hinted cut points per write; beyond, a seeded sample of this many. Default 32. */
  readonly hintCutsMax?: number;
}

export interface CrashImageOptions {
  /** Prefix images. Default true. */
  readonly prefixes?: boolean;
  /** At most this many prefix candidates; beyond, the empty and full prefix plus a seeded sample. Default 256. */
  readonly prefixesMax?: number;
  /** Personality subsets. Default true. */
  readonly subsets?: boolean;
  /** Enumerate all allowed subsets while there are at most 2^this of them (≤ 24). Default 10. */
  readonly exhaustiveOpsMax?: number;
  /** Seeded subset draws when not exhaustive. Default 64. */
  readonly subsetSamples?: number;
  /** Torn writes (a separate knob). Default off. */
  readonly torn?: TornOptions | false;
  /** Decides every sample and garbage byte; required only when one is needed. */
  readonly rng?: Rng;
}

export interface TornDetail {
  readonly seq: number;
  readonly path: string;
  readonly offsetBytes: number;
  readonly lenBytes: number;
  /** absolute file offset where the write was cut */
  readonly cutAtBytes: number;
  readonly fill: TornFill;
}

export interface CrashImage extends DiskImage {
  readonly hash: string;
  readonly kind: CrashImageKind;
  /** seqs of the pending ops this image keeps (durable ones are always kept and not listed) */
  readonly keptSeqs: readonly number[];
  /** the pending ops the crash lost, as report lines */
  readonly lost: readonly string[];
  readonly torn: TornDetail | undefined;
  /** one line: how this image was chosen */
  readonly summary: string;
}

export interface KindCount {
  readonly candidates: number;
  readonly distinct: number;
}

export interface CrashReport {
  readonly personality: Personality;
  /** non-durable pending ops in issue order (report lines) */
  readonly pending: readonly string[];
  /** durable ops still in the log (strict-posix only), always applied */
  readonly durableInLog: readonly string[];
  readonly prefixMode: 'exhaustive' | 'sampled' | 'off';
  readonly subsetMode: 'exhaustive' | 'sampled' | 'off';
  readonly counts: { readonly prefix: KindCount; readonly subset: KindCount; readonly torn: KindCount; readonly total: KindCount };
  /** distinct images, in the order first found */
  readonly images: readonly CrashImage[];
}

interface Resolved {
  prefixes: boolean;
  prefixesMax: number;
  subsets: boolean;
  exhaustiveOpsMax: number;
  subsetSamples: number;
  torn: Required<TornOptions> | undefined;
  rng: Rng | undefined;
}

const LOST_SHOWN_MAX = 8;

function resolve(o: CrashImageOptions): Resolved {
  const int = (name: string, v: number | undefined, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const x = v ?? dflt;
    if (!Number.isSafeInteger(x) || x < min || x > max) throw new RangeError(`crashImages: ${name} must be an integer in [${min}, ${max}], got ${x}`);
    return x;
  };
  let torn: Required<TornOptions> | undefined;
  if (o.torn !== undefined && o.torn !== false) {
    const fills = o.torn.fills ?? ['old'];
    for (const f of fills) if (f !== 'old' && f !== 'zero' && f !== 'garbage') throw new RangeError(`crashImages: unknown torn fill ${JSON.stringify(f)}`);
    torn = {
      sectorBytes: int('torn.sectorBytes', o.torn.sectorBytes, 512, 0),
      anyByte: o.torn.anyByte ?? false,
      fills,
      cutsPerWriteMax: int('torn.cutsPerWriteMax', o.torn.cutsPerWriteMax, 16, 1),
      shorn: o.torn.shorn ?? false,
      cutHints: o.torn.cutHints ?? (() => []),
      hintCutsMax: int('torn.hintCutsMax', o.torn.hintCutsMax, 32, 0),
    };
    if (torn.shorn && torn.sectorBytes === 0) throw new RangeError('crashImages: torn.shorn needs torn.sectorBytes > 0');
  }
  return {
    prefixes: o.prefixes ?? true,
    prefixesMax: int('prefixesMax', o.prefixesMax, 256, 2),
    subsets: o.subsets ?? true,
    exhaustiveOpsMax: int('exhaustiveOpsMax', o.exhaustiveOpsMax, 10, 0, 24),
    subsetSamples: int('subsetSamples', o.subsetSamples, 64, 0),
    torn,
    rng: o.rng,
  };
}

function needRng(r: Resolved, why: string): Rng {
  if (r.rng === undefined) throw new RangeError(`crashImages: an rng is required to ${why}`);
  return r.rng;
}

/** `count` distinct sorted integers from [lo, hi) drawn with `rng` (all of them if the range is small). */
function sampleSorted(rng: Rng, lo: number, hi: number, count: number): number[] {
  const n = hi - lo;
  if (count >= n) return Array.from({ length: n }, (_, i) => lo + i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(lo + rng.int(n));
  return [...picked].sort((a, b) => a - b);
}

interface TornChoice {
  readonly index: number; // index into pending
  readonly cutAtBytes: number;
  readonly fill: TornFill;
  readonly garbage: Uint8Array | undefined;
}

/** Crash images at this point of `source` (a live VFS or a snapshot), with exact counts. */
export function crashImages(source: Vfs | CrashSource, options: CrashImageOptions = {}): CrashReport {
  const src = source instanceof Vfs ? source.crashSource() : source;
  const r = resolve(options);
  const pending: PendingOp[] = [];
  const pendingEntries: LogEntry[] = [];
  const durableInLog: PendingOp[] = [];
  for (const e of src.log) {
    if (e.durable) durableInLog.push(e.op);
    else {
      pending.push(e.op);
      pendingEntries.push(e);
    }
  }
  const k = pending.length;

  const distinct = new Map<string, CrashImage>();
  const perKind = { prefix: new Set<string>(), subset: new Set<string>(), torn: new Set<string>() };
  const candidates = { prefix: 0, subset: 0, torn: 0 };

  const cons = new Cons();
  const build = (kind: CrashImageKind, keep: readonly boolean[], torn: TornChoice | undefined): void => {
    const overlay = new Overlay(src.durable, cons);
    let pi = 0;
    for (const e of src.log) {
      if (e.durable) {
        applyOp(overlay, e.op);
        continue;
      }
      const i = pi++;
      if (torn !== undefined && i === torn.index) applyTorn(overlay, pending[i] as WriteOp, torn);
      else if (keep[i] === true) applyOp(overlay, e.op);
    }
    const hash = stateHash(overlay);
    candidates[kind]++;
    perKind[kind].add(hash);
    if (distinct.has(hash)) return;
    const image = imageOf(overlay);
    const keptSeqs: number[] = [];
    const lost: string[] = [];
    pending.forEach((op, i) => (keep[i] === true ? keptSeqs.push(op.seq) : lost.push(describeOp(op))));
    const tornDetail = torn === undefined ? undefined : tornDetailOf(pending[torn.index] as WriteOp, torn);
    distinct.set(hash, { ...image, hash, kind, keptSeqs, lost, torn: tornDetail, summary: summarize(kind, keptSeqs.length, k, lost, tornDetail) });
  };

  // (a) prefixes
  let prefixMode: CrashReport['prefixMode'] = 'off';
  if (r.prefixes) {
    const lengths = prefixLengths(r, k);
    prefixMode = lengths.length === k + 1 ? 'exhaustive' : 'sampled';
    for (const j of lengths) build('prefix', pending.map((_, i) => i < j), undefined);
  }

  // (b) subsets allowed by the personality
  let subsetMode: CrashReport['subsetMode'] = 'off';
  if (r.subsets) {
    const limit = 2 ** r.exhaustiveOpsMax;
    if (src.personality === 'ordered') {
      const exhaustive = k + 1 <= limit;
      subsetMode = exhaustive ? 'exhaustive' : 'sampled';
      const lengths = exhaustive
        ? Array.from({ length: k + 1 }, (_, j) => j)
        : Array.from({ length: r.subsetSamples }, () => needRng(r, 'sample prefixes').int(k + 1));
      for (const j of lengths) build('subset', pending.map((_, i) => i < j), undefined);
    } else if (src.personality === 'strict-posix') {
      const exhaustive = 2 ** k <= limit;
      subsetMode = exhaustive ? 'exhaustive' : 'sampled';
      if (exhaustive) {
        for (let mask = 0; mask < 2 ** k; mask++) build('subset', pending.map((_, i) => (mask & (1 << i)) !== 0), undefined);
      } else {
        const rng = needRng(r, 'sample subsets');
        for (let s = 0; s < r.subsetSamples; s++) build('subset', pending.map(() => rng.int(2) === 1), undefined);
      }
    } else if (src.personality === 'ext4') {
      const model = ext4Choices(src.log, src.durable, pendingEntries);
      const exhaustive = model.bound <= limit;
      subsetMode = exhaustive ? 'exhaustive' : 'sampled';
      if (exhaustive) model.all((keep) => build('subset', keep, undefined));
      else {
        const rng = needRng(r, 'sample subsets');
        for (let s = 0; s < r.subsetSamples; s++) build('subset', model.draw(rng), undefined);
      }
    } else {
      const entryIdx: number[] = [];
      const dataIdx: number[] = [];
      pending.forEach((op, i) => (isDataOp(op) ? dataIdx : entryIdx).push(i));
      const e = entryIdx.length;
      const d = dataIdx.length;
      const exhaustive = (e + 1) * 2 ** d <= limit;
      subsetMode = exhaustive ? 'exhaustive' : 'sampled';
      const choose = (j: number, dataKept: (n: number) => boolean): boolean[] => {
        const keep = pending.map(() => false);
        entryIdx.forEach((pi, n) => { keep[pi] = n < j; });
        dataIdx.forEach((pi, n) => { keep[pi] = dataKept(n); });
        return keep;
      };
      if (exhaustive) {
        for (let j = 0; j <= e; j++) {
          for (let mask = 0; mask < 2 ** d; mask++) build('subset', choose(j, (n) => (mask & (1 << n)) !== 0), undefined);
        }
      } else {
        const rng = needRng(r, 'sample subsets');
        for (let s = 0; s < r.subsetSamples; s++) {
          const j = rng.int(e + 1);
          build('subset', choose(j, () => rng.int(2) === 1), undefined);
        }
      }
    }
  }

  // (c) torn writes: prefix before W, W cut
  if (r.torn !== undefined) {
    const t = r.torn;
    pending.forEach((op, index) => {
      if (op.kind !== 'write') return;
      const interior = interiorCuts(op, t, r);
      const keep = pending.map((_, i) => i < index);
      for (const fill of t.fills) {
        const cuts = fill === 'old' ? interior : [op.offsetBytes, ...interior];
        for (const cutAtBytes of cuts) {
          const garbage = fill === 'garbage' ? needRng(r, 'fill torn writes with garbage').bytes(op.offsetBytes + op.bytes.length - cutAtBytes) : undefined;
          build('torn', keep, { index, cutAtBytes, fill, garbage });
        }
      }
    });
  }

  const count = (kind: CrashImageKind): KindCount => ({ candidates: candidates[kind], distinct: perKind[kind].size });
  return {
    personality: src.personality,
    pending: pending.map(describeOp),
    durableInLog: durableInLog.map(describeOp),
    prefixMode,
    subsetMode,
    counts: {
      prefix: count('prefix'),
      subset: count('subset'),
      torn: count('torn'),
      total: { candidates: candidates.prefix + candidates.subset + candidates.torn, distinct: distinct.size },
    },
    images: [...distinct.values()],
  };
}

/** Bytes of one page: writes of a file on a common page reach disk in issue order (E2). */
export const EXT4_PAGE_BYTES = 4096;

interface Ext4Write {
  /** index into the pending ops */
  readonly index: number;
  /** pending metadata ops issued before it: the journal prefix an allocating write needs (E3) */
  readonly metaBefore: number;
  readonly allocating: boolean;
  /** auto_da_alloc flushed it: on disk in every image whose journal prefix is longer than this (E5) */
  readonly flushedUnder: number;
  /** earlier pending writes of the file on a common page (E2) */
  readonly after: readonly number[];
}

/**
 * vfs.ts E6: the ext4 crash choices over the pending ops. `all` visits every
 * allowed choice once; `draw` picks one (journal prefix uniform, then each
 * allowed write kept with probability ½); `bound` ≥ the number of choices.
 */
function ext4Choices(log: readonly LogEntry[], durable: DurableState, pendingEntries: readonly LogEntry[]): {
  bound: number; all: (visit: (keep: boolean[]) => void) => void; draw: (rng: Rng) => boolean[]; allows: (keep: readonly boolean[]) => boolean;
} {
  // Committed size per file as the log's durable ops leave it, op by op (durable truncates may wait in the log).
  const committedBytes = new Map<number, number>();
  const sizeOf = (id: number): number => committedBytes.get(id) ?? durable.files.get(id)?.length ?? 0;
  const metaIdx: number[] = [];
  const metaSeqs: number[] = [];
  const uncommittedBinding = new Set<number>(); // files with a pending create or truncate so far
  const writesByFile = new Map<number, { w: number; first: number; last: number }[]>();
  const writes: Ext4Write[] = [];
  let pi = 0;
  for (const e of log) {
    const op = e.op;
    if (e.durable) {
      if (op.kind === 'truncate') committedBytes.set(op.id, op.lenBytes);
      else if (op.kind === 'write') committedBytes.set(op.id, Math.max(sizeOf(op.id), op.offsetBytes + op.bytes.length));
      continue;
    }
    const index = pi++;
    if (pendingEntries[index] !== e) throw new Error('crash: ext4 pending ops out of step with the log');
    if (op.kind !== 'write') {
      metaIdx.push(index);
      metaSeqs.push(op.seq);
      if (op.kind === 'truncate' || op.kind === 'link') uncommittedBinding.add(op.id);
      continue;
    }
    const first = Math.floor(op.offsetBytes / EXT4_PAGE_BYTES);
    const last = Math.floor((op.offsetBytes + Math.max(op.bytes.length, 1) - 1) / EXT4_PAGE_BYTES);
    const mine = writesByFile.get(op.id) ?? [];
    const after = mine.filter((x) => x.first <= last && first <= x.last).map((x) => x.w);
    const allocating = uncommittedBinding.has(op.id) || op.offsetBytes + op.bytes.length > sizeOf(op.id);
    const flushedUnder = e.flushedBeforeSeq === undefined ? Infinity : metaSeqs.filter((q) => q < (e.flushedBeforeSeq as number)).length;
    mine.push({ w: writes.length, first, last });
    writesByFile.set(op.id, mine);
    writes.push({ index, metaBefore: metaIdx.length, allocating, flushedUnder, after });
  }
  const k = pendingEntries.length;
  const m = metaIdx.length;
  /** 'must', 'may' or 'never' for write w, given journal prefix j and the writes decided before it. */
  const status = (w: Ext4Write, j: number, kept: readonly boolean[]): 'must' | 'may' | 'never' => {
    const allowed = (!w.allocating || j >= w.metaBefore) && w.after.every((x) => kept[x] === true);
    if (j > w.flushedUnder) {
      if (!allowed) throw new Error('crash: ext4 flushed write not allowed (model invariant)');
      return 'must';
    }
    return allowed ? 'may' : 'never';
  };
  const keepOf = (j: number, kept: readonly boolean[]): boolean[] => {
    const keep = new Array<boolean>(k).fill(false);
    for (let n = 0; n < j; n++) keep[metaIdx[n] as number] = true;
    writes.forEach((w, i) => { keep[w.index] = kept[i] === true; });
    return keep;
  };
  return {
    bound: (m + 1) * 2 ** writes.length,
    all: (visit) => {
      const kept: boolean[] = [];
      const rec = (j: number, i: number): void => {
        if (i === writes.length) {
          visit(keepOf(j, kept));
          return;
        }
        const st = status(writes[i] as Ext4Write, j, kept);
        if (st !== 'must') {
          kept[i] = false;
          rec(j, i + 1);
        }
        if (st !== 'never') {
          kept[i] = true;
          rec(j, i + 1);
        }
      };
      for (let j = 0; j <= m; j++) rec(j, 0);
    },
    draw: (rng) => {
      const j = rng.int(m + 1);
      const kept: boolean[] = [];
      writes.forEach((w, i) => {
        const st = status(w, j, kept);
        kept[i] = st === 'must' || (st === 'may' && rng.int(2) === 1);
      });
      return keepOf(j, kept);
    },
    allows: (keep) => {
      // The journal keeps a prefix of the metadata ops; each write then must, may or must not be kept.
      let j = 0;
      while (j < m && keep[metaIdx[j] as number] === true) j++;
      for (let n = j; n < m; n++) if (keep[metaIdx[n] as number] === true) return false;
      const kept: boolean[] = [];
      for (const [i, w] of writes.entries()) {
        let st: 'must' | 'may' | 'never';
        try {
          st = status(w, j, kept);
        } catch {
          return false; // a flushed write whose prerequisites this choice dropped
        }
        kept[i] = keep[w.index] === true;
        if ((st === 'must' && !kept[i]) || (st === 'never' && kept[i])) return false;
      }
      return true;
    },
  };
}

function prefixLengths(r: Resolved, k: number): number[] {
  if (k + 1 <= r.prefixesMax) return Array.from({ length: k + 1 }, (_, j) => j);
  const inner = sampleSorted(needRng(r, 'sample prefixes'), 1, k, r.prefixesMax - 2);
  return [0, ...inner, k];
}

/** Cut points strictly inside the write, ascending (sampled beyond cutsPerWriteMax). */
function interiorCuts(op: WriteOp, t: Required<TornOptions>, r: Resolved): number[] {
  const start = op.offsetBytes;
  const end = start + op.bytes.length;
  let cuts: number[];
  if (t.anyByte) {
    cuts = Array.from({ length: Math.max(0, end - start - 1) }, (_, i) => start + 1 + i);
  } else if (t.sectorBytes > 0) {
    cuts = [];
    for (let c = (Math.floor(start / t.sectorBytes) + 1) * t.sectorBytes; c < end; c += t.sectorBytes) cuts.push(c);
  } else {
    cuts = [];
  }
  if (cuts.length > t.cutsPerWriteMax) cuts = sampleSorted(needRng(r, 'sample torn cut points'), 0, cuts.length, t.cutsPerWriteMax).map((i) => cuts[i] as number);
  const extra: number[] = [];
  if (t.shorn) {
    // One byte cut inside each sector's part of the write (parts of one byte cannot tear).
    for (let s = Math.floor(start / t.sectorBytes) * t.sectorBytes; s < end; s += t.sectorBytes) {
      const lo = Math.max(s, start);
      const hi = Math.min(s + t.sectorBytes, end);
      if (hi - lo >= 2) extra.push(lo + 1 + needRng(r, 'draw shorn cut points').int(hi - lo - 1));
    }
  }
  const hints = [...new Set(t.cutHints(op))].filter((c) => Number.isSafeInteger(c) && c > start && c < end).sort((a, b) => a - b);
  extra.push(...(hints.length <= t.hintCutsMax ? hints : sampleSorted(needRng(r, 'sample hinted cut points'), 0, hints.length, t.hintCutsMax).map((i) => hints[i] as number)));
  if (extra.length === 0) return cuts;
  return [...new Set([...cuts, ...extra])].sort((a, b) => a - b);
}

function applyTorn(overlay: Overlay, op: WriteOp, torn: TornChoice): void {
  const old = overlay.getFile(op.id) ?? EMPTY_BYTES;
  const written = op.bytes.subarray(0, torn.cutAtBytes - op.offsetBytes);
  if (torn.fill === 'old') {
    overlay.setFile(op.id, patchBytes(old, op.offsetBytes, written));
    return;
  }
  const whole = new Uint8Array(op.bytes.length);
  whole.set(written);
  if (torn.garbage !== undefined) whole.set(torn.garbage, written.length);
  overlay.setFile(op.id, patchBytes(old, op.offsetBytes, whole));
}

function tornDetailOf(op: WriteOp, torn: TornChoice): TornDetail {
  return { seq: op.seq, path: op.path, offsetBytes: op.offsetBytes, lenBytes: op.bytes.length, cutAtBytes: torn.cutAtBytes, fill: torn.fill };
}

function summarize(kind: CrashImageKind, kept: number, k: number, lost: readonly string[], torn: TornDetail | undefined): string {
  const shown = lost.slice(0, LOST_SHOWN_MAX).join(', ') + (lost.length > LOST_SHOWN_MAX ? `, … ${lost.length - LOST_SHOWN_MAX} more` : '');
  const lostText = lost.length === 0 ? 'nothing lost' : `lost ${shown}`;
  switch (kind) {
    case 'prefix': return `prefix ${kept}/${k}; ${lostText}`;
    case 'subset': return `subset ${kept}/${k}; ${lostText}`;
    case 'torn': {
      const t = torn as TornDetail;
      return `torn #${t.seq} write ${t.path} @${t.offsetBytes} +${t.lenBytes}B cut at ${t.cutAtBytes}, rest ${t.fill}; ${lostText}`;
    }
  }
}

// ---------------------------------------------------------------------------
// One chosen image (explanations: the images next to a failing one)

/** A torn write to apply in `crashImageWith` (fills `old` and `zero`; garbage bytes are not reproducible here). */
export interface TornChoiceSpec {
  readonly seq: number;
  readonly cutAtBytes: number;
  readonly fill: 'old' | 'zero';
}

/**
 * Does the personality allow a crash to keep exactly `keep` (seqs) of the pending
 * ops? The same rules the enumeration above follows: ordered = a prefix;
 * ext4 = the journal keeps a prefix of the metadata ops and each write is kept,
 * dropped or either as its rules say; ext4-weak = the entry ops a prefix, data ops
 * any subset; strict-posix = any subset.
 */
export function keepAllowed(source: Vfs | CrashSource, keep: ReadonlySet<number>): boolean {
  const src = source instanceof Vfs ? source.crashSource() : source;
  const personality = src.personality;
  if (personality === 'strict-posix') return true;
  const pendingEntries = src.log.filter((e) => !e.durable);
  if (personality === 'ext4') return ext4Choices(src.log, src.durable, pendingEntries).allows(pendingEntries.map((e) => keep.has(e.op.seq)));
  const pending = pendingEntries.map((e) => e.op);
  const ordered = personality === 'ordered' ? pending : pending.filter((op) => !isDataOp(op));
  let gap = false;
  for (const op of ordered) {
    if (!keep.has(op.seq)) gap = true;
    else if (gap) return false;
  }
  return true;
}

/** The pending (non-durable) ops of a source, in issue order. */
export function pendingOps(source: Vfs | CrashSource): PendingOp[] {
  const src = source instanceof Vfs ? source.crashSource() : source;
  return src.log.filter((e) => !e.durable).map((e) => e.op);
}

/**
 * The image that keeps exactly the pending ops `keep` (seqs), optionally with one
 * of them torn; whether the personality allows it is `keepAllowed`'s question.
 */
export function crashImageWith(source: Vfs | CrashSource, keep: ReadonlySet<number>, torn?: TornChoiceSpec): CrashImage {
  const src = source instanceof Vfs ? source.crashSource() : source;
  const overlay = new Overlay(src.durable);
  const keptSeqs: number[] = [];
  const lost: string[] = [];
  let tornDetail: TornDetail | undefined;
  let k = 0;
  for (const e of src.log) {
    if (e.durable) {
      applyOp(overlay, e.op);
      continue;
    }
    k++;
    if (torn !== undefined && e.op.seq === torn.seq && e.op.kind === 'write') {
      applyTorn(overlay, e.op, { index: 0, cutAtBytes: torn.cutAtBytes, fill: torn.fill, garbage: undefined });
      tornDetail = tornDetailOf(e.op, { index: 0, cutAtBytes: torn.cutAtBytes, fill: torn.fill, garbage: undefined });
    } else if (keep.has(e.op.seq)) {
      applyOp(overlay, e.op);
      keptSeqs.push(e.op.seq);
    } else {
      lost.push(describeOp(e.op));
    }
  }
  const kind: CrashImageKind = tornDetail === undefined ? 'subset' : 'torn';
  return { ...imageOf(overlay), hash: stateHash(overlay), kind, keptSeqs, lost, torn: tornDetail, summary: summarize(kind, keptSeqs.length, k, lost, tornDetail) };
}
