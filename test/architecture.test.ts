// The house rules of issue 19 that a reader of the imports can check: no import circle, each
// runtime in its one folder, settings read only in config/, nothing imports cli/, workers/
// nothing from http/, and the five class names written as a list once. (No function over 100
// lines: test/function-length.test.ts.)
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles, type ImportEdge, type SourceFile } from './helpers/source-tree.js';

const files = sourceFiles();
const edges: ImportEdge[] = files.flatMap(importsOf);
const inside = (path: string, folder: string): boolean => path.startsWith(`${folder}/`);
const show = (e: ImportEdge): string => `${e.from} imports ${e.specifier}`;

/** Import circles among src/ modules (every import counts: values, types, re-exports, dynamic). */
function importCircles(): string[][] {
  const graph = new Map<string, string[]>(files.map((f) => [f.path, []]));
  for (const e of edges) if (e.target && graph.has(e.target)) graph.get(e.from)!.push(e.target);
  // Tarjan's strongly connected components: a component of more than one module is a circle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfImport = graph.get(v)!.includes(v);
    if (component.length > 1 || selfImport) circles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return circles;
}

/** Where `process.env` is read (also `process['env']`). */
function envReads(file: SourceFile): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    const access =
      (ts.isPropertyAccessExpression(node) && node.name.text === 'env') ||
      (ts.isElementAccessExpression(node) &&
        ts.isStringLiteralLike(node.argumentExpression) &&
        node.argumentExpression.text === 'env');
    if (access && ts.isIdentifier(node.expression) && node.expression.text === 'process') {
      const line = file.ast.getLineAndCharacterOfPosition(node.getStart(file.ast)).line + 1;
      out.push(`${file.path}:${line}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return out;
}

const CLASSES = ['Anger', 'Happy', 'Shock', 'Neutral', 'Sad'];

/**
 * Places that write the five classes as a list: an array of the five names, an object keyed by
 * them, or one string or template (a message, the demo page's script) that names all five.
 */
function classLists(file: SourceFile): string[] {
  const out: string[] = [];
  const all = (names: string[]): boolean => CLASSES.every((c) => names.includes(c));
  const visit = (node: ts.Node): void => {
    let names: string[] | undefined;
    if (ts.isArrayLiteralExpression(node))
      names = node.elements.filter(ts.isStringLiteralLike).map((e) => e.text);
    else if (ts.isObjectLiteralExpression(node))
      names = node.properties.flatMap((p) =>
        p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? [p.name.text] : [],
      );
    else if (ts.isStringLiteralLike(node) || ts.isTemplateExpression(node))
      names = node.getText(file.ast).match(/\b[A-Z][a-z]+\b/g) ?? [];
    if (names && all(names)) {
      const line = file.ast.getLineAndCharacterOfPosition(node.getStart(file.ast)).line + 1;
      out.push(`${file.path}:${line}`);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return out;
}

describe('architecture (the house rules of issue 19)', () => {
  it('reads the source tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.some((e) => /^node-av(\/|$)/.test(e.specifier))).toBe(true);
  });

  it('has no import circle among src/ modules', () => {
    expect(importCircles()).toEqual([]);
  });

  it('touches FFmpeg (node-av) only in src/media/', () => {
    const bad = edges.filter((e) => /^node-av(\/|$)/.test(e.specifier) && !inside(e.from, 'media'));
    expect(bad.map(show)).toEqual([]);
  });

  it('touches the ML runtimes (onnxruntime, TensorFlow.js, Human) only in src/vision/', () => {
    const ml = /^(onnxruntime-node|onnxruntime-common|@tensorflow\/|@vladmandic\/)/;
    const bad = edges.filter((e) => ml.test(e.specifier) && !inside(e.from, 'vision'));
    expect(bad.map(show)).toEqual([]);
  });

  it('reads process.env only in src/config/', () => {
    const bad = files.filter((f) => !inside(f.path, 'config')).flatMap(envReads);
    expect(bad).toEqual([]);
  });

  it('imports src/cli/ from nowhere outside it', () => {
    const bad = edges.filter((e) => e.target && inside(e.target, 'cli') && !inside(e.from, 'cli'));
    expect(bad.map(show)).toEqual([]);
  });

  it('imports nothing from src/http/ in src/workers/', () => {
    const bad = edges.filter((e) => e.target && inside(e.from, 'workers') && inside(e.target, 'http'));
    expect(bad.map(show)).toEqual([]);
  });

  it('writes the five class names as a list once (src/vision/emotions.ts; calibration.json aside)', () => {
    expect(files.flatMap(classLists)).toEqual([expect.stringMatching(/^vision\/emotions\.ts:\d+$/)]);
  });
});
