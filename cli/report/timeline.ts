/**
 * The timeline of one failure, as data for the HTML report: the failure's token
 * is replayed with every world's trace kept, and each incarnation of the node
 * becomes a set of swimlanes (one per task) of file-system operations, with the
 * commands that drove it, injected faults, fsync barriers, publishes of
 * latestCommitQC, and how it ended (power loss with the pending operations it
 * lost, a process restart, or the broken invariant).
 */
import { O_APPEND, O_CREAT, O_DIRECTORY, O_TRUNC } from '../../src/env.js';
import type { TimelineEvent } from '../../scenarios/execute.js';
import { decodeToken } from '../../scenarios/token.js';
import { renderEvent, type TraceEvent } from '../../sim/trace.js';
import { replayToken, type WorldTrace } from '../replay-core.js';
import type { FailureEntry } from '../summary.js';

/** O_RDONLY / O_WRONLY / O_RDWR live in the low two bits of the open flags. */
const ACCESS_MODE_BITS = 0o3;

/** Marks drawn per incarnation; earlier ones are counted, not drawn. */
export const MARKS_PER_INCARNATION_MAX = 220;

export type MarkClass = 'meta' | 'read' | 'write' | 'create' | 'fsync-file' | 'fsync-dir' | 'rename' | 'unlink' | 'mkdir' | 'error' | 'publish';

export interface Mark {
  readonly x: number;
  readonly step: number;
  readonly lane: string;
  readonly cls: MarkClass;
  /** short label drawn on hover and in the op list */
  readonly text: string;
  readonly source: string | undefined;
  /** pending at the crash: lost by the chosen crash image, or kept */
  pending: 'lost' | 'kept' | undefined;
}

export interface LaneEvent {
  readonly x: number;
  readonly step: number;
  readonly kind: 'command' | 'fault' | 'violation' | 'liveness';
  readonly text: string;
}

export interface CrashEnd {
  readonly kind: 'crash';
  readonly point: string;
  readonly image: string;
  readonly imagesConsidered: number;
  readonly pending: ReadonlyArray<{ readonly text: string; readonly lost: boolean }>;
}

export interface IncarnationView {
  readonly index: number;
  readonly startedBy: string;
  readonly lanes: readonly string[];
  readonly marks: readonly Mark[];
  readonly events: readonly LaneEvent[];
  /** marks not drawn (older than the last MARKS_PER_INCARNATION_MAX) */
  readonly hiddenMarks: number;
  readonly width: number;
  readonly end: CrashEnd | { readonly kind: 'restart'; readonly why: string } | { readonly kind: 'violation'; readonly text: string } | { readonly kind: 'end' };
}

export interface TimelineView {
  readonly matched: boolean;
  readonly note: string | undefined;
  readonly incarnations: readonly IncarnationView[];
  readonly finalState: unknown;
  readonly traceTail: readonly string[];
  readonly steps: number;
  /** plan commands the run issued before it ended (the rest were never reached) */
  readonly commandsRun: number;
  /** whether the node was restarted (after a power loss or a process restart) before the run ended */
  readonly recovered: boolean;
}

