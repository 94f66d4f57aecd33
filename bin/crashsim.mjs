#!/usr/bin/env node
// The crashsim command: runs cli/main's runCli, compiled (dist/) when the build
// matches the sources, else the TypeScript through tsx (bin/dist.mjs). See
// README.md for the commands.
import { importTree } from './dist.mjs';

const { runCli } = await importTree('cli/main');
process.exitCode = await runCli(process.argv.slice(2));
