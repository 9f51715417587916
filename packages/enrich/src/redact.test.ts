import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapSpan, type SpanhouseSpan } from '@spanhouse/model';
import { createRedactor, luhnValid, redactSpan, redactText } from './redact.ts';

const redact = createRedactor();

/** Each positive case must change exactly into `expected`; each negative must come back unchanged. */
function check(positives: Array<[string, string]>, negatives: string[]) {
  for (const [input, expected] of positives) assert.equal(redact(input), expected, `redacts: ${input}`);
  for (const input of negatives) assert.equal(redact(input), input, `leaves alone: ${input}`);
}

test('emails', () => {
  check(
    [
      ['Contact jane.doe+billing@example.co.uk for access', 'Contact [REDACTED_EMAIL] for access'],
      ['<a href="mailto:bob@mail.acme-corp.com">', '<a href="mailto:[REDACTED_EMAIL]">'],
      ['{"user":"ALICE_99@Example.ORG"}', '{"user":"[REDACTED_EMAIL]"}'],
    ],
    [
      'Use the @app.route decorator and @pytest.fixture',
      'Load the icon@2x.png asset',
      'Ping me on Slack @jane or at 3 @ 5pm',
      'The pattern a@b is not an address',
    ],
  );
});

test('phone numbers', () => {
  check(
    [
      ['Call me at (415) 555-2671 tomorrow', 'Call me at [REDACTED_PHONE] tomorrow'],
      ['Office: +44 20 7946 0958.', 'Office: [REDACTED_PHONE].'],
      ['Ring +49 30 901820 please', 'Ring [REDACTED_PHONE] please'],
      ['my cell is 415.555.2671', 'my cell is [REDACTED_PHONE]'],
      ['phone: 4155552671', 'phone: [REDACTED_PHONE]'],
      ['+1 415 555 2671 or +33 1 42 68 53 00', '[REDACTED_PHONE] or [REDACTED_PHONE]'],
      ['numbers: +1 415 555 2671 +1 415 555 2672', 'numbers: [REDACTED_PHONE] [REDACTED_PHONE]'],
    ],
    [
      'Order #4155552671 shipped on 2024-01-15',
      'order number 4155552671',
      'Invoice INV-2024-001234 is due 2024-02-01 at 10:30',
      'Meeting on 12/25/2023 from 10:00 to 11:30',
      'Total: $1,234.56 (was $1,499.00)',
      'ISBN 978-3-16-148410-0',
      'Between 1999 and 2005 revenue grew 12345 units',
      'timestamp 1700000000000 and pi 3.14159265358979',
      'Listening on port 8080, pid 31337',
      'Ticket 555-0100 was closed',
    ],
  );
});

test('payment cards are Luhn-checked', () => {
  assert.equal(luhnValid('4111111111111111'), true);
  assert.equal(luhnValid('4111111111111112'), false);
  check(
    [
      ['Card 4111 1111 1111 1111 exp 12/27', 'Card [REDACTED_CARD] exp 12/27'],
      ['pay with 5555-5555-5555-4444', 'pay with [REDACTED_CARD]'],
      ['amex 378282246310005.', 'amex [REDACTED_CARD].'],
      ['{"card":"4012888888881881"}', '{"card":"[REDACTED_CARD]"}'],
      ['card 4111 1111 1111 1111, then call me', 'card [REDACTED_CARD], then call me'],
    ],
    [
      'Card 4111 1111 1111 1112 failed', // Luhn fails
      'Tracking number 9400111899223344556677', // 22 digits
      'Order 1234567812345670 shipped', // Luhn-valid, but no card network starts with 1
      'epoch ms 1700000000000',
      'Balance 4111111111111111.50 EUR', // a number with decimals, not a card
      'Total 4111111111111111,50 EUR', // a decimal comma, not a card
    ],
  );
});

