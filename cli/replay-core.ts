/**
 * Replaying a token: re-run its plan with its recorded scheduler decisions,
 * looking past the same known findings the recorded run looked past (the token
 * lists them), and compare trace hashes.
 *
 * `executeTraced` is `executePlan` (scenarios/execute.ts) plus a handle on
 * every incarnation's world, so reports and --trace can show each world's
 * whole trace.
 */
import { Execution, initialVfs, type ExecOptions, type RunResult } from '../scenarios/execute.js';
import type { Plan } from '../scenarios/plan.js';
import type { ReplayToken } from '../scenarios/token.js';
import type { TraceEvent } from '../sim/trace.js';

/** Trace events kept per world when a report or --trace wants everything. */
export const TRACE_EVENTS_MAX = 200_000;

export interface WorldTrace {
  readonly incarnation: number;
  readonly events: readonly TraceEvent[];
  /** events recorded but not kept (beyond TRACE_EVENTS_MAX) */
  readonly droppedEvents: number;
}

export interface TracedResult {
  readonly result: RunResult;
  readonly worlds: readonly WorldTrace[];
}

/** Runs `plan` exactly like executePlan, keeping each incarnation's world for its trace. */
export async function executeTraced(plan: Plan, opts: ExecOptions): Promise<TracedResult> {
  const x = new Execution(plan, opts);
  const worlds: Execution['cur'][] = [];
  const start = x.startIncarnation.bind(x);
  x.startIncarnation = (...args) => {
    start(...args);
    worlds.push(x.cur);
  };
  x.startIncarnation(initialVfs(plan), undefined);
  for (const [i, c] of plan.commands.entries()) {
    if (x.over) break;
    await x.command(c, i);
  }
  if (plan.liveness && !x.over) await x.liveness();
  const result = x.finish();
  return {
    result,
    worlds: worlds.map((inc) => ({ incarnation: inc.index, events: inc.world.trace.events(), droppedEvents: inc.world.trace.droppedEvents })),
  };
}

export interface ReplayOutcome {
  readonly result: RunResult;
  /** every incarnation's trace (traced replays only) */
  readonly worlds: readonly WorldTrace[] | undefined;
  /** the trace hash equals the token's: the same run, event for event */
  readonly matched: boolean;
}

export interface ReplayOptions {
  /** keep every world's whole trace (reports, --trace) */
  readonly traced?: boolean;
  /** record each Env call's source location (--trace, reports) */
  readonly traceSources?: boolean;
}

export async function replayToken(token: ReplayToken, opts: ReplayOptions = {}): Promise<ReplayOutcome> {
  const exec: ExecOptions = {
    replayDecisions: token.decisions,
    acknowledgeFindings: token.acknowledged,
    traceSources: opts.traceSources ?? false,
    ...(opts.traced === true ? { traceKeepLastEvents: TRACE_EVENTS_MAX } : {}),
  };
  const r = await executeTraced(token.plan, exec);
  return { result: r.result, worlds: opts.traced === true ? r.worlds : undefined, matched: r.result.traceHash === token.traceHash };
}
