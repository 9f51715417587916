// The worker thread of span-mapper.ts: maps each job it is sent and posts the result back.
import { parentPort } from 'node:worker_threads';
import { mapJob, type MapJob } from './ingest.ts';

parentPort!.on('message', ({ id, job }: { id: number; job: MapJob }) => {
  try {
    parentPort!.postMessage({ id, mapped: mapJob(job) });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error)?.message ?? String(error) });
  }
});
