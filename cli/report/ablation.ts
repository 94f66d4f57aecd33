/**
 * The reports of `crashsim ablate`: ablation.json (schema below, versioned), the
 * markdown table (ablation.md, and docs/ablation.md for design seed), a
 * self-contained HTML page, and the closing text of the command.
 */
import type { AblationOutcome, FsyncSite } from '../../scenarios/ablation.js';
import type { Personality } from '../../sim/vfs/model.js';
import { esc } from './html.js';

export const ABLATION_KIND = 'crashsim-ablation';
export const ABLATION_SCHEMA_VERSION = 1;

export interface AblationReport {
  readonly kind: typeof ABLATION_KIND;
  readonly schemaVersion: typeof ABLATION_SCHEMA_VERSION;
  readonly settings: {
    readonly design: string;
    readonly seed: string;
    readonly scenarios: readonly string[];
    readonly personalities: readonly Personality[];
    readonly runsPerCell: number;
    readonly discoveryRuns: number;
    readonly shrinkRuns: number;
    readonly baseline: boolean;
    readonly recheck: readonly Personality[];
    readonly recheckRuns: number;
  };
  readonly sites: readonly FsyncSite[];
  /** per persist task: its write groups in order */
  readonly writeGroups: readonly string[];
  /** the unablated sweep over the same cells and seeds */
  readonly baseline: { readonly runs: number; readonly newFailures: number; readonly knownSeen: Readonly<Record<string, number>> } | undefined;
  readonly ablations: readonly AblationOutcome[];
  readonly meta: { readonly crashsimVersion: string; readonly node: string; readonly startedAt: string; readonly elapsedMs: number; readonly discoveryMs: number; readonly workers: number };
}

/** NEW failures the sweep passed over: the unablated design breaks the same way on the same plan, so they are not the ablation's. */
function baseOwnText(x: AblationOutcome): string {
  const n = x.baseOwnNew ?? 0;
  return n === 0 ? '' : ` ${n} NEW failure(s) passed over: the design breaks the same way without the ablation (same plan, same code), so they are its own, not the ablation's.`;
}

function seenText(seen: Readonly<Record<string, number>>): string {
  const e = Object.entries(seen);
  return e.length === 0 ? 'none' : e.map(([k, n]) => `${k}×${n}`).join(' ');
}

function verdictText(x: AblationOutcome): string {
  if (x.status === 'caught') return 'caught';
  return x.note === undefined ? 'NOT CAUGHT, unexplained' : `not caught (${x.note.verdict === 'gap' ? 'a gap in the suite' : 'superfluous here'})`;
}

function howText(x: AblationOutcome): string {
  const f = x.firstNew;
  if (f !== undefined) return `${f.code} in ${f.cell}, run ${f.index}`;
  const own = (x.baseOwnNew ?? 0) > 0 ? ` and ${x.baseOwnNew} NEW failure(s) the design has without the ablation too` : '';
  const base = x.maskedAs.length > 0 ? `shows only as known ${x.maskedAs.join(', ')}${own}` : `no invariant broke beyond the known findings${own}`;
  return base + x.rechecks.map((r) => `; on ${r.personality}: ${r.status === 'caught' ? `caught (${r.code ?? ''})` : `not caught either (${r.runs} runs)`}`).join('');
}

function whyOf(f: NonNullable<AblationOutcome['firstNew']>): string {
  return f.shrunk !== undefined && f.explanationOf === 'original' ? ` (in the run before shrinking, ${f.commands} commands)` : '';
}

function recheckLines(x: AblationOutcome): string[] {
  return x.rechecks.map((r) => (r.status === 'caught' ? `on ${r.personality}: caught — ${r.code ?? ''} in ${r.cell ?? ''}; replay: ${r.replay ?? ''}` : `on ${r.personality}: not caught either in ${r.runs} runs`));
}

function replayOf(x: AblationOutcome): string | undefined {
  return x.firstNew?.shrunk?.replay ?? x.firstNew?.replay;
}

