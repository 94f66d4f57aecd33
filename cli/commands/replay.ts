/**
 * `crashsim replay <token | file>`: re-runs a recorded run exactly (its plan and
 * scheduler decisions) and checks the trace hash. A different hash means the
 * code changed since the token was made: replay refuses (exit 1) rather than
 * report what some other run did; `--force` runs the plan on the current code
 * instead and reports that verdict.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { executePlan, type RunResult } from '../../scenarios/execute.js';
import { explainFailure } from '../../scenarios/explain.js';
import { designIds } from '../../scenarios/designs.js';
import { FINDINGS, findingLabel, findingTitle } from '../../scenarios/findings.js';
import { INVARIANTS } from '../../scenarios/oracles/invariants.js';
import { describeAblation, describeCommand } from '../../scenarios/plan.js';
import { decodeToken, looksLikeToken, TOKEN_CHARS_MAX, TOKEN_PREFIX, TOKEN_SHAPE, TokenError, type ReplayToken } from '../../scenarios/token.js';
import { renderEvent } from '../../sim/trace.js';
import { CORPUS_KIND, parseCorpusEntry } from '../corpus.js';
import { describeFsError, EXIT, UsageError } from '../errors.js';
import type { Io } from '../output.js';
import { replayToken } from '../replay-core.js';
import { SUMMARY_KIND } from '../summary.js';

export interface ReplayCommandOptions {
  readonly trace?: boolean;
  readonly force?: boolean;
}

interface Input {
  readonly token: ReplayToken;
  readonly from: string;
}

/** A token, a corpus entry file, or a file holding a token. */
export function readReplayInput(arg: string): Input {
  const s = arg.trim();
  const decode = (text: string, from: string): ReplayToken => {
    try {
      return decodeToken(text);
    } catch (e) {
      throw new UsageError(e instanceof TokenError ? `${from}: ${e.message}` : String(e));
    }
  };
  if (looksLikeToken(s)) return checked({ token: decode(s, 'token'), from: 'token' });
  const shown = JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
  if (s === '') throw new UsageError(`replay needs a token (${TOKEN_SHAPE}) or a file holding one; got an empty argument`);
  if (!existsSync(s)) throw new UsageError(`${shown} is neither a crashsim replay token (they start with "${TOKEN_PREFIX}") nor an existing file`);
  const st = statSync(s);
  if (st.isDirectory()) {
    const hint = existsSync(join(s, 'summary.json')) ? ': it holds a run report; its failures print their replay commands (and are in summary.json, failures[].replay)' : '';
    throw new UsageError(`${shown} is a directory, not a token or a file holding one${hint}`);
  }
  if (!st.isFile()) throw new UsageError(`${shown} is not a regular file`);
  if (st.size > TOKEN_CHARS_MAX) throw new UsageError(`${s}: larger than ${TOKEN_CHARS_MAX} bytes; not a token file`);
  let text: string;
  try {
    text = readFileSync(s, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${s}: ${describeFsError(e)}`);
  }
  if (text.trimStart().startsWith('{')) {
    let kind: unknown;
    try {
      kind = (JSON.parse(text) as { kind?: unknown } | null)?.kind;
    } catch {
      throw new UsageError(`${s}: starts like JSON but is not valid JSON; expected a corpus entry or a file holding a token`);
    }
    if (kind === CORPUS_KIND) {
      const { entry, token } = parseCorpusEntry(text, s);
      return checked({ token, from: `corpus entry ${s}${entry.finding === null ? '' : ` (${entry.finding})`}` });
    }
    if (kind === SUMMARY_KIND) throw new UsageError(`${s} is a run summary, not a token: each of its failures has its own replay command (failures[].replay; the run printed them too)`);
    throw new UsageError(`${s}: a JSON file of kind ${JSON.stringify(kind ?? null)}, not a crashsim corpus entry (kind "${CORPUS_KIND}")`);
  }
  if (!looksLikeToken(text)) throw new UsageError(`${s}: the file holds no crashsim replay token (they start with "${TOKEN_PREFIX}")`);
  return checked({ token: decode(text, s), from: s });
}

/** What a well-formed token can still name that this crashsim does not have. */
function checked(i: Input): Input {
  if (!designIds().includes(i.token.plan.design)) throw new UsageError(`${i.from}: the token names design ${JSON.stringify(i.token.plan.design)}, which this crashsim does not have (known: ${designIds().join(', ')})`);
  const unknown = i.token.acknowledged.filter((id) => !FINDINGS.some((f) => f.id === id));
  if (unknown.length > 0) throw new UsageError(`${i.from}: the token looked past findings this crashsim does not know: ${unknown.join(', ')}`);
  return i;
}

function verdictLine(r: RunResult): string {
  const v = r.violation;
  if (v === undefined) return `verdict: pass (every invariant held${Object.keys(r.acknowledged).length > 0 ? `; known findings looked past: ${Object.entries(r.acknowledged).map(([k, n]) => `${k}×${n}`).join(', ')}` : ''})`;
  const label = findingLabel(v.known.map((k) => k.id));
  if (label === undefined) return `verdict: ${v.code} — NEW (no known finding's evidence holds)`;
  return [`verdict: ${v.code} — known finding ${findingTitle(label)}`, ...v.known.map((k) => `  ${k.evidence}`)].join('\n');
}

function isNewFailure(r: RunResult): boolean {
  return r.violation !== undefined && r.violation.known.length === 0;
}

async function printRun(io: Io, r: RunResult): Promise<void> {
  io.out('');
  io.out('what happened:');
  for (const e of r.timeline) {
    const at = `  [inc ${e.incarnation} step ${e.step}]`;
    if (e.kind === 'command') io.out(`${at} ${e.index + 1}. ${e.text}`);
    else if (e.kind === 'crash') {
      io.out(`${at} POWER LOSS ${e.point}`);
      io.out(`      crash image ${e.image} (${e.imagesConsidered} distinct possible)`);
      for (const p of e.pending) io.out(`      ${e.lost.includes(p) ? 'LOST' : 'kept'} ${p}`);
    } else io.out(`${at} ${e.kind}: ${'text' in e ? e.text : e.why}`);
  }
  const v = r.violation;
  if (v !== undefined) {
    io.out('');
    io.out(`broken: ${v.invariant} (${INVARIANTS[v.invariant]})`);
    io.out(`  ${v.message}`);
    for (const d of v.details) io.out(`  | ${d}`);
    const e = await explainFailure(r.plan, { acknowledgeFindings: r.acknowledgeFindings });
    if (e !== undefined) {
      io.out(`why: ${e.text}`);
      io.out(`  (${e.passingImage === undefined ? 'no passing image nearby' : `recovery passes on ${e.passingImage}`}; ${e.imagesTried} image(s) checked)`);
    }
  }
  if (r.deadEnd !== undefined) io.out(`dead end (a known finding): ${r.deadEnd}`);
  io.out(`state when the run ended: ${r.finalState ?? '(the node was not running)'}`);
}

export async function replayCommand(arg: string, o: ReplayCommandOptions, io: Io): Promise<number> {
  const input = readReplayInput(arg);
  const t = input.token;
  const p = t.plan;
  io.out(`SEED=${p.seed}`);
  io.out(`crashsim replay: design=${p.design}${p.ablation === undefined ? '' : ` ablation=${JSON.stringify(describeAblation(p.ablation))}`} personality=${p.personality} faults=${p.faults} torn=${p.torn} commands=${p.commands.length} incarnations=${t.decisions.length} recorded verdict=${t.verdict} trace=${t.traceHash} (from ${input.from})`);
  io.out('plan:');
  p.commands.forEach((c, i) => io.out(`  ${i + 1}. ${describeCommand(c)}`));

  if (o.force === true) {
    io.out('');
    io.out('--force: running the plan on the current code (its own schedule, not the recorded decisions)');
    const r = await executePlan(p, { acknowledgeFindings: t.acknowledged });
    await printRun(io, r);
    io.out(`trace ${r.traceHash} (recorded ${t.traceHash}: ${r.traceHash === t.traceHash ? 'same' : 'different'})`);
    io.out(verdictLine(r));
    return isNewFailure(r) ? EXIT.failed : EXIT.ok;
  }

  const rep = await replayToken(t, { traced: o.trace === true, traceSources: o.trace === true });
  const r = rep.result;
  if (!rep.matched) {
    io.err(`crashsim replay: diverged: the token recorded trace ${t.traceHash} but this code produced ${r.traceHash}; the code changed since the token was made, so it cannot reproduce that run. Use --force to run its plan on the current code.`);
    return EXIT.failed;
  }
  await printRun(io, r);
  if (o.trace === true && rep.worlds !== undefined) {
    for (const w of rep.worlds) {
      io.out('');
      io.out(`=== trace of incarnation ${w.incarnation} (${w.events.length} events${w.droppedEvents > 0 ? `, ${w.droppedEvents} earlier dropped` : ''}) ===`);
      for (const ev of w.events) io.out(renderEvent(ev));
    }
  }
  io.out('');
  io.out(`reproduced: trace ${r.traceHash} matches the token${t.acknowledged.length > 0 ? ` (known findings looked past: ${t.acknowledged.join(', ')})` : ''}`);
  io.out(verdictLine(r));
  return isNewFailure(r) ? EXIT.failed : EXIT.ok;
}
