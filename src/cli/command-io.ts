/** Where a command writes its output; tests pass their own to capture it. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** The real standard output and error. */
export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** A progress line on stderr for long runs over rows (none when stderr is not a terminal). */
export function progressReporter(label: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    process.stderr.write(`\r${label} ${done}/${total}`);
    if (done === total) process.stderr.write('\r\x1b[K');
  };
}
