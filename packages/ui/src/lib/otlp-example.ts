// The copy-paste example on the empty state: one chat span as OTLP/JSON.

const randomHex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

export function exampleOtlpBody(nowMs: number): object {
  const endNs = BigInt(nowMs) * 1_000_000n;
  const startNs = endNs - 1_240_000_000n;
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'my-llm-app')] },
        scopeSpans: [
          {
            scope: { name: 'manual' },
            spans: [
              {
                traceId: randomHex(16),
                spanId: randomHex(8),
                name: 'chat gpt-4o-mini',
                kind: 3,
                startTimeUnixNano: startNs.toString(),
                endTimeUnixNano: endNs.toString(),
                attributes: [
                  str('gen_ai.operation.name', 'chat'),
                  str('gen_ai.provider.name', 'openai'),
                  str('gen_ai.request.model', 'gpt-4o-mini'),
                  int('gen_ai.usage.input_tokens', 24),
                  int('gen_ai.usage.output_tokens', 9),
                  str('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Say hello to Spanhouse' }] }])),
                  str('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Hello, Spanhouse!' }] }])),
                ],
                status: { code: 1 },
              },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * A shell-safe curl command (the JSON body has no single quotes). When the server wants
 * keys it sends one from $SPANHOUSE_API_KEY (the UI never shows a key's secret).
 */
export function exampleCurl(origin: string, nowMs: number, withKey = false): string {
  const body = JSON.stringify(exampleOtlpBody(nowMs), null, 2);
  const auth = withKey ? `  -H "Authorization: Bearer $SPANHOUSE_API_KEY" \\\n` : '';
  return `curl -X POST ${origin}/v1/traces \\\n  -H 'Content-Type: application/json' \\\n${auth}  -d '${body}'`;
}
