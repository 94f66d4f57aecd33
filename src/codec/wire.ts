/**
 * Stage 1 of decoding (spec §1.6): a protobuf parse with protobuf-go semantics, done
 * as a *normalizing walk* over the wire bytes, driven by the reflected schema.
 *
 * protobufjs's own decoder is not used on untrusted bytes, because protobuf-go's
 * rules differ from it in corner cases that matter for crash images: this walker
 *  - rejects what protobuf-go rejects: a truncated tag / varint / fixed-width value /
 *    length-delimited payload; a length beyond the remaining bytes; a varint whose
 *    10th byte is > 1 (64-bit overflow); wire type 6 or 7; field number 0 or above
 *    2^29-1 at message level (above 2^31-1 inside unknown groups, as protowire's
 *    ConsumeTag); an end-group tag that closes nothing; unknown groups nested deeper
 *    than protowire's recursion limit;
 *  - keeps a known field that arrives with the wrong wire type as an unknown field
 *    (skipped; it does not touch presence or a oneof);
 *  - drops unknown fields;
 *  - merges repeated occurrences of a singular message field (by concatenating the
 *    normalized payloads: protobuf's merge semantics); the last occurrence of a
 *    singular scalar/bytes field wins; a oneof member replaces a different member
 *    and merges into the same member;
 *  - parses nested messages eagerly, so a malformed nested message fails the parse,
 *    even one that a later oneof member would replace.
 *
 * The output is the canonical encoding of §1.4 of the parsed message: ascending field
 * numbers, only present fields, repeated elements one per tag, uint64/int64 as the
 * varint of the 64-bit two's complement, int32 as the varint of its 32-bit two's
 * complement zero-extended. protobufjs's decoder then reads it without surprises.
 */
import type protobuf from 'protobufjs';
import { messageType, type MessageName } from './schema.js';

/** protobuf-go's text for every wire-format failure (errDecode). */
export const PROTO_PARSE_ERROR = 'proto: cannot parse invalid wire-format data';

/** protowire.MaxValidNumber (2^29 - 1). */
const MAX_FIELD_NUMBER = 0x1fffffff;
/** protowire.DecodeTag's limit inside unknown groups: math.MaxInt32. */
const MAX_GROUP_FIELD_NUMBER = 0x7fffffff;
/** protowire.DefaultRecursionLimit; a group at nesting level k is checked with depth 10000-(k-1) < 0. */
const MAX_GROUP_NESTING = 10_001;
/** Message nesting bound (protobuf-go's unmarshal depth limit); our schema is ~7 deep. */
const MAX_MESSAGE_DEPTH = 10_000;

const WT_VARINT = 0;
const WT_FIXED64 = 1;
const WT_BYTES = 2;
const WT_START_GROUP = 3;
const WT_END_GROUP = 4;
const WT_FIXED32 = 5;

// ---------------------------------------------------------------------------
// Varints

/** A 64-bit varint value as two unsigned 32-bit halves. */
export interface U64 {
  lo: number;
  hi: number;
}

/** Why a parse failed; `detail` is for humans, the public error is PROTO_PARSE_ERROR. */
export class Stage1Failure {
  constructor(readonly detail: string) {}
}

interface VarintRead {
  lo: number;
  hi: number;
  next: number;
}

/**
 * protowire.ConsumeVarint: up to 10 bytes; running out of input is "truncated"; a
 * 10th byte above 1 does not fit 64 bits ("overflow"). Overlong encodings of small
 * values (e.g. 0x80 0x00) are accepted, as in protobuf-go.
 */
function readVarint(buf: Uint8Array, pos: number, end: number, what: string): VarintRead | Stage1Failure {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return new Stage1Failure(`truncated ${what} at offset ${pos}`);
    const b = buf[pos + i] as number;
    const bits = b & 0x7f;
    if (i < 4) {
      lo |= bits << (7 * i);
    } else if (i === 4) {
      lo |= (bits & 0x0f) << 28;
      hi |= bits >> 4;
    } else {
      if (i === 9 && b > 1) return new Stage1Failure(`varint overflow in ${what} at offset ${pos}`);
      hi |= bits << (7 * i - 32);
    }
    if (b < 0x80) return { lo: lo >>> 0, hi: hi >>> 0, next: pos + i + 1 };
  }
  // unreachable: the 10th byte is < 0x80 or was rejected above
  return new Stage1Failure(`varint overflow in ${what} at offset ${pos}`);
}

