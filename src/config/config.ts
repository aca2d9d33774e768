import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

/** Which emotion model answers /predict ('none': no model, /predict answers 501). */
export type ModelChoice = 'default' | 'emotimesh' | 'ensemble' | 'none';

/** The service's settings, parsed once from the environment and frozen. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Admin key from the environment (seed behaviour); undefined means keys come from the store only. */
  apiKey: string | undefined;
  databaseUrl: string | undefined;
  maxUploadBytes: number;
  /** Largest thumbnail a request may produce, in bytes. */
  maxThumbnailBytes: number;
  maxVideoSeconds: number;
  maxPixels: number;
  /** Seed rule: clips with fewer frames are refused. */
  minFrames: number;
  /** Frames sampled for emotion analysis (seed: 15). */
  predictFrames: number;
  /** Maximum allowed |date header - server clock| in seconds; 0 disables the check. */
  maxClockSkewSeconds: number;
  /** Clips decoded, analysed and encoded at once (in worker processes). */
  workers: number;
  /** How many of those clips share one worker process (one FFmpeg, one set of models). */
  clipsPerProcess: number;
  /** Decoder threads per worker; 0 lets FFmpeg choose (one per core). */
  decoderThreads: number;
  /** Jobs waiting for a worker beyond which requests get 503. */
  queueSize: number;
  jobTimeoutSeconds: number;
  startupWaitSeconds: number;
  /** Requests per minute per API key; 0 disables rate limiting. */
  rateLimitPerMinute: number;
  model: ModelChoice;
  modelPath: string | undefined;
  modelUrl: string | undefined;
  modelDownloadId: string | undefined;
  /** An operator's own calibration layer (written by `calibrate`); default: the committed one. */
  calibrationPath: string | undefined;
  /** Where model files are found and downloaded to (default <dataDir>/models). */
  modelsDir: string;
  /** Whether a missing model file may be downloaded from its upstream URL. */
  modelDownload: boolean;
  logLevel: string;
  /** Log each request with pino too (the request log in the database is always kept). */
  accessLog: boolean;
  trustProxy: boolean;
  /** all: HTTP and video work; api: HTTP only (never decodes); worker: consumes jobs, no HTTP listener. */
  role: Role;
  /** redis://... switches to the distributed queue (BullMQ); needs DATABASE_URL. */
  redisUrl: string | undefined;
  /** Key of the webhooks' HMAC-SHA256 signature; unset: callback_url is refused. */
  webhookSecret: string | undefined;
  /** Allow callback URLs that resolve to loopback, private, link-local or metadata addresses. */
  webhookAllowPrivate: boolean;
  /** How long a webhook is retried (with backoff) before it is given up, in seconds. */
  webhookRetrySeconds: number;
  /** How long a job and its result are kept, in hours. */
  jobTtlHours: number;
  /** Times a job may be started before a lost worker fails it with worker_lost. */
  jobAttempts: number;
  /** Async jobs that may wait in the cluster's queue; beyond it POST /jobs/* gets 503. */
  jobQueueSize: number;
  /** A job whose worker stops renewing its lock for this long is taken up by another worker. */
  jobStalledSeconds: number;
  /** API nodes check every this many seconds that unfinished jobs are still in the queue (0: never). */
  jobLostCheckSeconds: number;
  /** A worker role serves /health (and /metrics) on this port when set. */
  healthPort: number | undefined;
}

export type Role = 'all' | 'api' | 'worker';

/** One documented setting: how to read it and what it defaults to. */
interface Setting<K extends keyof Config> {
  env: string;
  key: K;
  doc: string;
  parse: (raw: string | undefined, problems: string[]) => Config[K];
}

