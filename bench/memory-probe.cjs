// Preloaded into the language server by bench/server-memory.ts (node --require): writes the
// process's memory figures as one JSON line to $DEPWARDEN_MEMORY_PROBE once a second, so
// that the benchmark can say what its RSS is made of (V8 heap used and committed, external
// and ArrayBuffer memory; the rest is code, stacks and what malloc keeps).
'use strict';
const { writeFileSync } = require('node:fs');
const v8 = require('node:v8');
const file = process.env.DEPWARDEN_MEMORY_PROBE;
if (file) {
  const write = () => {
    const m = process.memoryUsage();
    const h = v8.getHeapStatistics();
    const stats = v8.getHeapSpaceStatistics();
    const spaces = Object.fromEntries(stats.map((s) => [s.space_name, Math.round(s.space_used_size / 1024)]));
    const spacesCommittedKb = Object.fromEntries(stats.map((s) => [s.space_name, Math.round(s.physical_space_size / 1024)]));
    writeFileSync(file, JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, committed: h.total_physical_size, malloced: h.malloced_memory, spacesKb: spaces, spacesCommittedKb }));
  };
  setInterval(write, 1000).unref();
}
