/**
 * `junit.xml`: one test case per scenario × design × personality (× fault mode
 * when it is not `off`), so CI dashboards list what was checked. A cell with a
 * new failure fails with the replay command as its text; known findings pass
 * and are listed in the case's output.
 */
import type { FailureEntry, Summary } from '../summary.js';

export function xmlEscape(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped.
  return s
    .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function renderJunit(s: Summary): string {
  const byCell = new Map<string, FailureEntry[]>();
  for (const f of s.failures) {
    const list = byCell.get(f.cellKey) ?? [];
    list.push(f);
    byCell.set(f.cellKey, list);
  }
  const failedCells = s.cells.filter((c) => c.status === 'fail').length;
  const seconds = (s.meta.elapsedMs / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="crashsim" tests="${s.cells.length}" failures="${failedCells}" errors="0" time="${seconds}">`);
  const byScenario = new Map<string, typeof s.cells>();
  for (const c of s.cells) byScenario.set(c.cell.scenario, [...(byScenario.get(c.cell.scenario) ?? []), c]);
  for (const [scenario, cells] of byScenario) {
    const fails = cells.filter((c) => c.status === 'fail').length;
    out.push(`  <testsuite name="${xmlEscape(scenario)}" tests="${cells.length}" failures="${fails}" errors="0" skipped="0">`);
    for (const c of cells) {
      const name = `${c.cell.design} / ${c.cell.personality}${c.cell.faults === 'off' ? '' : ` / faults ${c.cell.faults}`}`;
      out.push(`    <testcase classname="crashsim.${xmlEscape(scenario)}" name="${xmlEscape(name)}" time="0">`);
      const entries = byCell.get(c.key) ?? [];
      const fresh = entries.filter((f) => f.kind === 'new');
      if (fresh.length > 0) {
        const first = fresh[0] as FailureEntry;
        const body = fresh.map((f) => `${f.code}: ${f.message}\n${(f.shrunk ?? f).replay}`).join('\n\n');
        out.push(`      <failure type="${xmlEscape(first.invariant)}" message="${xmlEscape(`${first.code}: ${first.message}`)}">${xmlEscape(body)}</failure>`);
      }
      const lines = [`runs ${c.runs}, passed ${c.passed}, crash points ${c.crashes}, crash images ${c.crashImages}`];
      for (const [id, n] of Object.entries(c.knownCounts)) lines.push(`known finding ${id} ×${n}`);
      for (const [code, n] of Object.entries(c.unsurvivable ?? {})) lines.push(`unsurvivable damage (not a failure) ${code} ×${n}`);
      for (const f of entries.filter((e) => e.kind === 'known')) lines.push(`example of ${f.finding ?? '?'} (${f.code}): ${(f.shrunk ?? f).replay}`);
      out.push(`      <system-out>${xmlEscape(lines.join('\n'))}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
