/**
 * Where the EmotiMesh model file comes from: `MODEL_PATH` (a local file),
 * `MODEL_URL` (HTTP(S)) or the seed's `MODEL_DOWNLOAD_ID` (a Google Drive file
 * id). Downloads happen once, at start-up, into MODELS_DIR (`<dataDir>/models/`): the bytes
 * go to a temporary file in the same directory, are verified to be a loadable
 * model, and only then renamed into place, so a crash or a bad download never
 * leaves a half-written or wrong file under the final name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { EmotiMeshInfo } from '../vision/emotimesh/index.js';

export interface ModelSourceConfig {
  modelPath?: string;
  modelUrl?: string;
  modelDownloadId?: string;
  dataDir: string;
  /** Where downloads go (MODELS_DIR; default <dataDir>/models). */
  modelsDir?: string;
  /** MODEL_DOWNLOAD: false refuses to fetch a checkpoint that is not there yet. */
  download?: boolean;
}

export interface ResolveModelOptions {
  log?: (message: string) => void;
  /** Google Drive's base URL; tests point it at a local server. */
  driveBaseUrl?: string;
  /** Whole-download time limit (default 30 minutes). */
  timeoutMs?: number;
  /** Checks a downloaded file before it is kept (default: it must load as an EmotiMesh model). */
  verify?: (path: string) => Promise<unknown>;
}

/**
 * The default check of a download, loaded only when a download needs it: the API process
 * imports this module (pinned models) and must not load onnxruntime for it (~5 MB resident).
 */
async function inspectorOfEmotiMesh(): Promise<(path: string) => Promise<EmotiMeshInfo>> {
  return (await import('../vision/emotimesh/index.js')).inspectEmotiMesh;
}

export const DEFAULT_DRIVE_BASE_URL = 'https://drive.google.com';

const MODEL_EXTENSIONS = ['.pth', '.onnx'];

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when `path` can be reached (a file or folder there). */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** A stable file stem for a source, safe as a file name. */
function stemFor(kind: 'url' | 'gdrive', source: string): string {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 10);
  if (kind === 'gdrive') return `gdrive-${source.replace(/[^\w-]/g, '_').slice(0, 80)}`;
  let name = 'model';
  try {
    name = basename(new URL(source).pathname) || 'model';
  } catch {
    // Invalid URLs are reported by the download itself.
  }
  name =
    name
      .replace(/\.(pth|pt|onnx)$/i, '')
      .replace(/[^\w.-]/g, '_')
      .slice(0, 80) || 'model';
  return `${name}-${hash}`;
}

async function isHtml(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    return /^\s*<(!doctype|html)/i.test(head.subarray(0, bytesRead).toString('latin1'));
  } finally {
    await handle.close();
  }
}

function cookiesFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

/**
 * Google Drive answers large files with an HTML "can't scan for viruses" page.
 * Finds the URL that confirms the download, in any of the forms Drive has used:
 * a form posting to drive.usercontent.google.com (id, confirm, uuid fields), a
 * link carrying `confirm=<token>`, or a `download_warning` cookie.
 */
export function driveConfirmUrl(
  html: string,
  pageUrl: string,
  id: string,
  cookies: string,
): string | undefined {
  const form =
    /<form[^>]*id="download-form"[^>]*>([\s\S]*?)<\/form>/i.exec(html) ??
    /<form[^>]*action="[^"]*download[^"]*"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (form) {
    const action = /action="([^"]+)"/i.exec(form[0])?.[1];
    if (action) {
      const url = new URL(decodeEntities(action), pageUrl);
      for (const input of form[1].matchAll(/<input[^>]*>/gi)) {
        const name = /name="([^"]*)"/i.exec(input[0])?.[1];
        const value = /value="([^"]*)"/i.exec(input[0])?.[1] ?? '';
        if (name) url.searchParams.set(name, decodeEntities(value));
      }
      if (!url.searchParams.has('id')) url.searchParams.set('id', id);
      return url.toString();
    }
  }
  const link = /href="([^"]*confirm=[^"]*)"/i.exec(html);
  if (link) return new URL(decodeEntities(link[1]), pageUrl).toString();
  const cookie = /download_warning[^=]*=([^;]+)/.exec(cookies);
  const token = cookie?.[1] ?? /confirm=([\w-]+)/.exec(html)?.[1];
  if (token) {
    const url = new URL(pageUrl);
    url.searchParams.set('confirm', token);
    url.searchParams.set('id', id);
    return url.toString();
  }
  return undefined;
}

function htmlTitle(html: string): string {
  return /<title>([^<]*)<\/title>/i.exec(html)?.[1]?.trim() ?? 'an HTML page';
}

/** GET `url` (following redirects); a network failure or an HTTP error status is an Error naming the URL. */
export async function get(url: string, signal: AbortSignal, cookies?: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal, headers: cookies ? { cookie: cookies } : {} });
  } catch (err) {
    throw new Error(
      `model download from ${url} failed: ${errorMessage((err as { cause?: unknown }).cause ?? err)}`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`model download from ${url} failed: HTTP ${res.status} ${res.statusText}`.trim());
  }
  return res;
}

type Log = (message: string) => void;

