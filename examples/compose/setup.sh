#!/usr/bin/env bash
# One-shot setup of the compose demo, run in the faramesh image before the replicas start:
# applies migrations, generates the ledger signing key both replicas share, and creates the demo's
# tokens (an agent token named like the demo agent's agent_id, and an admin token for the web UI).
# Idempotent: files already in $FARAMESH_SECRETS_DIR are kept. Secrets are written to files only,
# never printed. The demo agent's agent_id is the name of its token (agent-token.name).
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

# create_token NAME ROLE FILE: a fresh token whose secret goes to FILE and whose name goes to FILE.name.
# Token names are never reused, even revoked: when NAME is taken (its secret was lost with the volume)
# the old token is revoked and NAME-2, NAME-3, ... is created instead.
create_token() {
  local base="$1" role="$2" file="$3" name="$1" n=1 out err
  if [ -s "$file" ] && [ -s "$file.name" ]; then return 0; fi
  err="$(mktemp)"
  until out="$(faramesh token create --name "$name" --role "$role" --json 2>"$err")"; do
    if ! grep -q "already exists" "$err"; then cat "$err" >&2; rm -f "$err"; exit 1; fi
    if [ "$n" -eq 1 ]; then faramesh token revoke "$base" >/dev/null 2>&1 || true; fi
    n=$((n + 1))
    if [ "$n" -gt 50 ]; then echo "setup: no free token name $base-N" >&2; rm -f "$err"; exit 1; fi
    name="$base-$n"
  done
  rm -f "$err"
  printf '%s' "$out" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p' > "$file.tmp"
  [ -s "$file.tmp" ] || { echo "setup: no token in the output of token create" >&2; exit 1; }
  printf '%s' "$name" > "$file.name"
  mv "$file.tmp" "$file"
  echo "setup: created $role token '$name'"
}

create_token "$agent_id" agent "$dir/agent-token"
create_token demo-admin admin "$dir/admin-token"
echo "setup: done (admin token: docker compose exec faramesh-1 cat /secrets/admin-token)"
