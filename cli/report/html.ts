/**
 * `index.html`: one self-contained page (inline CSS, inline SVG, a few lines of
 * inline JS for the copy buttons; nothing loaded from the network, works from
 * file://). A person should see at a glance what was checked and what broke:
 * the verdict banner, the verdict matrix (scenario × design/personality/fault
 * mode), the invariants, and per failure a timeline of tasks as swimlanes with
 * fs operations, fsync barriers, the crash point and the operations it lost.
 */
import { INVARIANTS } from '../../scenarios/oracles/invariants.js';
import { describeCommand, type Command } from '../../scenarios/plan.js';
import type { CellSummary, FailureEntry, Summary } from '../summary.js';
import { fmtInt } from './text.js';
import type { IncarnationView, Mark, MarkClass, TimelineView } from './timeline.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const MARK_COLORS: Readonly<Record<MarkClass, string>> = {
  meta: '#94a3b8',
  read: '#cbd5e1',
  write: '#3b82f6',
  create: '#06b6d4',
  'fsync-file': '#16a34a',
  'fsync-dir': '#15803d',
  rename: '#8b5cf6',
  unlink: '#f97316',
  mkdir: '#0d9488',
  error: '#be123c',
  publish: '#eab308',
};

const MARK_NAMES: ReadonlyArray<readonly [MarkClass, string]> = [
  ['create', 'create file'],
  ['write', 'write'],
  ['fsync-file', 'fsync file'],
  ['fsync-dir', 'fsync directory (barrier)'],
  ['rename', 'rename'],
  ['unlink', 'unlink'],
  ['mkdir', 'mkdir'],
  ['read', 'read / list'],
  ['publish', 'publish latestCommitQC'],
  ['error', 'failed op'],
];

// ---------------------------------------------------------------------------
// Timeline SVG

const LABEL_W = 150;
/** left margin of the marks inside the scrolling part */
const X0 = 10;
const STEP_W = 13;
const LANE_H = 26;
const TOP = 44;
const END_W = 150;
/** pixels between neighbouring items of the harness lane */
const HARNESS_GAP = 3;

function laneLabel(lane: string): string {
  return lane.length > 20 ? `${lane.slice(0, 19)}…` : lane;
}

function markSvg(m: Mark, y: number, lanesTop: number, lanesBottom: number): string {
  const x = X0 + m.x * STEP_W + 2;
  const title = `${m.text} (step ${m.step})${m.pending === 'lost' ? ' — LOST by the crash' : m.pending === 'kept' ? ' — pending at the crash, kept by the chosen image' : ''}${m.source === undefined ? '' : `\n${m.source}`}`;
  const parts: string[] = [];
  if (m.cls === 'fsync-dir') parts.push(`<line class="barrier" x1="${x + 4}" x2="${x + 4}" y1="${lanesTop}" y2="${lanesBottom}"/>`);
  if (m.pending === 'lost') parts.push(`<rect class="lost-halo" x="${x - 3}" y="${y - 12}" width="15" height="24" rx="3"/>`);
  const fill = MARK_COLORS[m.cls];
  if (m.cls === 'publish') parts.push(`<path d="M${x + 4} ${y - 8} L${x + 10} ${y} L${x + 4} ${y + 8} L${x - 2} ${y} Z" fill="${fill}" stroke="#854d0e" stroke-width="1"/>`);
  else if (m.cls === 'fsync-file' || m.cls === 'fsync-dir') parts.push(`<rect x="${x}" y="${y - 9}" width="9" height="18" rx="2" fill="${fill}"/><path d="M${x + 2} ${y} l2 3 l4 -6" stroke="#fff" stroke-width="1.6" fill="none"/>`);
  else parts.push(`<rect x="${x}" y="${y - 7}" width="9" height="14" rx="2" fill="${fill}"${m.pending === 'kept' ? ' stroke="#d97706" stroke-width="2"' : ''}/>`);
  if (m.pending === 'lost') parts.push(`<path d="M${x + 1} ${y - 6} l7 12 M${x + 8} ${y - 6} l-7 12" stroke="#fff" stroke-width="1.8"/>`);
  return `<g class="mark m-${m.cls}${m.pending === undefined ? '' : ` p-${m.pending}`}"><title>${esc(title)}</title>${parts.join('')}</g>`;
}

