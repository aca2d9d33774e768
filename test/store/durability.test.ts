import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { backends } from './backends.js';
import { describeWithTools } from '../helpers/tools.js';

const CHILD = fileURLToPath(new URL('./fixtures/insert-then-hang.ts', import.meta.url));

/**
 * Runs the child, SIGKILLs it once `stopAt` (a line of its output) appears,
 * and returns the number of inserts it had acknowledged.
 */
function insertThenKill(config: { dataDir: string; databaseUrl?: string }, n: number, stopAt: string) {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, config.dataDir, config.databaseUrl ?? '', String(n)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let acknowledged = 0;
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ok ')) acknowledged = Number(line.slice(3));
        if (line === stopAt) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    // 'close', not 'exit': every ack the child wrote has been read by then.
    child.on('close', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`child exited without being killed (acknowledged ${acknowledged})`));
    });
  });
}

async function countDurable(store: Store): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await store.logs.query({ client_id: 'durability', limit: 1000, cursor });
    n += page.logs.length;
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return n;
}

describe.each(backends)('durability on $name', (backend) => {
  describeWithTools(backend.skipReason, '', () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('keeps every acknowledged insert after the writer is killed with SIGKILL', async () => {
      const instance = await backend.fresh();
      try {
        const acknowledged = await insertThenKill(instance.config, 500, 'done');
        expect(acknowledged).toBe(500);
        const store = await instance.open();
        try {
          expect(await countDurable(store)).toBe(500);
        } finally {
          await store.close();
        }
      } finally {
        await instance.dispose();
      }
    });

    it('keeps every acknowledged insert when killed mid-stream', async () => {
      const instance = await backend.fresh();
      try {
        const acknowledged = await insertThenKill(instance.config, 100_000, 'ok 300');
        expect(acknowledged).toBeGreaterThanOrEqual(300);
        const store = await instance.open();
        try {
          // Rows may be there whose acknowledgement the kill cut off, never fewer.
          const n = await countDurable(store);
          expect(n).toBeGreaterThanOrEqual(acknowledged);
          expect(n).toBeLessThanOrEqual(acknowledged + 1);
        } finally {
          await store.close();
        }
      } finally {
        await instance.dispose();
      }
    });
  });
});
