/**
 * The `crashsim` command line (bin/crashsim.mjs runs `runCli`).
 *
 * Exit codes: 0 nothing broken (known findings allowed); 1 an invariant broke in
 * a way no known finding explains, or a replay diverged; 2 a usage or input error,
 * always one line on stderr; 3 crashsim itself failed; 4 the result is incomplete
 * or empty; 130/143 interrupted by SIGINT/SIGTERM. No exception escapes.
 */
import { Command, CommanderError, Option } from 'commander';
import { designIds } from '../scenarios/designs.js';
import { NAMED_SCENARIOS } from '../scenarios/named.js';
import { FINDINGS } from '../scenarios/findings.js';
import { TOKEN_SHAPE } from '../scenarios/token.js';
import { PERSONALITY_NAMES } from '../scenarios/plan.js';
import { ablateCommand, DEFAULT_DISCOVERY_RUNS, DEFAULT_RECHECK_RUNS, type AblateCommandOptions } from './commands/ablate.js';
import { exploreCommand } from './commands/explore.js';
import { matrixCommand, parseProfiles, type MatrixCommandOptions, MATRIX_SEED, DEFAULT_VERDICTS_FILE } from './commands/matrix.js';
import { FAULT_PROFILES, MATRIX_RUNS_DEFAULT, matrixDesigns } from '../scenarios/matrix.js';
import { mergeCommand } from './commands/merge.js';
import { mutantsCommand, type MutantsCommandOptions } from './commands/mutants.js';
import { MUTANTS } from '../scenarios/mutants.js';
import { replayCommand } from './commands/replay.js';
import { EXPLAINED_FAILURES_MAX, runCommand, type RunCommandOptions } from './commands/run.js';
import { DEFAULT_CORPUS_DIR } from './corpus.js';
import { EXIT, oneLine, UsageError } from './errors.js';
import { DEFAULT_DESIGNS, DEFAULT_PERSONALITY, DEFAULT_RUNS_PER_CELL, DEFAULT_SCENARIOS, intIn, LIMITS, RUN_DEFAULT_RUNS_PER_CELL, parseDesigns, parseFaultModes, parseOne, parsePersonalities, parsePersonality, parseScenarios, parseSeed, parseShard, secondsIn, TORN_MODES } from './options.js';
import { processIo, type Io } from './output.js';
import { CRASHSIM_VERSION } from './version.js';

const EXIT_HELP = `
Exit codes:
  0    nothing broken (known findings are reported, not failed)
  1    an invariant broke in a way no known finding explains, or a replay diverged
  2    usage or input error (one line on stderr)
  3    crashsim itself failed
  4    incomplete or empty result: shards missing from a merge, a sweep cut short
       by --time-budget, an explore iteration the workload never reaches
  130  interrupted (SIGINT; 143 for SIGTERM): an incomplete summary was written`;

/**
 * The command line. With `parseOnly`, every action is a no-op: the arguments are
 * parsed and validated (option values included) and nothing runs — how the docs
 * test checks that every command the README shows still parses.
 */
