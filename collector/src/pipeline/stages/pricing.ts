// Cost in USD for generation and embedding spans with usage and no client-supplied cost.
import type { Pricer } from '@spanhouse/pricing';
import type { SpanhouseSpan } from '@spanhouse/model';
import type { SpanProcessor } from '../processor.ts';

export class PricingStage implements SpanProcessor {
  readonly name = 'pricing';
  constructor(private readonly pricer: Pricer) {}

  process(spans: SpanhouseSpan[]): SpanhouseSpan[] {
    return this.pricer.priceSpans(spans);
  }
}
