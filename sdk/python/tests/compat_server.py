"""Run a command against a fresh `faramesh serve` set up like scripts/e2e.sh does for the
faramesh-sdk 0.3.3 suite (tests/python): tokens e2e-agent (agent) and e2e-approver (approver).

    python compat_server.py -- python -m pytest tests/python
"""

from __future__ import annotations

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
    command = sys.argv[sys.argv.index("--") + 1:]
    bin = os.environ["FARAMESH_BIN"]
    with tempfile.TemporaryDirectory(prefix="faramesh-compat-") as tmp:
        server = start_server(bin, Path(tmp), policy=REPO_POLICY, agents=("e2e-agent",),
                              approver_name="e2e-approver")
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("FARAMESH_", "FARA_"))}
            env.update(FARAMESH_BASE_URL=server.url, FARAMESH_AGENT_TOKEN=server.agent_token("e2e-agent"),
                       FARAMESH_APPROVER_TOKEN=server.approver_token)
            rc = subprocess.run(command, env=env).returncode
        finally:
            stop_server(server)
    return 1 if rc == 5 else rc


if __name__ == "__main__":
    sys.exit(main())
