import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import type { Action } from './common.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The benchmarks in benchmarks/ (as `npm run bench -- <name>` knows them). */
export function benchNames(): string[] {
  const dir = join(ROOT, 'benchmarks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.startsWith('_') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
}

export function benchCommand(program: Command, action: Action): void {
  program
    .command('bench')
    .description(`run a benchmark from benchmarks/ (same as npm run bench -- <name>): ${benchNames().join(', ')}`)
    .argument('<name>', 'benchmark name')
    .argument('[args...]', 'arguments for the benchmark (e.g. --scale 0.1)')
    .allowUnknownOption()
    .action((name: string, args: string[]) =>
      action(async () => {
        if (!benchNames().includes(name)) throw new CliError('USAGE', `itonami bench: no benchmark "${name}" (one of: ${benchNames().join(', ')})`);
        const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--max-old-space-size=16384', join(ROOT, 'benchmarks', 'run.ts'), name, ...args], { cwd: ROOT, stdio: 'inherit' });
        return await new Promise<number>((resolve) => {
          child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 5 : 128 + 2)));
        });
      }),
    );
}
