/**
 * A pool of worker threads copying batches of small objects between fs stores (fs-batch.ts), so that
 * the main thread is left with the journal and the scheduling: each of an object's dozen fs calls
 * costs the main thread a hand-off through libuv's pool when made asynchronously there, and its
 * sealing and hashing are CPU work; a worker makes the calls synchronously, in parallel with the
 * others. Threads start on the first batch, each loading its code (a second or two from the
 * TypeScript sources); a thread that dies fails its batches, which the caller then copies itself.
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { FsBatch, FsItemResult } from './fs-batch.js';
import type { FsWorkerRequest } from './fs-worker.js';

interface Pending {
  readonly resolve: (results: FsItemResult[]) => void;
  readonly reject: (err: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  ready: boolean;
  dead: boolean;
}

type Reply = { ready: true } | { id: number; results: FsItemResult[] } | { id: number; error: string };

export class FsCopyPool {
  readonly size: number;
  #threads: Thread[] | undefined;
  #nextId = 0;
  #closed = false;

  /** `size` threads (at least 1). */
  constructor(size: number) {
    this.size = Math.max(1, Math.floor(size));
  }

  /** Whether a thread has loaded its code (batches sent before wait for it). */
  get ready(): boolean {
    return this.#threads?.some((t) => t.ready && !t.dead) ?? false;
  }

  /** Starts the threads now, so that their start-up overlaps other work. */
  start(): void {
    if (this.#threads === undefined && !this.#closed) {
      this.#threads = Array.from({ length: this.size }, () => this.#spawn());
    }
  }

  /** Copies `batch` on the least busy thread; rejects when no thread is left. */
  run(batch: FsBatch): Promise<FsItemResult[]> {
    this.start();
    const live = (this.#threads ?? []).filter((t) => !t.dead);
    if (this.#closed || live.length === 0) {
      return Promise.reject(new Error('no fs copy thread is running'));
    }
    // A thread that has loaded is preferred to one still starting, then the one with less queued.
    const thread = live.reduce((best, t) =>
      Number(!t.ready) * 1e6 + t.pending.size < Number(!best.ready) * 1e6 + best.pending.size ? t : best,
    );
    const id = this.#nextId++;
    return new Promise<FsItemResult[]>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      // Held only while it has work: an idle pool never keeps the process alive.
      thread.worker.ref();
      const request: FsWorkerRequest = { id, batch };
      thread.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads ?? [];
    this.#threads = [];
    await Promise.all(threads.map((t) => this.#stop(t, new Error('the fs copy pool was closed'))));
  }

  #spawn(): Thread {
    const thread: Thread = { worker: startWorker(), pending: new Map(), ready: false, dead: false };
    const { worker } = thread;
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        thread.ready = true;
        return;
      }
      const p = thread.pending.get(reply.id);
      thread.pending.delete(reply.id);
      if (thread.pending.size === 0) {
        worker.unref();
      }
      if ('error' in reply) {
        p?.reject(new Error(reply.error));
      } else {
        p?.resolve(reply.results);
      }
    });
    worker.on('error', (err) => void this.#stop(thread, err));
    worker.on('exit', (code) => void this.#stop(thread, new Error(`fs copy thread exited (${code})`)));
    return thread;
  }

  async #stop(thread: Thread, reason: Error): Promise<void> {
    if (thread.dead) {
      return;
    }
    thread.dead = true;
    for (const p of thread.pending.values()) {
      p.reject(reason);
    }
    thread.pending.clear();
    await thread.worker.terminate();
  }
}

function startWorker(): Worker {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const ext = ts ? 'ts' : 'js';
  const face = new URL(`../core/index.${ext}`, here).href;
  const lean = new URL(`../core/lean.${ext}`, here).href;
  // Resolves the core face to its lean variant (see src/core/lean.ts); chained after tsx's hooks,
  // which map the sources' `.js` specifiers to `.ts` files.
  const hooks = `export async function resolve(specifier, context, next) {
    const r = await next(specifier, context);
    return r.url === ${JSON.stringify(face)} ? { ...r, url: ${JSON.stringify(lean)} } : r;
  }`;
  const hooksUrl = `data:text/javascript,${encodeURIComponent(hooks)}`;
  const entry = new URL(`./fs-worker.${ext}`, here).href;
  // From the TypeScript sources (bin/hdh.js, vitest), a loader registered on the main thread does
  // not reach a worker: the thread registers tsx's itself before loading its entry.
  const tsx = ts ? `(await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();` : '';
  const boot = `(async () => {
    const { register } = await import('node:module');
    ${tsx}
    register(${JSON.stringify(hooksUrl)});
    await import(${JSON.stringify(entry)});
  })();`;
  return new Worker(boot, { eval: true });
}
