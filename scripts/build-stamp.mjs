// After `tsc -p tsconfig.build.json` (npm run build): records which sources
// dist/ was built from, so bin/dist.mjs runs dist/ only while it matches them.
import { writeFileSync } from 'node:fs';
import { ROOT, sha1, sourceFiles, STAMP } from '../bin/dist.mjs';

const files = {};
for (const [p, s] of sourceFiles()) files[p] = { size: s.size, mtimeMs: s.mtimeMs, sha1: sha1(ROOT + p) };
writeFileSync(ROOT + STAMP, JSON.stringify({ files }) + '\n');