/** The harness lane (commands, faults, liveness, the violation), laid out without overlaps; returns its right edge. */
function harnessLane(inc: IncarnationView, lanesBottom: number): { svg: string[]; rightEdge: number } {
  const hy = TOP / 2 + 1;
  const svg: string[] = [];
  // Commands issued at the same point share one marker ("1–4"). Every item of the
  // harness lane is laid out left to right, each after the previous one's right edge,
  // so a command badge never covers a fault or the violation marker.
  type Item = { x: number; order: number; halfWidth: number; draw: (cx: number) => string };
  const items: Item[] = [];
  const groups: Array<{ x: number; texts: string[]; nums: string[]; step: number }> = [];
  for (const e of inc.events) {
    if (e.kind !== 'command') continue;
    const last = groups[groups.length - 1];
    const num = /^(\d+)\./.exec(e.text)?.[1] ?? '';
    if (last !== undefined && last.x === e.x) {
      last.texts.push(e.text);
      last.nums.push(num);
    } else groups.push({ x: e.x, texts: [e.text], nums: [num], step: e.step });
  }
  for (const g of groups) {
    const label = g.nums.length === 1 ? (g.nums[0] ?? '') : `${g.nums[0] ?? ''}–${g.nums[g.nums.length - 1] ?? ''}`;
    const r = label.length > 2 ? 4 + label.length * 3 : 8;
    items.push({ x: g.x, order: 0, halfWidth: r, draw: (cx) => `<g class="ev-command"><title>${esc(g.texts.join('\n'))}\n(step ${g.step})</title><rect x="${cx - r}" y="${hy - 8}" width="${2 * r}" height="16" rx="8"/><text x="${cx}" y="${hy + 3.5}" text-anchor="middle">${esc(label)}</text></g>` });
  }
  for (const e of inc.events) {
    if (e.kind === 'command') continue;
    if (e.kind === 'fault') {
      items.push({ x: e.x, order: 1, halfWidth: 8, draw: (cx) => `<g class="ev-fault"><title>injected fault: ${esc(e.text)} (step ${e.step})</title><path d="M${cx} ${hy - 9} L${cx + 8} ${hy + 7} L${cx - 8} ${hy + 7} Z"/><text x="${cx}" y="${hy + 5}" text-anchor="middle">!</text></g>` });
    } else if (e.kind === 'liveness') {
      items.push({ x: e.x, order: 1, halfWidth: 7, draw: (cx) => `<g class="ev-liveness"><title>${esc(e.text)}</title><rect x="${cx - 7}" y="${hy - 7}" width="14" height="14" rx="3"/><text x="${cx}" y="${hy + 4}" text-anchor="middle">L</text></g>` });
    } else {
      items.push({ x: e.x, order: 2, halfWidth: 10, draw: (cx) => `<g class="ev-violation"><title>${esc(e.text)} (step ${e.step})</title><line x1="${cx}" x2="${cx}" y1="${hy}" y2="${lanesBottom}"/><circle cx="${cx}" cy="${hy}" r="10"/><path d="M${cx - 4} ${hy - 4} l8 8 M${cx + 4} ${hy - 4} l-8 8"/></g>` });
    }
  }
  items.sort((a, b) => a.x - b.x || a.order - b.order);
  let rightEdge = -Infinity;
  for (const it of items) {
    const cx = Math.max(X0 + it.x * STEP_W + 6, rightEdge + HARNESS_GAP + it.halfWidth);
    rightEdge = cx + it.halfWidth;
    svg.push(it.draw(cx));
  }
  return { svg, rightEdge };
}

function incarnationSvg(inc: IncarnationView): string {
  const lanes = inc.lanes;
  const lanesTop = TOP;
  const lanesBottom = TOP + Math.max(1, lanes.length) * LANE_H;
  const harness = harnessLane(inc, lanesBottom);
  const endX = Math.max(X0 + inc.width * STEP_W + 8, harness.rightEdge + 12);
  const w = endX + END_W;
  const h = lanesBottom + 26;
  // Lane labels stay put in their own column; only the marks scroll sideways.
  const labels: string[] = [`<svg class="tl-labels" xmlns="http://www.w3.org/2000/svg" width="${LABEL_W}" height="${h}" viewBox="0 0 ${LABEL_W} ${h}">`];
  labels.push(`<rect x="0" y="4" width="${LABEL_W}" height="${TOP - 10}" class="harness-bg"/>`);
  labels.push(`<text x="10" y="${TOP / 2 + 5}" class="lane-label harness-label">harness</text>`);
  lanes.forEach((lane, i) => {
    const y = TOP + i * LANE_H;
    labels.push(`<rect x="0" y="${y}" width="${LABEL_W}" height="${LANE_H}" class="${i % 2 === 0 ? 'lane-even' : 'lane-odd'}"/>`);
    labels.push(`<text x="10" y="${y + LANE_H / 2 + 4}" class="lane-label"><title>${esc(lane)}</title>${esc(laneLabel(lane))}</text>`);
  });
  labels.push(`<line x1="${LABEL_W - 1}" x2="${LABEL_W - 1}" y1="4" y2="${lanesBottom}" class="label-rule"/></svg>`);
  const out: string[] = [];
  out.push(`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="timeline of incarnation ${inc.index}">`);
  out.push(`<rect x="0" y="4" width="${w}" height="${TOP - 10}" class="harness-bg"/>`);
  lanes.forEach((_lane, i) => {
    const y = TOP + i * LANE_H;
    out.push(`<rect x="0" y="${y}" width="${w}" height="${LANE_H}" class="${i % 2 === 0 ? 'lane-even' : 'lane-odd'}"/>`);
  });
  if (inc.hiddenMarks > 0) out.push(`<text x="${X0}" y="${lanesBottom + 16}" class="axis">… ${fmtInt(inc.hiddenMarks)} earlier fs operations not drawn</text>`);
  // step axis
  const tickEvery = 20;
  for (let i = 0; i < inc.marks.length; i += tickEvery) {
    const m = inc.marks[i] as Mark;
    const x = X0 + m.x * STEP_W + 6;
    if (inc.hiddenMarks > 0 && i === 0) continue;
    out.push(`<line x1="${x}" x2="${x}" y1="${lanesBottom}" y2="${lanesBottom + 4}" class="tick"/><text x="${x}" y="${lanesBottom + 16}" class="axis" text-anchor="middle">step ${m.step}</text>`);
  }
  // marks
  const laneY = new Map(lanes.map((l, i) => [l, TOP + i * LANE_H + LANE_H / 2]));
  for (const m of inc.marks) out.push(markSvg(m, laneY.get(m.lane) ?? TOP, lanesTop, lanesBottom));
  out.push(...harness.svg);
  // how the incarnation ended
  const end = inc.end;
  if (end.kind === 'crash') {
    out.push(`<g class="end-crash"><title>power loss ${esc(end.point)}</title><rect x="${endX - 3}" y="4" width="6" height="${lanesBottom - 4}"/><text x="${endX + 10}" y="${TOP / 2 + 5}">⚡ power loss</text><text x="${endX + 10}" y="${TOP / 2 + 22}" class="end-sub">${esc(`${end.pending.filter((p) => p.lost).length} of ${end.pending.length} pending op(s) lost`)}</text></g>`);
  } else if (end.kind === 'violation') {
    out.push(`<text x="${endX + 4}" y="${TOP / 2 + 5}" class="end-violation">✖ ${esc(end.text.split(':')[0] ?? '')} broken</text>`);
  } else if (end.kind === 'restart') {
    out.push(`<g class="end-restart"><title>${esc(end.why)}</title><rect x="${endX - 2}" y="4" width="4" height="${lanesBottom - 4}"/><text x="${endX + 10}" y="${TOP / 2 + 5}">↻ process restart</text></g>`);
  }
  out.push('</svg>');
  return `<div class="tl">${labels.join('')}<div class="lanes-scroll">${out.join('')}</div></div>`;
}

