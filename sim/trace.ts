/**
 * The trace of a simulated run: every scheduling step (which task, which
 * primitive, with which arguments, what came of it) and the world events
 * between steps (task ends, clock jumps, cancellations, logs, crashes).
 *
 * - The **trace hash** (FNV-1a 64 over a canonical encoding of every event)
 *   is always computed; equal seeds must give equal hashes. It never covers
 *   task names (derived from ids) or source locations (machine-dependent).
 * - Only the last `keepLastEvents` events are kept as objects (a ring), so the
 *   hot path allocates one small object per event and builds no strings; text
 *   is rendered on demand (`lines()`), e.g. for a livelock report or --trace.
 * - With `captureSources`, each Env call also records the first stack frame
 *   outside `sim/` and `src/env*` (the caller in the system under test); this
 *   costs a stack capture per call, so it is meant for replay/--trace runs.
 *
 * Arguments are kept raw (strings and numbers): paths, flags as numbers
 * (rendered as names), byte counts and the VFS's own small fds, never memfs
 * fds or inode numbers.
 */
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDWR, O_TRUNC, O_WRONLY } from '../src/env.js';

export type TraceArg = string | number;

export interface TraceEvent {
  /** The step this event belongs to: performed by it, caused by it, or (clock jumps) just before it. */
  readonly step: number;
  readonly timeMs: number;
  /** 0 = the world itself (clock, crash); tasks are numbered from 1 in spawn order. */
  readonly taskId: number;
  readonly taskName: string;
  /** e.g. `fs.open`, `section`, `sleep`, `start`, `end`, `clock`, `log`. */
  readonly op: string;
  readonly args: readonly TraceArg[];
  /** For a step: how many tasks were enabled when it was chosen; 0 for events that are not steps. */
  readonly choices: number;
  /** `ok`, an errno, a count, `wait`, `cancelled`, …; undefined until a step completes. */
  result: TraceArg | undefined;
  readonly source: string | undefined;
}

export interface TraceOptions {
  /** Events kept for rendering, oldest dropped first. Default 256; use a large value for replay/--trace. */
  readonly keepLastEvents?: number;
  /** Record each Env call's source location (a stack capture per call). Default false. */
  readonly captureSources?: boolean;
}

const DEFAULT_KEEP_LAST_EVENTS = 256;
const KEEP_LAST_EVENTS_MAX = 10_000_000;

// ---------------------------------------------------------------------------
// FNV-1a 64 on four 16-bit limbs: every intermediate stays a small integer
// (32-bit halves exceed V8's Smi range and box a heap number per update: 3x slower, measured).

export class Fnv1a64 {
  // little-endian limbs of the offset basis 0xcbf29ce484222325
  private l0 = 0x2325;
  private l1 = 0x8422;
  private l2 = 0x9ce4;
  private l3 = 0xcbf2;

  byte(b: number): void {
    // (state ^ b) · (2^40 + 0x1b3) mod 2^64; 2^40 shifts limb i into limb i+2, 8 bits up.
    const v0 = this.l0 ^ (b & 0xff);
    const t0 = v0 * 0x1b3;
    const t1 = this.l1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.l2 * 0x1b3 + (v0 << 8) + (t1 >>> 16);
    this.l3 = (this.l3 * 0x1b3 + (this.l1 << 8) + (t2 >>> 16)) & 0xffff;
    this.l2 = t2 & 0xffff;
    this.l1 = t1 & 0xffff;
    this.l0 = t0 & 0xffff;
  }

