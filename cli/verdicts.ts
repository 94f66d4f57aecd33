/**
 * The verdict matrix of `crashsim matrix`, computed from a run summary: per
 * design × personality × fault profile, the runs and crash images checked and,
 * per invariant, held / broken (known finding ids, or new codes) / damage
 * detected / unchecked, with one replay command per broken invariant and
 * finding. Renders as Markdown (reports/verdicts.md, docs/verdicts.md), text
 * (the terminal) and an HTML section of index.html.
 */
import { FAULT_PROFILES, type FaultProfile } from '../scenarios/matrix.js';
import { getDesign } from '../scenarios/designs.js';
import { findingById } from '../scenarios/findings.js';
import { INVARIANTS, type InvariantId } from '../scenarios/oracles/invariants.js';
import type { Personality } from '../sim/vfs/model.js';
import { esc } from './report/html.js';
import { candidateFindings, findingsOfFailure, type FailureEntry, type Summary } from './summary.js';

export type InvariantVerdict =
  | { readonly status: 'held'; readonly checks: number }
  | { readonly status: 'unchecked' }
  /** a fault destroyed the only copy of needed data and the design stopped (or lost just that): counted, never a finding */
  | { readonly status: 'damage'; readonly checks: number; readonly occurrences: number }
  | {
      readonly status: 'broken';
      readonly checks: number;
      /** known findings whose mechanism broke it here */
      readonly findings: readonly string[];
      /** codes no known finding explains */
      readonly newCodes: readonly string[];
      /** one replay command per finding id / new code */
      readonly replays: Readonly<Record<string, string>>;
    };

export interface VerdictCell {
  readonly design: string;
  readonly personality: Personality;
  readonly profile: FaultProfile;
  readonly runs: number;
  readonly crashImages: number;
  readonly crashPoints: number;
  readonly invariants: Readonly<Record<InvariantId, InvariantVerdict>>;
}

export interface Verdicts {
  readonly designs: readonly string[];
  readonly personalities: readonly Personality[];
  readonly profiles: readonly FaultProfile[];
  readonly cells: readonly VerdictCell[];
  /** runs per scenario, design and personality */
  readonly runsPerScenario: number;
  readonly seed: string;
}

const IDS = Object.keys(INVARIANTS) as InvariantId[];

/** Damage occurrences of a record by invariant (records carry `damage: code → count` when the oracle noted any). */
function damageOf(r: Summary['records'][number]): Record<string, number> {
  return (r as { readonly damage?: Record<string, number> }).damage ?? {};
}

function replayOf(e: FailureEntry): string {
  return e.shrunk?.replay ?? e.replay;
}

export function buildVerdicts(s: Summary, profiles: readonly FaultProfile[] = FAULT_PROFILES): Verdicts {
  const cells: VerdictCell[] = [];
  for (const design of s.settings.designs) {
    for (const personality of s.settings.personalities) {
      for (const profile of profiles) {
        const inCell = (c: { readonly design: string; readonly personality: Personality; readonly scenario: string }): boolean => c.design === design && c.personality === personality && profile.scenarios.includes(c.scenario);
        const records = s.records.filter((r) => inCell(r.cell));
        const entries = s.failures.filter((f) => inCell(f.cell));
        const invariants = {} as Record<InvariantId, InvariantVerdict>;
        for (const id of IDS) {
          let checks = 0;
          let damage = 0;
          const findings = new Set<string>();
          const newCodes = new Set<string>();
          for (const r of records) {
            checks += r.checks[id] ?? 0;
            for (const [code, n] of Object.entries(damageOf(r))) if (code.startsWith(`${id}/`)) damage += n;
            for (const code of Object.keys(r.acknowledged)) {
              if (!code.startsWith(`${id}/`)) continue;
              for (const f of candidateFindings(r.cell, code)) if (r.acknowledgedFindings[f] !== undefined) findings.add(f);
            }
            if (r.failure === undefined || r.failure.invariant !== id) continue;
            const ids = findingsOfFailure(r.failure);
            for (const f of ids) findings.add(f);
            if (ids.length === 0) newCodes.add(r.failure.code);
          }
          if (findings.size > 0 || newCodes.size > 0) {
            const replays: Record<string, string> = {};
            for (const f of findings) {
              const e = entries.find((x) => x.kind === 'known' && (x.finding === f || (x.exampleOf ?? '').split('|').includes(f)) && x.invariant === id) ?? entries.find((x) => x.kind === 'known' && (x.finding === f || (x.exampleOf ?? '').split('|').includes(f)));
              if (e !== undefined) replays[f] = replayOf(e);
            }
            for (const code of newCodes) {
              const e = entries.find((x) => x.kind === 'new' && x.code === code);
              if (e !== undefined) replays[code] = replayOf(e);
            }
            invariants[id] = { status: 'broken', checks, findings: [...findings].sort(byId), newCodes: [...newCodes].sort(), replays };
          } else if (damage > 0) invariants[id] = { status: 'damage', checks, occurrences: damage };
          else if (checks > 0) invariants[id] = { status: 'held', checks };
          else invariants[id] = { status: 'unchecked' };
        }
        cells.push({
          design,
          personality,
          profile,
          runs: records.length,
          crashImages: records.reduce((a, r) => a + r.crashImages, 0),
          crashPoints: records.reduce((a, r) => a + r.crashes, 0),
          invariants,
        });
      }
    }
  }
  return { designs: s.settings.designs, personalities: s.settings.personalities, profiles, cells, runsPerScenario: s.settings.runsPerCell, seed: s.settings.seed };
}

