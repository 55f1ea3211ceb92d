/**
 * The store used when `--store` is absent: `ITONAMI_STORE`, else this SQLite
 * file in the working directory (created by the first `run`). `memory` keeps
 * nothing after the command.
 */
export const DEFAULT_STORE = 'itonami.db';

export function defaultStore(): string {
  const env = process.env.ITONAMI_STORE;
  return env === undefined || env === '' ? DEFAULT_STORE : env;
}
