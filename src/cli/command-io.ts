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