/** The closing lines of the command: the table, then each caught ablation's replay and each uncaught one's note. */
export function renderAblationText(r: AblationReport): string[] {
  const rows = r.ablations.map((x, i) => [String(i + 1), x.spec.id, verdictText(x), x.runsToFirstNew === undefined ? String(x.runs) : String(x.runsToFirstNew), howText(x)]);
  const head = ['#', 'ablation', 'verdict', 'runs', 'how'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (row: readonly string[]): string => row.map((c, i) => (i === 0 || i === 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
  r.ablations.forEach((x, i) => {
    out.push('');
    out.push(`[${i + 1}] ${x.spec.id}: ${x.spec.what}`);
    const f = x.firstNew;
    if (f !== undefined) {
      out.push(`    ${f.invariant}: ${f.shrunk?.message ?? f.message}`);
      if (f.explanation !== undefined) out.push(`    why${whyOf(f)}: ${f.explanation}`);
      if (f.shrunk !== undefined) out.push(`    shrunk from ${f.commands} to ${f.shrunk.commands} command(s) (${f.shrunk.code}); replay:`);
      else out.push('    replay:');
      out.push(`    ${replayOf(x) ?? ''}`);
    } else {
      out.push(`    known findings met: ${seenText(x.knownSeen)}${r.baseline === undefined ? '' : ` (unablated: ${seenText(r.baseline.knownSeen)})`}`);
      for (const l of recheckLines(x)) out.push(`    ${l}`);
      out.push(x.note === undefined ? '    no note (scenarios/ablation-notes.ts) says why the suite does not notice it' : `    ${x.note.verdict}: ${x.note.text}`);
    }
  });
  return out;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderAblationMarkdown(r: AblationReport): string {
  const s = r.settings;
  const caught = r.ablations.filter((x) => x.status === 'caught').length;
  const lines: string[] = [
    `# Barrier ablation: design ${s.design}`,
    '',
    '<!-- Generated by `npm run ablation` (crashsim ablate); do not edit: the notes live in scenarios/ablation-notes.ts. -->',
    '',
    `Each barrier of design **${s.design}** is taken out on its own and the ablated design runs through the`,
    `default cells of \`crashsim run\`: every fsync call site found in the trace (the code that asked for the`,
    'fsync, above the shared helpers of src/persist/fsutil.ts) is skipped — the simulated world returns success',
    'without making anything durable — and every pair of adjacent write groups of the persist loop is swapped.',
    'An ablation is **caught** when a run breaks an invariant in a way no known finding explains (NEW) and the',
    'unablated design does not break the same way on the same plan or on its shrunk counterexample (a NEW failure',
    'it shares is the design\'s own open bug, passed over); its replay command reproduces the ablated run exactly',
    '(the ablation is part of the token). An ablation that is not caught is either superfluous where the suite',
    'looks, or a gap in the suite: the note says which.',
    '',
    `Settings: seed \`${s.seed}\`, scenarios ${s.scenarios.join(', ')}; personality ${s.personalities.join(', ')}; ${s.runsPerCell} runs per cell`,
    `(a caught ablation stops at its first NEW failure); fsync sites found in ${s.discoveryRuns} run(s) per cell.` +
      (s.recheck.length === 0 ? '' : ` An ablation not caught there runs again on ${s.recheck.join(', ')} (${s.recheckRuns} runs per cell): is the barrier needed on another disk?`),
    `Reproduce: \`npx crashsim ablate --design ${s.design} --seed ${s.seed} --runs ${s.runsPerCell}${s.recheck.length === 0 ? '' : ` --recheck ${s.recheck.join(',')} --recheck-runs ${s.recheckRuns}`}\` (\`npm run ablation\` writes this file).`,
    '',
    `**${r.ablations.length} ablations: ${caught} caught, ${r.ablations.length - caught} not caught.** ` +
      `Measured: ${(r.meta.elapsedMs / 1000).toFixed(0)} s on ${r.meta.workers} worker(s) (discovery ${(r.meta.discoveryMs / 1000).toFixed(1)} s).`,
    '',
    `Write groups of the persist loop: ${r.writeGroups.join('; ')}.`,
    '',
    '## fsync call sites',
    '',
    '| site | function | called from | fsyncs |',
    '|---|---|---|---|',
    ...r.sites.map((x) => `| \`${x.id}\` | ${mdCell(x.fn || '(anonymous)')} | ${mdCell(x.callers.slice(0, 2).join(' ← ') || '—')} | ${mdCell(x.targets.join(', ') || '—')} |`),
    '',
    '## Results',
    '',
    '| # | ablation | verdict | runs | how |',
    '|---|---|---|---|---|',
    ...r.ablations.map((x, i) => `| ${i + 1} | ${mdCell(x.spec.what)} (\`${x.spec.where}\`) | ${x.status === 'caught' ? '**caught**' : verdictText(x)} | ${x.runsToFirstNew ?? x.runs} | ${mdCell(howText(x))} |`),
    '',
  ];
  if (r.baseline !== undefined) {
    lines.push(`Without any ablation the same ${r.baseline.runs} runs meet the known findings ${seenText(r.baseline.knownSeen)} and ${r.baseline.newFailures} NEW failure(s).`, '');
  }
  r.ablations.forEach((x, i) => {
    lines.push(`### ${i + 1}. ${x.spec.id}`, '', `${x.spec.what[0]?.toUpperCase() ?? ''}${x.spec.what.slice(1)}.`, '');
    const f = x.firstNew;
    if (f !== undefined) {
      lines.push(`* **Caught** after ${x.runsToFirstNew} run(s): ${f.invariant} — ${mdCell(f.message)} (${f.cell}, run ${f.index}).${baseOwnText(x)}`);
      if (f.shrunk !== undefined && f.shrunk.message !== f.message) lines.push(`* Shrunk: ${mdCell(f.shrunk.message)}.`);
      if (f.explanation !== undefined) lines.push(`* **Why${whyOf(f)}:** ${mdCell(f.explanation)}.`);
      if (f.shrunk !== undefined) lines.push(`* Shrunk from ${f.commands} to ${f.shrunk.commands} command(s) (${f.shrunk.code}).`);
      lines.push(`* **Replay:** \`${replayOf(x) ?? ''}\``);
    } else {
      lines.push(`* **Not caught** in ${x.runs} runs; known findings met: ${seenText(x.knownSeen)}${x.maskedAs.length > 0 ? ` — far more often than unablated: the ablation shows, but only as known ${x.maskedAs.join(', ')}` : ''}.${baseOwnText(x)}`);
      for (const l of recheckLines(x)) lines.push(`* Elsewhere, ${mdCell(l).replace(/replay: (\S+)$/, 'replay: `$1`')}`);
      lines.push(x.note === undefined ? '* **Unexplained:** no note in scenarios/ablation-notes.ts.' : `* **${x.note.verdict === 'gap' ? 'A gap in the suite' : 'Superfluous here'}:** ${mdCell(x.note.text)}`);
    }
    lines.push('');
  });
  return lines.join('\n');
}

const CSS = `body{font-family:ui-sans-serif,system-ui,sans-serif;margin:2rem;color:#0f172a;max-width:1200px}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #cbd5e1;padding:.35rem .6rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f1f5f9}.caught{color:#15803d;font-weight:600}.gap,.unexplained{color:#b91c1c;font-weight:600}.superfluous{color:#a16207;font-weight:600}
code{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}.why{background:#f8fafc;border-left:3px solid #3b82f6;padding:.4rem .7rem}`;

export function renderAblationHtml(r: AblationReport): string {
  const s = r.settings;
  const cls = (x: AblationOutcome): string => (x.status === 'caught' ? 'caught' : x.note === undefined ? 'unexplained' : x.note.verdict);
  const rows = r.ablations
    .map((x, i) => `<tr><td>${i + 1}</td><td>${esc(x.spec.what)}<br><code>${esc(x.spec.where)}</code></td><td class="${cls(x)}">${esc(verdictText(x))}</td><td>${x.runsToFirstNew ?? x.runs}</td><td>${esc(howText(x))}</td></tr>`)
    .join('\n');
  const details = r.ablations
    .map((x, i) => {
      const f = x.firstNew;
      const body =
        f !== undefined
          ? `<p><b>${esc(f.invariant)}</b>: ${esc(f.message)} (${esc(f.cell)}, run ${f.index})</p>${f.explanation === undefined ? '' : `<p class="why">Why${esc(whyOf(f))}: ${esc(f.explanation)}</p>`}<p>replay: <code>${esc(replayOf(x) ?? '')}</code></p>`
          : `<p>known findings met: ${esc(seenText(x.knownSeen))}${x.maskedAs.length > 0 ? ` — shows only as known ${esc(x.maskedAs.join(', '))}` : ''}</p>${recheckLines(x).map((l) => `<p>${esc(l)}</p>`).join('')}<p class="why">${x.note === undefined ? 'No note explains why the suite does not notice it.' : `${esc(x.note.verdict)}: ${esc(x.note.text)}`}</p>`;
      return `<section id="ablation-${i + 1}"><h3>${i + 1}. ${esc(x.spec.id)}</h3><p>${esc(x.spec.what)}</p>${body}</section>`;
    })
    .join('\n');
  const sites = r.sites.map((x) => `<tr><td><code>${esc(x.id)}</code></td><td>${esc(x.fn)}</td><td>${esc(x.callers.slice(0, 2).join(' ← '))}</td><td>${esc(x.targets.join(', '))}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crashsim ablate: design ${esc(s.design)}</title><style>${CSS}</style></head>
<body>
<h1>Barrier ablation: design ${esc(s.design)}</h1>
<p>${r.ablations.length} ablations, ${r.ablations.filter((x) => x.status === 'caught').length} caught. Seed <code>${esc(s.seed)}</code>; scenarios ${esc(s.scenarios.join(', '))}; personality ${esc(s.personalities.join(', '))}; ${s.runsPerCell} runs per cell; ${(r.meta.elapsedMs / 1000).toFixed(1)} s on ${r.meta.workers} worker(s).</p>
<h2>fsync call sites</h2>
<table><thead><tr><th>site</th><th>function</th><th>called from</th><th>fsyncs</th></tr></thead><tbody>
${sites}
</tbody></table>
<p>Write groups of the persist loop: ${esc(r.writeGroups.join('; '))}</p>
<h2>Ablations</h2>
<table><thead><tr><th>#</th><th>ablation</th><th>verdict</th><th>runs</th><th>how</th></tr></thead><tbody>
${rows}
</tbody></table>
${details}
</body></html>
`;
}
