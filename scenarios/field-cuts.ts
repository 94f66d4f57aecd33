/**
 * Structure-aware torn-write cuts: the byte offsets where one protobuf field of
 * a file ends and the next begins, at every nesting level. A crash image cut
 * there holds a file that still parses — with fewer repeated elements (a
 * CommitQC with fewer signatures than a quorum) or a shorter nested message —
 * which uniform or sector cuts rarely hit. sim/ knows nothing of protobuf: the
 * executor hands `fieldCutHints` to crash.ts as `TornOptions.cutHints`.
 *
 * The walk is schema-free over the wire format the encoder (src/codec/encode.ts)
 * writes: tags, varints, fixed32/64 and length-delimited fields; a
 * length-delimited field is walked as a nested message when its bytes parse
 * completely as fields, else treated as opaque bytes (a payload, a signature).
 */

/** Nesting levels walked (the schema is about 7 deep). */
const DEPTH_MAX = 8;
/** Boundaries returned per buffer at most (the first ones in file order). */
export const FIELD_CUTS_MAX = 256;

function varint(b: Uint8Array, at: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (at + i >= end) return undefined;
    const x = b[at + i] as number;
    value += (x & 0x7f) * mul;
    mul *= 128;
    if ((x & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return undefined;
}

/** Field starts in [start, end) that parse as a whole message, or undefined if the range is not one. */
function walk(b: Uint8Array, start: number, end: number, depth: number, out: Set<number>): boolean {
  const found: number[] = [];
  const nested: [number, number][] = [];
  let at = start;
  while (at < end) {
    found.push(at);
    const tag = varint(b, at, end);
    if (tag === undefined || tag.value < 8) return false;
    const wireType = tag.value % 8;
    let next: number;
    if (wireType === 0) {
      const v = varint(b, tag.next, end);
      if (v === undefined) return false;
      next = v.next;
    } else if (wireType === 1) next = tag.next + 8;
    else if (wireType === 5) next = tag.next + 4;
    else if (wireType === 2) {
      const len = varint(b, tag.next, end);
      if (len === undefined) return false;
      next = len.next + len.value;
      if (len.value > 0) nested.push([len.next, next]);
    } else return false; // groups never appear in our schema
    if (next > end) return false;
    at = next;
  }
  for (const f of found) out.add(f);
  out.add(end);
  if (depth < DEPTH_MAX) {
    for (const [s, e] of nested) {
      const inner = new Set<number>();
      if (walk(b, s, e, depth + 1, inner)) for (const x of inner) out.add(x);
    }
  }
  return true;
}

/** Field boundaries strictly inside `bytes` (ascending), or [] if it is not protobuf; `depthMax` 0: top-level fields only. */
export function fieldBoundaries(bytes: Uint8Array, depthMax = DEPTH_MAX): number[] {
  const out = new Set<number>();
  if (!walk(bytes, 0, bytes.length, DEPTH_MAX - depthMax, out)) return [];
  return [...out].filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b).slice(0, FIELD_CUTS_MAX);
}

/**
 * Cut hints at the end of each top-level field only: a file kept up to there
 * (and nothing after) always parses — a CommitQC with fewer signatures, an A/B
 * wrapper without its payload (torn mode `field`).
 */
export function topLevelFieldCutHints(write: { readonly path: string; readonly offsetBytes: number; readonly bytes: Uint8Array }): readonly number[] {
  // `.pb.tmp`: a design that replaces files by rename (hardened) writes them under a temporary name first.
  if (!/\.pb(\.tmp)?$/.test(write.path)) return [];
  return fieldBoundaries(write.bytes, 0).map((x) => write.offsetBytes + x);
}

/** `TornOptions.cutHints` for the state directory's files: a write that holds whole protobuf files (written from offset 0). */
export function fieldCutHints(write: { readonly path: string; readonly offsetBytes: number; readonly bytes: Uint8Array }): readonly number[] {
  if (!write.path.endsWith('.pb')) return [];
  return fieldBoundaries(write.bytes).map((x) => write.offsetBytes + x);
}
