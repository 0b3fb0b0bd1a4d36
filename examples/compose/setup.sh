#!/usr/bin/env bash
# One-shot setup of the compose demo, run in the faramesh image before the replicas start:
# applies migrations, generates the ledger signing key both replicas share, and creates the demo's
# tokens (an agent token named like the demo agent's agent_id, and an admin token for the web UI).
# Idempotent: files already in $FARAMESH_SECRETS_DIR are kept. Secrets are written to files only,
# never printed.
set -euo pipefail
dir="${FARAMESH_SECRETS_DIR:?}"
agent_id="${FARAMESH_DEMO_AGENT_ID:-demo-agent}"
umask 077

faramesh migrate

if [ ! -s "$dir/ledger-signing.key" ]; then
  head -c 32 /dev/urandom | base64 > "$dir/ledger-signing.key.tmp"
  mv "$dir/ledger-signing.key.tmp" "$dir/ledger-signing.key"
  echo "setup: generated the ledger signing key"
fi

# create_token NAME ROLE FILE: a fresh token whose secret goes to FILE (an earlier token of that
# name, whose secret was lost with the volume, is revoked first).
create_token() {
  local name="$1" role="$2" file="$3" out
  if [ -s "$file" ]; then return 0; fi
  if ! out="$(faramesh token create --name "$name" --role "$role" --json 2>/dev/null)"; then
    faramesh token revoke "$name" >/dev/null
    out="$(faramesh token create --name "$name" --role "$role" --json)"
  fi
  printf '%s' "$out" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p' > "$file.tmp"
  [ -s "$file.tmp" ] || { echo "setup: no token in the output of token create" >&2; exit 1; }
  mv "$file.tmp" "$file"
  echo "setup: created $role token '$name'"
}

create_token "$agent_id" agent "$dir/agent-token"
create_token demo-admin admin "$dir/admin-token"
echo "setup: done (admin token: docker compose exec faramesh-1 cat /secrets/admin-token)"
