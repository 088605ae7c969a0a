/**
 * How the client starts the language server (client/src/extension.ts): Node options and
 * environment variables on top of its own. bench/server-memory.ts starts dist/server.js
 * the same way. Data only: the client bundles this module.
 *
 * MALLOC_MMAP_THRESHOLD_ (glibc's malloc, Linux; ignored elsewhere): allocations of 64 KiB
 * and more get pages of their own, which go back to the system when freed. By default the
 * threshold rises with the largest block freed, so after the first large response body
 * the later ones (registry answers of up to tens of megabytes, read while a cold lookup
 * runs) came from malloc's heap, and the heap kept them: after a cold lookup of sentry the
 * server's memory outside the V8 heap stayed 40 MB larger (146-155 MB against 107-113 MB).
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '65536' };

/**
 * --max-semi-space-size=4 (MB): V8's young generation grows to two 16 MB halves once the
 * server has allocated fast (every cold or warm lookup does), and keeps them committed,
 * empty, for as long as the server lives. With halves of 4 MB it keeps 8: with theia and
 * sentry open the server settled at 198 MB instead of 220-222 (warm cache). The cost is
 * more frequent young collections while lookups land (CPU until settled 15.5-16.8 s
 * against 13.6-15.5 s, same runs); what they promote early is compacted away once idle
 * (idle-gc.ts).
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=4'];
