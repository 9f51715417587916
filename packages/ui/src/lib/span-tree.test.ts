import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ancestors, buildSpanTree, expandTo, initialCollapsed, isoToMs, visibleRows, type TreeSpan } from './span-tree.ts';

const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const span = (id: string, parent: string, start: number, end: number): TreeSpan => ({ span_id: id, parent_span_id: parent, start_time: at(start), end_time: at(end) });

test('nests children under parents, ordered by start, with offsets from the trace start', () => {
  const tree = buildSpanTree([span('c2', 'root', 50, 90), span('root', '', 0, 100), span('c1', 'root', 10, 40), span('g', 'c1', 12, 20)]);
  assert.deepEqual(tree.roots.map((n) => n.span.span_id), ['root']);
  assert.deepEqual(visibleRows(tree.roots, new Set()).map((n) => `${n.span.span_id}@${n.depth}`), ['root@0', 'c1@1', 'g@2', 'c2@1']);
  const g = tree.byId.get('g')!;
  assert.equal(g.offsetMs, 12);
  assert.equal(g.durationMs, 8);
  assert.equal(tree.byId.get('root')!.descendants, 3);
  assert.equal(tree.endMs - tree.startMs, 100);
});

test('orphans and parent cycles become roots instead of disappearing', () => {
  const tree = buildSpanTree([span('a', 'missing', 0, 10), span('x', 'y', 5, 6), span('y', 'x', 4, 8)]);
  const rows = visibleRows(tree.roots, new Set());
  assert.equal(rows.length, 3);
  assert.ok(tree.roots.some((n) => n.span.span_id === 'a'));
});

test('collapsing hides a subtree; expandTo opens the path to a span', () => {
  const tree = buildSpanTree([span('r', '', 0, 10), span('a', 'r', 1, 9), span('b', 'a', 2, 8), span('c', 'b', 3, 4)]);
  const collapsed = new Set(['a']);
  assert.deepEqual(visibleRows(tree.roots, collapsed).map((n) => n.span.span_id), ['r', 'a']);
  const opened = expandTo(tree, collapsed, 'c');
  assert.deepEqual(visibleRows(tree.roots, opened).map((n) => n.span.span_id), ['r', 'a', 'b', 'c']);
  assert.deepEqual(ancestors(tree, 'c').map((n) => n.span.span_id), ['r', 'a', 'b']);
});

test('a 5,000-span chain builds without recursion limits; large traces start folded', () => {
  const spans = [span('s0', '', 0, 5000)];
  for (let i = 1; i < 5000; i++) spans.push(span(`s${i}`, `s${i - 1}`, i, 5000));
  const tree = buildSpanTree(spans);
  assert.equal(tree.maxDepth, 4999);
  const collapsed = initialCollapsed(tree);
  assert.equal(visibleRows(tree.roots, collapsed).length, 2, 'the root and its folded child');
  assert.equal(visibleRows(tree.roots, new Set()).length, 5000);
});

test('keeps sub-millisecond precision from ISO strings', () => {
  assert.equal(isoToMs('2025-06-01T12:00:00.000250Z') - isoToMs('2025-06-01T12:00:00.000Z'), 0.25);
});
