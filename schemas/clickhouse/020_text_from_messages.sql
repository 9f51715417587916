-- The plain text of a span's messages is no longer stored beside them: it is derived from
-- the messages when read (the same text the model's messagesText builds: each message's
-- content, then its tool calls as `name(arguments)`, one per line). At 10M spans the two
-- text columns took 933 MiB, 15% of the store, for text the message columns already hold.
--
-- Word search keeps its full-text indexes, now over the words of the messages: the contents,
-- tool names and tool arguments, lower-cased. The expression has no lambdas (ClickHouse does
-- not match an index built over lambdas), and search (span-columns.ts, MESSAGE_WORDS) must use
-- it letter for letter; test/e2e/api-search.test.ts checks that its plan uses the index.
ALTER TABLE spans DROP INDEX IF EXISTS idx_input_words;
ALTER TABLE spans DROP INDEX IF EXISTS idx_output_words;
ALTER TABLE spans DROP COLUMN IF EXISTS input_text;
ALTER TABLE spans DROP COLUMN IF EXISTS output_text;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS input_text String ALIAS arrayStringConcat(arrayFlatten(arrayMap(m -> arrayConcat(if(m.content = '', [], [m.content]), arrayMap(c -> concat(c.name, '(', c.arguments, ')'), m.tool_calls)), JSONExtract(input_messages, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))'))), '\n') AFTER output_messages;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS output_text String ALIAS arrayStringConcat(arrayFlatten(arrayMap(m -> arrayConcat(if(m.content = '', [], [m.content]), arrayMap(c -> concat(c.name, '(', c.arguments, ')'), m.tool_calls)), JSONExtract(output_messages, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))'))), '\n') AFTER input_text;
ALTER TABLE spans ADD INDEX IF NOT EXISTS idx_input_words lowerUTF8(concat(arrayStringConcat(JSONExtract(input_messages, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))').content, ' '), ' ', arrayStringConcat(arrayFlatten(JSONExtract(input_messages, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))').tool_calls.name), ' '), ' ', arrayStringConcat(arrayFlatten(JSONExtract(input_messages, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))').tool_calls.arguments), ' '))) TYPE text(tokenizer = splitByNonAlpha);
ALTER TABLE spans ADD INDEX IF NOT EXISTS idx_output_words lowerUTF8(concat(arrayStringConcat(JSONExtract(output_messages, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))').content, ' '), ' ', arrayStringConcat(arrayFlatten(JSONExtract(output_messages, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))').tool_calls.name), ' '), ' ', arrayStringConcat(arrayFlatten(JSONExtract(output_messages, 'Array(Tuple(content String, tool_calls Array(Tuple(name String, arguments String))))').tool_calls.arguments), ' '))) TYPE text(tokenizer = splitByNonAlpha);
ALTER TABLE spans MATERIALIZE INDEX idx_input_words SETTINGS mutations_sync = 2;
ALTER TABLE spans MATERIALIZE INDEX idx_output_words SETTINGS mutations_sync = 2;
