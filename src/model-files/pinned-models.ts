/**
 * Model files the pipeline can use beside the ones its npm dependencies ship, each pinned by its
 * upstream URL and sha256: found in MODELS_DIR, or downloaded there once (atomically: a
 * temporary file in the same directory, checked, then renamed). A file whose sha256 is not the
 * pinned one is an error and is never loaded; a model that is absent and may not be downloaded
 * (MODEL_DOWNLOAD=false), or whose download fails, is reported missing and the service runs
 * without it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256OfFile } from '../shared/file-hash.js';
import { exists, get, save } from './model-source.js';

export interface PinnedModel {
  /** Short name, as /health and the logs show it. */
  name: string;
  /** File name inside MODELS_DIR. */
  file: string;
  /** Where the bytes come from (a URL that serves the file itself, not a Git LFS pointer). */
  url: string;
  sha256: string;
  bytes: number;
  /** What the service does with it. */
  role: string;
}

/**
 * The OpenCV Zoo facial expression model (MobileFaceNet, int8; Apache-2.0, trained on RAF-DB:
 * non-commercial research terms). Stored upstream with Git LFS: the media URL serves the bytes.
 */
export const ALIGNED_EXPRESSION_MODEL: PinnedModel = {
  name: 'aligned-expression',
  file: 'facial_expression_recognition_mobilefacenet_2022july_int8.onnx',
  url: 'https://media.githubusercontent.com/media/opencv/opencv_zoo/main/models/facial_expression_recognition/facial_expression_recognition_mobilefacenet_2022july_int8.onnx',
  sha256: 'f0d7093aff10e2638c734c5f18a6a7eabd2b9239b20bdb9b8090865a6f69a1ed',
  bytes: 1_364_007,
  role: 'third view of the face (112 px colour, aligned on 5 points)',
};

/** Every pinned model, in the order `models fetch` and /health list them. */
export const PINNED_MODELS: readonly PinnedModel[] = [ALIGNED_EXPRESSION_MODEL];

/** What became of one pinned model at start-up: /health's `models` entries. */
export interface ModelFileStatus {
  name: string;
  status: 'loaded' | 'missing';
  /** The file in use (loaded). */
  path?: string;
  /** Why it is missing, in words for an operator. */
  reason?: string;
  role: string;
}

export interface PinnedModelOptions {
  modelsDir: string;
  /** MODEL_DOWNLOAD: false forbids fetching a missing file. */
  download: boolean;
  log?: (message: string) => void;
  /** Replaces the upstream URL (tests: a local server). */
  url?: string;
  /** Whole-download time limit (default 5 minutes). */
  timeoutMs?: number;
}

/** The sha256 check every file passes before it is used; a mismatch is an Error naming both hashes. */
async function checkSha(model: PinnedModel, path: string, what: string): Promise<void> {
  const actual = await sha256OfFile(path);
  if (actual !== model.sha256)
    throw new Error(
      `${what} is not the pinned ${model.name} model (sha256 ${actual}, expected ${model.sha256}); it was not loaded`,
    );
}

/**
 * The pinned model's file: MODELS_DIR/<file> when present (its sha256 checked: a mismatch
 * throws), else downloaded once from its URL when allowed (checked before it is renamed into
 * place: a mismatch throws and nothing is kept). Missing and not downloadable, or the download
 * failed: `missing` with the reason, so the caller runs without it and says so.
 */
export async function resolvePinnedModel(
  model: PinnedModel,
  opts: PinnedModelOptions,
): Promise<ModelFileStatus> {
  const log = opts.log ?? (() => undefined);
  const path = join(opts.modelsDir, model.file);
  if (await exists(path)) {
    await checkSha(model, path, path);
    return { name: model.name, status: 'loaded', path, role: model.role };
  }
  if (!opts.download)
    return {
      name: model.name,
      status: 'missing',
      reason: `${path} does not exist and MODEL_DOWNLOAD=false`,
      role: model.role,
    };
  const url = opts.url ?? model.url;
  await mkdir(opts.modelsDir, { recursive: true });
  const temp = join(opts.modelsDir, `.${model.file}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  log(`model ${model.name}: downloading ${url} into ${opts.modelsDir}`);
  try {
    const res = await get(url, AbortSignal.timeout(opts.timeoutMs ?? 5 * 60_000));
    await save(res, temp, log);
  } catch (err) {
    await rm(temp, { force: true });
    return {
      name: model.name,
      status: 'missing',
      reason: `not in ${opts.modelsDir} and the download failed: ${err instanceof Error ? err.message : String(err)}`,
      role: model.role,
    };
  }
  try {
    await checkSha(model, temp, `the file downloaded from ${url}`);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await rename(temp, path);
  log(`model ${model.name}: saved ${path}`);
  return { name: model.name, status: 'loaded', path, role: model.role };
}

/** Every pinned model resolved (one after the other: they share the directory and the link). */
export async function resolvePinnedModels(opts: PinnedModelOptions): Promise<ModelFileStatus[]> {
  const out: ModelFileStatus[] = [];
  for (const model of PINNED_MODELS) out.push(await resolvePinnedModel(model, opts));
  return out;
}
