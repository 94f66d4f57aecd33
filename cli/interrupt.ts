/**
 * SIGINT (Ctrl-C) and SIGTERM (CI cancelling a job) during a long command: the
 * first one stops handing out work, lets the runs in progress finish (each is
 * bounded by its step budget), and the command writes an incomplete summary
 * ("interrupted after N of M runs") and exits 130 (SIGINT) or 143 (SIGTERM). A
 * second one quits at once. Either way the terminal is given back as it was
 * (cursor shown, line wrap on: the progress bar turns both off).
 */
import { EXIT } from './errors.js';
import type { Io } from './output.js';

/** Shows the cursor and turns line wrap back on (what a progress bar turns off). */
export const TERMINAL_RESTORE = '\u001b[?25h\u001b[?7h';

export interface InterruptWatch {
  /** the signal received, if any */
  readonly signal: NodeJS.Signals | undefined;
  /** the exit code of an interrupted command (130 SIGINT, 143 SIGTERM) */
  readonly exitCode: number | undefined;
  /** stops watching (the default behaviour of the signals returns) */
  dispose(): void;
}

export interface WatchOptions {
  /** called on the first signal, before anything is printed: stop the progress bar */
  readonly onFirst: () => void;
  /** called before a second signal ends the process: remove what must not be left behind */
  readonly onForcedExit?: () => void;
}

/** Watches SIGINT and SIGTERM while a command runs (only when the command owns the process). */
export function watchInterrupts(io: Io, o: WatchOptions): InterruptWatch {
  let signal: NodeJS.Signals | undefined;
  const codeOf = (s: NodeJS.Signals): number => (s === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
  const handler = (s: NodeJS.Signals): void => {
    if (signal === undefined) {
      signal = s;
      o.onFirst();
      io.err(`crashsim: ${s}: stopping after the runs in progress and writing an incomplete summary (${s === 'SIGINT' ? 'Ctrl-C' : 'signal'} again to quit at once)`);
      return;
    }
    o.onForcedExit?.();
    if (process.stderr.isTTY === true) process.stderr.write(TERMINAL_RESTORE);
    io.err(`crashsim: ${s} again: quitting without a summary`);
    process.exit(codeOf(signal));
  };
  if (io.ownsProcess === true) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }
  return {
    get signal() {
      return signal;
    },
    get exitCode() {
      return signal === undefined ? undefined : codeOf(signal);
    },
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
