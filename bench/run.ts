/**
 * Runs every bench/*.bench.ts in its own process, one after another, so that one
 * benchmark's memory and threads do not disturb the next. Each benchmark prints
 * its own markdown table (medians, and ratios against a baseline measured in the
 * same run). `npm run bench -- <name>` runs only the benchmarks whose file name
 * contains <name>.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(here, file)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    failed++;
    console.log(`(${file} failed with status ${run.status})`);
  }
}
process.exit(failed ? 1 : 0);
