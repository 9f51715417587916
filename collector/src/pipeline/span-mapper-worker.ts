// The worker thread of span-mapper.ts: maps each batch of jobs it is sent and posts the results back at once.
import { parentPort } from 'node:worker_threads';
import { mapJob, type MapJob } from './ingest.ts';

const mapped = (job: MapJob) => {
  try {
    return { mapped: mapJob(job) };
  } catch (error) {
    return { error: (error as Error)?.message ?? String(error) };
  }
};

parentPort!.on('message', (batch: Array<{ id: number; job: MapJob }>) => {
  parentPort!.postMessage(batch.map(({ id, job }) => ({ id, ...mapped(job) })));
});
