/**
 * `npm run screenshot`: runs a small real sweep (3 scenarios × 3 personalities)
 * that finds real failures, renders its index.html in headless Chromium and
 * saves docs/report-screenshot.png: the top of the report and one failure with a
 * crash that lost an operation (the first such; with this seed, known finding
 * F6: a lost unlink of an old CommitQC file makes the restart fail). The other
 * failure cards are hidden in the screenshot only. Needs /usr/bin/chromium.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../main.js';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium } from './browser.js';

const OUT_DIR = 'reports/tmp/screenshot';
const PNG = 'docs/report-screenshot.png';
export const SCREENSHOT_RUN_ARGS = ['run', '--seed', 'shot', '--scenario', 'crash-restart,fast-forward,persist-prune-race', '--personality', 'ext4-weak,ordered,strict-posix', '--runs', '6', '--out', OUT_DIR, '--no-progress'];

/** Keeps the failure card with a lost operation, a broken invariant and the fewest commands; hides the rest. */
const PICK_AND_HIDE = `(() => {
  const cards = [...document.querySelectorAll('article.failure')];
  const good = cards.filter((c) => c.querySelector('.crash-box li.lost') && c.querySelector('.ev-violation'));
  good.sort((a, b) => a.querySelectorAll('ol.commands li').length - b.querySelectorAll('ol.commands li').length);
  const pick = good[0] || cards[0];
  for (const c of cards) if (c !== pick) c.style.display = 'none';
  const inv = document.getElementById('invariants');
  if (inv) inv.style.display = 'none';
  return pick ? pick.id : undefined;
})()`;

if (!chromiumAvailable()) {
  console.error(`screenshot: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CRASHSIM_CHROMIUM)`);
  process.exit(2);
}
const code = await runCli(SCREENSHOT_RUN_ARGS);
if (code !== 0) {
  console.error(`screenshot: crashsim run exited ${code}`);
  process.exit(1);
}
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(OUT_DIR, 'index.html')).href);
  await page.waitForSelector('article.failure svg.timeline', { state: 'attached' });
  // Browser-side code as strings: the project's tsconfig has no DOM types.
  const shown = (await page.evaluate(PICK_AND_HIDE)) as string | undefined;
  // A viewport as tall as the page (rather than fullPage) keeps the timelines scrolled to their end.
  const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
  await page.setViewportSize({ width: 1440, height });
  await page.evaluate(`for (const s of document.querySelectorAll('.lanes-scroll')) s.scrollLeft = s.scrollWidth;`);
  await page.screenshot({ path: PNG });
  console.log(`screenshot: showing ${shown ?? 'no failure'}`);
  console.log(`screenshot: wrote ${PNG}`);
} finally {
  await browser.close();
}
