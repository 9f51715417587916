// Insert rows of queued spans, encoded while the spans wait. The insert chain used to make
// and encode a batch's rows itself, 64 at a time with a turn of the event loop between
// slices (so gateway calls are not held up); under load each turn waited behind other
// requests' work, and encoding took 170-420 ms of a 600 ms chain. Encoded while the spans
// wait for the insert before them (the same slices), the chain only joins the texts.
import type { SpanhouseSpan } from '@spanhouse/model';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { INSERT_SLICE } from './query.ts';
import { rowText } from './span-columns.ts';

export class EncodedRows {
  /** A span's row text (rowText), by the span object the pipeline queued. */
  private readonly texts = new WeakMap<SpanhouseSpan, string>();

  /** Encodes these spans' rows a slice at a time, between other work. */
  prepare(spans: SpanhouseSpan[]): void {
    void (async () => {
      for (let i = 0; i < spans.length; i++) {
        try {
          if (!this.texts.has(spans[i])) this.texts.set(spans[i], rowText(spans[i]));
        } catch {
          // left to the insert, which reports it
        }
        if (i % INSERT_SLICE === INSERT_SLICE - 1) await nextTurn();
      }
    })();
  }

  /** The rows of `spans` at `version`, one line each; what is not encoded yet is, in slices. */
  async text(spans: SpanhouseSpan[], version: number): Promise<string> {
    const lines: string[] = [];
    let encodedHere = 0;
    for (const span of spans) {
      let text = this.texts.get(span);
      if (text === undefined) {
        text = rowText(span);
        this.texts.set(span, text); // so a preparation still under way skips it
        if (++encodedHere % INSERT_SLICE === 0) await nextTurn();
      }
      lines.push(`${text},${version}]\n`);
    }
    return lines.join('');
  }
}
