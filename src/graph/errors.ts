/**
 * The one error base of Itonami. Every layer derives its own class from it;
 * callers test `code`, a stable string, never the message. Messages begin with
 * the entry point that failed (`Store.commit: ...`).
 */
export class ItonamiError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export type GraphErrorCode =
  | 'NODE_NOT_FOUND'
  | 'EDGE_NOT_FOUND'
  | 'DUPLICATE_ID'
  | 'DANGLING_EDGE'
  | 'INVALID_PROPERTY'
  | 'INVALID_ARGUMENT'
  | 'TX_NOT_FOUND'
  | 'TX_CLOSED'
  | 'CONFLICT'
  | 'CORRUPT_BLOCK'
  | 'BACKEND';

/** Errors of the graph store. */
export class GraphError extends ItonamiError {
  declare readonly code: GraphErrorCode;
  constructor(code: GraphErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** First committer wins: a commit since this transaction's base touched what it read or wrote. */
export class ConflictError extends GraphError {
  constructor(
    message: string,
    /** The TxId of the transaction's base. */
    readonly base: number,
    /** The committed TxId that conflicts. */
    readonly conflictingTx: number,
    /** Keys in common (`n:<id>`, `e:<id>`, `a:<node>`, `l:<label>`, `t:<type>`). */
    readonly keys: readonly string[],
  ) {
    super('CONFLICT', message);
  }
}
