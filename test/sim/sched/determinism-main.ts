/**
 * Prints `seed hash` lines for the seeds given on the command line, from a
 * fresh process (the determinism test compares them with in-process runs to
 * catch module-level state leaking between runs).
 *   node --import tsx test/sim/sched/determinism-main.ts s1 s2 …
 */
import { runWorkload } from './workload.js';

for (const seed of process.argv.slice(2)) {
  const run = await runWorkload(seed);
  process.stdout.write(`${seed} ${run.hash}\n`);
}