/** A growable byte buffer for canonical output. */
class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  varint(lo: number, hi: number): void {
    this.reserve(10);
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h !== 0 || l > 0x7f) {
      this.buf[this.len++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    this.buf[this.len++] = l;
  }

  tag(fieldNumber: number, wireType: number): void {
    // field numbers here are ≤ 2^29-1, so the tag fits 32 bits
    this.varint(((fieldNumber << 3) | wireType) >>> 0, 0);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length, 0);
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// ---------------------------------------------------------------------------
// Plans: the reflected schema reduced to what the walk needs

type FieldKind = 'varint64' | 'varint32' | 'bytes' | 'message';

interface FieldPlan {
  readonly id: number;
  readonly name: string;
  /** index into the per-walk state arrays */
  readonly slot: number;
  readonly kind: FieldKind;
  readonly repeated: boolean;
  /** index of the real oneof (not a proto3-optional synthetic one) this field belongs to */
  readonly oneof: number | undefined;
  readonly wireType: number;
  /** set for kind 'message' once all plans exist */
  message: MessagePlan | undefined;
}

interface MessagePlan {
  readonly name: string;
  readonly byId: ReadonlyMap<number, FieldPlan>;
  /** ascending field number */
  readonly sorted: readonly FieldPlan[];
  readonly oneofCount: number;
}

const SCALAR_KINDS: Readonly<Record<string, FieldKind>> = {
  uint64: 'varint64',
  int64: 'varint64',
  int32: 'varint32',
  bytes: 'bytes',
};

const plans = new Map<string, MessagePlan>();

function planFor(type: protobuf.Type): MessagePlan {
  const existing = plans.get(type.fullName);
  if (existing !== undefined) return existing;
  const realOneofs = type.oneofsArray.filter((o) => !o.fieldsArray.every((f) => f.options?.['proto3_optional'] === true));
  const fields: FieldPlan[] = [];
  const sortedFields = type.fieldsArray.slice().sort((a, b) => a.id - b.id);
  const pendingMessages: Array<[FieldPlan, protobuf.Type]> = [];
  sortedFields.forEach((f, slot) => {
    f.resolve();
    if (f.map) throw new Error(`codec: map field ${type.fullName}.${f.name} is not supported`);
    let kind: FieldKind | undefined = SCALAR_KINDS[f.type];
    const resolved = f.resolvedType;
    if (kind === undefined) {
      if (resolved === null || !('fieldsArray' in resolved)) {
        throw new Error(`codec: field type ${f.type} of ${type.fullName}.${f.name} is not supported`);
      }
      kind = 'message';
    }
    if (f.repeated && (kind === 'varint64' || kind === 'varint32')) {
      throw new Error(`codec: repeated scalar ${type.fullName}.${f.name} is not supported (packing rules)`);
    }
    const oneofIndex = f.partOf === null ? -1 : realOneofs.indexOf(f.partOf);
    const plan: FieldPlan = {
      id: f.id,
      name: f.name,
      slot,
      kind,
      repeated: f.repeated,
      oneof: oneofIndex < 0 ? undefined : oneofIndex,
      wireType: kind === 'varint64' || kind === 'varint32' ? WT_VARINT : WT_BYTES,
      message: undefined,
    };
    fields.push(plan);
    if (kind === 'message') pendingMessages.push([plan, resolved as protobuf.Type]);
  });
  const plan: MessagePlan = {
    name: type.fullName.replace(/^\./, ''),
    byId: new Map(fields.map((f) => [f.id, f])),
    sorted: fields,
    oneofCount: realOneofs.length,
  };
  plans.set(type.fullName, plan); // before recursing: tolerates recursive schemas
  for (const [fieldPlan, msgType] of pendingMessages) fieldPlan.message = planFor(msgType);
  return plan;
}

// ---------------------------------------------------------------------------
// The walk

/** Per-field state of one message being parsed; indexed by FieldPlan.slot. */
type SlotState =
  | { readonly k: 'u64'; lo: number; hi: number }
  | { readonly k: 'bytes'; start: number; end: number; readonly src: Uint8Array }
  | { readonly k: 'bytesList'; readonly items: Uint8Array[] }
  | { readonly k: 'msg'; readonly chunks: Uint8Array[] }
  | { readonly k: 'msgList'; readonly items: Uint8Array[] };

/**
 * Skips one unknown field value of wire type `wireType` starting at `pos`
 * (protowire.ConsumeFieldValue). Returns the position after it.
 */
function skipValue(buf: Uint8Array, pos: number, end: number, fieldNumber: number, wireType: number): number | Stage1Failure {
  switch (wireType) {
    case WT_VARINT: {
      const v = readVarint(buf, pos, end, 'varint');
      return v instanceof Stage1Failure ? v : v.next;
    }
    case WT_FIXED64:
      return pos + 8 <= end ? pos + 8 : new Stage1Failure(`truncated fixed64 at offset ${pos}`);
    case WT_FIXED32:
      return pos + 4 <= end ? pos + 4 : new Stage1Failure(`truncated fixed32 at offset ${pos}`);
    case WT_BYTES: {
      const r = readLengthDelimited(buf, pos, end);
      return r instanceof Stage1Failure ? r : r.end;
    }
    case WT_START_GROUP:
      return skipGroup(buf, pos, end, fieldNumber);
    case WT_END_GROUP:
      return new Stage1Failure(`unmatched end-group of field ${fieldNumber} at offset ${pos}`);
    default:
      return new Stage1Failure(`reserved wire type ${wireType} at offset ${pos}`);
  }
}

/** Iterative group skipping (no JS recursion, so deep nesting cannot overflow the stack). */
function skipGroup(buf: Uint8Array, pos: number, end: number, fieldNumber: number): number | Stage1Failure {
  const open: number[] = [fieldNumber];
  let p = pos;
  while (open.length > 0) {
    const t = readVarint(buf, p, end, 'tag');
    if (t instanceof Stage1Failure) return t;
    const num = t.hi * 0x20000000 + (t.lo >>> 3);
    if (num < 1 || num > MAX_GROUP_FIELD_NUMBER) return new Stage1Failure(`invalid field number ${num} in group at offset ${p}`);
    const wt = t.lo & 7;
    p = t.next;
    if (wt === WT_END_GROUP) {
      if (num !== open[open.length - 1]) return new Stage1Failure(`mismatched end-group ${num} at offset ${p}`);
      open.pop();
      continue;
    }
    if (wt === WT_START_GROUP) {
      if (open.length >= MAX_GROUP_NESTING) return new Stage1Failure(`groups nested deeper than ${MAX_GROUP_NESTING}`);
      open.push(num);
      continue;
    }
    const next = skipValue(buf, p, end, num, wt);
    if (next instanceof Stage1Failure) return next;
    p = next;
  }
  return p;
}

function readLengthDelimited(buf: Uint8Array, pos: number, end: number): { start: number; end: number } | Stage1Failure {
  const len = readVarint(buf, pos, end, 'length');
  if (len instanceof Stage1Failure) return len;
  if (len.hi !== 0 || len.lo > end - len.next) {
    return new Stage1Failure(`length ${len.hi === 0 ? len.lo : 'above 2^32'} exceeds the ${end - len.next} remaining bytes at offset ${pos}`);
  }
  return { start: len.next, end: len.next + len.lo };
}

function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function walk(plan: MessagePlan, buf: Uint8Array, start: number, end: number, depth: number): Uint8Array | Stage1Failure {
  if (depth > MAX_MESSAGE_DEPTH) return new Stage1Failure('exceeded maximum recursion depth');
  const state: Array<SlotState | undefined> = new Array(plan.sorted.length);
  const activeOneof: Array<FieldPlan | undefined> = new Array(plan.oneofCount);
  let pos = start;
  while (pos < end) {
    const t = readVarint(buf, pos, end, 'tag');
    if (t instanceof Stage1Failure) return t;
    const num = t.hi * 0x20000000 + (t.lo >>> 3);
    if (num < 1 || num > MAX_FIELD_NUMBER) return new Stage1Failure(`invalid field number ${num} in ${plan.name} at offset ${pos}`);
    const wt = t.lo & 7;
    if (wt === WT_END_GROUP) return new Stage1Failure(`unmatched end-group of field ${num} in ${plan.name} at offset ${pos}`);
    pos = t.next;
    const field = plan.byId.get(num);
    if (field === undefined || field.wireType !== wt) {
      // unknown field, or a known one with the wrong wire type: protobuf-go keeps it
      // as an unknown field; canonical output drops unknown fields
      const next = skipValue(buf, pos, end, num, wt);
      if (next instanceof Stage1Failure) return next;
      pos = next;
      continue;
    }
    if (field.oneof !== undefined) {
      const active = activeOneof[field.oneof];
      if (active !== undefined && active !== field) state[active.slot] = undefined; // another member replaces
      activeOneof[field.oneof] = field;
    }
    switch (field.kind) {
      case 'varint64':
      case 'varint32': {
        const v = readVarint(buf, pos, end, `${plan.name}.${field.name}`);
        if (v instanceof Stage1Failure) return v;
        pos = v.next;
        state[field.slot] = { k: 'u64', lo: v.lo, hi: field.kind === 'varint32' ? 0 : v.hi };
        break;
      }
      case 'bytes': {
        const r = readLengthDelimited(buf, pos, end);
        if (r instanceof Stage1Failure) return r;
        pos = r.end;
        if (field.repeated) {
          const s = state[field.slot];
          const item = buf.slice(r.start, r.end);
          if (s !== undefined && s.k === 'bytesList') s.items.push(item);
          else state[field.slot] = { k: 'bytesList', items: [item] };
        } else {
          state[field.slot] = { k: 'bytes', start: r.start, end: r.end, src: buf };
        }
        break;
      }
      case 'message': {
        const r = readLengthDelimited(buf, pos, end);
        if (r instanceof Stage1Failure) return r;
        pos = r.end;
        const sub = field.message;
        if (sub === undefined) return new Stage1Failure(`internal: no plan for ${plan.name}.${field.name}`);
        const normalized = walk(sub, buf, r.start, r.end, depth + 1);
        if (normalized instanceof Stage1Failure) return normalized;
        const s = state[field.slot];
        if (field.repeated) {
          if (s !== undefined && s.k === 'msgList') s.items.push(normalized);
          else state[field.slot] = { k: 'msgList', items: [normalized] };
        } else if (s !== undefined && s.k === 'msg') {
          s.chunks.push(normalized); // merge
        } else {
          state[field.slot] = { k: 'msg', chunks: [normalized] };
        }
        break;
      }
    }
  }
  if (pos !== end) return new Stage1Failure(`internal: overran ${plan.name} by ${pos - end} bytes`);
  return emit(plan, state, depth, end - start);
}

function emit(plan: MessagePlan, state: ReadonlyArray<SlotState | undefined>, depth: number, sizeHint: number): Uint8Array | Stage1Failure {
  const w = new ByteWriter(sizeHint);
  for (const field of plan.sorted) {
    const s = state[field.slot];
    if (s === undefined) continue;
    switch (s.k) {
      case 'u64':
        w.tag(field.id, WT_VARINT);
        w.varint(s.lo, s.hi);
        break;
      case 'bytes':
        w.tag(field.id, WT_BYTES);
        w.bytes(s.src.subarray(s.start, s.end));
        break;
      case 'bytesList':
      case 'msgList':
        for (const item of s.items) {
          w.tag(field.id, WT_BYTES);
          w.bytes(item);
        }
        break;
      case 'msg': {
        let payload = s.chunks[0] as Uint8Array;
        if (s.chunks.length > 1) {
          const sub = field.message;
          if (sub === undefined) return new Stage1Failure(`internal: no plan for ${plan.name}.${field.name}`);
          const merged = concatChunks(s.chunks);
          const again = walk(sub, merged, 0, merged.length, depth + 1);
          if (again instanceof Stage1Failure) return new Stage1Failure(`internal: merged ${plan.name}.${field.name} did not re-parse: ${again.detail}`);
          payload = again;
        }
        w.tag(field.id, WT_BYTES);
        w.bytes(payload);
        break;
      }
    }
  }
  return w.finish();
}

/**
 * Stage-1 parse of `bytes` as message `name`: the canonical re-encoding of what
 * protobuf-go would have parsed, or a failure. Total: never throws for any input.
 */
export function canonicalize(name: MessageName, bytes: Uint8Array): Uint8Array | Stage1Failure {
  const plan = planFor(messageType(name));
  return walk(plan, bytes, 0, bytes.length, 0);
}