function byId(a: string, b: string): number {
  const na = Number(a.replace(/^\D+/, ''));
  const nb = Number(b.replace(/^\D+/, ''));
  return na - nb || (a < b ? -1 : a > b ? 1 : 0);
}

/** One short mark per invariant verdict. */
export function mark(v: InvariantVerdict): string {
  if (v.status === 'held') return '✓';
  if (v.status === 'unchecked') return '·';
  if (v.status === 'damage') return '⊘';
  return [...v.findings, ...v.newCodes.map((c) => `NEW ${c}`)].join(' ');
}

/** A cell in one line: "all held", or the broken invariants with their findings. */
export function cellLine(c: VerdictCell): string {
  const broken = IDS.filter((id) => c.invariants[id].status === 'broken').map((id) => `${id} ${mark(c.invariants[id])}`);
  const damage = IDS.filter((id) => c.invariants[id].status === 'damage');
  if (broken.length === 0) return damage.length === 0 ? 'all held' : `all held; damage detected, stopped (${damage.join(', ')})`;
  return broken.join('; ') + (damage.length > 0 ? `; damage detected (${damage.join(', ')})` : '');
}

export interface VerdictsMeta {
  readonly elapsedSeconds: number;
  readonly workers: number;
  readonly command: string;
}

export function renderVerdictsMd(v: Verdicts, meta: VerdictsMeta): string {
  const lines: string[] = [];
  const runs = v.cells.reduce((a, c) => a + c.runs, 0);
  const images = v.cells.reduce((a, c) => a + c.crashImages, 0);
  lines.push('# Verdicts: design × disk personality × fault profile', '');
  lines.push(`Written by \`${meta.command}\` (seed \`${v.seed}\`, ${v.runsPerScenario} run${v.runsPerScenario === 1 ? '' : 's'} per scenario, design and personality; ${runs.toLocaleString('en-US')} runs, ${images.toLocaleString('en-US')} crash images; ${meta.elapsedSeconds.toFixed(0)} s on ${meta.workers} worker${meta.workers === 1 ? '' : 's'}).`, '');
  lines.push('Fault profiles (each a group of named scenarios, `crashsim run --scenario …`):', '');
  for (const p of v.profiles) lines.push(`- **${p.label}** (\`${p.id}\`): ${p.scenarios.map((x) => `\`${x}\``).join(', ')}`);
  lines.push('');
  lines.push('Marks: ✓ held (checked, never broken) · F*n* broken by that known finding (reports/findings.md) · NEW broken in a way no finding explains · ⊘ a fault destroyed the only copy of needed data and the design detected it and stopped · · not exercised.', '');
  for (const design of v.designs) {
    const e = getDesign(design);
    lines.push(`## ${design} (${e.kind}): ${e.summary}`, '');
    lines.push(`| personality | faults | runs | crash images | ${IDS.join(' | ')} |`);
    lines.push(`|---|---|---|---|${IDS.map(() => '---').join('|')}|`);
    for (const c of v.cells.filter((x) => x.design === design)) {
      lines.push(`| ${c.personality} | ${c.profile.label} | ${c.runs} | ${c.crashImages.toLocaleString('en-US')} | ${IDS.map((id) => mark(c.invariants[id])).join(' | ')} |`);
    }
    lines.push('');
  }
  const broken = v.cells.filter((c) => IDS.some((id) => c.invariants[id].status === 'broken'));
  lines.push('## Broken cells: finding and replay command', '');
  if (broken.length === 0) lines.push('None.', '');
  for (const c of broken) {
    lines.push(`- **${c.design} / ${c.personality} / ${c.profile.label}**`);
    for (const id of IDS) {
      const iv = c.invariants[id];
      if (iv.status !== 'broken') continue;
      for (const f of iv.findings) lines.push(`  - ${id} by ${f} (${findingById(f).title}): \`${iv.replays[f] ?? '(no example kept)'}\``);
      for (const code of iv.newCodes) lines.push(`  - ${id} NEW ${code}: \`${iv.replays[code] ?? '(no example kept)'}\``);
    }
  }
  lines.push('');
  return lines.join('\n');
}

