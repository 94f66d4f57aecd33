/**
 * The HTML report in a real browser (headless Chromium via playwright-core):
 * the verdict, the matrix, every failure with its timeline (swimlanes, the
 * crash and what it lost, the broken invariant), a working copy button, no
 * network, no script errors. Skipped where /usr/bin/chromium is absent, except
 * in CI (CI set), where that fails: .ci/run installs Debian's chromium. The
 * static checks always run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../cli/report/html.js';
import type { TimelineView } from '../../cli/report/timeline.js';
import type { Summary } from '../../cli/summary.js';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium } from '../../cli/tools/browser.js';
import { runInProcess } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'crashsim-html-'));
const mutantDir = join(dir, 'mutant');
let html = '';
let summary: Summary;
let mutantHtml = '';
let mutant: Summary;

beforeAll(async () => {
  // With this seed: F1, F6 (a crash loses an unlink, the restart fails), F4 (a crash loses a block write), …
  const r = await runInProcess(['run', '--seed', 'shot', '--design', 'seed', '--scenario', 'fast-forward,crash-restart', '--personality', 'ext4-weak,ordered', '--runs', '4', '--out', dir, '--no-progress']);
  expect([0, 1], r.stderr).toContain(r.code);
  html = readFileSync(join(dir, 'index.html'), 'utf8');
  summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  // The mutant without the persist/prune clamp: every run breaks I9 in a new way, mid-plan, without a crash.
  const m = await runInProcess(['run', '--seed', 'shot', '--design', 'seed', '--design', 'seed~no-clamp', '--scenario', 'persist-prune-race', '--runs', '6', '--out', mutantDir, '--no-progress']);
  expect(m.code, m.stderr).toBe(1);
  mutantHtml = readFileSync(join(mutantDir, 'index.html'), 'utf8');
  mutant = JSON.parse(readFileSync(join(mutantDir, 'summary.json'), 'utf8')) as Summary;
}, 120_000);

/** The text of the first element matching `re` (a crude parse: the page is ours). */
const textOf = (page: string, re: RegExp): string => (re.exec(page)?.[1] ?? '').replace(/<[^>]+>/g, '');

describe('index.html, static', () => {
  it('is self-contained: no external stylesheet, script, image or font', () => {
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script\b[^>]*\bsrc=/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
  });

  it('has a card per failure with its replay command', () => {
    expect(summary.failures.length).toBeGreaterThanOrEqual(2);
    for (const f of summary.failures) expect(html).toContain(f.replay);
  });

  it('the banner counts runs and the Failures heading counts cards, and says so', () => {
    const newCards = mutant.failures.filter((f) => f.kind === 'new').length;
    expect(mutant.verdict.newFailures).toBeGreaterThan(newCards); // 6 runs, 1 card: the case that once read "6 new failures" over "Failures 1"
    expect(textOf(mutantHtml, /<section class="verdict[^"]*" id="verdict">.*?<h1>(.*?)<\/h1>/s)).toBe(`${mutant.verdict.newFailures} runs with a new failure`);
    expect(textOf(mutantHtml, /<h2>Failures <span class="count">(.*?)<\/span>/s)).toBe(`${newCards} new · ${mutant.failures.length - newCards} known-finding example${mutant.failures.length - newCards === 1 ? '' : 's'}`);
    expect(mutantHtml).toContain(`(${mutant.verdict.newFailures} runs broke an invariant in a new way; the matrix and summary.json count them all)`);
  });

  it('commands after the one where the run ended are shown as not reached', () => {
    const f = mutant.failures.find((x) => x.kind === 'new');
    if (f === undefined) throw new Error('no new failure');
    const m = /Not reached: the run ended during command (\d+); (?:this command was|these (\d+) commands were) never issued\./.exec(mutantHtml);
    expect(m, 'no "not reached" note').not.toBeNull();
    const ran = Number(m?.[1]);
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(f.commands.length);
    expect(Number(m?.[2] ?? 1)).toBe(f.commands.length - ran);
    const notRun = /<ol class="commands not-run">(.*?)<\/ol>/s.exec(mutantHtml)?.[1] ?? '';
    expect(notRun.match(/<li /g)).toHaveLength(f.commands.length - ran);
  });

  it('"after recovery" only where the node was restarted', () => {
    // the mutant's runs never crash or restart
    expect(mutant.failures.every((f) => f.commands.every((c) => !/"c":"(crash|restart)"/.test(c)))).toBe(true);
    expect(mutantHtml).not.toContain('(after recovery)');
    expect(mutantHtml).toContain('State of the node when the run ended (no crash or restart');
    expect(html).toContain('State of the node when the run ended (after recovery)'); // fast-forward and crash-restart crash
  });

  it('no violation code is cut mid-word, on the page or in summary.json', () => {
    const codes = [...summary.failures, ...mutant.failures].map((f) => f.code);
    expect(codes.some((c) => c.length > 60)).toBe(true); // long restart-failure codes are among them
    for (const c of codes) {
      const message = c.replace(/^[A-Z0-9]+\/(abort|error):/, '');
      // a long message is clipped at a word, and says so
      if (message.length >= 80) expect(c, c).toMatch(/[A-Za-z0-9_)\]]…$/);
      expect(message.length, c).toBeLessThanOrEqual(80);
    }
    expect(html).not.toMatch(/nil pointer d[^e]/);
  });
});

