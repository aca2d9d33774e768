// House rule (issue 19): no function in src/ over 100 lines, blank lines and comments aside.
import { describe, expect, it } from 'vitest';
import { functionLengths, sourceFiles } from './helpers/source-tree.js';

const LIMIT = 100;
/** The pickle reader's opcode table: one switch over the protocol's opcodes, read as a table. */
const EXEMPT = new Set(['vision/emotimesh/safe-pickle.ts safeUnpickle']);

describe('function length', () => {
  it(`no function in src/ is over ${LIMIT} lines (blank lines and comments aside)`, () => {
    const long = sourceFiles()
      .flatMap(functionLengths)
      .filter((f) => f.lines > LIMIT && !EXEMPT.has(`${f.where.split(':')[0]} ${f.name}`))
      .map((f) => `${f.where} ${f.name}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });

  it('counts code lines, not blank lines or comments', async () => {
    const ts = (await import('typescript')).default;
    const text = [
      'function f(a: number): number {',
      '  // a comment',
      '',
      '  /* a block',
      '     comment */',
      '  /** a doc comment */',
      '  const s = `one',
      'two`;',
      '  return a + s.length;',
      '}',
    ].join('\n');
    const file = { path: 'x.ts', text, ast: ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true) };
    expect(functionLengths(file)).toEqual([{ where: 'x.ts:1', name: 'f', lines: 5 }]);
  });
});
