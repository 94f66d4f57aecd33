/**
 * One exploration for any library that replaces a file's contents (atomically,
 * it says): the file holds version 1, the workload writes version 2 then 3 with
 * the library, acknowledging each when the library's call returns. After every
 * crash the file must hold the last acknowledged version or a newer one; any
 * other state is one of the OUTCOMES below. Temporary files left beside it are
 * counted, not failed.
 */
import { exploreCrashes } from 'crashsim';

export const DIR = '/data';
export const FILE = '/data/config.json';
export const VERSIONS = ['{"version":1}', '{"version":2}', '{"version":3}'];

export const OUTCOMES = {
  vanished: 'a completed write vanished (an older version after a newer one was acknowledged)',
  empty: 'the file is empty',
  missing: 'the file is missing',
  garbled: 'the file holds bytes no write wrote',
};

/** The exploration of `write(path, text)` on one personality; `stray` collects the states that left other files beside FILE. */
export function replaceOptions({ name, personality, write, stray = new Set() }) {
  return {
    name,
    personality,
    torn: true,
    setup: (fs) => {
      fs.mkdirSync(DIR);
      fs.writeFileSync(FILE, VERSIONS[0]);
    },
    workload: async (_fs, { ack }) => {
      for (const version of VERSIONS.slice(1)) {
        await write(FILE, version);
        ack(version);
      }
    },
    recover: (fs) => ({
      content: fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : undefined,
      others: fs.readdirSync(DIR).filter((n) => `${DIR}/${n}` !== FILE),
    }),
    check: ({ content, others }, { acknowledged, image }) => {
      if (others.length > 0) stray.add([...image.files.keys()].join(' ') + acknowledged.length);
      if (content === undefined) throw new Error(OUTCOMES.missing);
      if (content === '') throw new Error(OUTCOMES.empty);
      if (!VERSIONS.includes(content)) throw new Error(OUTCOMES.garbled);
      if (!VERSIONS.slice(acknowledged.length).includes(content)) throw new Error(OUTCOMES.vanished);
    },
  };
}

/** Explores `write` on one personality; resolves to the exploration and how many recovered states had stray files. */
export async function exploreReplace({ name, personality, write }) {
  const stray = new Set();
  const result = await exploreCrashes(replaceOptions({ name, personality, write, stray }));
  return { result, strayStates: stray.size };
}
