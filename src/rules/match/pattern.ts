import type { EdgeRecord, Json, NodeRecord } from '../../graph/index.ts';

/**
 * The pattern IR of the one matcher. A rule's left-hand side and a GQL MATCH
 * both compile to it. Variables name every element; an element without a
 * user-visible name still needs a unique (generated) variable.
 */
export interface Pattern {
  readonly nodes: readonly PatternNode[];
  readonly edges?: readonly PatternEdge[];
  /**
   * 'injective' (default; rules): distinct pattern nodes map to distinct graph
   * nodes and distinct pattern edges to distinct edges, except the pairs in
   * `mayCoincide`. 'cypher' (GQL): node-homomorphic, edge-injective.
   */
  readonly homomorphism?: Homomorphism;
  /** Pairs of variables (both nodes or both edges) that may match the same element. */
  readonly mayCoincide?: readonly (readonly [string, string])[];
  /** Predicates over bound variables, checked as soon as all their `vars` are bound. */
  readonly guards?: readonly Guard[];
  /** Negative application conditions: sub-patterns that must not extend the match. */
  readonly nacs?: readonly Nac[];
}

export type Homomorphism = 'injective' | 'cypher';

export interface PatternNode {
  readonly var: string;
  /** Labels the node must all carry. */
  readonly labels?: readonly string[];
  /** An arbitrary test over the (sorted) label list, e.g. a GQL label expression. */
  readonly labelTest?: (labels: readonly string[]) => boolean;
  /** Properties the node must have, compared by JSON equality. */
  readonly props?: { readonly [key: string]: Json };
  /** An arbitrary filter on the candidate node. */
  readonly where?: (node: NodeRecord) => boolean;
  /**
   * A property equality whose value is known only when the search starts (a
   * query parameter): a hint, not a constraint. A search that starts at this
   * node may take its candidates from the property index; every node with
   * `key` equal (as JSON) to `value()` must pass the pattern's other tests,
   * which enforce the equality (`undefined`: no hint this time).
   */
  readonly lookup?: { readonly key: string; readonly value: () => Json | undefined };
}

/**
 * 'out': src -> dst; 'in': dst -> src (the edge points at `src`); 'either':
 * one of the two (a self-loop matches once).
 */
export type PatternDirection = 'out' | 'in' | 'either';

export interface PatternEdge {
  readonly var: string;
  readonly src: string;
  readonly dst: string;
  /** Default 'out'. */
  readonly direction?: PatternDirection;
  /** Any of these types; any type when absent. */
  readonly types?: readonly string[];
  readonly props?: { readonly [key: string]: Json };
  readonly where?: (edge: EdgeRecord) => boolean;
  /**
   * Variable length (GQL `*1..3`): the variable binds a path, a list of
   * pairwise distinct edges each satisfying types/props/where. `max` null is
   * unbounded. Not allowed in rules.
   */
  readonly length?: { readonly min: number; readonly max: number | null };
}

export interface Guard {
  /** The variables the test reads; it runs once all are bound (vars of an enclosing match included). */
  readonly vars: readonly string[];
  readonly test: (m: MatchView) => boolean;
}

/**
 * A NAC: nodes and edges that, together with the match, must not be found.
 * Variables also present in the enclosing pattern refer to its bindings
 * (constraints given here are added to them); the others are existential.
 * In 'injective' mode the new elements must also be distinct from every
 * element of the match, except pairs listed in `mayCoincide`.
 */
export interface Nac {
  readonly nodes?: readonly PatternNode[];
  readonly edges?: readonly PatternEdge[];
  readonly guards?: readonly Guard[];
  readonly mayCoincide?: readonly (readonly [string, string])[];
}

/** Read access to a (possibly partial) match. */
export interface MatchView {
  node(variable: string): NodeRecord;
  edge(variable: string): EdgeRecord;
  /** The path bound by a variable-length edge. */
  path(variable: string): readonly EdgeRecord[];
  /** Whether `variable` is bound (to a node, edge or path). */
  has(variable: string): boolean;
}

export interface MatchOptions {
  /** Stop after this many matches. */
  readonly limit?: number;
  /** Start bindings: variable -> element id (nodes and fixed-length edges). */
  readonly bindings?: { readonly [variable: string]: string };
}
