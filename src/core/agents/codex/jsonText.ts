/**
 * Exact edits of a JSON file's text: add or take out one array item or object property and touch
 * no other byte (jsonc-parser's `modify` re-lays the neighbouring item). Adding then removing the
 * same thing gives the original text back.
 */
import { findNodeAtLocation, parseTree, type JSONPath, type Node } from 'jsonc-parser';

function nodeAt(text: string, p: JSONPath): Node {
  const root = parseTree(text);
  const n = root && (p.length ? findNodeAtLocation(root, p) : root);
  if (!n) throw new Error(`no ${p.join('.') || 'root'} in the JSON text`);
  return n;
}

function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** The file's indentation step: the first indented line's, else two spaces. */
function unitOf(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
}

function render(value: unknown, indent: string, unit: string): string {
  return JSON.stringify(value, null, unit).split('\n').join(`\n${indent}`);
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to);
}

/** Insert `entry` (an item's or `"key": value` text) as the last child of a container node. */
function appendChild(text: string, container: Node, entry: (indent: string, unit: string) => string): string {
  const unit = unitOf(text);
  const kids = container.children ?? [];
  if (kids.length) {
    const last = kids[kids.length - 1];
    const indent = lineIndent(text, last.offset);
    return splice(text, last.offset + last.length, last.offset + last.length, `,\n${indent}${entry(indent, unit)}`);
  }
  const outer = lineIndent(text, container.offset);
  const inner = outer + unit;
  const [open, close] = container.type === 'array' ? ['[', ']'] : ['{', '}'];
  return splice(text, container.offset, container.offset + container.length, `${open}\n${inner}${entry(inner, unit)}\n${outer}${close}`);
}

/** Take out child `i` of a container node with the separator next to it. */
function removeChild(text: string, container: Node, i: number): string {
  const kids = container.children ?? [];
  const k = kids[i];
  if (kids.length === 1) {
    const [open, close] = container.type === 'array' ? ['[', ']'] : ['{', '}'];
    return splice(text, container.offset, container.offset + container.length, open + close);
  }
  if (i > 0) return splice(text, kids[i - 1].offset + kids[i - 1].length, k.offset + k.length, '');
  return splice(text, k.offset, kids[1].offset, '');
}

export function appendItem(text: string, arrayPath: JSONPath, value: unknown): string {
  const n = nodeAt(text, arrayPath);
  if (n.type !== 'array') throw new Error(`${arrayPath.join('.')} is not a list`);
  return appendChild(text, n, (indent, unit) => render(value, indent, unit));
}

export function removeItem(text: string, arrayPath: JSONPath, index: number): string {
  return removeChild(text, nodeAt(text, arrayPath), index);
}

export function addProperty(text: string, objectPath: JSONPath, key: string, value: unknown): string {
  const n = nodeAt(text, objectPath);
  if (n.type !== 'object') throw new Error(`${objectPath.join('.') || 'the file'} is not an object`);
  return appendChild(text, n, (indent, unit) => `${JSON.stringify(key)}: ${render(value, indent, unit)}`);
}

export function removeProperty(text: string, objectPath: JSONPath, key: string): string {
  const n = nodeAt(text, objectPath);
  const i = (n.children ?? []).findIndex((p) => p.children?.[0]?.value === key);
  return i < 0 ? text : removeChild(text, n, i);
}
