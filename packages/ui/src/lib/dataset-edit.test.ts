import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../api/types.ts';
import { messagesToText, textToMessages } from './dataset-edit.ts';

const system: Message[] = [{ role: 'system', content: 'system only' }];
const tool: Message[] = [{ role: 'tool', content: 'tool said', tool_call_id: 'c1' }];
const user: Message[] = [{ role: 'user', content: 'hello' }];
const assistant: Message[] = [{ role: 'assistant', content: 'hi' }];

test('only a lone message of the side’s default role, with content only, edits as bare text', () => {
  assert.equal(messagesToText(user, 'input'), 'hello');
  assert.equal(messagesToText(assistant, 'output'), 'hi');
  // another role, or a field beside the content, is JSON so a save keeps it
  for (const [messages, side] of [[system, 'input'], [tool, 'output'], [user, 'output'], [assistant, 'input']] as const) {
    assert.deepEqual(JSON.parse(messagesToText(messages, side)), messages);
  }
  const calls: Message[] = [{ role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'f', arguments: '{}' }] }];
  assert.deepEqual(JSON.parse(messagesToText(calls, 'output')), calls);
});

test('an unedited save sends the loaded messages; edits keep roles, tool calls and ids', () => {
  for (const [messages, side] of [[system, 'input'], [tool, 'output'], [user, 'input'], [[] as Message[], 'output']] as const) {
    assert.equal(textToMessages(messagesToText(messages, side), messages, side), messages);
  }
  const edited = messagesToText(tool, 'output').replace('tool said', 'tool says');
  assert.deepEqual(textToMessages(edited, tool, 'output'), [{ role: 'tool', content: 'tool says', tool_call_id: 'c1' }]);
  const editedSystem = messagesToText(system, 'input').replace('system only', 'be brief');
  assert.deepEqual(textToMessages(editedSystem, system, 'input'), [{ role: 'system', content: 'be brief' }]);
  assert.equal(textToMessages('new question', user, 'input'), 'new question', 'bare text stays text (a user message)');
});
