// governed(): run a tool only when the gatekeeper allows it (or a human approves it), and record
// how it ended. Run against a server with `faramesh serve` (local mode) or set FARAMESH_BASE_URL
// and FARAMESH_TOKEN:
//
//   node examples/node/governed.mjs
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ExecutionGovernorClient, ActionDenied, ActionPending } from '@faramesh/sdk';

const client = new ExecutionGovernorClient(process.env.FARAMESH_BASE_URL ?? 'http://127.0.0.1:8000', {
  agentId: process.env.FARAMESH_AGENT_ID ?? 'my-agent',
});

// The policy decides per call; with the starter policy shell needs a human approval.
const shell = client.governed({ tool: 'shell', operation: 'run', waitTimeoutMs: 60_000 }, async ({ cmd }) => {
  const { stdout } = await promisify(execFile)('/bin/sh', ['-c', cmd]);
  return stdout;
});

try {
  console.log(await shell({ cmd: "echo 'Hello World'" }));
} catch (error) {
  if (error instanceof ActionDenied) console.error(`denied: ${error.reason}`);
  else if (error instanceof ActionPending) console.error('nobody approved it in time; not run');
  else throw error;
  process.exitCode = 1;
}
