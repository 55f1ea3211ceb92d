import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import type { Action } from './common.ts';

export function workerCommand(program: Command, action: Action): void {
  program
    .command('worker')
    .description('join a cluster of nodes sharing one PostgreSQL database (distributed mode; not available yet)')
    .option('--db <url>', 'postgres://... connection URL')
    .action(() =>
      action(async () => {
        throw new CliError('NOT_AVAILABLE', 'itonami worker: not available yet: distributed mode needs the PostgreSQL backend, which this build does not have');
      }),
    );
}
