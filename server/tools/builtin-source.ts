import type { Tool } from './tool.js';
import type { SourceState, ToolSource } from './tool-source.js';

/** The tools compiled into this server; always available. */
export class BuiltinToolSource implements ToolSource {
  readonly id = 'builtin';

  constructor(private readonly builtins: readonly Tool[]) {}

  tools(): readonly Tool[] {
    return this.builtins;
  }

  available(): boolean {
    return true;
  }

  state(): SourceState {
    return { status: 'connected', tools: this.builtins.length };
  }

  async start(): Promise<void> {
    await Promise.all(this.builtins.map((t) => t.start()));
  }

  async disposeSession(sessionId: string): Promise<void> {
    await Promise.allSettled(this.builtins.map((t) => t.disposeSession(sessionId)));
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.builtins.map((t) => t.stop()));
  }

  readiness(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const tool of this.builtins) {
      const r = tool.readiness();
      if (r) out[tool.name] = r;
    }
    return out;
  }
}
