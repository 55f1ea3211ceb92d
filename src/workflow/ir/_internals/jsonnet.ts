import { createRequire } from 'node:module';

/**
 * The part of `@hanazuki/node-jsonnet` the loader uses. The package's `exports` map has
 * no `types` condition, so under NodeNext resolution TypeScript cannot see its bundled
 * declarations; we load the CommonJS entry and type it here instead of declaring an
 * ambient module that would leak into the whole project.
 */
export interface JsonnetVm {
  extString(key: string, value: string): this;
  extCode(key: string, value: string): this;
  tlaString(key: string, value: string): this;
  tlaCode(key: string, value: string): this;
  addJpath(path: string): this;
  evaluateFile(filename: string): Promise<string>;
  evaluateSnippet(snippet: string, filename?: string): Promise<string>;
}

interface JsonnetModule {
  Jsonnet: new () => JsonnetVm;
  JsonnetError: new (...args: unknown[]) => Error;
}

const mod = createRequire(import.meta.url)('@hanazuki/node-jsonnet') as JsonnetModule;

export function newJsonnet(): JsonnetVm {
  return new mod.Jsonnet();
}
