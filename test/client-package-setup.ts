/**
 * Vitest global setup: the service's tests use the client as its users get it. client/ is
 * packed (`npm pack`, whose prepack builds it with tsc) and the tarball installed into
 * .client-package/, a project of its own; vitest.config.ts points `@emothumb/client` at the
 * package installed there, so the tests run the tarball's JavaScript, with the openapi-fetch
 * that install resolved, not the repository's sources or node_modules. A run reuses the
 * install while client/ is unchanged (a digest of its files), so one test file stays quick.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const ROOT = resolve(import.meta.dirname, '..');
const CLIENT_DIR = join(ROOT, 'client');
/** Where the packed client is installed for the tests (vitest.config.ts aliases it). */
export const CLIENT_PACKAGE_DIR = join(ROOT, '.client-package');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The absolute path of the client's tarball (`npm pack` in client/). */
    clientTarball: string;
  }
}

const run = promisify(execFile);

/**
 * Runs npm in `cwd` as a user would there. npm passes its own settings to the scripts it
 * runs as `npm_config_*`; `local_prefix` (this repository, under `npm test`) would make the
 * nested npm act on the service's package instead of `cwd`'s.
 */
export async function npm(cwd: string, args: string[]): Promise<string> {
  const env = { ...process.env };
  for (const key of Object.keys(env))
    if (/^npm_(config_(local_)?prefix|package_)/i.test(key)) delete env[key];
  const { stdout } = await run('npm', args, { cwd, env, maxBuffer: 16 << 20 });
  return stdout;
}

/** Packs client/ into `destination`; the tarball's absolute path. */
export async function packClient(destination: string): Promise<string> {
  const out = await npm(CLIENT_DIR, ['pack', '--json', '--pack-destination', destination]);
  const [{ filename }] = JSON.parse(out) as [{ filename: string }];
  return join(destination, filename);
}

/**
 * Installs a tarball into `dir`, an empty project of its own (created), from the npm cache
 * when it holds the dependencies (`npm ci` of the service fills it), else the registry.
 */
export async function installTarball(dir: string, tarball: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'client-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  await npm(dir, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', dir, tarball]);
}

/** A digest of what goes into the package: its manifest, its build settings, its sources. */
async function clientDigest(): Promise<string> {
  const hash = createHash('sha256');
  const files = ['package.json', 'tsconfig.json'];
  for (const entry of await readdir(join(CLIENT_DIR, 'src'), { recursive: true, withFileTypes: true }))
    if (entry.isFile()) files.push(relative(CLIENT_DIR, join(entry.parentPath, entry.name)));
  for (const file of files.sort())
    hash
      .update(file)
      .update('\0')
      .update(await readFile(join(CLIENT_DIR, file)));
  return hash.digest('hex');
}

export default async function setup(project: TestProject): Promise<void> {
  const digest = await clientDigest();
  const stamp = join(CLIENT_PACKAGE_DIR, 'digest');
  const stampOk = existsSync(stamp) && (await readFile(stamp, 'utf8')) === digest;
  const tarballs = existsSync(CLIENT_PACKAGE_DIR)
    ? (await readdir(CLIENT_PACKAGE_DIR)).filter((f) => f.endsWith('.tgz'))
    : [];
  if (!stampOk || tarballs.length !== 1) {
    // Built beside the old one and swapped in whole: a failed pack leaves no half install.
    const next = `${CLIENT_PACKAGE_DIR}.${process.pid}`;
    await rm(next, { recursive: true, force: true });
    await mkdir(next, { recursive: true });
    try {
      await installTarball(next, await packClient(next));
      await writeFile(join(next, 'digest'), digest);
      await rm(CLIENT_PACKAGE_DIR, { recursive: true, force: true });
      await rename(next, CLIENT_PACKAGE_DIR);
    } catch (err) {
      await rm(next, { recursive: true, force: true });
      throw err;
    }
  }
  const [tarball] = (await readdir(CLIENT_PACKAGE_DIR)).filter((f) => f.endsWith('.tgz'));
  project.provide('clientTarball', join(CLIENT_PACKAGE_DIR, tarball!));
}
