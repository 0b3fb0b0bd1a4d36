// Type-checked by `tsc --noEmit --strict`: the ES module view.
import { ExecutionGovernorClient, ActionDenied, GatekeeperUnreachable, type Action, type StreamEvent } from '@faramesh/sdk';
import sdkDefault from '@faramesh/sdk';

const client = new ExecutionGovernorClient({ baseUrl: 'http://127.0.0.1:8000', failOpen: true, logger: { warn: () => {} }, fetch });
const page = await client.listActions({ status: 'pending_approval', limit: 10 });
const next: string | null = page.nextCursor;
for await (const a of client.iterateActions({ agentId: 'x', limit: 100 })) {
  const id: string = a.id;
  void id;
}
const ac = new AbortController();
for await (const ev of client.streamEvents({ eventType: ['approved', 'denied'], signal: ac.signal })) {
  const e: StreamEvent = ev;
  const s: string = e.data.status;
  void s;
  break;
}
const run = client.governed({ tool: 'shell', agentId: 'bot' }, async (params: { cmd: string }, { action }) => {
  return `${params.cmd} ${action.status}`;
});
try {
  const out: string = await run({ cmd: 'ls' });
  void out;
} catch (e) {
  if (e instanceof ActionDenied) { const r: string | null = e.reason; void r; }
  if (e instanceof GatekeeperUnreachable) { void e.message; }
}
const done: Action = await client.waitForCompletion('id', { timeoutMs: 1000, sse: false });
const decision = await client.gateDecide({ tool: 'http', operation: 'get', agentId: 'a' });
const replay = await client.replayDecision(done);
const ok: boolean = replay.success && decision.outcome === 'EXECUTE';
const v: string = sdkDefault.VERSION;
void next; void ok; void v;
export {};

// Wrong uses must not type-check (an unused @ts-expect-error fails the check).
// @ts-expect-error success is required
await client.reportResult('id', {});
// @ts-expect-error tool is required
await client.submitAction({ operation: 'run' });
// @ts-expect-error unknown status
await client.listActions({ status: 'done' });
// @ts-expect-error retries is a number
new ExecutionGovernorClient('http://x', { retries: 'many' });
