/**
 * Worker-thread entry (bundled as dist/agent/unpack-worker.cjs): unpacks layers with synchronous
 * file-system calls, off the daemon's event loop. One job at a time; progress every 100 ms.
 */
import { parentPort } from 'node:worker_threads';
import { applyTarFile, type ApplyRequest } from './apply';
import { serializeError } from './worker-errors';

interface Job {
  id: number;
  req: ApplyRequest;
}

const port = parentPort;
if (!port) throw new Error('unpack-worker must run in a worker thread');

port.on('message', (job: Job) => {
  let last = 0;
  applyTarFile(job.req, (read, total) => {
    const now = Date.now();
    if (now - last >= 100 || read === total) {
      last = now;
      port.postMessage({ id: job.id, type: 'progress', read, total });
    }
  }).then(
    (result) => port.postMessage({ id: job.id, type: 'done', result }),
    (err: unknown) => port.postMessage({ id: job.id, type: 'error', error: serializeError(err) }),
  );
});
