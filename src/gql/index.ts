// The GQL layer: parse → compile (plan) → run over a graph view.
export { parse, parsePattern, parseExpression } from './parser/index.ts';
export { GqlError, GqlSyntaxError } from './errors.ts';
export type { GqlErrorCode, GqlSyntaxErrorDetails } from './errors.ts';
export {
  GqlEvalError,
  GqlSemanticError,
  GqlTypeError,
  GqlArgumentError,
  GqlUnknownFunctionError,
  GqlMissingParameterError,
  GqlArithmeticError,
  GqlUnsupportedError,
  GqlTxError,
  GqlDeletedEntityError,
  GqlConstraintError,
} from './eval-errors.ts';
export type { GqlEvalErrorCode, TckErrorType } from './eval-errors.ts';
export { query, execute, queryAt, prepare } from './query.ts';

// `store.at(tx).query(text, params)` runs through this layer once it is loaded.
import { setQueryEngine } from '../graph/index.ts';
import { query as runGql } from './query.ts';
setQueryEngine((view, text, params) => runGql(view, text, params as never));
export type { Params, QueryResult, ExecuteResult, PreparedQuery } from './query.ts';
export type { UpdateStats } from './eval/context.ts';
export type { PublicValue, PublicNode, PublicEdge, PublicPath } from './eval/values.ts';
