/** Writes that finish before the process exits (a pipe may be slower than `process.exit`). */
export function writeOut(text: string): Promise<void> {
  return write(process.stdout, text);
}

export function writeErr(text: string): Promise<void> {
  return write(process.stderr, text);
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve) => {
    stream.write(text, () => resolve());
  });
}
