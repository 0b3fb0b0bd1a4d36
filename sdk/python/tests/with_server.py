"""Run a command against a fresh `faramesh serve` (tokens on, loopback port of our range).

    python with_server.py [--policy FILE] [--agent NAME]... [--approver NAME] [--grant AGENT=GLOB]... -- CMD...

The command gets FARAMESH_BASE_URL, FARAMESH_AGENT_TOKEN (token of the first --agent, role agent),
FARAMESH_AGENT_TOKENS (JSON name → token), FARAMESH_APPROVER_TOKEN and FARAMESH_ADMIN_TOKEN.
Defaults match scripts/e2e.sh's setup for the faramesh-sdk 0.3.3 suite (integration-tests/python): agent
e2e-agent, approver e2e-approver, policies/default.yaml. Exit status: the command's (pytest's 5,
nothing collected, becomes 1).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import REPO_POLICY, start_server, stop_server  # noqa: E402


def main() -> int:
    if "--" not in sys.argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = sys.argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("--policy", default=str(REPO_POLICY))
    parser.add_argument("--agent", action="append", default=[])
    parser.add_argument("--approver", default="e2e-approver")
    parser.add_argument("--grant", action="append", default=[], metavar="AGENT=PATTERN",
                        help="extra agent id (glob) an agent token may act as, on servers that bind them")
    opts = parser.parse_args(sys.argv[1:split])
    agents = tuple(opts.agent or ["e2e-agent"])
    grants: dict[str, tuple[str, ...]] = {}
    # As scripts/e2e.sh: the 0.3.3 suite submits as random sdk-* agent ids with the e2e-agent token.
    for item in opts.grant or (["e2e-agent=sdk-*"] if not opts.agent else []):
        agent, _, pattern = item.partition("=")
        grants[agent] = grants.get(agent, ()) + (pattern,)
    command = sys.argv[split + 1:]
    with tempfile.TemporaryDirectory(prefix="faramesh-pysdk-") as tmp:
        server = start_server(os.environ["FARAMESH_BIN"], Path(tmp), policy=Path(opts.policy), agents=agents,
                              approver_name=opts.approver, agent_grants=grants)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("FARAMESH_", "FARA_"))}
            env.update(FARAMESH_BASE_URL=server.url, FARAMESH_AGENT_TOKEN=server.agent_token(agents[0]),
                       FARAMESH_AGENT_TOKENS=json.dumps(server.tokens), FARAMESH_APPROVER_TOKEN=server.approver_token,
                       FARAMESH_ADMIN_TOKEN=server.admin_token)
            rc = subprocess.run(command, env=env).returncode
        finally:
            stop_server(server)
    return 1 if rc == 5 else rc


if __name__ == "__main__":
    sys.exit(main())
