import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** The system ffmpeg, only as a yardstick (installed with apt when missing); src/ never uses it. */
export function ensureFfmpeg(): string {
  const which = spawnSync('which', ['ffmpeg'], { encoding: 'utf8' });
  if (which.status === 0) return which.stdout.trim();
  console.log('(installing the system ffmpeg as a yardstick: apt-get install -y ffmpeg)');
  execFileSync(
    'bash',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg'],
    {
      stdio: 'ignore',
    },
  );
  return 'ffmpeg';
}

/** Wall time of `ffmpeg -i clip -an -f null -`: decoding the clip's video stream and nothing else. */
export function ffmpegVideoDecodeMs(ffmpeg: string, clip: string): number {
  const start = performance.now();
  const run = spawnSync(ffmpeg, ['-v', 'error', '-nostdin', '-i', clip, '-an', '-f', 'null', '-'], {
    stdio: 'ignore',
  });
  if (run.status !== 0) throw new Error(`ffmpeg failed on ${clip}`);
  return performance.now() - start;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Resident memory (bytes) of a process and all its descendants, from /proc. */
export function treeRssBytes(rootPid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const pages = Number(fields[21]);
      const pid = Number(entry);
      rss.set(pid, pages * 4096);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid)!.push(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

export const fmt = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