function crashBox(inc: IncarnationView, why?: WhyView): string {
  const end = inc.end;
  if (end.kind !== 'crash') return '';
  const items = end.pending.length === 0 ? '<li class="none">nothing was pending: every operation was already durable</li>' : end.pending.map((p) => `<li class="${p.lost ? 'lost' : 'kept'}${why?.ops.has(p.text) === true ? ' why-op' : ''}"><span class="pill">${p.lost ? 'lost' : 'kept'}</span><code>${esc(shortOp(p.text))}</code>${why?.ops.has(p.text) === true ? ' <span class="why-tag">← the explanation names it</span>' : ''}</li>`).join('');
  return `<div class="crash-box"><div class="crash-head"><span class="bolt">⚡</span> Power loss ${esc(end.point.startsWith('before') ? shortOp(end.point) : 'while every task was blocked (the node was idle)')}</div><div class="crash-image">crash image chosen: <code>${esc(shortOp(end.image))}</code> · ${fmtInt(end.imagesConsidered)} distinct image(s) possible here</div><ul class="pending">${items}</ul></div>`;
}

function shortOp(s: string): string {
  return s.replace(/\/data\//g, '').replace(/([0-9a-f]{8})[0-9a-f]{56}/g, '$1…');
}

/** Why the failure happened (scenarios/explain.ts): shown above the timeline, its operations marked in the crash box. */
interface WhyView {
  readonly text: string;
  readonly ops: ReadonlySet<string>;
}

function timelineHtml(t: TimelineView, why?: WhyView): string {
  const legend = `<div class="legend">${MARK_NAMES.map(([c, n]) => `<span><i style="background:${MARK_COLORS[c]}"></i>${esc(n)}</span>`).join('')}<span><i class="lg-lost"></i>lost by the crash</span><span><i class="lg-kept"></i>pending, kept</span><span><i class="lg-cmd"></i>harness command</span><span><i class="lg-fault"></i>injected fault</span></div>`;
  const n = t.incarnations.length;
  const blocks = t.incarnations.map((inc, i) => {
    const head = `<div class="inc-head"><span class="inc-num">incarnation ${inc.index}</span><span class="inc-start">${esc(shortOp(inc.startedBy))}</span></div>`;
    const body = `${head}${incarnationSvg(inc)}${crashBox(inc, why)}`;
    // Older incarnations fold away; the last three (where failures happen) stay open.
    return i < n - 3 ? `<details class="inc"><summary>incarnation ${inc.index}: ${esc(shortOp(inc.startedBy))}</summary>${body}</details>` : `<div class="inc">${body}</div>`;
  });
  const note = t.note === undefined ? '' : `<p class="warn">${esc(t.note)}</p>`;
  const whyBox = why === undefined ? '' : `<p class="why"><b>Why:</b> ${esc(why.text)}</p>`;
  return `${note}${whyBox}${legend}${blocks.join('')}`;
}

// ---------------------------------------------------------------------------
// State rendering

function stateHtml(state: unknown): string {
  if (state === undefined) return '<p class="muted">The node was not running when the run ended (it could not start, or the run stopped before it did).</p>';
  if (typeof state !== 'object' || state === null) return `<pre>${esc(String(state))}</pre>`;
  const s = state as Record<string, unknown>;
  const range = (r: unknown): string => (typeof r === 'object' && r !== null && 'first' in r && 'next' in r ? `[${String((r as { first: unknown }).first)}, ${String((r as { next: unknown }).next)})` : String(r ?? '—'));
  const rows: string[] = [];
  const scalar = (k: string, label: string): void => {
    if (k in s) rows.push(`<tr><th>${esc(label)}</th><td>${esc(String(s[k] ?? '—'))}</td></tr>`);
  };
  scalar('latestCommitQCIndex', 'latest published CommitQC');
  scalar('latestAppQCIndex', 'latest AppQC');
  scalar('nextCommitQCToPersist', 'next CommitQC to persist');
  if ('commitQCs' in s) rows.push(`<tr><th>CommitQC queue</th><td>${esc(range(s['commitQCs']))}</td></tr>`);
  if ('appVotes' in s) rows.push(`<tr><th>AppVote queue</th><td>${esc(range(s['appVotes']))}</td></tr>`);
  const lanes = Array.isArray(s['lanes']) ? (s['lanes'] as Array<Record<string, unknown>>) : [];
  const laneRows = lanes
    .map((l) => `<tr><td><code>${esc(String(l['lane'] ?? '').slice(0, 8))}…</code></td><td>${esc(range(l['blocks']))}</td><td>${esc(range(l['votes']))}</td><td>${esc(String(l['nextBlockToPersist'] ?? '—'))}</td><td>${esc(String(l['persistedBlockStart'] ?? '—'))}</td></tr>`)
    .join('');
  const laneTable = lanes.length === 0 ? '' : `<table class="lanes-table"><thead><tr><th>lane</th><th>blocks</th><th>votes</th><th>next to persist</th><th>persisted from</th></tr></thead><tbody>${laneRows}</tbody></table>`;
  return `<div class="state"><table class="kv">${rows.join('')}</table>${laneTable}</div>`;
}

// ---------------------------------------------------------------------------
// Page

function cellBadge(c: CellSummary | undefined, failureAnchor: ReadonlyMap<string, string>): string {
  if (c === undefined) return '<td class="cell none">—</td>';
  const anchor = failureAnchor.get(c.key);
  const label = c.status === 'fail' ? 'FAIL' : c.status === 'known' ? `known ${c.knownFindings.join(' ')}` : 'pass';
  const badge = anchor === undefined ? `<span class="badge ${c.status}">${esc(label)}</span>` : `<a class="badge ${c.status}" href="#${anchor}">${esc(label)}</a>`;
  const tip = `${c.key}\nruns ${c.runs}, passed ${c.passed}\ncrash points ${c.crashes}, crash images ${c.crashImages}\n${Object.entries(c.failures).map(([k, v]) => `failure ${k} ×${v}`).join('\n')}${Object.entries(c.acknowledged).map(([k, v]) => `\nknown ${k} ×${v}`).join('')}`;
  return `<td class="cell ${c.status}" title="${esc(tip)}">${badge}<div class="cell-sub">${fmtInt(c.runs)} runs · ${fmtInt(c.crashes)} crashes · ${fmtInt(c.crashImages)} images</div></td>`;
}

function matrixHtml(s: Summary, failureAnchor: ReadonlyMap<string, string>): string {
  const cols: Array<{ design: string; personality: string; faults: string }> = [];
  for (const design of s.settings.designs) for (const personality of s.settings.personalities) for (const faults of s.settings.faults) cols.push({ design, personality, faults });
  const byKey = new Map(s.cells.map((c) => [c.key, c]));
  const head = cols.map((c) => `<th><div class="col-design">${esc(c.design)}</div><div class="col-pers">${esc(c.personality)}</div><div class="col-faults">faults ${esc(c.faults)}</div></th>`).join('');
  const rows = s.settings.scenarios.map((sc) => `<tr><th class="row-head">${esc(sc)}</th>${cols.map((c) => cellBadge(byKey.get(`${sc}/${c.design}/${c.personality}/${c.faults}`), failureAnchor)).join('')}</tr>`).join('');
  return `<div class="matrix-scroll"><table class="matrix"><thead><tr><th class="corner">scenario</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function invariantsHtml(s: Summary): string {
  const rows = s.invariants
    .map((i) => {
      const st = i.status === 'broken' ? '<span class="badge fail">BROKEN</span>' : i.status === 'known' ? `<span class="badge known">known ${esc(i.findings.join(' '))}</span>` : i.status === 'held' ? '<span class="badge pass">held</span>' : '<span class="badge none">not checked</span>';
      return `<tr><td><b>${esc(i.id)}</b></td><td>${esc(i.description)}</td><td class="num">${fmtInt(i.checks)}</td><td class="num">${fmtInt(i.nontrivialChecks ?? 0)}</td><td>${st}</td></tr>`;
    })
    .join('');
  return `<table class="invariants"><thead><tr><th>invariant</th><th>what it says</th><th class="num">checks</th><th class="num" title="checks on a state with something to compare">non-trivial</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Coverage probes per cell: in how many runs each fault fired and each crash window was hit; runs whose armed fault never fired. */
function coverageHtml(s: Summary): string {
  const names = Object.keys(s.coverage.probes);
  if (names.length === 0 && s.cells.every((c) => c.scriptedFaultsArmed === 0)) return '<p class="muted">No probe fired.</p>';
  const multi = s.settings.designs.length > 1 || s.settings.personalities.length > 1 || s.settings.faults.length > 1;
  const head = names.map((n) => `<th class="num probe">${esc(n.replace('/', ' '))}</th>`).join('');
  const rows = s.cells
    .map((c) => {
      const quiet = c.runsWithoutFiredFault > 0 ? ' quiet' : '';
      const cells = names.map((n) => {
        const runs = c.probeRuns?.[n] ?? 0;
        return `<td class="num${runs === 0 ? ' zero' : ''}" title="${esc(`${n}: ${c.probes?.[n] ?? 0} hit(s) in ${runs} of ${c.runs} runs`)}">${runs === 0 ? '·' : fmtInt(runs)}</td>`;
      });
      return `<tr><th class="row-head">${esc(multi ? c.key : c.cell.scenario)}</th><td class="num">${fmtInt(c.runs)}</td><td class="num${quiet}">${c.scriptedFaultsArmed === 0 ? '—' : fmtInt(c.runsWithoutFiredFault)}</td>${cells.join('')}</tr>`;
    })
    .join('');
  return `<p class="muted">Runs in which each probe fired at least once (hover for hits). "Scripted fault never fired": runs that armed scripted faults of which none fired — they tested less than the scenario says.</p><div class="matrix-scroll"><table class="coverage"><thead><tr><th class="corner">cell</th><th class="num">runs</th><th class="num">scripted fault never fired</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function failureHtml(f: FailureEntry, n: number, t: TimelineView | undefined): string {
  const id = `failure-${n}`;
  const tag = f.kind === 'new' ? '<span class="tag new">NEW FAILURE</span>' : `<span class="tag known">KNOWN ${esc(f.finding ?? '')}</span>`;
  const replay = f.shrunk?.replay ?? f.replay;
  const commands = f.shrunk?.commands ?? f.commands;
  // Commands after the one where the run ended were never issued: shown apart, greyed.
  const ran = t?.commandsRun ?? commands.length;
  const cmdItem = (c: string, i: number): string => {
    let text = c;
    try {
      text = describeCommand(JSON.parse(c) as Command);
    } catch {
      // keep the raw text
    }
    const cls = i >= ran ? 'cmd-not-run' : /power loss/.test(text) ? 'cmd-crash' : /fault/.test(text) ? 'cmd-fault' : '';
    return `<li value="${i + 1}" class="${cls}">${esc(text)}</li>`;
  };
  const notRun = commands.length - ran;
  const cmdList = commands.slice(0, ran).map(cmdItem).join('') + (notRun > 0 ? `</ol><p class="not-run-note">Not reached: the run ended during command ${ran}; ${notRun === 1 ? 'this command was' : `these ${notRun} commands were`} never issued.</p><ol class="commands not-run">${commands.slice(ran).map((c, i) => cmdItem(c, ran + i)).join('')}` : '');
  // What the timeline shows: the shrunk run when there is one.
  const shown = f.shrunk ?? f;
  const details = shown.details.length === 0 ? '' : `<pre class="details">${esc(shown.details.slice(0, 20).join('\n'))}</pre>`;
  const evidence = (f.evidence ?? []).map((e) => `<p class="finding-evidence">${esc(e)}</p>`).join('');
  const finding = f.finding === undefined ? '' : `<p class="finding-title"><b>${esc(f.finding)}</b> — ${esc(f.findingTitle ?? '')} <span class="muted">(see reports/findings.md)</span></p>${evidence}`;
  const why = f.explanation === undefined ? undefined : { text: f.explanation, ops: new Set(f.explanationOps ?? []) };
  const timeline = t === undefined ? `${why === undefined ? '' : `<p class="why"><b>Why:</b> ${esc(why.text)}</p>`}<p class="muted">Timeline not rendered (too many failures in this report; replay the token to see it).</p>` : timelineHtml(t, why);
  const stateTitle = t?.recovered === true ? 'State of the node when the run ended (after recovery)' : 'State of the node when the run ended (no crash or restart: the node that broke the invariant)';
  const state = t === undefined ? '' : `<h4>${stateTitle}</h4>${f.invariant === 'I5' && t.finalState === undefined ? '<p class="muted">The node did not come back: its restart failed on the crash image (above).</p>' : stateHtml(t.finalState)}`;
  const tail = t === undefined ? '' : `<details class="trace"><summary>last trace lines</summary><pre>${esc(t.traceTail.join('\n'))}</pre></details>`;
  return `<article class="failure ${f.kind}" id="${id}" data-code="${esc(shown.code)}" data-finding="${esc(f.finding ?? '')}">
<header class="f-head">${tag}<h3>${esc(shown.code)}</h3><span class="f-cell">${esc(f.cellKey)} · run ${f.index} · seed ${f.seed}</span></header>
<div class="broken"><div class="broken-inv"><span class="inv-id">${esc(f.invariant)}</span> ${esc(INVARIANTS[f.invariant] ?? f.invariantText)}</div><div class="broken-msg">${esc(shown.message)}</div>${details}</div>
${finding}
<div class="replay"><code id="${id}-cmd">${esc(replay)}</code><button class="copy" data-for="${id}-cmd" type="button">Copy replay command</button></div>
${f.shrunk !== undefined ? `<p class="muted">Shrunk from ${f.commands.length} to ${f.shrunk.commands.length} commands by fast-check; the command above replays the shrunk run.</p>` : ''}
<div class="f-grid"><div><h4>What the harness did</h4><ol class="commands">${cmdList}</ol></div><div class="f-main"><h4>Timeline</h4>${timeline}</div></div>
${state}
${tail}
</article>`;
}

export interface HtmlOptions {
  /** timelines by failure token (failures without one say so) */
  readonly timelines: ReadonlyMap<string, TimelineView>;
  /** generated-at text (kept out of the data so the page is otherwise reproducible) */
  readonly generatedAt: string;
}

export function renderHtml(s: Summary, opts: HtmlOptions): string {
  const failures = [...s.failures].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'new' ? -1 : 1));
  const anchor = new Map<string, string>();
  failures.forEach((f, i) => {
    if (!anchor.has(f.cellKey)) anchor.set(f.cellKey, `failure-${i + 1}`);
  });
  const t = s.totals;
  const v = s.verdict;
  const banner = v.status === 'fail' ? 'fail' : v.status === 'known' ? 'known' : 'pass';
  // The banner counts runs; the Failures section shows one card per cell and code (its first run).
  const baseTitle = v.status === 'fail' ? `${fmtInt(v.newFailures)} run${v.newFailures === 1 ? '' : 's'} with a new failure` : t.runs === 0 ? 'Nothing ran' : v.status === 'known' ? 'No new failures' : 'All invariants held';
  const bannerTitle = s.complete || t.runs === 0 ? baseTitle : `${baseTitle} (incomplete)`;
  const newCards = failures.filter((f) => f.kind === 'new').length;
  const knownCards = failures.length - newCards;
  const failuresCount = `${fmtInt(newCards)} new · ${fmtInt(knownCards)} known-finding example${knownCards === 1 ? '' : 's'}`;
  const failuresNote =
    newCards === 0
      ? ''
      : `<p class="muted">One card per cell and violation code: the first run that broke it${v.newFailures > newCards ? ` (${fmtInt(v.newFailures)} runs broke an invariant in a new way; the matrix and summary.json count them all)` : ''}.</p>`;
  const cards: Array<[string, string]> = [
    ['runs', fmtInt(t.runs)],
    ['crash points', fmtInt(t.crashPoints)],
    ['crash images', fmtInt(t.crashImages)],
    ['invariant checks', fmtInt(t.invariantChecks)],
    ['fs operations', fmtInt(t.fsOps)],
    ['throughput', `${s.meta.runsPerSecond.toFixed(1)} runs/s`],
  ];
  const set = s.settings;
  const optionsLine = `seed <code>${esc(set.seed)}</code> · designs ${esc(set.designs.join(', '))} · personalities ${esc(set.personalities.join(', '))} · faults ${esc(set.faults.join(', '))} · ${fmtInt(set.runsPerCell)} runs per cell · known findings ${set.acknowledgeKnown ? 'looked past (runs go deeper)' : 'stop a run'}`;
  const failureCards = failures.map((f, i) => failureHtml(f, i + 1, opts.timelines.get(f.token))).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>crashsim report — ${esc(bannerTitle)}</title>
<style>${CSS}</style></head>
<body>
<header class="top"><div class="brand">crashsim <span>crash-consistency report</span></div><div class="meta">${esc(opts.generatedAt)} · run ${esc(s.meta.runId)} · crashsim ${esc(s.meta.crashsimVersion)}</div></header>
<main>
<section class="verdict ${banner}" id="verdict"><div class="v-icon">${banner === 'fail' ? '✖' : banner === 'known' ? '!' : '✔'}</div><div><h1>${esc(bannerTitle)}</h1><p>${esc(v.text)}${s.complete ? '' : ` — <b>incomplete</b>: ${esc(s.incompleteReason ?? '')}`}</p><p class="opts">${optionsLine}</p></div></section>
<section class="cards">${cards.map(([k, val]) => `<div class="card"><div class="c-val">${esc(val)}</div><div class="c-key">${esc(k)}</div></div>`).join('')}</section>
<section id="matrix"><h2>Verdict matrix</h2><p class="muted">Each cell is one scenario run on one design, disk personality and fault mode. Hover for counts; click a coloured badge to jump to its failure.</p>${matrixHtml(s, anchor)}</section>
<section id="invariants"><h2>Invariants</h2>${invariantsHtml(s)}</section>
<section id="coverage"><h2>Coverage</h2>${coverageHtml(s)}</section>
<section id="failures"><h2>Failures <span class="count">${failuresCount}</span></h2>${failures.length === 0 ? '<p class="muted">No failures to show.</p>' : `${failuresNote}${failureCards}`}</section>
</main>
<footer>summary.json schema ${s.schemaVersion} · replay any failure with its command · <code>npx crashsim --help</code></footer>
<script>${JS}</script>
</body></html>
`;
}

const JS = `
(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var ta = document.createElement('textarea');
    ta.value = text; ta.setAttribute('readonly', ''); ta.style.position = 'fixed'; ta.style.opacity = '0';
    document.body.appendChild(ta); ta.select();
    try { document.execCommand('copy'); } finally { document.body.removeChild(ta); }
    return Promise.resolve();
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button.copy');
    if (!b) return;
    var src = document.getElementById(b.getAttribute('data-for'));
    if (!src) return;
    var label = b.textContent;
    copyText(src.textContent).then(function () { b.textContent = 'Copied ✓'; b.classList.add('done'); setTimeout(function () { b.textContent = label; b.classList.remove('done'); }, 1600); },
      function () { b.textContent = 'Select and copy manually'; });
  });
  // Failures happen at the end of a timeline: show the end first.
  function toEnd(root) {
    var s = root.querySelectorAll('.lanes-scroll');
    for (var i = 0; i < s.length; i++) s[i].scrollLeft = s[i].scrollWidth;
  }
  toEnd(document);
  window.addEventListener('load', function () { toEnd(document); });
  document.addEventListener('toggle', function (e) { if (e.target.open) toEnd(e.target); }, true);
})();
`;

const CSS = `
:root { --bg:#f6f7fb; --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --card:#fff; --pass:#15803d; --pass-bg:#dcfce7; --known:#b45309; --known-bg:#fef3c7; --fail:#be123c; --fail-bg:#ffe4e6; --accent:#4f46e5; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--ink); background:var(--bg); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
header.top { display:flex; justify-content:space-between; align-items:baseline; padding:14px 28px; background:#0f172a; color:#e2e8f0; }
.brand { font-weight:700; font-size:18px; letter-spacing:.3px; } .brand span { font-weight:400; color:#94a3b8; margin-left:6px; font-size:14px; }
header.top .meta { color:#94a3b8; font-size:12.5px; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 28px 40px; }
h2 { font-size:18px; margin:28px 0 10px; } h2 .count { background:#e2e8f0; border-radius:10px; padding:1px 9px; font-size:13px; color:#334155; vertical-align:middle; }
h4 { margin:16px 0 6px; font-size:13px; text-transform:uppercase; letter-spacing:.6px; color:#475569; }
.muted { color:var(--muted); } .warn { background:var(--known-bg); color:#78350f; padding:8px 12px; border-radius:6px; }
.verdict { display:flex; gap:18px; align-items:center; padding:18px 22px; border-radius:12px; border:1px solid; }
.verdict h1 { margin:0 0 4px; font-size:24px; } .verdict p { margin:2px 0; }
.verdict .opts { color:#475569; font-size:12.5px; }
.verdict.pass { background:var(--pass-bg); border-color:#86efac; } .verdict.pass .v-icon { background:var(--pass); }
.verdict.known { background:var(--known-bg); border-color:#fcd34d; } .verdict.known .v-icon { background:#d97706; }
.verdict.fail { background:var(--fail-bg); border-color:#fda4af; } .verdict.fail .v-icon { background:var(--fail); }
.v-icon { flex:none; width:54px; height:54px; border-radius:50%; color:#fff; font-size:28px; font-weight:700; display:flex; align-items:center; justify-content:center; }
.cards { display:grid; grid-template-columns: repeat(6, 1fr); gap:12px; margin-top:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.c-val { font-size:22px; font-weight:700; } .c-key { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.5px; }
.matrix-scroll { overflow-x:auto; }
table { border-collapse:collapse; background:var(--card); }
.matrix { border:1px solid var(--line); border-radius:10px; }
.matrix th, .matrix td { border:1px solid var(--line); padding:7px 10px; text-align:center; }
.matrix thead th { background:#f1f5f9; font-weight:600; vertical-align:bottom; }
.col-design { font-size:12px; color:var(--accent); } .col-pers { font-size:13px; } .col-faults { font-size:11px; color:var(--muted); font-weight:400; }
.matrix .row-head, .matrix .corner { text-align:left; font-family: ui-monospace, monospace; font-size:12.5px; }
.cell-sub { color:var(--muted); font-size:11px; margin-top:3px; white-space:nowrap; }
.badge { display:inline-block; padding:2px 9px; border-radius:999px; font-weight:700; font-size:12px; text-decoration:none; white-space:nowrap; }
.badge.pass { background:var(--pass-bg); color:var(--pass); } .badge.known { background:var(--known-bg); color:var(--known); } .badge.fail { background:var(--fail); color:#fff; } .badge.none { background:#f1f5f9; color:var(--muted); }
a.badge:hover { filter:brightness(.95); text-decoration:underline; }
td.cell.fail { background:#fff1f2; }
.coverage { border:1px solid var(--line); border-collapse:collapse; } .coverage th, .coverage td { padding:3px 8px; border-bottom:1px solid var(--line); } .coverage thead th { background:#f1f5f9; font-size:12px; } .coverage td.zero { color:#94a3b8; } .coverage td.quiet { color:#b45309; font-weight:600; }
.invariants { width:100%; border:1px solid var(--line); } .invariants th, .invariants td { padding:3px 10px; border-bottom:1px solid var(--line); text-align:left; } .invariants thead th { background:#f1f5f9; } .num { text-align:right !important; font-variant-numeric: tabular-nums; }
.failure { background:var(--card); border:1px solid var(--line); border-left:6px solid var(--known); border-radius:10px; padding:16px 20px; margin:16px 0; }
.failure.new { border-left-color:var(--fail); }
.f-head { display:flex; align-items:center; gap:12px; flex-wrap:wrap; } .f-head h3 { margin:0; font-family: ui-monospace, monospace; font-size:16px; } .f-cell { color:var(--muted); font-size:12.5px; }
.tag { font-size:11px; font-weight:800; letter-spacing:.6px; padding:3px 8px; border-radius:5px; } .tag.new { background:var(--fail); color:#fff; } .tag.known { background:#f59e0b; color:#fff; }
.broken { margin-top:12px; background:#fff1f2; border:1px solid #fecdd3; border-radius:8px; padding:10px 14px; }
.broken-inv { font-weight:600; } .inv-id { background:var(--fail); color:#fff; border-radius:4px; padding:1px 6px; margin-right:4px; font-size:12px; }
.broken-msg { margin-top:4px; font-size:15px; }
pre.details { margin:8px 0 0; white-space:pre-wrap; color:#7f1d1d; background:transparent; }
.finding-title { margin:10px 0 0; }
.replay { display:flex; gap:10px; align-items:stretch; margin-top:12px; }
.replay code { flex:1; min-width:0; background:#0f172a; color:#e2e8f0; padding:9px 12px; border-radius:7px; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
button.copy { flex:none; border:0; background:var(--accent); color:#fff; padding:0 14px; border-radius:7px; font-weight:600; cursor:pointer; } button.copy:hover { filter:brightness(1.1); } button.copy.done { background:var(--pass); }
.f-grid { display:grid; grid-template-columns: 300px minmax(0,1fr); gap:20px; }
ol.commands { margin:0; padding-left:26px; font-size:12.5px; } ol.commands li { padding:1px 0; } ol.commands.not-run li { color:#94a3b8; } .not-run-note { margin:6px 0 2px; font-size:12px; color:var(--muted); font-style:italic; } ol.commands li.cmd-crash { color:var(--fail); font-weight:600; } ol.commands li.cmd-fault { color:#c2410c; font-weight:600; }
.legend { display:flex; flex-wrap:wrap; gap:4px 14px; font-size:11.5px; color:#475569; margin-bottom:8px; }
.legend i { display:inline-block; width:10px; height:12px; border-radius:2px; margin-right:5px; vertical-align:-2px; }
.legend i.lg-lost { background:#3b82f6; outline:3px solid #fecaca; box-shadow: inset 0 0 0 2px #dc2626; } .legend i.lg-kept { background:#3b82f6; box-shadow: inset 0 0 0 2px #d97706; }
.legend i.lg-cmd { background:#4f46e5; border-radius:50%; width:12px; } .legend i.lg-fault { background:#f97316; clip-path: polygon(50% 0, 100% 100%, 0 100%); width:12px; }
.inc { margin:10px 0 14px; } details.inc > summary { cursor:pointer; color:#475569; font-size:12.5px; }
.inc-head { display:flex; gap:10px; align-items:baseline; margin-bottom:4px; } .inc-num { font-weight:700; font-size:12.5px; background:#e2e8f0; border-radius:5px; padding:1px 7px; } .inc-start { color:var(--muted); font-size:12.5px; }
.tl { display:flex; border:1px solid var(--line); border-radius:8px; background:#fff; overflow:hidden; }
.tl-labels { flex:none; display:block; }
.lanes-scroll { flex:1; min-width:0; overflow-x:auto; }
svg.timeline { display:block; font-family: ui-sans-serif, system-ui, sans-serif; }
svg .harness-bg { fill:#eef2ff; } svg .lane-even { fill:#ffffff; } svg .lane-odd { fill:#f8fafc; }
svg .lane-label { font-size:11.5px; fill:#334155; font-family: ui-monospace, monospace; } svg .harness-label { fill:#4338ca; font-weight:700; }
svg .label-rule { stroke:#e2e8f0; } svg .axis { font-size:10px; fill:#94a3b8; } svg .tick { stroke:#cbd5e1; }
svg .barrier { stroke:#16a34a; stroke-width:1.2; stroke-dasharray:3 3; opacity:.75; }
svg .lost-halo { fill:#fecaca; stroke:#dc2626; stroke-width:1.5; }
svg .ev-command rect { fill:#4f46e5; } svg .ev-command text { fill:#fff; font-size:9.5px; font-weight:700; }
svg .ev-fault path { fill:#f97316; } svg .ev-fault text { fill:#fff; font-size:10px; font-weight:800; }
svg .ev-liveness rect { fill:#16a34a; } svg .ev-liveness text { fill:#fff; font-size:9.5px; font-weight:700; }
svg .ev-violation line { stroke:#be123c; stroke-width:2; stroke-dasharray:5 3; } svg .ev-violation circle { fill:#be123c; } svg .ev-violation path { stroke:#fff; stroke-width:2.2; }
svg .end-crash rect { fill:#dc2626; } svg .end-crash text { fill:#b91c1c; font-weight:800; font-size:13px; } svg .end-crash .end-sub { font-weight:500; font-size:11px; fill:#7f1d1d; }
svg .end-violation { fill:#be123c; font-weight:800; font-size:13px; }
svg .end-restart rect { fill:#64748b; } svg .end-restart text { fill:#475569; font-weight:700; font-size:12px; }
svg g.mark:hover rect, svg g.mark:hover path { filter: brightness(1.15); }
.crash-box { margin-top:8px; border:1px solid #fecaca; background:#fff7f7; border-radius:8px; padding:9px 12px; }
.crash-head { font-weight:700; color:#991b1b; } .bolt { color:#dc2626; } .crash-image { font-size:12.5px; color:#475569; margin:3px 0 6px; }
p.why { background:#eff6ff; border-left:3px solid #3b82f6; padding:.4rem .7rem; margin:.4rem 0 .8rem; }
li.why-op code { outline:2px solid #3b82f6; } .why-tag { color:#1d4ed8; font-size:.8rem; }
ul.pending { list-style:none; margin:0; padding:0; display:flex; flex-direction:column; gap:3px; }
ul.pending li { font-size:12.5px; } ul.pending li.lost code { color:#991b1b; text-decoration: line-through; text-decoration-color:#dc2626; }
.pill { display:inline-block; width:38px; text-align:center; font-size:10.5px; font-weight:800; border-radius:4px; margin-right:8px; padding:0 4px; }
li.lost .pill { background:#dc2626; color:#fff; } li.kept .pill { background:#fde68a; color:#78350f; }
.state { display:flex; gap:18px; flex-wrap:wrap; align-items:flex-start; }
table.kv th { text-align:left; padding:3px 12px 3px 0; color:#475569; font-weight:500; } table.kv td { font-family: ui-monospace, monospace; padding:3px 0; }
.lanes-table { border:1px solid var(--line); } .lanes-table th, .lanes-table td { padding:3px 10px; border-bottom:1px solid var(--line); font-size:12.5px; text-align:left; } .lanes-table thead th { background:#f1f5f9; }
details.trace { margin-top:12px; } details.trace summary { cursor:pointer; color:#475569; }
details.trace pre { background:#0f172a; color:#cbd5e1; padding:10px; border-radius:7px; overflow-x:auto; max-height:360px; }
footer { text-align:center; color:var(--muted); font-size:12px; padding:20px; }
@media (max-width: 900px) { .cards { grid-template-columns: repeat(3, 1fr); } .f-grid { grid-template-columns: 1fr; } }
`;