test('IBANs are checksum-validated', () => {
  check(
    [
      ['IBAN: DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX', 'IBAN: [REDACTED_IBAN], BIC COBADEFFXXX'],
      ['send to GB82WEST12345698765432 today', 'send to [REDACTED_IBAN] today'],
      ['FR14 2004 1010 0505 0001 3M02 606 AND MORE', '[REDACTED_IBAN] AND MORE'],
    ],
    [
      'IBAN: DE89 3704 0044 0532 0130 01', // wrong check digits
      'Part number AB12 CDEF 3456 7890',
      'Flight LH12 3456 7890 1234',
    ],
  );
});

test('API keys, bearer tokens and secret assignments', () => {
  check(
    [
      ['export OPENAI_API_KEY=sk-proj-AbCdEf1234567890GhIjKlMnOp', 'export OPENAI_API_KEY=[REDACTED_KEY]'],
      ['key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789', 'key [REDACTED_KEY]'],
      ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r', 'Authorization: Bearer [REDACTED_KEY]'],
      ['Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'Authorization: Bearer [REDACTED_KEY]'],
      ['aws AKIAIOSFODNN7EXAMPLE', 'aws [REDACTED_KEY]'],
      ['token ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'token [REDACTED_KEY]'],
      ['stripe sk_live_51Habcdefghijklmnop', 'stripe [REDACTED_KEY]'],
      ['{"api_key": "a1b2c3d4e5f6g7h8"}', '{"api_key": "[REDACTED_KEY]"}'],
      ['DB_PASSWORD=correcthorsebattery', 'DB_PASSWORD=[REDACTED_KEY]'],
      ['client_secret: x9Y8z7W6v5U4', 'client_secret: [REDACTED_KEY]'],
    ],
    [
      'Set max_tokens=1500 and temperature=0.2',
      'The token count was 12345 tokens',
      'token = tokenizer.encode(text)',
      'A basic understanding of Bearer authentication helps',
      'Basic configuration-management practices',
      'The sk-learn library (scikit-learn) is great',
      'Your password must be at least 8 characters',
    ],
  );
});

test('IPv4 addresses, but not versions or other dotted numbers', () => {
  check(
    [
      ['Request from 203.0.113.42 was blocked', 'Request from [REDACTED_IP] was blocked'],
      ['connect to 10.0.0.5:5432', 'connect to [REDACTED_IP]:5432'],
      ['hosts: 192.168.1.10, 192.168.1.11', 'hosts: [REDACTED_IP], [REDACTED_IP]'],
    ],
    [
      'Upgrade to version 1.2.3.4 today',
      'Running v10.0.0.1 of the agent',
      'Chrome 120.0.6099.109 on macOS',
      'Section 1.2.3.4.5 of the spec',
      'Bind to 0.0.0.0 or 127.0.0.1 for local use',
      'Sale! 2.50 3.99 4.75 each',
      'Released 2024.01.15',
      'Invalid 256.1.1.1 address',
    ],
  );
});

test('ordinary text survives untouched', () => {
  const prose = [
    'On 2024-03-15 we shipped release 2.14.0 to 1,250 customers; revenue was $48,210.77 (up 12.5%).',
    'SELECT id, total FROM orders WHERE created_at > now() - interval 7 day LIMIT 100;',
    'Order #A-99812-77 for 3 items, SKU 4006381333931, was refunded 2 days later.',
    'The patient took 500 mg ibuprofen at 08:30 and 14:45, BP 120/80.',
  ];
  for (const text of prose) assert.equal(redact(text), text);
});

test('custom patterns run first and get a typed placeholder; kinds can be switched off', () => {
  const withCustom = createRedactor({ patterns: [{ name: 'employee id', pattern: 'EMP-\\d{6}' }, { name: 'Project', pattern: 'project\\s+falcon', flags: 'i' }] });
  assert.equal(withCustom('EMP-123456 joined Project FALCON'), '[REDACTED_EMPLOYEE_ID] joined [REDACTED_PROJECT]');
  assert.equal(redactText('mail a@example.com from 203.0.113.9', { kinds: ['ip'] }), 'mail a@example.com from [REDACTED_IP]');
  assert.throws(() => createRedactor({ patterns: [{ name: 'bad', pattern: '(' }] }), /"bad" is not a valid regular expression/);
  assert.throws(() => createRedactor({ patterns: [{ name: '!!', pattern: 'x' }] }), /needs a name/);
});

test('phone region is configurable for national formats', () => {
  assert.equal(redactText('Ruf an: 030 901820', { phoneCountry: 'DE' }), 'Ruf an: [REDACTED_PHONE]');
  assert.equal(redactText('Ruf an: 030 901820'), 'Ruf an: 030 901820', 'not a valid US number');
});

function spanWithContent(): SpanhouseSpan {
  return mapSpan({
    span: {
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      parentSpanId: '',
      name: 'chat',
      kind: 3,
      startTimeUs: 1_700_000_000_000_000,
      endTimeUs: 1_700_000_001_000_000,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'I am jane@example.com, refund card 4111 1111 1111 1111' }] }]),
        'gen_ai.output.messages': JSON.stringify([
          { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'lookup', arguments: { email: 'jane@example.com' } }] },
        ]),
        'user.id': 'u-42',
        'client.address': '203.0.113.42',
        'http.request.header.count': 3,
      },
      events: [{ name: 'log', timeUs: 1_700_000_000_500_000, attributes: { note: 'called +44 20 7946 0958', nested: { list: ['x@y.io', 7] } } }],
      links: [],
      status: { code: 2, message: 'upstream rejected key sk-proj-AbCdEf1234567890GhIjKlMnOp' },
    },
    resource: { 'service.name': 'svc' },
    scope: { name: 'test', version: '' },
    tenantId: 't1',
  });
}

