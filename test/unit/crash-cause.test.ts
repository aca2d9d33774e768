import { describe, expect, it } from 'vitest';

import { crashCause } from '../../src/jobs/worker-stages.js';

describe('crashCause', () => {
  it("reads the signal or exit code from workerpool's message", () => {
    const msg = (code: string, signal: string): string =>
      `Workerpool Worker terminated Unexpectedly\n    exitCode: \`${code}\`\n    signalCode: \`${signal}\`\n`;
    expect(crashCause(msg('null', 'SIGSEGV'))).toBe('SIGSEGV');
    expect(crashCause(msg('null', 'SIGKILL'))).toBe('SIGKILL');
    expect(crashCause(msg('134', 'null'))).toBe('exit code 134');
    expect(crashCause('Workerpool Worker error: boom')).toBe('worker lost');
  });
});
