#!/usr/bin/env bash
# A throwaway single-node Slurm cluster for `kestrel tune --slurm`'s test (the CTest fixture
# "slurm"; see tests/CMakeLists.txt): munged with its own key and socket, slurmctld and slurmd
# with their own slurm.conf, state and logs in a fresh folder under /tmp, ports chosen free, the
# node named localhost with this machine's cores. Nothing under /etc is touched: clients find the
# cluster through SLURM_CONF.
#
#   slurm_cluster.sh start STATE_DIR   writes STATE_DIR/slurm_conf (the path for SLURM_CONF)
#   slurm_cluster.sh stop STATE_DIR    stops the daemons and removes their files
set -euo pipefail
action=${1:?start or stop}
state=${2:?state folder}

for tool in munged mungekey slurmctld slurmd sbatch sinfo; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    echo "slurm_cluster.sh: $tool is not installed (scripts/install-deps.sh installs slurm-wlm and munge)" >&2
    exit 1
  fi
done
PATH=$PATH:/usr/sbin

stop() {
  if [ -f "$state/data_dir" ]; then
    data=$(cat "$state/data_dir")
    for daemon in slurmd slurmctld munged; do
      if [ -f "$data/$daemon.pid" ]; then kill "$(cat "$data/$daemon.pid")" 2>/dev/null || true; fi
    done
    sleep 1
    for daemon in slurmd slurmctld munged; do
      if [ -f "$data/$daemon.pid" ]; then kill -9 "$(cat "$data/$daemon.pid")" 2>/dev/null || true; fi
    done
    rm -rf "$data"
  fi
  rm -rf "$state"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$action" in
  start)
    stop  # a cluster left by an interrupted run
    mkdir -p "$state"
    data=$(mktemp -d /tmp/kestrel-slurm.XXXXXX)
    echo "$data" > "$state/data_dir"
    mkdir -p "$data/state" "$data/spool"
    user=$(id -un)
    mungekey --create --keyfile "$data/munge.key" >/dev/null
    chmod 600 "$data/munge.key"
    munged --key-file "$data/munge.key" --socket "$data/munge.socket" --pid-file "$data/munged.pid" \
      --log-file "$data/munged.log" --seed-file "$data/munge.seed" --force
    cat > "$data/slurm.conf" <<CONF
ClusterName=kestrel-test
SlurmctldHost=localhost
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$data/munge.socket
CredType=cred/munge
SlurmUser=$user
SlurmdUser=$user
StateSaveLocation=$data/state
SlurmdSpoolDir=$data/spool
SlurmctldPidFile=$data/slurmctld.pid
SlurmdPidFile=$data/slurmd.pid
SlurmctldLogFile=$data/slurmctld.log
SlurmdLogFile=$data/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld -f "$data/slurm.conf"
    slurmd -f "$data/slurm.conf" -N localhost
    for _ in $(seq 1 60); do
      if SLURM_CONF="$data/slurm.conf" sinfo -h -o %t 2>/dev/null | grep -q idle; then
        echo "$data/slurm.conf" > "$state/slurm_conf"
        echo "slurm_cluster.sh: $(slurmctld -V) on localhost ($(nproc) CPUs), $data"
        exit 0
      fi
      sleep 0.5
    done
    echo "slurm_cluster.sh: the node did not come up; slurmctld.log and slurmd.log:" >&2
    tail -n 20 "$data/slurmctld.log" "$data/slurmd.log" >&2 || true
    exit 1
    ;;
  stop) stop ;;
  *) echo "slurm_cluster.sh: start or stop" >&2; exit 2 ;;
esac
