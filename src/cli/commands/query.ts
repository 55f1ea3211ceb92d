import type { Command } from 'commander';
import { Option } from 'commander';
import { CliError } from '../errors.ts';
import { checkReadQuery } from '../read-query.ts';
import { ExitCode } from '../exit-codes.ts';
import { FORMATS, render } from '../format.ts';
import type { Format } from '../format.ts';
import { parseJsonArg, parseTxArg } from '../json-arg.ts';
import { writeOut } from '../output.ts';
import { openPersistent, storeOption } from './common.ts';
import type { Action, StoreOptions } from './common.ts';

export function queryCommand(program: Command, action: Action): void {
  storeOption(
    program
      .command('query')
      .description('run a read-only GQL query over the store, at the head or at a past TxId')
      .argument('<gql>', 'the query (a leading "AT TX n" also selects the version)')
      .option('--at-tx <n>', 'read the version of this TxId (default: the head)')
      .option('-p, --params <json|@file>', 'query parameters ($name), a JSON object')
      .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
      .addHelpText(
        'after',
        `
Examples:
  itonami query --store run.db 'MATCH (e:Execution) RETURN id(e), e.status'
  itonami query --store run.db --at-tx 5 'MATCH (:Execution)-[:OWNS]->(t:Token)-[:AT]->(s:Step) RETURN s.path, t.phase'
  itonami query --store run.db 'MATCH (k:Task) WHERE k.activity_ref = $a RETURN k' -p '{"a":"fraud_check"}' --format json
See docs/execution-graph.md for the labels and properties of the execution graph.`,
      ),
  ).action((gql: string, opts: StoreOptions & { atTx?: string; params?: string; format: Format }) =>
    action(async () => {
      const at = opts.atTx === undefined ? undefined : parseTxArg('--at-tx', opts.atTx);
      const params = opts.params === undefined ? {} : parseJsonArg('--params', opts.params);
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new CliError('USAGE', '--params: expected a JSON object');
      const { queryAt } = await import('../../gql/index.ts');
      await checkReadQuery('query', gql, at); // reported before the store is opened
      const engine = await openPersistent('query', opts);
      if (at !== undefined && at > engine.store.headTx) {
        await engine.close();
        throw new CliError('USAGE', `--at-tx ${at}: no such TxId (the store's head is ${engine.store.headTx})`);
      }
      const r = queryAt(engine.store, at ?? engine.store.headTx, gql, params as Record<string, unknown>);
      await writeOut(render(opts.format, r.columns, r.rows));
      await engine.close();
      return ExitCode.OK;
    }),
  );
}
