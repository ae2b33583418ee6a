#!/usr/bin/env bash
# Ensures the local services PromptQueue needs: RabbitMQ and Redis from Debian packages, plus python3-pika for the
# cross-language tests. Safe to run again: it installs only what is missing and starts only what is down.
set -euo pipefail

pq_log() { printf '\033[1;34m[promptqueue]\033[0m %s\n' "$*" >&2; }

pq_sudo() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pq_ensure_packages() {
  local missing=()
  command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  /usr/bin/python3 -c 'import pika' >/dev/null 2>&1 || missing+=(python3-pika)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # The build of tools/PromptQueue.VerifierTraining patches TorchSharp's native glue for Debian 12 with a python3 script
  # (standard library only).
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  # promtool (Debian package prometheus) checks deploy/prometheus and the KEDA trigger's query in tests/deploy.
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  if [ ${#missing[@]} -gt 0 ]; then
    pq_log "installing ${missing[*]}"
    pq_sudo apt-get update -qq
    # Debian's rabbitmq-server postinst tries to start the service; policy-rc.d may refuse, which is fine.
    pq_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

pq_rabbitmq_config() {
  cat <<'CONF'
# promptqueue: local development broker
listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
loopback_users = none
# Queue figures in the management API every second (tests read unacknowledged counts from it).
collect_statistics_interval = 1000
# As deploy/rabbitmq/10-promptqueue.conf: bodies over the worker's cap (256 KiB) are refused at publish;
# deliveries may stay unacknowledged for up to 30 min (longest provider call plus single-flight wait is ~5.5 min).
max_message_size = 262144
consumer_timeout = 1800000
# TLS on loopback with the local test CA (pq_ensure_tls), for the worker's amqps:// test.
listeners.ssl.default = 127.0.0.1:5671
ssl_options.cacertfile = /etc/promptqueue/tls/ca.pem
ssl_options.certfile = /etc/promptqueue/tls/server.pem
ssl_options.keyfile = /etc/promptqueue/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
CONF
}

# A throwaway CA and a server certificate for localhost / 127.0.0.1, made once per machine, so TLS to RabbitMQ
# and Redis is tested for real. Test material only: the key is world-readable so the broker (user rabbitmq) and
# test-started redis-servers can read it; never use it outside loopback.
pq_ensure_tls() {
  local dir=/etc/promptqueue/tls
  [ -s "$dir/server.pem" ] && [ -s "$dir/ca.pem" ] && return
  pq_log "making a local test CA and server certificate in $dir"
  pq_sudo mkdir -p "$dir"
  local tmp; tmp="$(mktemp -d)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=PromptQueue local test CA" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tmp/server.key" -out "$tmp/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$tmp/ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 3650 \
    -extfile "$tmp/ext" -out "$tmp/server.pem" >/dev/null 2>&1
  pq_sudo cp "$tmp/ca.pem" "$tmp/server.pem" "$tmp/server.key" "$dir/"
  pq_sudo chmod 0644 "$dir/ca.pem" "$dir/server.pem" "$dir/server.key"
  rm -rf "$tmp"
}

# The Erlang VM's schedulers spin while idle by default. On a small machine shared with the worker (2 cores
# here) that spinning takes CPU from embeddings and HTTP; RabbitMQ's own runtime guide advises turning it off
# when the broker shares its host.
pq_rabbitmq_env() {
  cat <<'CONF'
# promptqueue: no busy-waiting schedulers on a shared host
SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none"
CONF
}

pq_ensure_rabbitmq() {
  local wanted wanted_env
  wanted="$(pq_rabbitmq_config)"
  wanted_env="$(pq_rabbitmq_env)"
  pq_sudo mkdir -p /etc/rabbitmq
  if [ "$(cat /etc/rabbitmq/rabbitmq.conf 2>/dev/null)" != "$wanted" ] \
    || [ "$(cat /etc/rabbitmq/rabbitmq-env.conf 2>/dev/null)" != "$wanted_env" ]; then
    printf '%s\n' "$wanted" | pq_sudo tee /etc/rabbitmq/rabbitmq.conf >/dev/null
    printf '%s\n' "$wanted_env" | pq_sudo tee /etc/rabbitmq/rabbitmq-env.conf >/dev/null
    # A broker the package manager started runs without this configuration: restart it.
    if pq_sudo rabbitmqctl -q ping >/dev/null 2>&1; then
      pq_log "restarting RabbitMQ with the PromptQueue configuration"
      pq_sudo rabbitmqctl -q stop >/dev/null 2>&1 || true
      sleep 2
    fi
  fi
  if ! pq_sudo rabbitmqctl -q status >/dev/null 2>&1; then
    pq_log "starting RabbitMQ"
    pq_sudo rabbitmq-server -detached >/dev/null 2>&1 || true
    # await_startup needs a node to talk to: wait for the Erlang node to answer first.
    for _ in $(seq 1 120); do
      pq_sudo rabbitmqctl -q ping >/dev/null 2>&1 && break
      sleep 1
    done
    pq_sudo rabbitmqctl -q await_startup --timeout 120
  fi
  # The management API: queue figures for the tests, queue depth for KEDA-like checks.
  pq_sudo rabbitmq-plugins -q enable rabbitmq_management >/dev/null
  for _ in $(seq 1 60); do
    curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && return 0
    sleep 1
  done
  pq_log "RabbitMQ management API did not answer on 127.0.0.1:15672"; return 1
}

pq_ensure_redis() {
  if redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    return
  fi
  pq_log "starting Redis"
  # Bounded by bytes: past maxmemory Redis evicts the least recently used keys that have a TTL (cached answers,
  # idempotency records), never the semantic index hashes (the workers drop index entries whose answer is gone).
  pq_sudo redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no \
    --maxmemory 512mb --maxmemory-policy volatile-lru >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return
    sleep 0.2
  done
  pq_log "Redis did not start"; return 1
}

pq_ensure_services() {
  pq_ensure_packages
  pq_ensure_tls
  pq_ensure_rabbitmq
  pq_ensure_redis
  export PROMPTQUEUE_RABBITMQ_URI="${PROMPTQUEUE_RABBITMQ_URI:-amqp://guest:guest@127.0.0.1:5672/}"
  export PROMPTQUEUE_RABBITMQ_MANAGEMENT="${PROMPTQUEUE_RABBITMQ_MANAGEMENT:-http://guest:guest@127.0.0.1:15672/}"
  export PROMPTQUEUE_REDIS="${PROMPTQUEUE_REDIS:-127.0.0.1:6379}"
  export PROMPTQUEUE_TLS_DIR="${PROMPTQUEUE_TLS_DIR:-/etc/promptqueue/tls}"
  export PROMPTQUEUE_RABBITMQ_TLS_URI="${PROMPTQUEUE_RABBITMQ_TLS_URI:-amqps://guest:guest@localhost:5671/}"
}

# npm packages from their lock files: of the interop tests (a third-party OpenAI-compatible mock server), of the
# deployment checks (Kubernetes and KEDA schemas) and of scripts/scale-sim (js-yaml), which the deployment checks
# import too. With folders as arguments, only those.
pq_ensure_node_packages() {
  local dir dirs=("$@")
  [ ${#dirs[@]} -gt 0 ] || dirs=(tests/interop tests/deploy tools/scale-sim)
  for dir in "${dirs[@]}"; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      pq_log "installing npm packages in $dir"
      npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
    fi
  done
}

# ---- what a script starts itself (simulator, worker) on loopback, with its logs in PQ_RUN_DIR ----
PQ_STARTED=()

# pq_run_dir NAME: a fresh temporary folder for this run's logs, in PQ_RUN_DIR.
pq_run_dir() { PQ_RUN_DIR="$(mktemp -d -t "promptqueue-$1.XXXXXX")"; }

# pq_build [PROJECT_DIR...]: those projects (default: the whole solution) in Release; output shown only on failure.
pq_build() {
  local targets=("$@")
  [ ${#targets[@]} -gt 0 ] || targets=(PromptQueue.slnx)
  local target
  for target in "${targets[@]}"; do
    dotnet build "$target" -c Release -v q -nologo >>"$PQ_RUN_DIR/build.log" 2>&1 || { cat "$PQ_RUN_DIR/build.log"; exit 1; }
  done
}

# pq_start_app NAME PROJECT_DIR ASSEMBLY URL [SETTING=value ...]: the project's Release build in the background,
# listening on URL, with those settings in its environment and its output in $PQ_RUN_DIR/NAME.log. Its pid is
# appended to PQ_STARTED (${PQ_STARTED[-1]} is the one just started).
pq_start_app() {
  local name="$1" project="$2" assembly="$3" url="$4"
  shift 4
  env "$@" dotnet "$project/bin/Release/net10.0/$assembly.dll" --urls "$url" --contentRoot "$PWD/$project" \
    >"$PQ_RUN_DIR/$name.log" 2>&1 &
  PQ_STARTED+=($!)
}

# pq_wait_http URL [SECONDS=60]: returns once URL answers with success, fails after SECONDS.
pq_wait_http() {
  local url="$1" seconds="${2:-60}"
  for _ in $(seq 1 $(( seconds * 5 ))); do
    curl -fsS "$url" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  pq_log "timed out waiting for $url (logs in $PQ_RUN_DIR)"; return 1
}

# pq_stop_started: stops everything pq_start_app started and waits for it (a script's EXIT trap).
pq_stop_started() {
  local pid
  for pid in "${PQ_STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PQ_STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
}
