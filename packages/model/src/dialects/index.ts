import type { Dialect } from '../dialect.ts';
import { otelGenAi } from './otel-genai.ts';
import { spanhouse } from './spanhouse.ts';

/**
 * Every dialect, in merge order: for each field the first dialect that sets it wins.
 * Spanhouse's own attributes come first (the user set them on purpose), then the
 * OpenTelemetry conventions, then the vendor dialects filling what is still empty.
 */
export const DIALECTS: readonly Dialect[] = [spanhouse, otelGenAi];
