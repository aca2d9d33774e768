/**
 * The backends every store test runs against: SQLite in a temp dir always,
 * PostgreSQL in a throwaway cluster when the binaries are present (see
 * pg-cluster.ts for why and how). Without them the PostgreSQL half is skipped with the reason
 * printed, or fails under CI=true (describeWithTools in ../helpers/tools.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { pgUnavailableReason, startPgCluster, type PgCluster } from './pg-cluster.js';

export interface BackendInstance {
  config: { dataDir: string; databaseUrl?: string };
  open(): Promise<Store>;
  /** Reads a table bypassing the store, to check what is really on disk. */
  raw(sql: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Set when this backend cannot run here: why, and how to install what is missing. */
  skipReason: string | undefined;
  start(): Promise<void>;
  /** A fresh, empty database. */
  fresh(): Promise<BackendInstance>;
  stop(): Promise<void>;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'emothumb-store-'));
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  skipReason: undefined,
  async start() {},
  async fresh() {
    const dataDir = tempDir();
    return {
      config: { dataDir },
      open: () => openStore({ dataDir }),
      async raw(sql) {
        const db = new Database(join(dataDir, 'emothumb.db'), { readonly: true });
        try {
          return db.prepare(sql).all() as Record<string, unknown>[];
        } finally {
          db.close();
        }
      },
      async dispose() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
  async stop() {},
};

let cluster: PgCluster | undefined;

export const postgresBackend: Backend = {
  name: 'postgres',
  skipReason: pgUnavailableReason(),
  async start() {
    cluster ??= await startPgCluster();
  },
  async fresh() {
    if (!cluster) throw new Error('postgres backend not started');
    const databaseUrl = await cluster.createDatabase();
    const dataDir = tempDir();
    return {
      config: { dataDir, databaseUrl },
      open: () => openStore({ dataDir, databaseUrl }),
      async raw(sql) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          return (await client.query(sql)).rows as Record<string, unknown>[];
        } finally {
          await client.end();
        }
      },
      async dispose() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
  async stop() {
    await cluster?.stop();
    cluster = undefined;
  },
};

export const backends: Backend[] = [sqliteBackend, postgresBackend];
