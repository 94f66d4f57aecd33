/**
 * Call sites of file-system primitives: the source location in the system under
 * test of the code that asked for an fs call. Shared helpers (src/persist/fsutil.ts:
 * H1 writeAndSync serves block, CommitQC and A/B writes alike) are looked through:
 * the site is the first frame above them, so "the fsync of the A/B write" and "the
 * fsync of a block write" are different sites although one helper issues both.
 *
 * Taking a site costs a stack capture (sim/trace.ts `captureCallerFrames`), so
 * worlds ask for sites only when a run needs them (an fsync ablation, an explanation).
 */
import { captureCallerFrames, type CallerFrame } from '../sim/trace.js';

/** Modules whose fs calls are made on behalf of their caller. */
export const FS_HELPER_MODULES: readonly string[] = ['src/persist/fsutil.ts'];

export interface CallSite {
  /** `<file>:<line>`: what plans and reports name */
  readonly id: string;
  readonly file: string;
  readonly line: number;
  /** the function holding the call (`FileBlockPersister.persistBlock`), '' if anonymous */
  readonly fn: string;
  /** the callers above it in the system under test, innermost first (`file:line fn`) */
  readonly callers: readonly string[];
}

const FRAMES_MAX = 12;
const CALLERS_SHOWN_MAX = 3;
/** Details of every site seen in this process, by id (the world hook hands out ids only). */
const known = new Map<string, CallSite>();

function fnName(f: CallerFrame): string {
  return f.fn.replace(/^Object\./, '').replace(/^<anonymous>$/, '');
}

/** The site of the fs call being made now (synchronously inside the Env call), or undefined outside any source file. */
export function currentCallSite(): CallSite | undefined {
  const frames = captureCallerFrames(FRAMES_MAX);
  let i = frames.findIndex((f) => f.file.startsWith('src/') && !FS_HELPER_MODULES.includes(f.file));
  if (i < 0) i = frames.findIndex((f) => !FS_HELPER_MODULES.includes(f.file));
  const f = frames[i];
  if (f === undefined) return undefined;
  const id = `${f.file}:${f.line}`;
  const seen = known.get(id);
  if (seen !== undefined) return seen;
  const callers = frames.slice(i + 1, i + 1 + CALLERS_SHOWN_MAX).map((c) => `${c.file}:${c.line}${fnName(c) === '' ? '' : ` ${fnName(c)}`}`);
  const site: CallSite = { id, file: f.file, line: f.line, fn: fnName(f), callers };
  known.set(id, site);
  return site;
}

/** The world hook: the id of the current call's site. */
export function currentCallSiteId(): string | undefined {
  return currentCallSite()?.id;
}

/** Details of a site seen in this process (its function, callers), if seen. */
export function callSiteDetails(id: string): CallSite | undefined {
  return known.get(id);
}

/** `FileABPersister.persist, src/persist/ab.ts:47` */
export function describeSite(id: string): string {
  const s = known.get(id);
  return s === undefined || s.fn === '' ? id : `${s.fn}, ${id}`;
}
