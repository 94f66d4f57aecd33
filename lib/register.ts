/**
 * `node --import crashsim/register app.js` (or `import 'crashsim/register'`
 * before the code under test): routes node:fs, fs, node:fs/promises,
 * fs/promises and graceful-fs to the simulated disk during explorations, and to
 * the real disk everywhere else (routing.ts).
 */
import { installRouting } from './routing.js';

installRouting();
