import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentGraph, hasAgents, layoutColumns } from './agent-graph.ts';
import { buildSpanTree } from './span-tree.ts';
import { costliestSpan, matchingRows, slowestSpan } from './trace-search.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const span = (id: string, parent: string, name: string, type: string, start: number, end: number, extra: Record<string, unknown> = {}) => ({
  span_id: id, parent_span_id: parent, name, type, status: 'success', start_time: at(start), end_time: at(end), ...extra,
});
const SPANS = [
  span('r', '', 'support.reply', 'agent', 0, 20, { agent_name: 'support' }),
  span('p', 'r', 'plan', 'generation', 1, 3, { model: 'gpt-4o', cost_usd: 0.002 }),
  span('t1', 'r', 'search_orders', 'tool', 3, 12, { tool_name: 'search_orders' }),
  span('a', 'r', 'billing agent', 'agent', 12, 18, { agent_name: 'billing' }),
  span('g', 'a', 'answer', 'generation', 13, 15, { model: 'claude-sonnet-4', cost_usd: 0.01, status: 'error' }),
  span('t2', 'a', 'search_orders', 'tool', 15, 16, { tool_name: 'search_orders' }),
  span('t3', 'a', 'search_orders', 'tool', 16, 17, { tool_name: 'search_orders' }),
];

test('a search keeps the matches and their ancestors, in tree order', () => {
  const tree = buildSpanTree(SPANS);
  const byText = matchingRows(tree, { text: 'SONNET', type: '', errorsOnly: false });
  assert.deepEqual(byText.rows.map((n) => n.span.span_id), ['r', 'a', 'g']);
  assert.equal(byText.matches, 1);
  const tools = matchingRows(tree, { text: '', type: 'tool', errorsOnly: false });
  assert.deepEqual(tools.rows.map((n) => n.span.span_id), ['r', 't1', 'a', 't2', 't3']);
  assert.equal(tools.matches, 3);
  assert.deepEqual(matchingRows(tree, { text: '', type: '', errorsOnly: true }).rows.map((n) => n.span.span_id), ['r', 'a', 'g']);
  assert.deepEqual(matchingRows(tree, { text: 'nothing', type: '', errorsOnly: false }).rows, []);
});

test('the slowest span below the root, and the costliest span', () => {
  const tree = buildSpanTree(SPANS);
  assert.equal(slowestSpan(tree), 't1');
  assert.equal(costliestSpan(tree), 'g');
  assert.equal(costliestSpan(buildSpanTree(SPANS.slice(0, 1))), undefined);
});

test('the agent graph: agents, tools and models as nodes, calls folded into counted edges', () => {
  const tree = buildSpanTree(SPANS);
  assert.ok(hasAgents(tree));
  const graph = agentGraph(tree);
  assert.deepEqual(graph.nodes.map((n) => n.id).sort(), ['agent:billing', 'agent:support', 'model:claude-sonnet-4', 'model:gpt-4o', 'tool:search_orders']);
  const edges = Object.fromEntries(graph.edges.map((e) => [`${e.from}→${e.to}`, e.calls]));
  assert.deepEqual(edges, {
    'agent:support→model:gpt-4o': 1,
    'agent:support→tool:search_orders': 1,
    'agent:support→agent:billing': 1,
    'agent:billing→model:claude-sonnet-4': 1,
    'agent:billing→tool:search_orders': 2,
  });
  assert.equal(graph.nodes.find((n) => n.id === 'model:claude-sonnet-4')!.errors, 1);
  const columns = layoutColumns(graph);
  assert.deepEqual(columns[0], ['agent:support']);
  assert.ok(columns[1].includes('agent:billing') && columns[2].includes('tool:search_orders'));
});
