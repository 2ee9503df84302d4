/**
 * A worker thread of fs-pool.ts: copies the batches it is sent with {@link FsBatchCopier} and
 * answers each with its per-object results.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { FsBatchCopier, type FsBatch } from './fs-batch.js';

export interface FsWorkerRequest {
  readonly id: number;
  readonly batch: FsBatch;
}

const port = parentPort;
if (port === null) {
  throw new Error('fs-worker.ts runs as a worker thread of fs-pool.ts');
}
const copier = new FsBatchCopier();
// Batches overlap: one is read and sealed while another waits on its fsyncs.
port.on('message', (request: FsWorkerRequest) => {
  copier.copy(request.batch).then(
    (results) => port.postMessage({ id: request.id, results }),
    (err: unknown) =>
      port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
port.on('close', () => copier.dispose());
// Loaded: batches sent from now on are copied without waiting for the thread's start-up.
port.postMessage({ ready: true });
