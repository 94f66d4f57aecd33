/**
 * The human side of an exploration: where in the program a primitive was
 * called (stack frames outside crashsim), why a crash image is possible (which
 * pending operation was lost, which later one was kept, what would have ordered
 * them), and the readable failure report.
 */
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeOp } from '../sim/vfs/model.js';
import type { PendingOp } from '../sim/vfs/model.js';
import type { TornDetail } from '../sim/vfs/crash.js';
import { ownCodeDirs } from './paths.js';

/** Where a file-system call came from: the first frame outside crashsim, and the first outside node_modules too. */
export interface SourceSite {
  /** file:line:col of the innermost caller outside crashsim (may be inside a library in node_modules) */
  readonly at: string | undefined;
  /** the innermost caller outside node_modules, when `at` is inside one (the program's own line) */
  readonly from: string | undefined;
}

const STACK_FRAMES_MAX = 60;

/** The raw stack of the current call (cheap; parsed only when a report needs it). */
export function captureStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_FRAMES_MAX;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack;
}

const FRAME = /\(?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?\s*$/;

let own: string[] | undefined;

/** The frames of `stack` outside crashsim and Node's internals, as `path:line:col` relative to the working directory. */
export function userFrames(stack: string): string[] {
  own ??= ownCodeDirs();
  const out: string[] = [];
  for (const line of stack.split('\n').slice(1)) {
    const m = FRAME.exec(line.trim());
    if (m === null) continue;
    let file = m[1] as string;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    if ((own as string[]).some((d) => file.startsWith(d))) continue;
    out.push(`${displayPath(file)}:${m[2]}:${m[3]}`);
  }
  return out;
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

export function siteOf(stack: unknown): SourceSite {
  if (typeof stack !== 'string') return { at: undefined, from: undefined };
  const frames = userFrames(stack);
  const at = frames[0];
  const inModules = (f: string): boolean => f.includes('node_modules/');
  const from = at !== undefined && inModules(at) ? frames.find((f) => !inModules(f)) : undefined;
  return { at, from };
}

export function siteText(s: SourceSite): string | undefined {
  if (s.at === undefined) return undefined;
  return s.from === undefined ? s.at : `${s.at} ← ${s.from}`;
}

// ---------------------------------------------------------------------------
// Explanations

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function isData(op: PendingOp): boolean {
  return op.kind === 'write' || op.kind === 'truncate';
}

/** What would have made `op` durable. */
function barrierFor(op: PendingOp): string {
  if (isData(op)) return `an fsync of ${(op as { path: string }).path}`;
  if (op.kind === 'rename') {
    const a = dirOf(op.fromPath);
    const b = dirOf(op.toPath);
    return a === b ? `an fsync of ${a}` : `fsyncs of ${a} and ${b}`;
  }
  return `an fsync of ${dirOf(op.path)}`;
}

function reorderReason(personality: string, lost: PendingOp, kept: PendingOp): string {
  if (personality === 'strict-posix') {
    return `strict-posix persists pending operations in any order; only ${barrierFor(lost)} before #${kept.seq} would have ordered them`;
  }
  if (personality.startsWith('ext4') && isData(lost)) {
    return `${personality} writes file data back in any order relative to other operations; only ${barrierFor(lost)} before #${kept.seq} would have ordered them`;
  }
  return `${personality} does not keep these two in issue order; ${barrierFor(lost)} before #${kept.seq} would have`;
}

/** An operation without its sequence number and sizes: what groups failures into mechanisms. */
function opShape(op: PendingOp): string {
  switch (op.kind) {
    case 'write': return `write ${op.path}`;
    case 'truncate': return `truncate ${op.path}`;
    case 'link': return `${op.type === 'dir' ? 'mkdir' : 'create'} ${op.path}`;
    case 'unlink': return `${op.type === 'dir' ? 'rmdir' : 'unlink'} ${op.path}`;
    case 'rename': return `rename ${op.fromPath} -> ${op.toPath}`;
  }
}

export interface Explanation {
  /** one or two sentences: why the personality allows this image */
  readonly text: string;
  /** the same without sequence numbers: failing states with one mechanism share it */
  readonly mechanism: string;
}

/**
 * Why a crash image is possible: a tear, else the first lost operation that a
 * later kept one overtook, else the first lost operation (the crash simply came
 * before it reached the disk).
 */
export function explain(
  personality: string,
  pending: readonly PendingOp[],
  keptSeqs: ReadonlySet<number>,
  torn: TornDetail | undefined,
  completed: boolean,
  /** acknowledgements before the crash, each with the sequence number the VFS had reached when it was made */
  acks: readonly { readonly value: unknown; readonly seq: number }[] = [],
): Explanation {
  const parts: string[] = [];
  const mechanism: string[] = [];
  if (torn !== undefined) {
    const end = torn.offsetBytes + torn.lenBytes;
    parts.push(`The crash tore write #${torn.seq} to ${torn.path} (bytes ${torn.offsetBytes}..${end}): bytes up to ${torn.cutAtBytes} landed, the rest ${torn.fill === 'old' ? 'kept their old contents' : `read as ${torn.fill}`}.`);
    mechanism.push(`torn write ${torn.path} (${torn.fill} tail)`);
  }
  const rest = pending.filter((op) => torn === undefined || op.seq !== torn.seq);
  let inversion: { lost: PendingOp; kept: PendingOp } | undefined;
  for (const [i, op] of rest.entries()) {
    if (keptSeqs.has(op.seq)) continue;
    const later = rest.slice(i + 1).find((o) => keptSeqs.has(o.seq));
    if (later !== undefined) {
      inversion = { lost: op, kept: later };
      break;
    }
  }
  if (inversion !== undefined) {
    parts.push(`${describeOp(inversion.lost)} never reached the disk, but the later ${describeOp(inversion.kept)} did: ${reorderReason(personality, inversion.lost, inversion.kept)}.`);
    mechanism.push(`${opShape(inversion.lost)} lost, later operations kept`);
  } else {
    const firstLost = rest.find((op) => !keptSeqs.has(op.seq));
    if (firstLost !== undefined) {
      const more = rest.filter((o) => !keptSeqs.has(o.seq)).length > 1;
      const ackedAfter = acks.find((a) => a.seq > firstLost.seq);
      if (ackedAfter !== undefined) {
        parts.push(`The workload acknowledged ${showValue(ackedAfter.value)} after issuing ${describeOp(firstLost)}, but that operation had not reached the disk: nothing made it durable first; ${barrierFor(firstLost)} before the acknowledgement would have.`);
        mechanism.push(`${opShape(firstLost)} lost though an acknowledgement followed it`);
      } else {
        parts.push(completed
          ? `The workload had returned, but ${describeOp(firstLost)} had not reached the disk${more ? ' (nor what followed it)' : ''}: nothing made it durable; ${barrierFor(firstLost)} after it would have.`
          : `The crash came before ${describeOp(firstLost)} reached the disk${more ? ' (and before what followed it)' : ''}.`);
        mechanism.push(`${opShape(firstLost)} lost${completed ? ' after the workload returned' : ''}`);
      }
    } else if (torn === undefined) {
      parts.push(rest.length === 0 ? 'Nothing was pending: this is exactly the state the workload had left on disk.' : 'Every pending operation reached the disk: the state is exactly what the workload wrote.');
      mechanism.push('the state as written');
    }
  }
  return { text: parts.join(' '), mechanism: mechanism.join('; ') };
}

/** A value in one short line (JSON where possible). */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
  } catch {
    return String(v);
  }
}
