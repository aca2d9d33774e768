/**
 * The client package as a user gets it: its tarball (packed by the global setup) installed into
 * an empty project, and the README's client example, taken from README.md as written, compiled
 * there with `tsc --strict` and run with plain `node` against the real server.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as asTestsImportIt from '@emothumb/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { CLIENT_PACKAGE_DIR, installTarball, npm } from '../client-package-setup.js';
import { makePhoneCorpus } from '../helpers/phone-clips.js';
import { ADMIN_KEY, startServer, type RunningServer } from '../helpers/server.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const MB = 1024 * 1024;

/** Every file under `dir`, with its size. */
async function filesUnder(dir: string): Promise<{ path: string; size: number }[]> {
  const out: { path: string; size: number }[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, size: (await stat(path)).size });
  }
  return out;
}

/** The README's client example: its TypeScript block that imports the package. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const example = blocks.find((b) => b.includes("from '@emothumb/client'"));
  if (!example) throw new Error("README.md has no ```ts block importing '@emothumb/client'");
  return example;
}

describe('the client package, installed from its tarball into an empty project', () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'emothumb-client-user-'));
    await installTarball(project, inject('clientTarball'));
  }, 300_000);
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('brings only openapi-fetch, no native module and no install script, under 5 MB', async () => {
    const modules = join(project, 'node_modules');
    const installed = JSON.parse(await readFile(join(modules, '@emothumb/client/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts?: Record<string, string>;
    };
    expect(Object.keys(installed.dependencies)).toEqual(['openapi-fetch']);
    expect(Object.keys(installed.scripts ?? {})).not.toContainEqual(
      expect.stringMatching(/^(pre|post)?install$/),
    );

    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean; os?: string[]; cpu?: string[] }>;
    };
    const packages = Object.keys(lock.packages).filter((p) => p !== '');
    expect(packages.sort()).toEqual([
      'node_modules/@emothumb/client',
      'node_modules/openapi-fetch',
      'node_modules/openapi-typescript-helpers',
    ]);
    for (const p of packages) expect(lock.packages[p], p).not.toHaveProperty('hasInstallScript');

    const files = await filesUnder(modules);
    const native = files.filter((f) => /\.(node|so|dylib|dll)$|binding\.gyp$/.test(f.path));
    expect(native).toEqual([]);
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    expect(bytes).toBeLessThan(5 * MB);

    // The tarball holds the build and nothing of the repository (sources, tests, tsconfig).
    const own = files
      .filter((f) => f.path.includes('@emothumb/client'))
      .map((f) => f.path.split('@emothumb/client/')[1]!)
      .sort();
    expect(
      own.every((f) => /^(package\.json|README\.md|dist\/[\w-]+\.(js|d\.ts))$/.test(f)),
      own.join(),
    ).toBe(true);
    console.log(
      `client tarball ${(await stat(inject('clientTarball'))).size} B; node_modules ${bytes} B in ${files.length} files`,
    );
  });

  it("is what the service's tests import: the global setup's install, loaded by Node itself", async () => {
    const entry = join(CLIENT_PACKAGE_DIR, 'node_modules/@emothumb/client/dist/index.js');
    const installed = (await import(pathToFileURL(entry).href)) as typeof asTestsImportIt;
    expect(asTestsImportIt.createEmotionClient).toBe(installed.createEmotionClient);
  });

  describe("the README's example", () => {
    let server: RunningServer;

    beforeAll(async () => {
      const clip = (await makePhoneCorpus()).get('android-h264-aac')!;
      await copyFile(clip, join(project, 'selfie.mp4'));
      // What a TypeScript user adds beside the client (the same version as the service's).
      const types = JSON.parse(
        await readFile(join(ROOT, 'node_modules/@types/node/package.json'), 'utf8'),
      ) as { version: string };
      await npm(project, [
        'install',
        '--save-dev',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--prefix',
        project,
        `@types/node@${types.version}`,
      ]);
      server = await startServer();
    }, 300_000);
    afterAll(async () => {
      await server?.dispose();
    });

    it('compiles with tsc --strict against the installed declarations', async () => {
      await writeFile(join(project, 'example.ts'), await readmeExample());
      const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
      // No DOM library and no skipLibCheck: the declarations must stand on @types/node alone.
      const args = ['--strict', '--target', 'es2022', '--module', 'nodenext', '--lib', 'es2023'];
      const compiled = await run(process.execPath, [tsc, ...args, '--types', 'node', 'example.ts'], {
        cwd: project,
      }).catch((err: { stdout?: string; message: string }) => {
        throw new Error(`tsc failed:\n${err.stdout ?? err.message}`);
      });
      expect(compiled.stdout).toBe('');
      await stat(join(project, 'example.js'));
    });

    it('runs with plain node against the real server', async () => {
      const { stdout, stderr } = await run(process.execPath, ['example.js'], {
        cwd: project,
        env: { ...process.env, EMOTHUMB_URL: server.url, API_KEY: ADMIN_KEY },
        timeout: 180_000,
      });
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^predict: Happy [\d.]+, 15 timeline points$/m);
      expect(stdout).toMatch(/^analyze: Happy, a \d+ px webp$/m);
      expect(stdout).toMatch(/^job: Happy$/m);
      expect(stdout).toMatch(/^error: 422 not_a_video$/m);
    });
  });
});
