import { CstParser, EOF } from 'chevrotain';
import type { IToken, OrMethodOpts, TokenType } from 'chevrotain';
import * as T from './lexer.ts';
import { errorMessageProvider } from './syntax-error.ts';

const listPredicateNames = new Set(['all', 'any', 'none', 'single']);

function isName(t: IToken): boolean {
  return t.tokenType === T.Identifier || t.tokenType === T.EscapedIdentifier;
}

function isWord(t: IToken, word: string): boolean {
  return t.tokenType === T.Identifier && t.image.toLowerCase() === word;
}

const opening = new Set<TokenType>([T.LParen, T.LBracket, T.LBrace]);
const closing = new Set<TokenType>([T.RParen, T.RBracket, T.RBrace]);

/**
 * The concrete grammar (openCypher shape with the GQL additions listed in
 * DESIGN.md §3). Produces a chevrotain CST; `to-ast.ts` turns it into the AST.
 * Operators of one precedence level are collected under the label `op` so that
 * their order survives in the CST.
 */
export class GqlGrammar extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: false, maxLookahead: 3, nodeLocationTracking: 'full', errorMessageProvider });
    this.performSelfAnalysis();
  }

  // ------------------------------------------------------------ lookahead helpers

  /** `( … )` followed by `-[`, `--`, `<-[` or `<--`: a relationship pattern, not a parenthesised expression. */
  private looksLikePattern(): boolean {
    let i = 1;
    let depth = 0;
    for (;;) {
      const t = this.LA(i);
      if (t.tokenType === EOF) return false;
      if (opening.has(t.tokenType)) depth++;
      else if (closing.has(t.tokenType)) depth--;
      if (depth === 0) break;
      i++;
    }
    const a = this.LA(i + 1).tokenType;
    const b = this.LA(i + 2).tokenType;
    if (a === T.Minus) return b === T.LBracket || b === T.Minus;
    if (a === T.Less && b === T.Minus) {
      const c = this.LA(i + 3).tokenType;
      return c === T.LBracket || c === T.Minus;
    }
    return false;
  }

  /** `name(` or `ns.name(`. */
  private looksLikeFunction(): boolean {
    if (!isName(this.LA(1))) return false;
    let i = 1;
    while (this.LA(i + 1).tokenType === T.Dot && this.LA(i + 2).tokenType !== EOF) i += 2;
    return this.LA(i + 1).tokenType === T.LParen;
  }

  // ------------------------------------------------------------ query

  query = this.RULE('query', () => {
    this.OPTION({ GATE: () => isWord(this.LA(1), 'at') && isWord(this.LA(2), 'tx'), DEF: () => this.SUBRULE(this.atTx) });
    this.SUBRULE(this.singleQuery);
    this.MANY(() => this.SUBRULE(this.unionPart));
    this.OPTION2(() => this.CONSUME(T.Semicolon));
  });

  atTx = this.RULE('atTx', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME2(T.Identifier);
    this.OR([{ ALT: () => this.SUBRULE(this.integer) }, { ALT: () => this.CONSUME(T.Parameter) }]);
  });

  unionPart = this.RULE('unionPart', () => {
    this.CONSUME(T.Union);
    this.OPTION(() => this.CONSUME(T.All));
    this.SUBRULE(this.singleQuery);
  });

  singleQuery = this.RULE('singleQuery', () => {
    this.AT_LEAST_ONE(() => this.SUBRULE(this.clause));
  });

  clause = this.RULE('clause', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.matchClause) },
      { ALT: () => this.SUBRULE(this.withClause) },
      { ALT: () => this.SUBRULE(this.unwindClause) },
      { ALT: () => this.SUBRULE(this.returnClause) },
      { ALT: () => this.SUBRULE(this.createClause) },
      { ALT: () => this.SUBRULE(this.mergeClause) },
      { ALT: () => this.SUBRULE(this.setClause) },
      { ALT: () => this.SUBRULE(this.removeClause) },
      { ALT: () => this.SUBRULE(this.deleteClause) },
    ]);
  });

  matchClause = this.RULE('matchClause', () => {
    this.OPTION(() => this.CONSUME(T.Optional));
    this.CONSUME(T.Match);
    this.SUBRULE(this.graphPattern);
    this.OPTION2(() => this.SUBRULE(this.whereClause));
  });

  whereClause = this.RULE('whereClause', () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.expression);
  });

  withClause = this.RULE('withClause', () => {
    this.CONSUME(T.With);
    this.SUBRULE(this.projectionBody);
    this.OPTION(() => this.SUBRULE(this.whereClause));
  });

  returnClause = this.RULE('returnClause', () => {
    this.CONSUME(T.Return);
    this.SUBRULE(this.projectionBody);
  });

  projectionBody = this.RULE('projectionBody', () => {
    // `RETURN all(x IN xs WHERE p)` starts with a list predicate, not with the quantifier ALL.
    this.OPTION({
      GATE: () => this.LA(1).tokenType !== T.All || this.LA(2).tokenType !== T.LParen,
      DEF: () => this.OR([{ ALT: () => this.CONSUME(T.Distinct) }, { ALT: () => this.CONSUME(T.All) }]),
    });
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(T.Star);
          this.MANY(() => {
            this.CONSUME(T.Comma);
            this.SUBRULE(this.returnItem);
          });
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.returnItem);
          this.MANY2(() => {
            this.CONSUME2(T.Comma);
            this.SUBRULE3(this.returnItem);
          });
        },
      },
    ]);
    this.OPTION2(() => this.SUBRULE(this.orderBy));
    this.OPTION3(() => this.SUBRULE(this.skipClause));
    this.OPTION4(() => this.SUBRULE(this.limitClause));
  });

  returnItem = this.RULE('returnItem', () => {
    this.SUBRULE(this.expression);
    this.OPTION(() => {
      this.CONSUME(T.As);
      this.SUBRULE(this.variable);
    });
  });

  orderBy = this.RULE('orderBy', () => {
    this.CONSUME(T.Order);
    this.CONSUME(T.By);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.sortItem) });
  });

  sortItem = this.RULE('sortItem', () => {
    this.SUBRULE(this.expression);
    this.OPTION(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Asc, { LABEL: 'ordering' }) },
        { ALT: () => this.CONSUME(T.Ascending, { LABEL: 'ordering' }) },
        { ALT: () => this.CONSUME(T.Desc, { LABEL: 'ordering' }) },
        { ALT: () => this.CONSUME(T.Descending, { LABEL: 'ordering' }) },
      ]),
    );
  });

  skipClause = this.RULE('skipClause', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Skip) }, { ALT: () => this.CONSUME(T.Offset) }]);
    this.SUBRULE(this.expression);
  });

  limitClause = this.RULE('limitClause', () => {
    this.CONSUME(T.Limit);
    this.SUBRULE(this.expression);
  });

  unwindClause = this.RULE('unwindClause', () => {
    this.CONSUME(T.Unwind);
    this.SUBRULE(this.expression);
    this.CONSUME(T.As);
    this.SUBRULE(this.variable);
  });

  createClause = this.RULE('createClause', () => {
    this.CONSUME(T.Create);
    this.SUBRULE(this.graphPattern);
  });

  mergeClause = this.RULE('mergeClause', () => {
    this.CONSUME(T.Merge);
    this.SUBRULE(this.pathPattern);
    this.MANY(() => this.SUBRULE(this.mergeAction));
  });

  mergeAction = this.RULE('mergeAction', () => {
    this.CONSUME(T.On);
    this.OR([{ ALT: () => this.CONSUME(T.Match, { LABEL: 'when' }) }, { ALT: () => this.CONSUME(T.Create, { LABEL: 'when' }) }]);
    this.CONSUME(T.SetKw);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.setItem) });
  });

  setClause = this.RULE('setClause', () => {
    this.CONSUME(T.SetKw);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.setItem) });
  });

  setItem = this.RULE('setItem', () => {
    this.SUBRULE(this.variable);
    this.OR([
      {
        ALT: () => {
          this.AT_LEAST_ONE(() => {
            this.CONSUME(T.Dot);
            this.SUBRULE(this.symbolicName, { LABEL: 'property' });
          });
          this.CONSUME(T.Equals, { LABEL: 'assign' });
          this.SUBRULE(this.expression);
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.Equals, { LABEL: 'assign' });
          this.SUBRULE2(this.expression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.PlusEquals, { LABEL: 'assign' });
          this.SUBRULE3(this.expression);
        },
      },
      {
        ALT: () =>
          this.AT_LEAST_ONE2(() => {
            this.CONSUME(T.Colon);
            this.SUBRULE2(this.symbolicName, { LABEL: 'label' });
          }),
      },
    ]);
  });

  removeClause = this.RULE('removeClause', () => {
    this.CONSUME(T.Remove);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.removeItem) });
  });

  removeItem = this.RULE('removeItem', () => {
    this.SUBRULE(this.variable);
    this.OR([
      {
        ALT: () =>
          this.AT_LEAST_ONE(() => {
            this.CONSUME(T.Dot);
            this.SUBRULE(this.symbolicName, { LABEL: 'property' });
          }),
      },
      {
        ALT: () =>
          this.AT_LEAST_ONE2(() => {
            this.CONSUME(T.Colon);
            this.SUBRULE2(this.symbolicName, { LABEL: 'label' });
          }),
      },
    ]);
  });

  deleteClause = this.RULE('deleteClause', () => {
    this.OPTION(() => this.CONSUME(T.Detach));
    this.CONSUME(T.Delete);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
  });

  // ------------------------------------------------------------ patterns

  graphPattern = this.RULE('graphPattern', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.pathPattern) });
  });

  pathPattern = this.RULE('pathPattern', () => {
    this.OPTION(() => {
      this.SUBRULE(this.variable);
      this.CONSUME(T.Equals);
    });
    this.SUBRULE(this.nodePattern);
    this.MANY(() => {
      this.SUBRULE(this.edgePattern);
      this.SUBRULE2(this.nodePattern);
    });
  });

  /** A path with at least one edge, used as a boolean expression. */
  relationshipsPattern = this.RULE('relationshipsPattern', () => {
    this.SUBRULE(this.nodePattern);
    this.AT_LEAST_ONE(() => {
      this.SUBRULE(this.edgePattern);
      this.SUBRULE2(this.nodePattern);
    });
  });

  nodePattern = this.RULE('nodePattern', () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.variable));
    this.OPTION2(() => this.SUBRULE(this.labelSpec));
    this.OPTION3(() => this.SUBRULE(this.properties));
    this.OPTION4(() => {
      this.CONSUME(T.Where);
      this.SUBRULE(this.expression);
    });
    this.CONSUME(T.RParen);
  });

  edgePattern = this.RULE('edgePattern', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Less, { LABEL: 'leftHead' });
          this.CONSUME(T.Minus);
          this.OPTION(() => this.SUBRULE(this.edgeDetail));
          this.CONSUME2(T.Minus);
          this.OPTION2(() => this.CONSUME(T.Greater, { LABEL: 'rightHead' }));
        },
      },
      {
        ALT: () => {
          this.CONSUME3(T.Minus);
          this.OPTION3(() => this.SUBRULE2(this.edgeDetail));
          this.CONSUME4(T.Minus);
          this.OPTION4(() => this.CONSUME2(T.Greater, { LABEL: 'rightHead' }));
        },
      },
    ]);
    this.OPTION5(() => this.SUBRULE(this.gqlQuantifier));
  });

  edgeDetail = this.RULE('edgeDetail', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => this.SUBRULE(this.variable));
    this.OPTION2(() => this.SUBRULE(this.labelSpec));
    this.OPTION3(() => this.SUBRULE(this.varLength));
    this.OPTION4(() => this.SUBRULE(this.properties));
    this.OPTION5(() => {
      this.CONSUME(T.Where);
      this.SUBRULE(this.expression);
    });
    this.CONSUME(T.RBracket);
  });

  /** Cypher `*`, `*2`, `*1..3`, `*..3`, `*2..`. */
  varLength = this.RULE('varLength', () => {
    this.CONSUME(T.Star);
    this.OPTION(() => this.SUBRULE(this.integer, { LABEL: 'min' }));
    this.OPTION2(() => {
      this.CONSUME(T.DotDot);
      this.OPTION3(() => this.SUBRULE2(this.integer, { LABEL: 'max' }));
    });
  });

  /** GQL `{2}`, `{1,3}`, `{,3}`, `{2,}`, `+`, `*` after an edge pattern. */
  gqlQuantifier = this.RULE('gqlQuantifier', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          this.OPTION(() => this.SUBRULE(this.integer, { LABEL: 'min' }));
          this.OPTION2(() => {
            this.CONSUME(T.Comma);
            this.OPTION3(() => this.SUBRULE2(this.integer, { LABEL: 'max' }));
          });
          this.CONSUME(T.RBrace);
        },
      },
      { ALT: () => this.CONSUME(T.Plus) },
      { ALT: () => this.CONSUME(T.Star) },
    ]);
  });

  labelSpec = this.RULE('labelSpec', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Colon) }, { ALT: () => this.CONSUME(T.Is) }]);
    this.SUBRULE(this.labelExpression);
  });

  labelExpression = this.RULE('labelExpression', () => {
    this.SUBRULE(this.labelTerm);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.OPTION(() => this.CONSUME(T.Colon));
      this.SUBRULE2(this.labelTerm);
    });
  });

  /** `A&B` and Cypher's `A:B` are both conjunctions. */
  labelTerm = this.RULE('labelTerm', () => {
    this.SUBRULE(this.labelFactor);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Ampersand) }, { ALT: () => this.CONSUME(T.Colon) }]);
      this.SUBRULE2(this.labelFactor);
    });
  });

  labelFactor = this.RULE('labelFactor', () => {
    this.MANY(() => this.CONSUME(T.Bang));
    this.SUBRULE(this.labelPrimary);
  });

  labelPrimary = this.RULE('labelPrimary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.symbolicName) },
      { ALT: () => this.CONSUME(T.Percent) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.labelExpression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  properties = this.RULE('properties', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.mapLiteral) }, { ALT: () => this.CONSUME(T.Parameter) }]);
  });

  // ------------------------------------------------------------ expressions

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.xorExpression);
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: 'op' });
      this.SUBRULE2(this.xorExpression);
    });
  });

  xorExpression = this.RULE('xorExpression', () => {
    this.SUBRULE(this.andExpression);
    this.MANY(() => {
      this.CONSUME(T.Xor, { LABEL: 'op' });
      this.SUBRULE2(this.andExpression);
    });
  });

  andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.notExpression);
    this.MANY(() => {
      this.CONSUME(T.And, { LABEL: 'op' });
      this.SUBRULE2(this.notExpression);
    });
  });

  notExpression = this.RULE('notExpression', () => {
    this.MANY(() => this.CONSUME(T.Not, { LABEL: 'op' }));
    this.SUBRULE(this.comparisonExpression);
  });

  comparisonExpression = this.RULE('comparisonExpression', () => {
    this.SUBRULE(this.predicateExpression);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Equals, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.NotEquals, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Less, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.LessEquals, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Greater, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.GreaterEquals, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.predicateExpression);
    });
  });

  predicateExpression = this.RULE('predicateExpression', () => {
    this.SUBRULE(this.additiveExpression);
    this.MANY(() => this.SUBRULE(this.predicateSuffix, { LABEL: 'op' }));
  });

  predicateSuffix = this.RULE('predicateSuffix', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Is);
          this.OPTION(() => this.CONSUME(T.Not));
          this.CONSUME(T.Null);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.In);
          this.SUBRULE(this.additiveExpression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Starts);
          this.CONSUME(T.With);
          this.SUBRULE2(this.additiveExpression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Ends);
          this.CONSUME2(T.With);
          this.SUBRULE3(this.additiveExpression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Contains);
          this.SUBRULE4(this.additiveExpression);
        },
      },
    ]);
  });

  additiveExpression = this.RULE('additiveExpression', () => {
    this.SUBRULE(this.multiplicativeExpression);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) }]);
      this.SUBRULE2(this.multiplicativeExpression);
    });
  });

  multiplicativeExpression = this.RULE('multiplicativeExpression', () => {
    this.SUBRULE(this.powerExpression);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Percent, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.powerExpression);
    });
  });

  /** Left-associative, as in openCypher. */
  powerExpression = this.RULE('powerExpression', () => {
    this.SUBRULE(this.unaryExpression);
    this.MANY(() => {
      this.CONSUME(T.Caret, { LABEL: 'op' });
      this.SUBRULE2(this.unaryExpression);
    });
  });

  /** Unary signs bind tighter than `^` (openCypher: `-3 ^ 2` is 9). */
  unaryExpression = this.RULE('unaryExpression', () => {
    this.MANY(() =>
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) }]),
    );
    this.SUBRULE(this.postfixExpression);
  });

  postfixExpression = this.RULE('postfixExpression', () => {
    this.SUBRULE(this.atom);
    this.MANY(() => this.SUBRULE(this.postfixOp, { LABEL: 'op' }));
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.labelTerm);
    });
  });

  /** `.key`, `[i]` or `[from..to]`. */
  postfixOp = this.RULE('postfixOp', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.SUBRULE(this.symbolicName);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'from' }));
          this.OPTION2(() => {
            this.CONSUME(T.DotDot);
            this.OPTION3(() => this.SUBRULE2(this.expression, { LABEL: 'to' }));
          });
          this.CONSUME(T.RBracket);
        },
      },
    ]);
  });

  // Built once: the atom rule runs for every operand, and rebuilding 16 closures per call shows in profiles.
  private atomAlternatives: OrMethodOpts<unknown> | undefined;

  atom = this.RULE('atom', () => {
    this.OR((this.atomAlternatives ??= {
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.SUBRULE(this.integer) },
        { ALT: () => this.CONSUME(T.FloatLiteral) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.CONSUME(T.Null) },
        { ALT: () => this.CONSUME(T.Parameter) },
        { ALT: () => this.SUBRULE(this.caseExpression) },
        {
          GATE: () => isName(this.LA(2)) && this.LA(3).tokenType === T.In,
          ALT: () => this.SUBRULE(this.listComprehension),
        },
        { ALT: () => this.SUBRULE(this.listLiteral) },
        { ALT: () => this.SUBRULE(this.mapLiteral) },
        {
          GATE: () => this.looksLikePattern() && this.BACKTRACK(this.relationshipsPattern).call(this),
          ALT: () => this.SUBRULE(this.relationshipsPattern),
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.expression);
            this.CONSUME(T.RParen);
          },
        },
        {
          GATE: () =>
            listPredicateNames.has(this.LA(1).image.toLowerCase()) && isName(this.LA(3)) && this.LA(4).tokenType === T.In,
          ALT: () => this.SUBRULE(this.listPredicate),
        },
        { GATE: () => this.looksLikeFunction(), ALT: () => this.SUBRULE(this.functionCall) },
        { ALT: () => this.SUBRULE(this.variable) },
      ],
    }));
  });

  integer = this.RULE('integer', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.DecimalInteger) },
      { ALT: () => this.CONSUME(T.HexInteger) },
      { ALT: () => this.CONSUME(T.OctInteger) },
    ]);
  });

  caseExpression = this.RULE('caseExpression', () => {
    this.CONSUME(T.Case);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'operand' }));
    this.AT_LEAST_ONE(() => this.SUBRULE(this.caseWhen));
    this.OPTION2(() => {
      this.CONSUME(T.Else);
      this.SUBRULE2(this.expression, { LABEL: 'else' });
    });
    this.CONSUME(T.End);
  });

  caseWhen = this.RULE('caseWhen', () => {
    this.CONSUME(T.When);
    this.SUBRULE(this.expression, { LABEL: 'when' });
    this.CONSUME(T.Then);
    this.SUBRULE2(this.expression, { LABEL: 'then' });
  });

  listLiteral = this.RULE('listLiteral', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
    this.CONSUME(T.RBracket);
  });

  mapLiteral = this.RULE('mapLiteral', () => {
    this.CONSUME(T.LBrace);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.mapEntry) });
    this.CONSUME(T.RBrace);
  });

  mapEntry = this.RULE('mapEntry', () => {
    this.SUBRULE(this.symbolicName);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });

  listComprehension = this.RULE('listComprehension', () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.variable);
    this.CONSUME(T.In);
    this.SUBRULE(this.expression, { LABEL: 'source' });
    this.OPTION(() => {
      this.CONSUME(T.Where);
      this.SUBRULE2(this.expression, { LABEL: 'where' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE3(this.expression, { LABEL: 'projection' });
    });
    this.CONSUME(T.RBracket);
  });

  listPredicate = this.RULE('listPredicate', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'quantifier' }) },
      { ALT: () => this.CONSUME(T.All, { LABEL: 'quantifier' }) },
    ]);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.variable);
    this.CONSUME(T.In);
    this.SUBRULE(this.expression, { LABEL: 'source' });
    this.OPTION(() => {
      this.CONSUME(T.Where);
      this.SUBRULE2(this.expression, { LABEL: 'where' });
    });
    this.CONSUME(T.RParen);
  });

  functionCall = this.RULE('functionCall', () => {
    this.SUBRULE(this.variable, { LABEL: 'head' });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.SUBRULE(this.symbolicName, { LABEL: 'tail' });
    });
    this.CONSUME(T.LParen);
    this.OR([
      { ALT: () => this.CONSUME(T.Star) },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Distinct));
          this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'arg' }) });
        },
      },
    ]);
    this.CONSUME(T.RParen);
  });

  variable = this.RULE('variable', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.EscapedIdentifier) }]);
  });

  /** A name where keywords are also allowed: labels, types, property keys, map keys. */
  symbolicName = this.RULE('symbolicName', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.EscapedIdentifier) },
      { ALT: () => this.CONSUME(T.Keyword) },
    ]);
  });

  // ------------------------------------------------------------ entry points for fragments

  patternList = this.RULE('patternList', () => {
    this.SUBRULE(this.graphPattern);
  });

  standaloneExpression = this.RULE('standaloneExpression', () => {
    this.SUBRULE(this.expression);
  });
}
