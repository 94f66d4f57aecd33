/** The terminal rendering of a summary: the closing table, findings, failures with their replay commands. */
import type { FailureEntry, Summary } from '../summary.js';

function table(head: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]): string =>
    r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

export function statusWord(status: 'pass' | 'known' | 'fail'): string {
  return status === 'pass' ? 'pass' : status === 'known' ? 'known' : 'FAIL';
}

export const fmtInt = (n: number): string => n.toLocaleString('en-US');

/** The closing summary table and totals (no failures). */
export function renderSummaryTable(s: Summary): string[] {
  const multiDesign = s.settings.designs.length > 1;
  const head = ['scenario', ...(multiDesign ? ['design'] : []), 'personality', 'faults', 'runs', 'passed', 'crash pts', 'images', 'checks', 'verdict'];
  const rows = s.cells.map((c) => {
    const checks = Object.values(c.checks).reduce((a, v) => a + (v ?? 0), 0);
    const fresh = Object.entries(c.newFailures).map(([code, n]) => `${code}×${n}`);
    const verdict = c.status === 'fail' ? `FAIL ${fresh.join(' ')}${c.knownFindings.length > 0 ? ` (known ${c.knownFindings.join(',')})` : ''}` : c.status === 'known' ? `known ${c.knownFindings.join(',')}` : 'pass';
    return [c.cell.scenario, ...(multiDesign ? [c.cell.design] : []), c.cell.personality, c.cell.faults, fmtInt(c.runs), fmtInt(c.passed), fmtInt(c.crashes), fmtInt(c.crashImages), fmtInt(checks), verdict];
  });
  const right = new Set(multiDesign ? [4, 5, 6, 7, 8] : [3, 4, 5, 6, 7]);
  const t = s.totals;
  const lines = table(head, rows, right);
  lines.push('');
  lines.push(`runs ${fmtInt(t.runs)} (${fmtInt(t.passed)} passed) · crash points ${fmtInt(t.crashPoints)} · crash images ${fmtInt(t.crashImages)} · invariant checks ${fmtInt(t.invariantChecks)} · fs ops ${fmtInt(t.fsOps)} · faults injected ${fmtInt(t.faultsInjected)}${(t.runsWithoutFiredFault ?? 0) > 0 ? ` (${fmtInt(t.runsWithoutFiredFault)} run(s) armed a fault that never fired)` : ''}`);
  const inv = s.invariants.filter((i) => i.checks > 0 || i.status !== 'unchecked');
  lines.push(`invariants: ${inv.map((i) => `${i.id} ${i.status === 'held' ? 'held' : i.status === 'known' ? `known(${i.findings.join(',')})` : i.status === 'broken' ? 'BROKEN' : 'unchecked'}`).join(', ')}`);
  lines.push(...renderCoverage(s));
  lines.push(`findings: ${s.verdict.knownFindings.length === 0 ? 'no known finding seen' : `known ${s.verdict.knownFindings.join(', ')} (in ${fmtInt(t.knownRuns)} of ${fmtInt(t.runs)} runs, ${fmtInt(t.knownOccurrences)} occurrences)`}; new: ${t.newFailures === 0 ? 'none' : `${fmtInt(t.newFailures)} run(s)`}`);
  const m = s.meta;
  lines.push(`throughput: ${m.runsPerSecond.toFixed(1)} runs/s (${fmtInt(t.runs)} runs in ${(m.sweepMs / 1000).toFixed(1)} s on ${m.workers} worker${m.workers === 1 ? '' : 's'}; ${(m.elapsedMs / 1000).toFixed(1)} s in all)`);
  if (!s.complete) lines.push(`incomplete: ${s.incompleteReason ?? ''}`);
  return lines;
}

/** Coverage probes: in how many runs each fired, and per scenario the runs whose scripted faults never fired. */
export function renderCoverage(s: Summary): string[] {
  const group = (prefix: string): string =>
    Object.entries(s.coverage.probes)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, p]) => `${k.slice(prefix.length)} ${fmtInt(p.runs)}`)
      .join(', ') || 'none';
  const race = s.coverage.probes['race/prune-past-cursor']?.runs ?? 0;
  const lines = [`coverage (runs that hit each): faults ${group('fault/')} · crash windows ${group('crash/')} · prune past the persist cursor ${fmtInt(race)}`];
  // The per-scenario breakdown of Totals.runsWithoutFiredFault (the totals line gives the sum).
  const quiet = s.cells.filter((c) => c.runsWithoutFiredFault > 0).map((c) => `${c.cell.scenario}${s.cells.some((o) => o !== c && o.cell.scenario === c.cell.scenario) ? `/${c.cell.personality}/${c.cell.faults}` : ''} ${fmtInt(c.runsWithoutFiredFault)}/${fmtInt(c.runs)}`);
  if (quiet.length > 0) lines.push(`runs whose scripted faults never fired: ${quiet.join(', ')}`);
  return lines;
}

/** One failure: what broke, where, and (always last) the command that replays it. */
export function renderFailure(f: FailureEntry, n: number): string[] {
  // A known finding's example: one line and its replay command (reports/findings.md explains it).
  if (f.kind === 'known') {
    const s = f.shrunk ?? f;
    return [`[${n}] known ${f.finding ?? '?'} (${s.code}) in ${f.cellKey}, run ${f.index}: ${s.message}`, ...(f.evidence ?? []).map((e) => `    ${e}`), `    ${s.replay}`];
  }
  const tag = f.kind === 'new' ? 'NEW FAILURE' : `known finding ${f.finding ?? ''}`.trim();
  const lines = [`[${n}] ${tag}: ${f.code} in ${f.cellKey} (run ${f.index}, seed ${f.seed})`, `    ${f.invariant}: ${f.invariantText}`, `    ${f.message}`];
  if (f.findingTitle !== undefined) lines.push(`    ${f.findingTitle}`);
  for (const e of f.evidence ?? []) lines.push(`    ${e}`);
  if (f.kind === 'new') lines.push(`    no known finding's evidence holds: this is new`);
  for (const d of f.details.slice(0, 6)) lines.push(`    | ${d}`);
  if (f.explanation !== undefined) lines.push(`    why: ${f.explanation}`);
  // The one replay command comes last: the shrunk counterexample when there is one.
  if (f.shrunk !== undefined) {
    lines.push(`    shrunk from ${f.commands.length} to ${f.shrunk.commands.length} command(s) (${f.shrunk.code}); replay:`);
    lines.push(`    ${f.shrunk.replay}`);
  } else {
    lines.push(`    replay:`);
    lines.push(`    ${f.replay}`);
  }
  return lines;
}

/** The closing table and every failure with its replay command, as `run` and `merge` print them. */
export function renderClosing(s: Summary): string[] {
  const lines = ['', ...renderSummaryTable(s)];
  if (s.failures.length > 0) {
    lines.push('');
    s.failures.forEach((f, i) => lines.push(...renderFailure(f, i + 1)));
  }
  return lines;
}
