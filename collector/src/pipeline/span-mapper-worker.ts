// The worker thread of span-mapper.ts: maps each job it is sent and posts the result back.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { mapJob, type MapJob } from './ingest.ts';

// Background work: on Linux this thread (its kernel id ends /proc/thread-self) runs below
// the event loop's priority, so on a busy machine mapping waits and the calls do not.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // no /proc (not Linux): the default priority
}

parentPort!.on('message', ({ id, job }: { id: number; job: MapJob }) => {
  try {
    parentPort!.postMessage({ id, mapped: mapJob(job) });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error)?.message ?? String(error) });
  }
});