function buildProgram(io: Io, setCode: (code: number) => void, parseOnly = false): Command {
  const program = new Command('crashsim');
  const act = <A extends unknown[]>(f: (...a: A) => Promise<void>): ((...a: A) => Promise<void>) => (parseOnly ? async () => undefined : f);
  program
    .description('Deterministic simulation and crash fault-injection harness for the Autobahn availability persistence layer.')
    .version(CRASHSIM_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      // commander's own errors become one line in runCli
      outputError: () => undefined,
    })
    .showHelpAfterError(false)
    .addHelpText('after', EXIT_HELP);

  program
    .command('run')
    .description('seed sweep over scenario × design × personality × fault mode; reports in reports/runs/<run-id>/ (or --out)')
    .option('--seed <seed>', 'root seed (default: a fresh random one, printed first as SEED=…)', parseSeed)
    .option('--scenario <ids>', `comma-separated named scenarios, "default" or "all" (default: ${DEFAULT_SCENARIOS.join(',')}); known: ${NAMED_SCENARIOS.map((s) => s.id).join(', ')}`, parseScenarios)
    .option('--design <ids>', `comma-separated designs (default: ${DEFAULT_DESIGNS.join(',')}); known: ${designIds().join(', ')}`, parseDesigns)
    .option('--personality <names>', `comma-separated disk personalities or "all" (default: ${DEFAULT_PERSONALITY}); known: ${PERSONALITY_NAMES.join(', ')}`, parsePersonalities)
    .option('--faults <modes>', 'fault profile: off (default), swarm (random per-seed fault profiles), or off,swarm', parseFaultModes)
    .option('--runs <n>', `runs (seeds) per cell (default ${RUN_DEFAULT_RUNS_PER_CELL})`, intIn('--runs', 1, LIMITS.runsPerCellMax))
    .option('--time-budget <seconds>', 'stop handing out runs after this many seconds (the summary says it is incomplete)', secondsIn('--time-budget', LIMITS.timeBudgetSecondsMax))
    .option('--workers <n>', 'worker threads running whole simulations (results identical to serial)', intIn('--workers', 1, LIMITS.workersMax), 1)
    .option('--shard <k/n>', 'run only shard k of n (runs with index ≡ k−1 mod n), for CI jobs; merge with crashsim merge', parseShard)
    .option('--out <dir>', 'report directory (default reports/runs/<run-id>); one that already holds reports is refused')
    .option('--force', 'replace the reports in an existing --out directory')
    .option('--no-acknowledge', 'stop each run at its first violation, known findings included (default: look past known findings so runs go deeper)')
    .option('--shrink', 'shrink every failure with fast-check before reporting it')
    .addOption(new Option('--shrink-runs <n>', 'executions one shrink may spend').argParser(intIn('--shrink-runs', 1, LIMITS.shrinkRunsMax)).default(150))
    .option('--save-failures', `save every failure (shrunk when --shrink) to the regression corpus`)
    .option('--corpus <dir>', 'corpus directory for --save-failures', DEFAULT_CORPUS_DIR)
    .option('--no-progress', 'no progress bar or progress lines')
    .option('--no-explain', `do not explain new failures (by default the first ${EXPLAINED_FAILURES_MAX} are, by their nearest crash images)`)
    .addHelpText('after', `\nKnown findings (reported as "known", exit 0): ${FINDINGS.map((f) => f.id).join(', ')} (reports/findings.md).${EXIT_HELP}`)
    .action(act(async (opts: RunCommandOptions) => setCode(await runCommand(opts, io))));

  program
    .command('replay')
    .description('re-run a recorded run exactly from its token (or a file holding one, e.g. a corpus entry) and check its trace hash')
    .argument('<token-or-file>', `a replay token (${TOKEN_SHAPE}), or a path to a file holding one (a corpus entry, a text file)`)
    .option('--trace', 'print the full trace of every incarnation (with source locations)')
    .option('--force', 'if the code changed, run the token\'s plan on the current code anyway and report its verdict')
    .addHelpText('after', `\nA replay whose trace hash differs from the token's is refused (exit 1): the code changed.${EXIT_HELP}`)
    .action(act(async (token: string, opts: { trace?: boolean; force?: boolean }) => setCode(await replayCommand(token, opts, io))));

  program
    .command('explore')
    .description('exhaustive crash points × crash images of one persist iteration, recovery checked on each, exact counts')
    .option('--scenario <id>', 'draw the workload from a named scenario (with --seed)')
    .option('--seed <n>', 'fast-check seed of the scenario draw (default 1; only with --scenario)', intIn('--seed', 0, 2 ** 31 - 1))
    .option('--commands <json>', 'the workload as a JSON array of plan commands')
    .option('--plan <file>', 'the workload as a plan JSON file')
    // No commander defaults: with --plan, an option not given keeps the plan's value.
    .addOption(new Option('--design <id>', 'design (default seed, or the plan\'s)').argParser(parseOne('design', designIds())))
    .addOption(new Option('--personality <name>', `disk personality (default ${DEFAULT_PERSONALITY}, or the plan's)`).argParser(parsePersonality))
    .addOption(new Option('--torn <mode>', 'torn writes in crash images: off, sector, byte, shorn, field (default off, or the plan\'s)').argParser(parseOne('torn mode', TORN_MODES)))
    .option('--iteration <n>', 'which persist iteration (1-based) to explore', intIn('--iteration', 1, 10_000), 1)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', EXIT_HELP)
    .action(act(async (opts: Parameters<typeof exploreCommand>[0]) => setCode(await exploreCommand(opts, io))));

  program
    .command('matrix')
    .description('verdict matrix: every faithful design and variant × disk personality × fault profile; per cell and invariant held, broken (finding, replay command) or damage detected; writes reports/verdicts.md and a section of index.html')
    .option('--seed <seed>', `root seed (default "${MATRIX_SEED}": the committed docs/verdicts.md is reproducible)`, parseSeed)
    .option('--runs <n>', `runs per scenario, design and personality (default ${MATRIX_RUNS_DEFAULT}: within 15 minutes on 2 cores)`, intIn('--runs', 1, LIMITS.runsPerCellMax))
    .option('--design <ids>', `comma-separated designs (default: ${matrixDesigns().join(', ')})`, parseDesigns)
    .option('--personality <names>', `comma-separated disk personalities or "all" (default: all: ${PERSONALITY_NAMES.join(', ')})`, parsePersonalities)
    .option('--profile <ids>', `comma-separated fault profiles or "all" (default: all); ${FAULT_PROFILES.map((p) => `${p.id} = ${p.scenarios.join('+')}`).join('; ')}`, parseProfiles)
    .option('--workers <n>', 'worker threads (default 2)', intIn('--workers', 1, LIMITS.workersMax))
    .option('--time-budget <seconds>', 'stop handing out runs after this many seconds (the result is incomplete)', secondsIn('--time-budget', LIMITS.timeBudgetSecondsMax))
    .option('--out <dir>', 'report directory (default reports/matrix/<seed>); one that already holds reports is refused')
    .option('--verdicts <file>', `where the Markdown matrix goes besides <out>/verdicts.md (default ${DEFAULT_VERDICTS_FILE})`)
    .option('--force', 'replace the reports in an existing --out directory')
    .option('--no-progress', 'no progress bar or progress lines')
    .addHelpText('after', EXIT_HELP)
    .action(act(async (opts: MatrixCommandOptions) => setCode(await matrixCommand(opts, io))));

  program
    .command('merge')
    .description('merge the reports of the shards of one sweep into one report')
    .argument('<dirs...>', 'report directories (or their summary.json files)')
    .option('--out <dir>', 'report directory (default reports/runs/merged-<time>); one that already holds reports is refused, an input directory always')
    .option('--force', 'replace the reports in an existing --out directory (never an input)')
    .addHelpText('after', `\nMissing shards make the result incomplete: exit 4 (1 if a new failure was found).${EXIT_HELP}`)
    .action(act(async (dirs: string[], opts: { out?: string; force?: boolean }) => setCode(await mergeCommand(dirs, opts, io))));

  program
    .command('ablate')
    .description('take each barrier out in turn (every fsync call site, every order of adjacent persist write groups) and check the suite notices; reports in reports/runs/ablate-<time>/ (or --out)')
    .addOption(new Option('--design <id>', 'the design whose barriers are ablated').argParser(parseOne('design', designIds())).default('seed'))
    .option('--seed <seed>', 'root seed (default: a fresh random one, printed first as SEED=…)', parseSeed)
    .option('--scenario <ids>', `comma-separated named scenarios, "default" or "all" (default: ${DEFAULT_SCENARIOS.join(',')})`, parseScenarios)
    .option('--personality <names>', `comma-separated disk personalities or "all" (default: ${DEFAULT_PERSONALITY}); known: ${PERSONALITY_NAMES.join(', ')}`, parsePersonalities)
    .option('--runs <n>', `runs (seeds) per cell and ablation (default ${DEFAULT_RUNS_PER_CELL}); a caught ablation stops at its first NEW failure`, intIn('--runs', 1, LIMITS.runsPerCellMax))
    .option('--workers <n>', 'worker threads running whole simulations (results identical to serial)', intIn('--workers', 1, LIMITS.workersMax), 1)
    .option('--discovery-runs <n>', `runs per cell that find the fsync call sites (default ${DEFAULT_DISCOVERY_RUNS})`, intIn('--discovery-runs', 1, 1000))
    .option('--only <ids>', 'run only these ablations (comma-separated ids as printed, e.g. fsync@src/persist/ab.ts:58,swap:commitQCs/appQC)', (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .option('--no-shrink', 'do not shrink the first NEW failure of a caught ablation')
    .addOption(new Option('--shrink-runs <n>', 'executions one shrink may spend').argParser(intIn('--shrink-runs', 1, LIMITS.shrinkRunsMax)).default(150))
    .option('--no-baseline', 'skip the unablated sweep (it shows which known findings an ablation makes more frequent)')
    .option('--out <dir>', 'report directory (default reports/runs/ablate-<time>-<seed>)')
    .option('--doc <file>', 'also write the markdown table to this file (docs/ablation.md for design seed)')
    .option('--recheck <personalities>', 'run each ablation the suite does not catch again on these disk personalities (is the barrier needed there?)', parsePersonalities)
    .option('--recheck-runs <n>', `runs per cell of a recheck (default ${DEFAULT_RECHECK_RUNS})`, intIn('--recheck-runs', 1, LIMITS.runsPerCellMax))
    .option('--force', 'replace reports already in --out')
    .addHelpText('after', `\nExit codes:\n  0  every ablation caught, or not caught with a note that says why (scenarios/ablation-notes.ts)\n  1  an ablation the suite does not notice and no note explains\n  2  usage or input error (one line on stderr)\n  3  crashsim itself failed`)
    .action(act(async (opts: AblateCommandOptions) => setCode(await ablateCommand(opts, io))));

  program
    .command('mutants')
    .description('run every catalogued mutant through the default run cells (known findings looked past) until its first NEW failure; reports in reports/mutants/<run-id>/ (or --out)')
    .option('--seed <seed>', 'root seed (default: a fresh random one, printed first as SEED=…)', parseSeed)
    .option('--mutant <ids>', `comma-separated mutants (ids or labels such as M1; default: all); known: ${MUTANTS.map((m) => m.id).join(', ')}`, (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .option('--runs <n>', `at most this many runs per cell and mutant (default ${DEFAULT_RUNS_PER_CELL})`, intIn('--runs', 1, LIMITS.runsPerCellMax))
    .option('--workers <n>', 'worker threads running whole simulations', intIn('--workers', 1, LIMITS.workersMax), 1)
    .addOption(new Option('--shrink-runs <n>', 'executions the shrink of each first NEW failure may spend (0: no shrinking)').argParser(intIn('--shrink-runs', 0, LIMITS.shrinkRunsMax)).default(150))
    .option('--out <dir>', 'report directory (default reports/mutants/<run-id>)')
    .addHelpText('after', `\nExit 0 when every mutant shows as NEW (caught); 1 when one shows only as known findings or not at all (missed).${EXIT_HELP}`)
    .action(act(async (opts: MutantsCommandOptions) => setCode(await mutantsCommand(opts, io))));

  return program;
}

/** Parses `argv` as the command line would, running nothing: undefined when it parses, else the one-line error. */
export async function parseOnly(argv: readonly string[]): Promise<string | undefined> {
  const errors: string[] = [];
  const io: Io = { out: () => undefined, err: (l) => void errors.push(l), isTTY: false };
  const program = buildProgram(io, () => undefined, true);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return undefined;
  } catch (e) {
    if (e instanceof CommanderError && (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version')) return undefined;
    return oneLine(e instanceof Error ? e.message : String(e));
  }
}

/** Runs the command line; resolves to the exit code (never rejects). */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      io.err(`crashsim: ${oneLine(e.message.replace(/^error: /, ''))} (see crashsim --help)`);
      return EXIT.usage;
    }
    if (e instanceof UsageError) {
      io.err(`crashsim: ${oneLine(e.message)}`);
      return EXIT.usage;
    }
    const where = e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 4).map((l) => l.trim()).join(' ← ') : String(e);
    io.err(`crashsim: internal error (a bug in crashsim, please report it): ${oneLine(where, 1000)}`);
    return EXIT.internal;
  }
}
