// Type-checked by `tsc --noEmit --strict` (scripts/test-node-sdk.sh): the CommonJS view.
import sdk = require('@faramesh/sdk');

async function main(): Promise<void> {
  const client = new sdk.ExecutionGovernorClient('http://127.0.0.1:8000', { token: 't', timeoutMs: 5000, retries: 2, failOpen: false });
  const action = await client.submitAction({ tool: 'shell', operation: 'run', params: { cmd: 'echo' }, context: { agent_id: 'a' } });
  const status: string = action.status;
  // As in the README: a client without failOpen always gets a stored action with a string id.
  const events: sdk.ActionEvent[] = await client.getEvents(action.id);
  const seq: number = events[0].seq;
  void seq;
  const plain = new sdk.ExecutionGovernorClient('http://127.0.0.1:8000', { token: 't' });
  const stored: string = (await plain.submitAction({ tool: 't', operation: 'o', agentId: 'a' })).id;
  const bare = new sdk.ExecutionGovernorClient();
  const storedToo: string = (await bare.submitAction({ tool: 't', operation: 'o', agentId: 'a' })).id;
  void stored; void storedToo;
  const open = new sdk.ExecutionGovernorClient('http://127.0.0.1:8000', { failOpen: true });
  const maybe = await open.submitAction({ tool: 't', operation: 'o', agentId: 'a' });
  if (maybe.id === null) { const f: true = maybe.fail_open; void f; } else { const id: string = maybe.id; void id; }
  // @ts-expect-error with failOpen the id may be null
  const unchecked: string = maybe.id;
  void unchecked;
  void status;
  const hash: string = sdk.computeRequestHash({ agent_id: 'a', tool: 't', operation: 'o', params: { n: 2n ** 64n } });
  void hash;
  try {
    await client.getAction('x');
  } catch (e) {
    if (e instanceof sdk.NotFound) { const s: number | null = e.status; void s; }
  }
}
void main;