test('redactSpan covers messages, text, error, metadata, attributes and events', () => {
  const span = { ...spanWithContent(), metadata: { customer: 'jane@example.com', plan: 'pro' } };
  const out = redactSpan(span);
  assert.equal(out.input_messages[0].content, 'I am [REDACTED_EMAIL], refund card [REDACTED_CARD]');
  assert.equal(out.output_messages[0].tool_calls?.[0].arguments, '{"email":"[REDACTED_EMAIL]"}');
  assert.equal(out.input_text, 'I am [REDACTED_EMAIL], refund card [REDACTED_CARD]');
  assert.doesNotMatch(out.output_text, /jane@/);
  assert.equal(out.error_message, 'upstream rejected key [REDACTED_KEY]');
  assert.deepEqual(out.metadata, { customer: '[REDACTED_EMAIL]', plan: 'pro' });
  assert.equal(out.span_attributes['client.address'], '[REDACTED_IP]');
  // the prompt attribute was read into the messages (redacted above) and is not stored again
  assert.equal(out.span_attributes['gen_ai.input.messages'], undefined);
  assert.doesNotMatch(JSON.stringify(out.span_attributes), /jane@|4111/);
  assert.equal(out.span_attributes['http.request.header.count'], '3');
  assert.deepEqual(out.events[0].attributes, { note: 'called [REDACTED_PHONE]', nested: { list: ['[REDACTED_EMAIL]', 7] } });
  // Identity fields are not content.
  assert.equal(out.user_id, 'u-42');
  assert.equal(out.model, 'gpt-4o');
  // The input span is not modified.
  assert.match(span.input_text, /jane@example\.com/);
});

// Speed is the ingest benchmark's to measure (npm run bench), never a timed assertion here.
test('redaction finds every match in a large text', () => {
  const big = 'Customer wrote: my order 12345 arrived late, call (415) 555-2671 or mail a.b@example.com. '.repeat(5_000);
  const out = redact(big);
  assert.equal(out.match(/\[REDACTED_PHONE\]/g)?.length, 5_000);
  assert.equal(out.match(/\[REDACTED_EMAIL\]/g)?.length, 5_000);
});
