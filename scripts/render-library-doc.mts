/**
 * npm run docs:library — regenerates the generated parts of docs/library.md:
 * the quickstart's code and what it prints, and the real-package results, each
 * between `<!-- name -->` and `<!-- /name -->` markers. Runs the examples with
 * the built package (`node --import crashsim/register`, as users run them), so
 * build first (npm run build; npm test does). test/library/docs.test.ts fails
 * when the document is not what this would write.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DOC = 'docs/library.md';

function runExample(file: string): string {
  const env = { ...process.env };
  delete env.VITEST;
  delete env.CRASHSIM_REPLAY;
  return execFileSync(process.execPath, ['--import', 'crashsim/register', file], { encoding: 'utf8', env }).trimEnd();
}

/** The generated parts, by marker name. */
export function generatedParts(): Record<string, string> {
  return {
    'quickstart-code': ['```js', readFileSync('examples/quickstart.mjs', 'utf8').trimEnd(), '```'].join('\n'),
    'quickstart-output': ['```', runExample('examples/quickstart.mjs'), '```'].join('\n'),
    'real-packages': runExample('examples/real-packages.mjs'),
  };
}

/** `doc` with each marked part replaced; throws if a marker is missing. */
export function renderLibraryDoc(doc: string, parts: Record<string, string>): string {
  let out = doc;
  for (const [name, body] of Object.entries(parts)) {
    const open = `<!-- ${name} -->\n`;
    const close = `<!-- /${name} -->`;
    const a = out.indexOf(open);
    const b = out.indexOf(close, a);
    if (a < 0 || b < 0) throw new Error(`${DOC}: markers ${open.trim()} … ${close} not found`);
    out = out.slice(0, a + open.length) + body + '\n' + out.slice(b);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = readFileSync(DOC, 'utf8');
  const next = renderLibraryDoc(doc, generatedParts());
  writeFileSync(DOC, next);
  console.log(next === doc ? `${DOC} was up to date` : `${DOC} regenerated`);
}
