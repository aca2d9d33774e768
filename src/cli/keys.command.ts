import { type Command, InvalidArgumentError } from 'commander';
import { openStore, type StoreConfig } from '../store/index.js';
import type { ApiKeyRecord, Store } from '../store/types.js';
import { processIo, type CommandIo } from './command-io.js';

function clientId(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > 200) {
    throw new InvalidArgumentError('a client id is 1-200 characters.');
  }
  return trimmed;
}

/**
 * `keys create | list | revoke`: manage API keys in the same store the server
 * uses (SQLite in DATA_DIR, or DATABASE_URL). Safe while the server runs.
 *
 * @example
 * emothumb keys create --client journal-app --label "iOS build"
 * emothumb keys list --json
 * emothumb keys revoke key_0123456789abcdef
 */
export function registerKeysCommand(
  program: Command,
  loadConfig: () => StoreConfig,
  io: CommandIo = processIo,
): void {
  const withStore = async <T>(fn: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openStore(loadConfig());
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  const keys = program
    .command('keys')
    .description('Create, list and revoke API keys (only their hashes are stored)');

  keys
    .command('create')
    .description('Create a key and print it once; it cannot be shown again')
    .option(
      '--client <id>',
      'client id the key belongs to: its requests are logged under it, it sees only them',
      clientId,
    )
    .option('--label <text>', 'free-form note, e.g. which app uses it')
    .option('--admin', 'an admin key: sees every log entry (no client id)')
    .option('--json', 'print {id, key, ...} as JSON')
    .action(async (opts: { client?: string; label?: string; admin?: boolean; json?: boolean }) => {
      if (opts.admin && opts.client !== undefined) {
        io.err('error: an admin key has no client id; use either --admin or --client <id>\n');
        process.exitCode = 2;
        return;
      }
      if (!opts.admin && opts.client === undefined) {
        io.err('error: give --client <id> for a client key, or --admin for an admin key\n');
        process.exitCode = 2;
        return;
      }
      const { record, key } = await withStore((store) =>
        store.keys.create({
          role: opts.admin ? 'admin' : 'client',
          client_id: opts.admin ? null : (opts.client ?? null),
          label: opts.label ?? null,
        }),
      );
      if (opts.json) {
        io.out(`${JSON.stringify({ ...record, key })}\n`);
        return;
      }
      io.out(
        `Created ${record.role} key ${record.id}` +
          (record.client_id !== null ? ` for client "${record.client_id}"` : '') +
          `.\nKey (shown only now; store it safely):\n\n  ${key}\n\n`,
      );
    });

  keys
    .command('list')
    .description('List keys (never the keys themselves)')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const records = await withStore((store) => store.keys.list());
      io.out(opts.json ? `${JSON.stringify(records, null, 2)}\n` : formatTable(records));
    });

  keys
    .command('revoke')
    .description('Revoke a key by its id (see "keys list"); it stops working at once')
    .argument('<id>', 'key id, e.g. key_0123456789abcdef')
    .action(async (id: string) => {
      const result = await withStore(async (store) => {
        if (await store.keys.revoke(id)) return 'revoked';
        return (await store.keys.list()).some((k) => k.id === id) ? 'already' : 'missing';
      });
      if (result === 'revoked') io.out(`Revoked ${id}.\n`);
      else if (result === 'already') io.out(`${id} was already revoked.\n`);
      else {
        io.err(`error: no key with id ${id}\n`);
        process.exitCode = 1;
      }
    });
}

export function formatTable(records: ApiKeyRecord[]): string {
  if (records.length === 0) return 'No keys.\n';
  const header = ['ID', 'ROLE', 'CLIENT', 'LABEL', 'CREATED', 'REVOKED'];
  const rows = records.map((r) => [
    r.id,
    r.role,
    r.client_id ?? '-',
    r.label ?? '-',
    r.created_at,
    r.revoked_at ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}
