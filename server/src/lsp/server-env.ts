/**
 * Environment variables the client starts the language server with, on top of its own
 * (client/src/extension.ts); bench/server-memory.ts starts dist/server.js with them too.
 * Data only: the client bundles this module.
 *
 * MALLOC_MMAP_THRESHOLD_ (glibc's malloc, Linux; ignored elsewhere): allocations of 64 KiB
 * and more get pages of their own, which go back to the system when freed. By default the
 * threshold rises with the largest block freed, so after the first large response body
 * the later ones (registry answers of up to tens of megabytes, read while a cold lookup
 * runs) came from malloc's heap, and the heap kept them: after a cold lookup of sentry the
 * server's memory outside the V8 heap stayed 40 MB larger (146-155 MB against 107-113 MB).
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '65536' };
