/**
 * `npm run tck [-- <features dir>] [--verbose] [--write-passing]`: runs every
 * scenario of a TCK-shaped directory, prints per-file counts and a last line
 * `N passed, N failed`. `--write-passing` rewrites test/tck/passing.txt.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultFeaturesDir, passingFile, runAll } from './tck-lib.ts';
import type { ScenarioResult } from './tck-lib.ts';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const write = args.includes('--write-passing');
const dirArg = args.find((a) => !a.startsWith('--'));
const dir = dirArg === undefined ? defaultFeaturesDir : resolve(process.cwd(), dirArg);

const results = runAll(dir);
const byFile = new Map<string, ScenarioResult[]>();
for (const r of results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
for (const [file, rs] of byFile) {
  const ok = rs.filter((r) => r.passed).length;
  console.log(`${file}: ${ok} passed, ${rs.length - ok} failed`);
  if (verbose) for (const r of rs) if (!r.passed) console.log(`  FAIL ${r.id}\n    ${(r.message ?? '').split('\n').join('\n    ')}`);
}
if (write) {
  writeFileSync(passingFile, results.filter((r) => r.passed).map((r) => r.id).join('\n') + '\n');
  console.log(`wrote ${passingFile}`);
}
const passed = results.filter((r) => r.passed).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
