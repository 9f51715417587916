import type { Dialect } from '../dialect.ts';
import { langfuse } from './langfuse.ts';
import { logfire } from './logfire.ts';
import { openInference } from './openinference.ts';
import { otelGenAi } from './otel-genai.ts';
import { spanhouse } from './spanhouse.ts';
import { traceloop } from './traceloop.ts';
import { vercelAi } from './vercel-ai.ts';

/**
 * Every dialect, in merge order: for each field the first dialect that sets it wins.
 * Spanhouse's own attributes come first (the user set them on purpose), then the
 * OpenTelemetry conventions, then the vendor dialects filling what is still empty.
 * docs/dialects.md lists what each one maps.
 */
export const DIALECTS: readonly Dialect[] = [spanhouse, otelGenAi, openInference, traceloop, vercelAi, langfuse, logfire];
