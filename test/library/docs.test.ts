/**
 * docs/library.md shows what the code does today: the quickstart block is
 * examples/quickstart.mjs verbatim (under 25 lines), its output block is what
 * that file prints through the built package, and the real-package results are
 * what examples/real-packages.mjs prints. On a mismatch: npm run docs:library.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DOC, generatedParts, renderLibraryDoc } from '../../scripts/render-library-doc.mjs';

it('the quickstart is a complete exploration in under 25 lines', () => {
  const lines = readFileSync('examples/quickstart.mjs', 'utf8').trimEnd().split('\n');
  expect(lines.length).toBeLessThan(25);
});

it('docs/library.md is current (else: npm run build && npm run docs:library)', () => {
  const doc = readFileSync(DOC, 'utf8');
  expect(renderLibraryDoc(doc, generatedParts())).toBe(doc);
});