// In CI (CI set: .ci/run sets it and installs Chromium) a missing browser is a failure:
// a skipped browser test there would mean the report is never checked in a browser.
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false' && process.env['CI'] !== '0';
const browserTitle = chromiumAvailable() ? 'in headless Chromium' : `in headless Chromium (SKIPPED: no Chromium at ${CHROMIUM_PATH}; apt-get install -y chromium to run it)`;

describe.runIf(inCi && !chromiumAvailable())('in headless Chromium, in CI', () => {
  it('has a browser', () => {
    expect.fail(`CI is set but there is no Chromium at ${CHROMIUM_PATH}: .ci/run installs Debian's chromium (apt-get install -y --no-install-recommends chromium); set CRASHSIM_CHROMIUM to use another`);
  });
});

describe.skipIf(!chromiumAvailable())(browserTitle, () => {
  it('renders the verdict, the matrix and every failure timeline from file:// without network or errors', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (req) => void requests.push(req.url()));
      page.on('pageerror', (e) => void problems.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await page.goto(pathToFileURL(join(dir, 'index.html')).href);

      expect(await page.title()).toMatch(/^crashsim report/);
      const heading = summary.verdict.status === 'fail' ? /new failures?$/ : summary.verdict.status === 'known' ? /^No new failures$/ : /^All invariants held$/;
      expect(await page.locator('#verdict h1').textContent()).toMatch(heading);
      expect(await page.locator('table.matrix td.cell').count()).toBe(summary.cells.length);
      expect(await page.locator('table.invariants tbody tr').count()).toBe(summary.invariants.length);

      const cards = page.locator('article.failure');
      expect(await cards.count()).toBe(summary.failures.length);
      for (let i = 0; i < summary.failures.length; i++) {
        const card = cards.nth(i);
        expect(await card.locator('svg.timeline').count()).toBeGreaterThan(0);
        expect(await card.locator('svg.tl-labels .lane-label').count()).toBeGreaterThan(1);
        expect(await card.locator('.broken .inv-id').textContent()).toMatch(/^(I\d+|X\d|LIVENESS)$/);
        expect(await card.locator('.replay code').textContent()).toMatch(/^npx crashsim replay cs2\./);
      }
      // the crash: a power-loss marker, the pending ops with the lost ones marked, the violation
      expect(await page.locator('.end-crash').count()).toBeGreaterThan(0);
      expect(await page.locator('.crash-box li.lost').count()).toBeGreaterThan(0);
      expect(await page.locator('g.mark.p-lost').count()).toBeGreaterThan(0);
      expect(await page.locator('.ev-violation').count()).toBeGreaterThan(0);
      expect(await page.locator('g.m-fsync-dir, g.m-fsync-file').count()).toBeGreaterThan(0);

      // the copy button works from file:// (clipboard API or the execCommand fallback)
      const button = cards.first().locator('button.copy');
      await button.click();
      // The clipboard write is asynchronous: wait for the label to change (a busy machine may take a moment).
      await page.waitForFunction((el) => el?.textContent === 'Copied ✓', await button.elementHandle(), { timeout: 10_000 });

      // timelines open scrolled to their end, where failures happen
      const scrolled = (await page.evaluate(`[...document.querySelectorAll('.inc:not(details) .lanes-scroll')].every((s) => s.scrollWidth <= s.clientWidth || s.scrollLeft > 0)`)) as boolean;
      expect(scrolled).toBe(true);

      expect(problems).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('nothing in the harness lane covers anything else (a command badge once hid the violation marker)', async () => {
    // Commands 1–3, a fault, the violation and the liveness phase all at one point of the timeline.
    const f = mutant.failures[0];
    if (f === undefined) throw new Error('no failure');
    const at = (kind: 'command' | 'fault' | 'violation' | 'liveness', text: string) => ({ x: 3, step: 7, kind, text });
    const crowded: TimelineView = {
      matched: true, note: undefined, finalState: undefined, traceTail: [], steps: 7, commandsRun: 3, recovered: false,
      incarnations: [{
        index: 0, startedBy: 'fresh node', lanes: ['node', 'avail/persist'], hiddenMarks: 0, width: 6, end: { kind: 'violation', text: 'I9: broken' },
        marks: [0, 1, 2, 3, 4, 5].map((x) => ({ x, step: x + 2, lane: x % 2 === 0 ? 'node' : 'avail/persist', cls: 'write' as const, text: `write ${x}`, source: undefined, pending: undefined })),
        events: [at('command', '1. a'), at('command', '2. b'), at('command', '3. c'), at('fault', 'fsync fails'), at('violation', 'I9: broken'), at('liveness', 'liveness phase')],
      }],
    };
    const file = join(dir, 'crowded.html');
    writeFileSync(file, renderHtml(mutant, { timelines: new Map([[f.token, crowded]]), generatedAt: 'test' }));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(pathToFileURL(file).href);
      expect(await page.locator('.ev-command, .ev-fault, .ev-violation, .ev-liveness').count()).toBe(4);
      const overlaps = (await page.evaluate(`[...document.querySelectorAll('svg.timeline')].flatMap((svg) => {
        const boxes = [...svg.querySelectorAll('.ev-command rect, .ev-fault path, .ev-liveness rect, .ev-violation circle')].map((e) => e.getBoundingClientRect());
        const bad = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) bad.push([a.left, b.left]);
        }
        return bad;
      })`)) as unknown[];
      expect(overlaps).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
