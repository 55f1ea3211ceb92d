export { Match, forEachMatch, match, firstMatch, countMatches, isMatch } from './match.ts';
export type { Guard, Homomorphism, MatchOptions, MatchView, Nac, Pattern, PatternDirection, PatternEdge, PatternNode } from './pattern.ts';
export { LazyNode } from './lazy-node.ts';