/** Stream a response's body into a new file `to` (never an existing one), reporting progress; returns its size. */
export async function save(res: Response, to: string, log: Log): Promise<number> {
  if (!res.body) throw new Error('the download had an empty body');
  const total = Number(res.headers.get('content-length')) || 0;
  let received = 0;
  let nextReport = 0.25;
  // A 556 MB download takes a while: say how far it got, every quarter.
  const progress = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (total > 0 && received / total >= nextReport && received < total) {
        log(`model: ${Math.floor((received / total) * 100)}% of ${(total / 1e6).toFixed(0)} MB`);
        while (received / total >= nextReport) nextReport += 0.25;
      }
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
    progress,
    createWriteStream(to, { flags: 'wx' }),
  );
  const size = (await stat(to)).size;
  if (total > 0 && size !== total) throw new Error(`the download ended after ${size} of ${total} bytes`);
  return size;
}

async function downloadDrive(
  id: string,
  to: string,
  base: string,
  signal: AbortSignal,
  log: Log,
): Promise<number> {
  const first = `${base.replace(/\/$/, '')}/uc?export=download&id=${encodeURIComponent(id)}`;
  const res = await get(first, signal);
  if (!(res.headers.get('content-type') ?? '').includes('text/html')) return save(res, to, log);
  const html = await res.text();
  const cookies = cookiesFrom(res);
  const confirm = driveConfirmUrl(html, res.url || first, id, cookies);
  if (!confirm) {
    throw new Error(
      `Google Drive did not serve file ${id} (it answered "${htmlTitle(html)}"): check that MODEL_DOWNLOAD_ID is right ` +
        'and the file is shared as "anyone with the link"',
    );
  }
  const second = await get(confirm, signal, cookies);
  if ((second.headers.get('content-type') ?? '').includes('text/html')) {
    const page = await second.text();
    throw new Error(
      `Google Drive did not serve file ${id} after confirmation (it answered "${htmlTitle(page)}"); the download quota may be exceeded`,
    );
  }
  return save(second, to, log);
}

async function download(
  kind: 'url' | 'gdrive',
  source: string,
  dir: string,
  options: ResolveModelOptions & { download?: boolean },
): Promise<string> {
  const log = options.log ?? (() => {});
  const stem = stemFor(kind, source);
  for (const ext of MODEL_EXTENSIONS) {
    const existing = join(dir, stem + ext);
    if (await exists(existing)) {
      log(`model: using ${existing} (downloaded earlier)`);
      return existing;
    }
  }
  if (options.download === false)
    throw new Error(`the model is not in ${dir} yet and MODEL_DOWNLOAD=false forbids downloading it`);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${stem}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const what = kind === 'gdrive' ? `Google Drive file ${source}` : source;
  log(`model: downloading ${what} into ${dir}`);
  const started = Date.now();
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30 * 60_000);
  try {
    const bytes =
      kind === 'gdrive'
        ? await downloadDrive(source, temp, options.driveBaseUrl ?? DEFAULT_DRIVE_BASE_URL, signal, log)
        : await save(await get(source, signal), temp, log);
    if (bytes === 0) throw new Error(`the model downloaded from ${what} is empty`);
    if (await isHtml(temp)) throw new Error(`${what} returned an HTML page instead of a model file`);
    let info: unknown;
    try {
      info = await (options.verify ?? (await inspectorOfEmotiMesh()))(temp);
    } catch (err) {
      throw new Error(
        `the file downloaded from ${what} is not a usable EmotiMesh model: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const architecture = (info as EmotiMeshInfo | undefined)?.architecture;
    const ext = architecture || (await isZip(temp)) ? '.pth' : '.onnx';
    const final = join(dir, stem + ext);
    await rename(temp, final);
    log(
      `model: saved ${final} (${(bytes / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return final;
  } catch (err) {
    await rm(temp, { force: true });
    if (signal.aborted) throw new Error(`model download from ${what} timed out`, { cause: err });
    throw err;
  }
}

async function isZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return head[0] === 0x50 && head[1] === 0x4b;
  } finally {
    await handle.close();
  }
}

/**
 * Resolves the configured model to a local file, downloading it once if needed.
 * Precedence: modelPath, then modelUrl, then modelDownloadId. Returns undefined
 * when none is configured. Throws a plain Error with an operator-facing message
 * on a missing file, a failed download or a file that is not a model.
 */
export async function resolveModelFile(
  cfg: ModelSourceConfig,
  options: ResolveModelOptions | ((message: string) => void) = {},
): Promise<string | undefined> {
  const opts: ResolveModelOptions = typeof options === 'function' ? { log: options } : options;
  if (cfg.modelPath) {
    const path = resolve(cfg.modelPath);
    let isFile = false;
    try {
      isFile = (await stat(path)).isFile();
    } catch {
      throw new Error(`MODEL_PATH ${cfg.modelPath} does not exist`);
    }
    if (!isFile) throw new Error(`MODEL_PATH ${cfg.modelPath} is not a file`);
    return path;
  }
  const dir = cfg.modelsDir ?? join(cfg.dataDir, 'models');
  if (cfg.modelUrl) {
    let url: URL;
    try {
      url = new URL(cfg.modelUrl);
    } catch {
      throw new Error(`MODEL_URL "${cfg.modelUrl}" is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`MODEL_URL must be http(s), got ${url.protocol}`);
    return download('url', url.toString(), dir, { ...opts, download: cfg.download });
  }
  if (cfg.modelDownloadId) {
    if (!/^[\w-]{10,200}$/.test(cfg.modelDownloadId)) {
      throw new Error(`MODEL_DOWNLOAD_ID "${cfg.modelDownloadId}" does not look like a Google Drive file id`);
    }
    return download('gdrive', cfg.modelDownloadId, dir, { ...opts, download: cfg.download });
  }
  return undefined;
}
