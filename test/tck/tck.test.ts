import { describe, expect, it } from 'vitest';
import { defaultFeaturesDir, loadScenarios, readPassing, runScenario } from './tck-lib.ts';

const passing = readPassing();
const scenarios = new Map(loadScenarios(defaultFeaturesDir).map((s) => [s.id, s]));

describe('openCypher TCK (scenarios listed in test/tck/passing.txt)', () => {
  it('lists only scenarios that exist', () => {
    expect(passing.filter((id) => !scenarios.has(id))).toEqual([]);
    expect(passing.length).toBeGreaterThan(800);
  });

  it('passes every listed scenario', () => {
    const failures: string[] = [];
    for (const id of passing) {
      const s = scenarios.get(id);
      if (s === undefined) continue;
      const r = runScenario(s, defaultFeaturesDir);
      if (!r.passed) failures.push(`${id}\n  ${r.message}`);
    }
    expect(failures).toEqual([]);
  });
});
