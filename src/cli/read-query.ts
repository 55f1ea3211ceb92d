import type { TxId } from '../graph/index.ts';
import { CliError } from './errors.ts';

/**
 * Checks a GQL query the CLI runs, before anything else runs: the CLI only
 * reads through GQL, and `--at-tx` and the query's own `AT TX` must agree.
 * Throws CliError USAGE (a syntax error is the parser's GqlSyntaxError).
 */
export async function checkReadQuery(command: string, gql: string, atTx: TxId | undefined): Promise<void> {
  const { prepare } = await import('../gql/index.ts');
  const prepared = prepare(gql);
  if (prepared.compiled.updating) throw new CliError('USAGE', `the query updates the graph (CREATE, SET, REMOVE, DELETE or MERGE): itonami ${command} only reads, it never writes through GQL`);
  const textAt = prepared.compiled.atTx;
  if (atTx !== undefined && textAt !== null && !('literal' in textAt && textAt.literal === atTx)) {
    throw new CliError('USAGE', `--at-tx ${atTx} and the query's own AT TX disagree: give the TxId once`);
  }
}
