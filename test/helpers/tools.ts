/**
 * The test-only tools (PostgreSQL's server binaries, redis-server, Chromium), found where
 * `.ci/run` installs them from Debian packages, whatever their version: PostgreSQL under
 * /usr/lib/postgresql/<major>/bin (the highest major that has the binaries), the others on the
 * PATH. And what a suite does when one is missing: on a developer's machine it is skipped with
 * the reason printed; under `CI=true` it fails instead, because a green run that skipped a suite
 * has not tested what that suite covers.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on `path` (a PATH-style list), as a shell's lookup finds it. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Where Debian's postgresql-<major> packages put the server binaries, one directory per major. */
export const PG_ROOT = '/usr/lib/postgresql';

/**
 * The `bin` directory of the highest PostgreSQL major under `root` that has every binary in
 * `needs`; undefined when none has. Majors sort numerically (10 above 9.6).
 */
export function findPgBinDir(
  root = PG_ROOT,
  needs: readonly string[] = ['initdb', 'pg_ctl', 'postgres'],
): string | undefined {
  let majors: string[];
  try {
    majors = readdirSync(root);
  } catch {
    return undefined;
  }
  return majors
    .filter((d) => /^\d+(\.\d+)?$/.test(d))
    .sort((a, b) => Number(b) - Number(a))
    .map((d) => join(root, d, 'bin'))
    .find((bin) => needs.every((n) => isExecutableFile(join(bin, n))));
}

/** True when the environment asks for every suite to run (CI=true, as `.ci/run` exports it). */
export function toolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/** What becomes of a suite: it runs, it is skipped (a developer's machine), or it fails (CI). */
export function toolGate(
  missing: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): 'run' | 'skip' | 'fail' {
  if (missing === undefined) return 'run';
  return toolsRequired(env) ? 'fail' : 'skip';
}

/**
 * `describe` for a suite that needs external tools. `missing` is why they cannot be used here
 * (naming the tool and how to install it), or undefined when they can. Missing tools skip the
 * suite, saying why, except under CI=true, where the suite is one failing test with that reason.
 */
export function describeWithTools(missing: string | undefined, name: string, body: () => void): void {
  const gate = toolGate(missing);
  if (gate === 'run') {
    describe(name, body);
  } else if (gate === 'fail') {
    describe(name, () => {
      it('has the tools it needs (CI=true: a missing tool fails the run)', () => {
        throw new Error(`${missing}. CI=true forbids skipping this suite.`);
      });
    });
  } else {
    console.warn(`[skipped] ${name || 'suite'}: ${missing} (with CI=true this fails the run)`);
    describe.skip(name, body);
  }
}