  /**
   * A string: its length, then UTF-16 code units (ASCII as one byte, others as
   * a 0x80 marker + 2 bytes). The ASCII loop keeps the state in locals: this
   * is the trace's hot path (paths, op names).
   */
  str(s: string): void {
    this.uint32(s.length);
    let l0 = this.l0;
    let l1 = this.l1;
    let l2 = this.l2;
    let l3 = this.l3;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.l0 = l0;
        this.l1 = l1;
        this.l2 = l2;
        this.l3 = l3;
        this.byte(0x80);
        this.byte(c >>> 8);
        this.byte(c);
        l0 = this.l0;
        l1 = this.l1;
        l2 = this.l2;
        l3 = this.l3;
        continue;
      }
      const v0 = l0 ^ c;
      const t0 = v0 * 0x1b3;
      const t1 = l1 * 0x1b3 + (t0 >>> 16);
      const t2 = l2 * 0x1b3 + (v0 << 8) + (t1 >>> 16);
      l3 = (l3 * 0x1b3 + (l1 << 8) + (t2 >>> 16)) & 0xffff;
      l2 = t2 & 0xffff;
      l1 = t1 & 0xffff;
      l0 = t0 & 0xffff;
    }
    this.l0 = l0;
    this.l1 = l1;
    this.l2 = l2;
    this.l3 = l3;
  }

  uint32(n: number): void {
    this.byte(n);
    this.byte(n >>> 8);
    this.byte(n >>> 16);
    this.byte(n >>> 24);
  }

  /** A number: int32 values as 4 bytes, anything else as its (spec-defined, stable) decimal text. */
  num(n: number): void {
    if ((n | 0) === n) {
      this.byte(0x69);
      this.uint32(n);
    } else {
      this.byte(0x6e);
      this.str(String(n));
    }
  }

  arg(a: TraceArg): void {
    if (typeof a === 'number') this.num(a);
    else {
      this.byte(0x73);
      this.str(a);
    }
  }

  hex(): string {
    return [this.l3, this.l2, this.l1, this.l0].map((l) => l.toString(16).padStart(4, '0')).join('');
  }
}

// ---------------------------------------------------------------------------

export class Trace {
  private readonly hasher = new Fnv1a64();
  private readonly ring: TraceEvent[] = [];
  private ringStart = 0;
  private count = 0;
  readonly keepLastEvents: number;
  readonly captureSources: boolean;

  constructor(opts: TraceOptions = {}) {
    const keep = opts.keepLastEvents ?? DEFAULT_KEEP_LAST_EVENTS;
    if (!Number.isSafeInteger(keep) || keep < 0 || keep > KEEP_LAST_EVENTS_MAX) {
      throw new RangeError(`trace keepLastEvents must be an integer in [0, ${KEEP_LAST_EVENTS_MAX}], got ${keep}`);
    }
    this.keepLastEvents = keep;
    this.captureSources = opts.captureSources ?? false;
  }

  /** Hashes and keeps `ev`; a step's result follows through `complete`. */
  record(ev: TraceEvent): void {
    const h = this.hasher;
    h.byte(0x1e);
    h.num(ev.step);
    h.num(ev.timeMs);
    h.num(ev.taskId);
    h.str(ev.op);
    h.num(ev.choices);
    h.uint32(ev.args.length);
    for (const a of ev.args) h.arg(a);
    if (ev.result !== undefined) {
      h.byte(0x1d);
      h.arg(ev.result);
    }
    this.count++;
    if (this.keepLastEvents === 0) return;
    if (this.ring.length < this.keepLastEvents) this.ring.push(ev);
    else {
      this.ring[this.ringStart] = ev;
      this.ringStart = (this.ringStart + 1) % this.keepLastEvents;
    }
  }

  /** Sets and hashes the result of a step recorded earlier. */
  complete(ev: TraceEvent, result: TraceArg): void {
    if (ev.result !== undefined) throw new Error(`trace: step ${ev.step} (${ev.op}) completed twice`);
    ev.result = result;
    this.hasher.byte(0x1d);
    this.hasher.arg(result);
  }

  /** 16 hex digits over every event so far (including the dropped ones). */
  hash(): string {
    return this.hasher.hex();
  }

  get eventCount(): number {
    return this.count;
  }

  /** Events recorded but no longer kept. */
  get droppedEvents(): number {
    return this.count - this.ring.length;
  }

  /** The kept events, oldest first. */
  events(): TraceEvent[] {
    return [...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)];
  }

  /** The last `n` kept events as text, one line each (all kept events by default). */
  lines(n = this.keepLastEvents): string[] {
    const evs = this.events();
    return evs.slice(Math.max(0, evs.length - n)).map(renderEvent);
  }

  /** The caller's source location when `captureSources` is on, else undefined. */
  callerSource(): string | undefined {
    return this.captureSources ? captureCallerSource() : undefined;
  }
}

// ---------------------------------------------------------------------------
// Rendering

