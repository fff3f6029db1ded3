#!/usr/bin/env bash
# The deployment files checked with the tools this machine has (CTest: Deploy.*):
#   runtime   every shared library of kestrel and its modules comes from a package that
#             scripts/install-runtime-deps.sh installs (directly or as a dependency)
#   systemd   deploy/systemd units pass `systemd-analyze verify` (paths pointed at this build)
#   metrics   deploy/prometheus.yml passes `promtool check config`, and every kestrel_ metric the
#             Grafana dashboard queries is one kestrel serves (from the names in its /metrics)
#   compose   deploy/docker-compose.yml passes `docker compose config` (or docker-compose)
# A check whose tool is missing says so and passes (CTest shows it as skipped via exit 77).
# Usage: check_deploy.sh CHECK SOURCE_DIR BUILD_DIR
set -euo pipefail
check=$1
src=$2
build=$3
cd "$src"
skip() { echo "SKIPPED: $*"; exit 77; }

case "$check" in
runtime)
  command -v dpkg-query >/dev/null && command -v apt-cache >/dev/null || skip "no dpkg/apt"
  mapfile -t wanted < <(sed -n '/^packages=(/,/^)/p' scripts/install-runtime-deps.sh | sed '1d;$d' | tr ' ' '\n' |
    sed 's/#.*//' | grep -v '^$')
  [ "${#wanted[@]}" -gt 5 ] || { echo "could not read the package list"; exit 1; }
  covered=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances "${wanted[@]}" 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u) || true
  [ -n "$covered" ] || skip "apt has no package lists (apt-get update)"
  missing=0
  for binary in "$build/kestrel" "$build"/kestrel-*.so; do
    # Only the libraries the binary itself names: what they need comes with their packages.
    for lib in $(objdump -p "$binary" | awk '/NEEDED/{print $2}'); do
      case "$lib" in ld-linux*) continue ;; esac  # the loader: libc6, on every system
      path=$(ldd "$binary" | awk -v l="$lib" '$1 == l {print $3}')
      [ -n "$path" ] || { echo "$binary: $lib not found"; missing=1; continue; }
      package=$(dpkg-query -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) ||
        package=$(dpkg-query -S "$path" 2>/dev/null | head -1 | cut -d: -f1) || true
      [ -n "$package" ] || { echo "$binary: $lib ($path) belongs to no package"; missing=1; continue; }
      if ! grep -qx "$package" <<<"$covered"; then
        echo "$(basename "$binary") needs $lib from $package, which install-runtime-deps.sh does not install"
        missing=1
      fi
    done
  done
  [ "$missing" = 0 ] && echo "every library of kestrel and its modules is covered by install-runtime-deps.sh"
  exit "$missing"
  ;;
systemd)
  command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for unit in deploy/systemd/*; do
    sed "s|/opt/kestrel/bin/kestrel|$build/kestrel|g" "$unit" > "$tmp/$(basename "$unit")"
  done
  out=$(systemd-analyze verify "$tmp"/*.service "$tmp"/*.timer 2>&1) || { echo "$out"; exit 1; }
  [ -z "$out" ] || { echo "$out"; exit 1; }
  echo "systemd units verified"
  ;;
metrics)
  command -v promtool >/dev/null || skip "promtool is not installed (Debian's prometheus package)"
  promtool check config deploy/prometheus.yml
  python3 - "$build" <<'PY'
import json, re, subprocess, sys, tempfile, os, time, signal
build = sys.argv[1]
dashboard = json.load(open("deploy/grafana/dashboards/kestrel.json"))
queried = set()
for panel in dashboard["panels"]:
    assert panel["datasource"]["uid"] == "kestrel-prometheus", panel["title"]
    for target in panel["targets"]:
        queried |= set(re.findall(r"kestrel_[a-z_]+", target["expr"]))
# The names kestrel serves: a replay of the sample, then one scrape.
with tempfile.TemporaryDirectory() as tmp:
    config = os.path.join(tmp, "node.toml")
    open(config, "w").write(f'''mode = "paper"
name = "deploy-check"
[data]
csv_dir = "{os.getcwd()}/data/sample"
exclude = ["SPX", "SPY"]
benchmark = "SPY"
start = "2019-06-03"
end = "2019-12-31"
[strategy]
type = "momentum"
[node]
journal = "{tmp}/journal.db"
''')
    subprocess.run([f"{build}/kestrel", "-q", "trade", "replay", "--config", config], check=True)
    server = subprocess.Popen([f"{build}/kestrel", "serve", "--config", config, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", server.stdout.readline()).group(1)
        import urllib.request
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
served = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
unknown = sorted(queried - served)
if unknown:
    sys.exit(f"the Grafana dashboard queries metrics kestrel does not serve: {unknown}")
print(f"the Grafana dashboard's {len(queried)} metrics are all served")
PY
  ;;
compose)
  if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
  elif command -v docker-compose >/dev/null; then
    compose=(docker-compose)
  else
    skip "no docker compose client (there is no container engine on the build machines)"
  fi
  # The env files must exist to be read: the example stands in for the user's secrets.
  if [ ! -e deploy/secrets.env ]; then
    cp deploy/secrets.env.example deploy/secrets.env
    trap 'rm -f deploy/secrets.env' EXIT
  fi
  (cd deploy && "${compose[@]}" -f docker-compose.yml config -q) || exit 1
  echo "compose file valid"
  ;;
*)
  echo "unknown check $check"; exit 2 ;;
esac
