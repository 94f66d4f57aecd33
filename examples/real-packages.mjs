// node --import crashsim/register examples/real-packages.mjs   (from the repository root)
// Explores write-file-atomic and steno, unmodified, on every personality; prints the
// markdown that docs/library.md shows (npm run docs:library pastes it there).
import { PERSONALITIES } from 'crashsim';
import { exploreReplace, OUTCOMES } from './file-replace.mjs';
import { libraries as steno } from './steno.mjs';
import { libraries as writeFileAtomic } from './write-file-atomic.mjs';

const libraries = { ...writeFileAtomic, ...steno };
const lines = [];
for (const [library, write] of Object.entries(libraries)) {
  lines.push(`### ${library}`, '', '| personality | crash states | ' + Object.keys(OUTCOMES).join(' | ') + ' | stray temp file |', '|---|---|' + Object.keys(OUTCOMES).map(() => '---|').join('') + '---|');
  const details = [];
  for (const personality of PERSONALITIES) {
    const { result, strayStates } = await exploreReplace({ name: `${library}-${personality}`, personality, write });
    const cells = Object.values(OUTCOMES).map((o) => (result.outcomes[o] === undefined ? 'no' : `**yes** (${result.outcomes[o]})`));
    lines.push(`| ${personality} | ${result.counts.statesChecked} | ${cells.join(' | ')} | ${strayStates === 0 ? 'no' : `yes (${strayStates})`} |`);
    for (const [key, text] of Object.entries(OUTCOMES)) {
      const f = result.failures.find((x) => x.message === text);
      if (f === undefined) continue;
      details.push(
        `- **${personality}, ${key}** — crash point ${f.point.index + 1} of ${f.point.count}, ${f.point.before}; ` +
        `disk: ${[...f.image.files].map(([p, b]) => `\`${p.replace(/config\.json\.\d+$/, 'config.json.<random>')}\` = ${JSON.stringify(Buffer.from(b).toString())}`).join(', ')}. ` +
        `${f.explanation.replace(/config\.json\.\d+/g, 'config.json.<random>')} Replay: \`${f.handle}\``,
      );
    }
  }
  lines.push('', ...details, '');
}
console.log(lines.join('\n'));