export function openFlagsText(flags: number): string {
  const access = flags & 0o3;
  const parts = [access === O_WRONLY ? 'O_WRONLY' : access === O_RDWR ? 'O_RDWR' : access === 0 ? 'O_RDONLY' : 'O_ACCMODE3'];
  const named: ReadonlyArray<readonly [number, string]> = [
    [O_CREAT, 'O_CREAT'], [O_EXCL, 'O_EXCL'], [O_TRUNC, 'O_TRUNC'], [O_APPEND, 'O_APPEND'], [O_DIRECTORY, 'O_DIRECTORY'],
  ];
  let rest = flags & ~0o3;
  for (const [bit, name] of named) {
    if (rest & bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) parts.push(`0o${rest.toString(8)}`);
  return parts.join('|');
}

const octal = (m: TraceArg): string => (typeof m === 'number' && m >= 0 ? `0${m.toString(8)}` : '');

/** How the args of an op read, where a plain space-joined list would not do. */
const ARG_RENDERERS: Readonly<Record<string, (args: readonly TraceArg[]) => string>> = {
  'fs.open': ([path, flags, mode]) => `${String(path)} ${typeof flags === 'number' ? openFlagsText(flags) : String(flags)} ${octal(mode ?? -1)}`.trimEnd(),
  'fs.read': ([fd, max]) => `fd ${String(fd)} max ${String(max)}B`,
  'fs.write': ([fd, len]) => `fd ${String(fd)} ${String(len)}B`,
  'fs.mkdir': ([path, mode]) => `${String(path)} ${octal(mode ?? -1)}`.trimEnd(),
  'fs.rename': ([from, to]) => `${String(from)} -> ${String(to)}`,
  'clock': ([toMs]) => `advance to ${String(toMs)}ms`,
  'sleep': ([untilMs]) => `until ${String(untilMs)}ms`,
  'updated': ([watch, woken]) => `${String(watch)} (woke ${String(woken)})`,
  'store': ([cell, woken]) => `${String(cell)} (woke ${String(woken)})`,
  'log': ([level, msg, ...kv]) => {
    let s = `${String(level)} ${JSON.stringify(msg)}`;
    for (let i = 0; i + 1 < kv.length; i += 2) s += ` ${String(kv[i])}=${String(kv[i + 1])}`;
    return s;
  },
};

for (const fdOp of ['fs.fstat', 'fs.fsync', 'fs.close', 'fs.getdents']) {
  (ARG_RENDERERS as Record<string, (args: readonly TraceArg[]) => string>)[fdOp] = ([fd]) => `fd ${String(fd)}`;
}

export function renderEvent(ev: TraceEvent): string {
  const render = ARG_RENDERERS[ev.op];
  const args = render !== undefined ? render(ev.args) : ev.args.map(String).join(' ');
  const head = ev.choices > 0 ? `#${ev.step}` : ` ${ev.step}`;
  let line = `${head} t=${ev.timeMs}ms ${ev.taskName}: ${ev.op}${args === '' ? '' : ' ' + args}`;
  if (ev.result !== undefined) line += ` -> ${String(ev.result)}`;
  if (ev.choices > 1) line += ` [${ev.choices} enabled]`;
  if (ev.source !== undefined) line += ` at ${ev.source}`;
  return line;
}

// ---------------------------------------------------------------------------
// Source locations

// sim/trace.ts, or dist/sim/trace.js when compiled. Compiled code runs with
// source maps (bin/dist.mjs), so frames name the sources; without them (the
// library's dist/ in someone's process) they name dist/: both are skipped.
const HERE = new URL('./', import.meta.url);
const COMPILED = HERE.pathname.endsWith('/dist/sim/');
const REPO_ROOT = fileURLToPath(new URL(COMPILED ? '../../' : '../', HERE));
const SKIPPED_PREFIXES = [REPO_ROOT + 'sim/', REPO_ROOT + 'src/env', ...(COMPILED ? [REPO_ROOT + 'dist/sim/', REPO_ROOT + 'dist/src/env'] : [])];
const FRAME_LOCATION = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/;
const STACK_FRAMES_MAX = 50;

/** One stack frame of the system under test (or its driver): file relative to the repo root. */
export interface CallerFrame {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** the function as V8 names it (`FileBlockPersister.persistBlock`), or '' when anonymous */
  readonly fn: string;
}

const FRAME_FUNCTION = /^at (?:async )?(.*?) \(/;

/**
 * The stack frames outside `sim/`, `src/env*`, node internals and node_modules,
 * innermost first, at most `framesMax` (async callers included: V8 lists the
 * awaiting functions).
 */
export function captureCallerFrames(framesMax = STACK_FRAMES_MAX): CallerFrame[] {
  const savedLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_FRAMES_MAX;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = savedLimit;
  const out: CallerFrame[] = [];
  for (const raw of stack.split('\n')) {
    if (out.length >= framesMax) break;
    const line = raw.trim();
    const m = FRAME_LOCATION.exec(line);
    if (m === null) continue;
    let file = m[1] ?? '';
    if (file.startsWith('file://')) file = fileURLToPath(file);
    if (file.startsWith('node:') || SKIPPED_PREFIXES.some((p) => file.startsWith(p))) continue;
    if (file.includes('/node_modules/')) continue;
    const fn = FRAME_FUNCTION.exec(line)?.[1] ?? '';
    out.push({ file: file.startsWith(REPO_ROOT) ? file.slice(REPO_ROOT.length) : file, line: Number(m[2]), column: Number(m[3]), fn });
  }
  return out;
}

/** The first stack frame outside `sim/` and `src/env*` (relative to the repo root), or undefined. */
export function captureCallerSource(): string | undefined {
  // A --trace run asks this at every Env call: read the frames as V8 call sites
  // and map only those looked at, instead of formatting (and, with source maps,
  // mapping) all fifty. Where someone else formats stacks (an
  // Error.prepareStackTrace other than node's own), the formatted stack is read as before.
  const prepare = Error.prepareStackTrace;
  if (prepare !== undefined && prepare.name !== 'ErrorPrepareStackTrace') return captureCallerSourceFromStack();
  const fast = callerSourceFromCallSites(prepare);
  if (CHECK_CALLER_SOURCE) {
    const slow = captureCallerSourceFromStack();
    if (slow !== fast) throw new Error(`trace: caller source ${String(fast)} from call sites, ${String(slow)} from the stack`);
  }
  return fast;
}

/** Set by the test that compares both ways on every Env call of a real run. */
const CHECK_CALLER_SOURCE = process.env['CRASHSIM_CHECK_CALLER_SOURCE'] === '1'; // nondeterminism-ok: a test switch, changes no result

/** captureCallerSource by formatting the whole stack (what node prints). */
export function captureCallerSourceFromStack(): string | undefined {
  const f = captureCallerFrames(1)[0];
  return f === undefined ? undefined : `${f.file}:${f.line}:${f.column}`;
}

const callSitesOf = (_e: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;

/** position → the caller source it reads as, or null for a frame that is skipped */
const frameReadings = new Map<string, string | null>();
const FRAME_READINGS_MAX = 65_536;

function readFrame(site: NodeJS.CallSite, fileName: string | undefined, line: number | null, column: number | null, mapped: boolean): string | null {
  let text: string | undefined;
  if (mapped && fileName !== undefined && !fileName.startsWith('node:') && line !== null && column !== null) {
    // node 20: the entry, or {} where the position has no mapping
    const entry = findSourceMap(fileName)?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined && entry.originalColumn !== undefined) {
      const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : entry.originalSource;
      text = `(${source}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
    }
  }
  const m = FRAME_LOCATION.exec(text ?? String(site).trim());
  if (m === null) return null;
  let file = m[1] ?? '';
  if (file.startsWith('file://')) file = fileURLToPath(file);
  if (file.startsWith('node:') || SKIPPED_PREFIXES.some((p) => file.startsWith(p))) return null;
  if (file.includes('/node_modules/')) return null;
  return `${file.startsWith(REPO_ROOT) ? file.slice(REPO_ROOT.length) : file}:${Number(m[2])}:${Number(m[3])}`;
}

/**
 * The frames captureCallerFrames sees below itself and captureCallerSource
 * (they are in sim/, skipped either way), each read as node formats it: with
 * source maps on, a frame whose file has a map and whose position maps is
 * `<original source>:<line>:<column>`; every other frame is the call site's
 * own text.
 */
function callerSourceFromCallSites(nodePrepare: typeof Error.prepareStackTrace): string | undefined {
  const savedLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_FRAMES_MAX - 2;
  Error.prepareStackTrace = callSitesOf;
  const holder: { stack?: unknown } = {};
  let sites: NodeJS.CallSite[];
  try {
    Error.captureStackTrace(holder, captureCallerSource);
    sites = holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = nodePrepare;
    Error.stackTraceLimit = savedLimit;
  }
  const mapped = process.sourceMapsEnabled;
  for (const site of sites) {
    const fileName = site.getFileName() ?? site.getEvalOrigin();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    // A frame's reading depends on its position alone (and whether maps are on): read once.
    const key = fileName === undefined || line === null || column === null ? undefined : `${mapped ? 'm' : 'r'}${line}:${column}:${fileName}`;
    let read = key === undefined ? undefined : frameReadings.get(key);
    if (read === undefined) {
      read = readFrame(site, fileName, line, column, mapped);
      if (key !== undefined) {
        if (frameReadings.size >= FRAME_READINGS_MAX) frameReadings.clear();
        frameReadings.set(key, read);
      }
    }
    if (read !== null) return read;
  }
  return undefined;
}
