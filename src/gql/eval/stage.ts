import type { SourcePosition } from '../ast.ts';
import { withPos } from '../eval-errors.ts';
import type { Ctx, Row } from './context.ts';

/** A stage of the row pipeline. `push` returns false to stop the producer (LIMIT reached). */
export interface Sink {
  push(row: Row): boolean;
  /** No more rows: blocking stages (ORDER BY, aggregates, CREATE) emit now. */
  end(): void;
}

/** Builds one stage of a running query in front of `next`. */
export type StageFactory = (ctx: Ctx, next: Sink) => Sink;

/** A stage that maps each row to any number of rows, streaming. */
export function flatMapStage(fn: (row: Row, ctx: Ctx, emit: (row: Row) => boolean) => boolean): StageFactory {
  return (ctx, next) => {
    const emit = (r: Row): boolean => next.push(r);
    let stopped = false;
    return {
      push: (row) => {
        if (stopped) return false;
        if (!fn(row, ctx, emit)) stopped = true;
        return !stopped;
      },
      end: () => next.end(),
    };
  };
}

/** A stage whose run-time errors that nothing placed get `pos` (an updating clause's: they write per row anyway). */
export function placedStage(f: StageFactory, pos: SourcePosition): StageFactory {
  return (ctx, next) => {
    const s = f(ctx, next);
    return { push: (row) => withPos(pos, () => s.push(row)), end: () => withPos(pos, () => s.end()) };
  };
}