export function renderVerdictsText(v: Verdicts): string[] {
  const out: string[] = [];
  const w = Math.max(...v.designs.map((d) => d.length), 6);
  const pw = Math.max(...v.personalities.map((p) => p.length), 11);
  const fw = Math.max(...v.profiles.map((p) => p.label.length), 6);
  out.push(`${'design'.padEnd(w)}  ${'personality'.padEnd(pw)}  ${'faults'.padEnd(fw)}  ${'runs'.padStart(5)}  ${'images'.padStart(7)}  verdict`);
  out.push(`${'-'.repeat(w)}  ${'-'.repeat(pw)}  ${'-'.repeat(fw)}  -----  -------  -------`);
  for (const c of v.cells) out.push(`${c.design.padEnd(w)}  ${c.personality.padEnd(pw)}  ${c.profile.label.padEnd(fw)}  ${String(c.runs).padStart(5)}  ${c.crashImages.toLocaleString('en-US').padStart(7)}  ${cellLine(c)}`);
  return out;
}

export function renderVerdictsHtml(v: Verdicts): string {
  const parts: string[] = [];
  parts.push('<section id="verdicts"><h2>Verdicts: design × personality × fault profile</h2>');
  parts.push(`<p class="muted">${v.runsPerScenario} runs per scenario, design and personality. ✓ held · F<i>n</i> broken by that known finding · NEW broken, unexplained · ⊘ damage detected, stopped · · not exercised. Broken marks carry the replay command in their tooltip.</p>`);
  for (const design of v.designs) {
    const e = getDesign(design);
    parts.push(`<h3>${esc(design)} <span class="muted">(${esc(e.kind)}) ${esc(e.summary)}</span></h3>`);
    parts.push(`<table class="inv"><thead><tr><th>personality</th><th>faults</th><th>runs</th><th>crash images</th>${IDS.map((id) => `<th title="${esc(INVARIANTS[id])}">${id}</th>`).join('')}</tr></thead><tbody>`);
    for (const c of v.cells.filter((x) => x.design === design)) {
      const tds = IDS.map((id) => {
        const iv = c.invariants[id];
        const title = iv.status === 'broken' ? Object.entries(iv.replays).map(([k, r]) => `${k}: ${r}`).join('\n') : iv.status === 'held' ? `${iv.checks} checks` : iv.status === 'damage' ? `${iv.occurrences} damage detected` : 'not exercised';
        const cls = iv.status === 'broken' ? (iv.newCodes.length > 0 ? 'fail' : 'known') : iv.status === 'held' ? 'pass' : 'muted';
        return `<td class="${cls}" title="${esc(title)}">${esc(mark(iv))}</td>`;
      }).join('');
      parts.push(`<tr><td>${esc(c.personality)}</td><td>${esc(c.profile.label)}</td><td>${c.runs}</td><td>${c.crashImages}</td>${tds}</tr>`);
    }
    parts.push('</tbody></table>');
  }
  parts.push('</section>');
  return parts.join('\n');
}
