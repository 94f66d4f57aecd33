#!/usr/bin/env node
// The crashsim command: registers tsx (the project ships TypeScript, run as is)
// and hands the arguments to cli/main.ts. See README.md for the commands.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