/** A numeric setting within [min, max]; `integerOnly` refuses fractions. */
function numeric(
  env: string,
  fallback: number,
  min: number,
  max: number,
  integerOnly: boolean,
): (raw: string | undefined, problems: string[]) => number {
  return (raw, problems) => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (integerOnly && !Number.isInteger(value))) {
      problems.push(
        `${env} must be ${integerOnly ? 'an integer' : 'a number'} between ${min} and ${max} (got "${raw}")`,
      );
      return fallback;
    }
    return value;
  };
}

const integer = (env: string, fallback: number, min: number, max: number) =>
  numeric(env, fallback, min, max, true);
const number = (env: string, fallback: number, min: number, max: number) =>
  numeric(env, fallback, min, max, false);

function optionalString(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function boolean(env: string, fallback: boolean): (raw: string | undefined, problems: string[]) => boolean {
  return (raw, problems) => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    problems.push(`${env} must be true or false (got "${raw}")`);
    return fallback;
  };
}

/** "4096x2160" or a plain pixel count. */
export function parsePixels(raw: string): number | undefined {
  const m = /^\s*(\d+)\s*[x*]\s*(\d+)\s*$/i.exec(raw);
  if (m) return Number(m[1]) * Number(m[2]);
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

const cores = Math.max(1, availableParallelism());
// Each worker's decoder already uses every core; one worker per two cores keeps the CPUs busy
// (one worker decodes while another runs the models) without a second copy of the models
// per core in memory.
const defaultWorkers = Math.max(1, Math.floor(cores / 2));

export const SETTINGS = [
  { env: 'PORT', key: 'port', doc: 'TCP port (default 5000)', parse: integer('PORT', 5000, 0, 65535) },
  {
    env: 'HOST',
    key: 'host',
    doc: 'Interface to listen on (default 0.0.0.0)',
    parse: (raw) => optionalString(raw) ?? '0.0.0.0',
  },
  {
    env: 'DATA_DIR',
    key: 'dataDir',
    doc: 'Directory for the SQLite database, downloaded models and temporary files (default ./data)',
    parse: (raw) => resolve(optionalString(raw) ?? './data'),
  },
  {
    env: 'API_KEY',
    key: 'apiKey',
    doc: 'Admin API key (as in the v1 API). Unset: a key is generated on first start and printed once',
    parse: (raw) => optionalString(raw),
  },
  {
    env: 'DATABASE_URL',
    key: 'databaseUrl',
    doc: 'postgres://... to keep the request log and keys in PostgreSQL instead of SQLite',
    parse: (raw, problems) => {
      const v = optionalString(raw);
      if (v !== undefined && !/^postgres(ql)?:\/\//.test(v))
        problems.push('DATABASE_URL must start with postgres:// or postgresql://');
      return v;
    },
  },
  {
    env: 'MAX_UPLOAD_MB',
    key: 'maxUploadBytes',
    doc: 'Largest accepted video, in MB of video bytes (default 50)',
    parse: (raw, problems) =>
      Math.round(number('MAX_UPLOAD_MB', 50, 0.01, 4096)(raw, problems) * 1024 * 1024),
  },
  {
    env: 'MAX_THUMBNAIL_MB',
    key: 'maxThumbnailBytes',
    doc: 'Largest thumbnail file a request may produce, in MB (default 8); larger gets 422 thumbnail_too_large',
    parse: (raw, problems) =>
      Math.round(number('MAX_THUMBNAIL_MB', 8, 0.001, 1024)(raw, problems) * 1024 * 1024),
  },
  {
    env: 'MAX_VIDEO_SECONDS',
    key: 'maxVideoSeconds',
    doc: 'Longest accepted clip in seconds (default 60)',
    parse: number('MAX_VIDEO_SECONDS', 60, 1, 86400),
  },
  {
    env: 'MAX_PIXELS',
    key: 'maxPixels',
    doc: 'Largest frame, as WIDTHxHEIGHT or a pixel count (default 4096x2160)',
    parse: (raw, problems) => {
      if (raw === undefined || raw.trim() === '') return 4096 * 2160;
      const v = parsePixels(raw);
      if (v === undefined) {
        problems.push(`MAX_PIXELS must look like 4096x2160 or be a positive integer (got "${raw}")`);
        return 4096 * 2160;
      }
      return v;
    },
  },
  {
    env: 'MIN_FRAMES',
    key: 'minFrames',
    doc: 'Clips with fewer frames are refused (default 15, as the v1 API)',
    parse: integer('MIN_FRAMES', 15, 1, 1000),
  },
  {
    env: 'PREDICT_FRAMES',
    key: 'predictFrames',
    doc: 'Frames sampled evenly for emotion analysis (default 15, as the v1 API)',
    parse: integer('PREDICT_FRAMES', 15, 1, 120),
  },
  {
    env: 'MAX_CLOCK_SKEW_SECONDS',
    key: 'maxClockSkewSeconds',
    doc: 'Largest accepted difference between the date header and the server clock (default 900; 0 disables)',
    parse: integer('MAX_CLOCK_SKEW_SECONDS', 900, 0, 10 * 365 * 86400),
  },
  {
    env: 'WORKERS',
    key: 'workers',
    doc: `Clips processed at once, in worker processes (default: one per two cores, here ${defaultWorkers})`,
    parse: integer('WORKERS', defaultWorkers, 1, 64),
  },
  {
    env: 'CLIPS_PER_PROCESS',
    key: 'clipsPerProcess',
    doc: 'How many of the WORKERS clips share one worker process and its models (default 2: about 150 MB less per pair; a native crash then fails the clips beside it too; 1 isolates every clip)',
    parse: integer('CLIPS_PER_PROCESS', 2, 1, 64),
  },
  {
    env: 'DECODER_THREADS',
    key: 'decoderThreads',
    doc: "Decoder threads per worker (default: FFmpeg's choice, one per core, with one worker; the cores shared out between workers otherwise; 0 forces FFmpeg's choice)",
    // -1 = not set: derived from WORKERS below.
    parse: integer('DECODER_THREADS', -1, 0, 64),
  },
  {
    env: 'QUEUE_SIZE',
    key: 'queueSize',
    doc: 'Jobs that may wait for a worker; beyond it requests get 503 with Retry-After (default 8)',
    parse: integer('QUEUE_SIZE', 8, 0, 10000),
  },
  {
    env: 'JOB_TIMEOUT_SECONDS',
    key: 'jobTimeoutSeconds',
    doc: 'Longest one video job may run before it is stopped (default 60)',
    parse: number('JOB_TIMEOUT_SECONDS', 60, 1, 3600),
  },
  {
    env: 'STARTUP_WAIT_SECONDS',
    key: 'startupWaitSeconds',
    doc: 'How long a request that arrives while the models load waits for them (default 30; past it 503 not_ready with Retry-After; 0 refuses at once)',
    parse: number('STARTUP_WAIT_SECONDS', 30, 0, 3600),
  },
  {
    env: 'RATE_LIMIT_PER_MINUTE',
    key: 'rateLimitPerMinute',
    doc: 'Requests per minute per API key (default 600; 0 disables)',
    parse: integer('RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
  },
  {
    env: 'MODEL',
    key: 'model',
    doc: 'default (face mesh + expression models), emotimesh (the original EmotiMesh_Net checkpoint), ensemble (both) or none (no model: /predict answers 501; plain thumbnails work)',
    parse: (raw, problems): ModelChoice => {
      const v = (optionalString(raw) ?? 'default').toLowerCase();
      if (v === 'default' || v === 'emotimesh' || v === 'ensemble' || v === 'none') return v;
      problems.push(`MODEL must be default, emotimesh, ensemble or none (got "${raw}")`);
      return 'default';
    },
  },
  {
    env: 'MODEL_PATH',
    key: 'modelPath',
    doc: 'Local EmotiMesh_Net checkpoint (.pth or .onnx)',
    parse: (raw) => optionalString(raw),
  },
  {
    env: 'MODEL_URL',
    key: 'modelUrl',
    doc: 'HTTP(S) URL of an EmotiMesh_Net checkpoint, downloaded once into MODELS_DIR',
    parse: (raw, problems) => {
      const v = optionalString(raw);
      if (v !== undefined && !/^https?:\/\//.test(v)) problems.push('MODEL_URL must be an http(s) URL');
      return v;
    },
  },
  {
    env: 'MODEL_DOWNLOAD_ID',
    key: 'modelDownloadId',
    doc: 'The Google Drive file id of an EmotiMesh_Net checkpoint (as the v1 service used), downloaded once into MODELS_DIR',
    parse: (raw) => optionalString(raw),
  },
  {
    env: 'CALIBRATION_PATH',
    key: 'calibrationPath',
    doc: 'Calibration layer written by `calibrate` for your own users (default: the committed one)',
    parse: (raw) => {
      const v = optionalString(raw);
      return v === undefined ? undefined : resolve(v);
    },
  },
  {
    env: 'MODELS_DIR',
    key: 'modelsDir',
    doc: 'Directory model files are found in and downloaded to, e.g. the aligned expression model (default DATA_DIR/models)',
    // Resolved against DATA_DIR once every setting is read (parseConfig).
    parse: (raw) => {
      const v = optionalString(raw);
      return v === undefined ? '' : resolve(v);
    },
  },
  {
    env: 'MODEL_DOWNLOAD',
    key: 'modelDownload',
    doc: 'Download a model file missing from MODELS_DIR from its upstream URL, once, checked against its pinned sha256 (default true; false: run without it, or fail for MODEL_URL / MODEL_DOWNLOAD_ID)',
    parse: boolean('MODEL_DOWNLOAD', true),
  },
  {
    env: 'LOG_LEVEL',
    key: 'logLevel',
    doc: 'pino log level (default info)',
    parse: (raw, problems) => {
      const v = (optionalString(raw) ?? 'info').toLowerCase();
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v))
        problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
      return v;
    },
  },
  {
    env: 'ACCESS_LOG',
    key: 'accessLog',
    doc: 'Also write one pino line per request to stdout (default false)',
    parse: boolean('ACCESS_LOG', false),
  },
  {
    env: 'TRUST_PROXY',
    key: 'trustProxy',
    doc: 'Trust X-Forwarded-* headers from a reverse proxy (default false)',
    parse: boolean('TRUST_PROXY', false),
  },
  {
    env: 'ROLE',
    key: 'role',
    doc: 'all (default: HTTP and video work), api (HTTP only; needs REDIS_URL) or worker (consumes jobs, no HTTP; needs REDIS_URL)',
    parse: (raw, problems): Role => {
      const v = (optionalString(raw) ?? 'all').toLowerCase();
      if (v === 'all' || v === 'api' || v === 'worker') return v;
      problems.push(`ROLE must be all, api or worker (got "${raw}")`);
      return 'all';
    },
  },
  {
    env: 'REDIS_URL',
    key: 'redisUrl',
    doc: 'redis://... to run jobs on a BullMQ queue shared by API nodes and workers (needs DATABASE_URL)',
    parse: (raw, problems) => {
      const v = optionalString(raw);
      if (v !== undefined && !/^rediss?:\/\//.test(v))
        problems.push('REDIS_URL must start with redis:// or rediss://');
      return v;
    },
  },
  {
    env: 'WEBHOOK_SECRET',
    key: 'webhookSecret',
    doc: 'Key of the x-signature HMAC-SHA256 on webhook deliveries; unset: callback_url is refused (400 bad_callback_url)',
    parse: (raw) => optionalString(raw),
  },
  {
    env: 'WEBHOOK_ALLOW_PRIVATE',
    key: 'webhookAllowPrivate',
    doc: 'Allow callback URLs on loopback, private, link-local and metadata addresses (default false)',
    parse: boolean('WEBHOOK_ALLOW_PRIVATE', false),
  },
  {
    env: 'WEBHOOK_RETRY_SECONDS',
    key: 'webhookRetrySeconds',
    doc: 'How long a failing webhook is retried, with doubling backoff from 1 s (at most 60 s apart), before it is given up (default 600)',
    parse: number('WEBHOOK_RETRY_SECONDS', 600, 0, 86400),
  },
  {
    env: 'JOB_TTL_HOURS',
    key: 'jobTtlHours',
    doc: 'How long a job and its result are kept; then GET /jobs/<id> answers 404 (default 24)',
    parse: number('JOB_TTL_HOURS', 24, 0.001, 24 * 365),
  },
  {
    env: 'JOB_ATTEMPTS',
    key: 'jobAttempts',
    doc: 'Times a job may be started when workers die under it, before it fails with worker_lost (default 2)',
    parse: integer('JOB_ATTEMPTS', 2, 1, 20),
  },
  {
    env: 'JOB_QUEUE_SIZE',
    key: 'jobQueueSize',
    doc: 'Async jobs that may wait in the queue (cluster-wide with REDIS_URL); beyond it POST /jobs/* gets 503 (default 100)',
    parse: integer('JOB_QUEUE_SIZE', 100, 0, 1_000_000),
  },
  {
    env: 'JOB_STALLED_SECONDS',
    key: 'jobStalledSeconds',
    doc: 'With REDIS_URL: a job whose worker stopped renewing its lock for this long goes to another worker (default 30)',
    parse: number('JOB_STALLED_SECONDS', 30, 1, 3600),
  },
  {
    env: 'JOB_LOST_CHECK_SECONDS',
    key: 'jobLostCheckSeconds',
    doc: 'With REDIS_URL: API nodes check this often that queued and running jobs are still in Redis; one missing at two checks in a row fails with worker_lost (default 60; 0 = never)',
    parse: number('JOB_LOST_CHECK_SECONDS', 60, 0, 86_400),
  },
  {
    env: 'HEALTH_PORT',
    key: 'healthPort',
    doc: 'ROLE=worker: serve GET /health, /ready and /metrics on this port (default: none)',
    parse: (raw, problems) =>
      raw === undefined || raw.trim() === '' ? undefined : integer('HEALTH_PORT', 0, 0, 65535)(raw, problems),
  },
] as const satisfies readonly Setting<keyof Config>[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses every setting, collecting every problem before failing. */
export function parseConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const problems: string[] = [];
  const out: Partial<Record<keyof Config, unknown>> = {};
  for (const setting of SETTINGS) {
    out[setting.key] = (setting.parse as (raw: string | undefined, p: string[]) => unknown)(
      env[setting.env],
      problems,
    );
  }
  const config = out as Config;
  if (config.modelsDir === '') config.modelsDir = join(config.dataDir, 'models');
  if (config.decoderThreads === -1) {
    // Several workers on few cores: each decoder gets its share instead of one thread per core
    // each (fewer threads also hold fewer frames: less memory per worker).
    config.decoderThreads = config.workers <= 1 ? 0 : Math.max(1, Math.floor(cores / config.workers));
  }
  if (
    (config.model === 'emotimesh' || config.model === 'ensemble') &&
    !config.modelPath &&
    !config.modelUrl &&
    !config.modelDownloadId
  )
    problems.push(`MODEL=${config.model} needs MODEL_PATH, MODEL_URL or MODEL_DOWNLOAD_ID`);
  if (config.role !== 'all' && !config.redisUrl)
    problems.push(`ROLE=${config.role} needs REDIS_URL (the queue API nodes and workers share)`);
  if (config.redisUrl && !config.databaseUrl)
    problems.push(
      'REDIS_URL needs DATABASE_URL (PostgreSQL: every node shares keys, the request log and jobs)',
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
