// scratch helper: screenshot any report file (not part of npm scripts)
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { launchChromium } from './browser.js';
const [file, out, width, full, selector] = process.argv.slice(2);
const b = await launchChromium();
const p = await b.newPage({ viewport: { width: Number(width ?? 1400), height: 1000 } });
await p.goto(pathToFileURL(resolve(file as string)).href);
if (selector) await p.locator(selector).first().screenshot({ path: out as string });
else await p.screenshot({ path: out as string, fullPage: full === 'full' });
await b.close();
