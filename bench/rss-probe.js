// Loaded with `node --import` into the measured sfsync process: on exit, writes its peak RSS (bytes) to the
// file named by SFSYNC_BENCH_RSS_FILE. It changes nothing else.
import fs from 'node:fs';

process.on('exit', () => {
  if (process.env.SFSYNC_BENCH_RSS_FILE)
    fs.writeFileSync(process.env.SFSYNC_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024));
});
