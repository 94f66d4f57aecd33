// A crashsim command in a fresh process, as a user runs it (same loader as
// bin/crashsim.mjs), for bench/run.ts: writes what the process cost — CPU (all
// threads), peak RSS, wall time, exit code — as JSON to $BENCH_RESULT. The
// command's own output is discarded.
import { writeFileSync } from 'node:fs';
import { importTree, loaderKind } from '../bin/dist.mjs';

const w0 = performance.now();
const { runCli } = await importTree('cli/main');
const lines = [];
const code = await runCli(process.argv.slice(2), { out: (l) => lines.push(l), err: (l) => lines.push(l), isTTY: false });
const u = process.resourceUsage();
writeFileSync(process.env.BENCH_RESULT, JSON.stringify({
  exitCode: code,
  loader: loaderKind(),
  cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
  maxRssMiB: u.maxRSS / 1024,
  wallMs: performance.now() - w0,
  tail: lines.slice(-3),
}));
