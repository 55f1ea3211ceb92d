import type { WorkflowEngine } from '../workflow/index.ts';
import { activitySummary, currentSteps, stepLabel } from './events-view.ts';
import { formatElapsed } from './format.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Live progress of one execution on a terminal (stderr): current steps,
 * activities running and done, retries, elapsed time. Redraws a few lines in
 * place every 100 ms; `stop()` erases them.
 */
export class Progress {
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawn = 0;
  private frame = 0;
  private readonly wallStart = Date.now();
  private readonly clockStart: number;

  constructor(
    private readonly engine: WorkflowEngine,
    private readonly id: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.clockStart = engine.clock.now();
  }

  start(): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.erase();
  }

  private erase(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const s = this.engine.getExecution(this.id);
    if (s === undefined) return;
    const head = this.engine.store.head();
    const a = activitySummary(this.engine.getEventHistory(this.id), (task) => head.hasNode(task));
    const wall = Date.now() - this.wallStart;
    const clock = this.engine.clock.now() - this.clockStart;
    const time = Math.abs(clock - wall) > 1000 ? `${formatElapsed(wall)} (clock +${formatElapsed(clock)})` : formatElapsed(wall);
    const steps = currentSteps(s, true).map((id) => stepLabel(head, id));
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const cut = (t: string) => (t.length > width ? `${t.slice(0, width - 1)}…` : t);
    const lines = [
      `${SPINNER[this.frame++ % SPINNER.length]} ${s.workflowKey}  ${s.status}  ${time}  tx ${this.engine.store.headTx}`,
      `  steps    ${steps.length === 0 ? '-' : steps.join(', ')}`,
      `  running  ${a.running.length === 0 ? '-' : a.running.join(', ')}   done ${a.done}   retries ${a.retries}${a.failed > 0 ? `   failed ${a.failed}` : ''}`,
    ].map(cut);
    this.erase();
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
