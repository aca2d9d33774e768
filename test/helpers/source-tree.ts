// The service's source files read with the TypeScript compiler API, for the house rules'
// tests (test/architecture.test.ts, test/function-length.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const SRC = resolve(import.meta.dirname, '..', '..', 'src');

export interface SourceFile {
  /** Path below src/, with forward slashes (e.g. `workers/row.worker.ts`). */
  path: string;
  text: string;
  ast: ts.SourceFile;
}

export interface ImportEdge {
  from: string;
  /** The specifier as written (`node-av`, `../http/job-metrics.js`). */
  specifier: string;
  /** For a relative specifier: the imported file below src/ (`.js` read as `.ts`); else undefined. */
  target?: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

let cached: SourceFile[] | undefined;

/** Every .ts file below src/, parsed. */
export function sourceFiles(): SourceFile[] {
  cached ??= walk(SRC)
    .sort()
    .map((file) => {
      const text = readFileSync(file, 'utf8');
      return {
        path: relative(SRC, file).split('\\').join('/'),
        text,
        ast: ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true),
      };
    });
  return cached;
}

/** Every import of a file: static (values and types), re-exports and dynamic `import('...')`. */
export function importsOf(file: SourceFile): ImportEdge[] {
  const out: ImportEdge[] = [];
  const add = (specifier: string): void => {
    const target = specifier.startsWith('.')
      ? relative(SRC, resolve(dirname(join(SRC, file.path)), specifier))
          .split('\\')
          .join('/')
          .replace(/\.js$/, '.ts')
      : undefined;
    out.push({ from: file.path, specifier, target });
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return out;
}

/** A function of src/ and its length: non-blank lines that hold more than comments. */
export interface FunctionLength {
  where: string;
  name: string;
  lines: number;
}

function functionName(node: ts.FunctionLikeDeclaration, ast: ts.SourceFile): string {
  if (node.name) return node.name.getText(ast);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(ast);
  return '<anonymous>';
}

/**
 * Lines of `node` (its signature and body) that hold code: the lines its tokens cover. Comments
 * are trivia, not tokens, so blank lines and comment lines do not count; a multi-line template
 * or string counts every line it spans.
 */
function codeLines(node: ts.Node, ast: ts.SourceFile): number {
  const lines = new Set<number>();
  const lineOf = (pos: number): number => ast.getLineAndCharacterOfPosition(pos).line;
  const visit = (n: ts.Node): void => {
    // Doc comments are attached to the AST as JSDoc nodes: comments all the same.
    if (n.kind >= ts.SyntaxKind.FirstJSDocNode && n.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = n.getChildren(ast);
    if (children.length === 0) {
      for (let l = lineOf(n.getStart(ast)); l <= lineOf(n.getEnd()); l++) lines.add(l);
      return;
    }
    children.forEach(visit);
  };
  visit(node);
  return lines.size;
}

/** Every function (declarations, methods, arrows, expressions) with a body, and its length. */
export function functionLengths(file: SourceFile): FunctionLength[] {
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const line = file.ast.getLineAndCharacterOfPosition(fn.getStart(file.ast)).line + 1;
      out.push({
        where: `${file.path}:${line}`,
        name: functionName(fn, file.ast),
        lines: codeLines(fn, file.ast),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return out;
}
