// Preloaded into the CLI by bench/process.ts (node -r): counts the files the process opens
// under $DEPWARDEN_BENCH_CACHE (the cache folder), and the reads made on them, and prints
// the counts on stderr at exit as one JSON line. Wraps what both cache formats use:
// fs.promises open (and the reads of the handle it returns) and readFile, and their sync
// and callback forms.
const fs = require('node:fs');
const dir = process.env.DEPWARDEN_BENCH_CACHE;
if (dir) {
  const counts = { opens: 0, missing: 0, reads: 0 };
  const count = (file, promise) => {
    if (typeof file !== 'string' || !file.startsWith(dir)) return promise;
    counts.opens++;
    return promise.then(
      (handle) => {
        // fs.promises.open gives a FileHandle: each of its reads is one read of the cache.
        if (handle && typeof handle.read === 'function') {
          const read = handle.read.bind(handle);
          handle.read = (...args) => {
            counts.reads++;
            return read(...args);
          };
        } else counts.reads++; // readFile: the whole file at once
        return handle;
      },
      (e) => {
        counts.missing++;
        throw e;
      },
    );
  };
  for (const name of ['open', 'readFile']) {
    const original = fs.promises[name];
    fs.promises[name] = (file, ...rest) => count(file, original(file, ...rest));
  }
  for (const name of ['openSync', 'readFileSync']) {
    const original = fs[name];
    fs[name] = (file, ...rest) => {
      if (typeof file === 'string' && file.startsWith(dir)) counts.opens++;
      return original(file, ...rest);
    };
  }
  process.on('exit', () => process.stderr.write(`DEPWARDEN_BENCH_OPENS ${JSON.stringify(counts)}\n`));
}
