/**
 * Node built-ins the images module needs only while it works (TLS, zlib, worker threads), loaded
 * on first use: together they cost the idle daemon about 4 MiB of resident memory.
 */
import type * as HttpsModule from 'node:https';
import type * as WorkerThreadsModule from 'node:worker_threads';
import type * as ZlibModule from 'node:zlib';

export const lazyHttps = (): typeof HttpsModule => process.getBuiltinModule('node:https');
export const lazyZlib = (): typeof ZlibModule => process.getBuiltinModule('node:zlib');
export const lazyWorkerThreads = (): typeof WorkerThreadsModule => process.getBuiltinModule('node:worker_threads');
