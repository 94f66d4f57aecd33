/**
 * The HTML report in a real browser (headless Chromium via playwright-core):
 * the verdict, the matrix, every failure with its timeline (swimlanes, the
 * crash and what it lost, the broken invariant), a working copy button, no
 * network, no script errors. Skipped where /usr/bin/chromium is absent (CI
 * machines without Debian's chromium package); the static checks always run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../cli/summary.js';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium } from '../../cli/tools/browser.js';
import { runInProcess } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'crashsim-html-'));
let html = '';
let summary: Summary;

beforeAll(async () => {
  // With this seed: F1, F6 (a crash loses an unlink, the restart fails), F4 (a crash loses a block write), …
  const r = await runInProcess(['run', '--seed', 'shot', '--scenario', 'fast-forward,crash-restart', '--personality', 'ext4-weak,ordered', '--runs', '4', '--out', dir, '--no-progress']);
  expect([0, 1], r.stderr).toContain(r.code);
  html = readFileSync(join(dir, 'index.html'), 'utf8');
  summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}, 120_000);

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
});

const browserTitle = chromiumAvailable() ? 'in headless Chromium' : `in headless Chromium (SKIPPED: no Chromium at ${CHROMIUM_PATH}; apt-get install -y chromium to run it)`;

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
});