/** `/data/blocks/<64 hex>_3.pb` → `blocks/2fc6ba66…_3.pb`. */
export function shortPath(p: string): string {
  return p.replace(/^\/data\//, '').replace(/([0-9a-f]{8})[0-9a-f]{56}/g, '$1…');
}

interface FdInfo {
  readonly path: string;
  readonly dir: boolean;
  pos: number | undefined;
}

/** Turns one world's trace into marks (before trimming). */
function marksOf(events: readonly TraceEvent[]): { marks: Mark[]; stepTask: Map<number, string> } {
  const fds = new Map<number, FdInfo>();
  const dirs = new Set<string>(['/data']);
  const stepTask = new Map<number, string>();
  const marks: Mark[] = [];
  const push = (ev: TraceEvent, lane: string, cls: MarkClass, text: string): void => {
    marks.push({ x: marks.length, step: ev.step, lane, cls, text, source: ev.source, pending: undefined });
  };
  for (const ev of events) {
    if (ev.choices > 0) stepTask.set(ev.step, ev.taskName);
    const failed = typeof ev.result === 'string' && /^E[A-Z]+$/.test(ev.result);
    const res = ev.result === undefined ? '' : ` → ${String(ev.result)}`;
    const a = ev.args;
    switch (ev.op) {
      case 'fs.open': {
        const path = String(a[0]);
        const flags = typeof a[1] === 'number' ? a[1] : 0;
        const isDir = (flags & O_DIRECTORY) !== 0 || dirs.has(path);
        if (typeof ev.result === 'number') fds.set(ev.result, { path, dir: isDir, pos: (flags & O_APPEND) !== 0 ? undefined : 0 });
        const creates = (flags & O_CREAT) !== 0;
        const verb = creates ? ((flags & O_TRUNC) !== 0 ? 'create/truncate' : 'create') : 'open';
        // Read-only opens (files to read, directories to list or fsync) are implied by what follows.
        if (!creates && !failed && (flags & ACCESS_MODE_BITS) === 0) break;
        push(ev, ev.taskName, failed ? 'error' : creates ? 'create' : 'meta', `${verb} ${shortPath(path)}${(flags & ACCESS_MODE_BITS) === 0 ? '' : ' (write)'}${res}`);
        break;
      }
      case 'fs.write': {
        const f = typeof a[0] === 'number' ? fds.get(a[0]) : undefined;
        const at = f?.pos;
        if (f !== undefined && typeof ev.result === 'number' && f.pos !== undefined) f.pos += ev.result;
        push(ev, ev.taskName, failed ? 'error' : 'write', `write ${f === undefined ? `fd ${String(a[0])}` : shortPath(f.path)}${at === undefined ? '' : ` @${at}`} +${String(a[1])}B${res}`);
        break;
      }
      case 'fs.fsync': {
        const f = typeof a[0] === 'number' ? fds.get(a[0]) : undefined;
        const dir = f?.dir === true;
        push(ev, ev.taskName, failed ? 'error' : dir ? 'fsync-dir' : 'fsync-file', `fsync ${dir ? 'dir ' : ''}${f === undefined ? `fd ${String(a[0])}` : shortPath(f.path) || '/data'}${res}`);
        break;
      }
      case 'fs.close':
        if (typeof a[0] === 'number') fds.delete(a[0]);
        break;
      case 'fs.getdents': {
        const f = typeof a[0] === 'number' ? fds.get(a[0]) : undefined;
        if (f !== undefined) dirs.add(f.path);
        push(ev, ev.taskName, failed ? 'error' : 'read', `list ${f === undefined ? `fd ${String(a[0])}` : shortPath(f.path) || '/data'}${res}`);
        break;
      }
      case 'fs.read': {
        const f = typeof a[0] === 'number' ? fds.get(a[0]) : undefined;
        push(ev, ev.taskName, failed ? 'error' : 'read', `read ${f === undefined ? `fd ${String(a[0])}` : shortPath(f.path)}${res}`);
        break;
      }
      case 'fs.stat':
      case 'fs.lstat':
      case 'fs.fstat':
        break;
      case 'fs.mkdir':
        dirs.add(String(a[0]));
        push(ev, ev.taskName, failed ? 'error' : 'mkdir', `mkdir ${shortPath(String(a[0]))}${res}`);
        break;
      case 'fs.unlink':
      case 'fs.rmdir':
        push(ev, ev.taskName, failed ? 'error' : 'unlink', `${ev.op.slice(3)} ${shortPath(String(a[0]))}${res}`);
        break;
      case 'fs.rename':
        push(ev, ev.taskName, failed ? 'error' : 'rename', `rename ${shortPath(String(a[0]))} → ${shortPath(String(a[1]))}${res}`);
        break;
      case 'store':
        if (a[0] === 'avail.latestCommitQC') push(ev, stepTask.get(ev.step) ?? ev.taskName, 'publish', 'publish latestCommitQC');
        break;
      default:
        break;
    }
  }
  return { marks, stepTask };
}

/** Marks the pending operations of a crash on the marks that performed them (latest match wins). */
function markPending(marks: Mark[], pending: readonly string[], lost: ReadonlySet<string>): void {
  const used = new Set<number>();
  for (const p of pending) {
    const m = /^#\d+ (\S+) (.*)$/.exec(p);
    if (m === null) continue;
    const kind = m[1] as string;
    const rest = m[2] as string;
    let test: ((mk: Mark) => boolean) | undefined;
    if (kind === 'write') {
      const w = /^(\S+) @(\d+) \+(\d+)B$/.exec(rest);
      if (w !== null) {
        const head = `write ${shortPath(w[1] as string)} @${w[2] as string} +`;
        test = (mk) => mk.cls === 'write' && mk.text.startsWith(head);
      }
    } else if (kind === 'create') test = (mk) => mk.cls === 'create' && mk.text.includes(` ${shortPath(rest)}`);
    else if (kind === 'mkdir') test = (mk) => mk.cls === 'mkdir' && mk.text === `mkdir ${shortPath(rest)} → ok`;
    else if (kind === 'unlink' || kind === 'rmdir') test = (mk) => mk.cls === 'unlink' && mk.text.startsWith(`${kind} ${shortPath(rest)}`);
    else if (kind === 'rename') {
      const [from, to] = rest.split(' -> ');
      test = (mk) => mk.cls === 'rename' && mk.text.startsWith(`rename ${shortPath(from ?? '')} → ${shortPath(to ?? '')}`);
    } else if (kind === 'truncate') test = (mk) => mk.cls === 'create' && mk.text.startsWith('create/truncate') && mk.text.includes(` ${shortPath(rest.split(' to ')[0] ?? '')}`);
    if (test === undefined) continue;
    for (let i = marks.length - 1; i >= 0; i--) {
      const mk = marks[i] as Mark;
      if (!used.has(i) && test(mk)) {
        used.add(i);
        mk.pending = lost.has(p) ? 'lost' : 'kept';
        break;
      }
    }
  }
}

function incarnationView(world: WorldTrace, timeline: readonly TimelineEvent[], startedBy: string): IncarnationView {
  const { marks } = marksOf(world.events);
  const mine = timeline.filter((e) => e.incarnation === world.incarnation);
  const crash = mine.find((e): e is Extract<TimelineEvent, { kind: 'crash' }> => e.kind === 'crash');
  if (crash !== undefined) markPending(marks, crash.pending, new Set(crash.lost));
  const hidden = Math.max(0, marks.length - MARKS_PER_INCARNATION_MAX);
  const shown = marks.slice(hidden).map((m, i) => ({ ...m, x: i }));
  const xOfStep = (step: number): number => {
    const i = shown.findIndex((m) => m.step >= step);
    return i === -1 ? shown.length : i;
  };
  const events: LaneEvent[] = [];
  for (const e of mine) {
    if (e.kind === 'command' || e.kind === 'fault' || e.kind === 'violation' || e.kind === 'liveness') {
      const text = e.kind === 'command' ? `${e.index + 1}. ${e.text}` : e.text;
      // Violations happen during the step that broke the invariant: after its mark.
      const x = e.kind === 'violation' ? Math.max(0, shown.filter((m) => m.step <= e.step).length) : xOfStep(e.step);
      if (x < 0 || (hidden > 0 && e.step < (marks[hidden]?.step ?? 0) && e.kind === 'command')) continue;
      events.push({ x, step: e.step, kind: e.kind, text });
    }
  }
  const violation = mine.find((e) => e.kind === 'violation');
  const end: IncarnationView['end'] =
    crash !== undefined
      ? { kind: 'crash', point: crash.point, image: crash.image, imagesConsidered: crash.imagesConsidered, pending: crash.pending.map((p) => ({ text: p, lost: crash.lost.includes(p) })) }
      : violation !== undefined
        ? { kind: 'violation', text: violation.text }
        : { kind: 'end' };
  const lanes: string[] = [];
  for (const m of shown) if (!lanes.includes(m.lane)) lanes.push(m.lane);
  lanes.sort((a, b) => laneRank(a) - laneRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { index: world.incarnation, startedBy, lanes, marks: shown, events, hiddenMarks: hidden, width: shown.length + 1, end };
}

/** node first, then the persist loop, other avail tasks, the network, the rest. */
function laneRank(lane: string): number {
  if (lane === 'node') return 0;
  if (lane.startsWith('avail/persist')) return 1;
  if (lane.startsWith('avail/')) return 2;
  if (lane.startsWith('node/')) return 3;
  if (lane.startsWith('net/')) return 4;
  return 5;
}

export async function buildTimeline(f: FailureEntry): Promise<TimelineView> {
  const token = decodeToken(f.token);
  const rep = await replayToken(token, { traced: true, traceSources: true });
  const r = rep.result;
  const worlds = rep.worlds ?? [];
  const incs: IncarnationView[] = [];
  for (const w of worlds) {
    const prevCrash = r.timeline.find((e) => e.kind === 'crash' && e.incarnation === w.incarnation - 1);
    const restart = r.timeline.find((e) => e.kind === 'restart' && e.incarnation === w.incarnation);
    const startedBy =
      w.incarnation === 0 ? 'fresh node on an empty state directory' : prevCrash !== undefined && prevCrash.kind === 'crash' ? `restart after power loss, on crash image ${prevCrash.image}` : restart !== undefined && restart.kind === 'restart' ? `process restart (page cache survives): ${restart.why}` : 'restart';
    const view = incarnationView(w, r.timeline, startedBy);
    const nextRestart = r.timeline.find((e) => e.kind === 'restart' && e.incarnation === w.incarnation + 1);
    incs.push(view.end.kind === 'end' && nextRestart !== undefined && nextRestart.kind === 'restart' ? { ...view, end: { kind: 'restart', why: nextRestart.why } } : view);
  }
  let finalState: unknown;
  try {
    finalState = r.finalState === undefined ? undefined : JSON.parse(r.finalState);
  } catch {
    finalState = r.finalState;
  }
  const last = worlds[worlds.length - 1];
  const tail = last === undefined ? r.traceTail : last.events.slice(-40).map(renderEvent);
  return {
    matched: rep.matched,
    note: rep.matched ? undefined : `the replay did not reproduce trace ${token.traceHash} (got ${r.traceHash}): the code changed since this report was written`,
    incarnations: incs,
    finalState,
    traceTail: tail,
    steps: r.stats.steps,
    commandsRun: r.timeline.reduce((n, e) => (e.kind === 'command' ? Math.max(n, e.index + 1) : n), 0),
    recovered: worlds.length > 1,
  };
}
