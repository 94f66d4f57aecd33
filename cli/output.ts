/** Where commands print: stdout for results, stderr for errors; injectable for in-process tests. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** whether stderr is a terminal (progress bar) */
  readonly isTTY: boolean;
  /** the command runs as the process (the bin): it may handle SIGINT/SIGTERM */
  readonly ownsProcess?: boolean;
}

export const processIo: Io = {
  out: (line) => void process.stdout.write(line + '\n'),
  err: (line) => void process.stderr.write(line + '\n'),
  get isTTY() {
    return process.stderr.isTTY === true;
  },
  ownsProcess: true,
};
