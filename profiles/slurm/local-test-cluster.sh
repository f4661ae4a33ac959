#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on this machine, to test profiles/slurm/ against a real
# sbatch/squeue/sacct (tests/test_slurm.py uses it). NOT for production: no accounting database,
# no cgroups, daemons run as root, started by hand (containers here have no systemd).
#
#   sudo profiles/slurm/local-test-cluster.sh          # start (idempotent: a running cluster is kept)
#   sudo profiles/slurm/local-test-cluster.sh status   # sinfo + daemons
#   sudo profiles/slurm/local-test-cluster.sh stop     # stop the daemons it started
#
# Debian/Ubuntu only (apt packages slurm-wlm, munge; Debian 12 ships Slurm 22.05). Needs root.
# One node, named after this host, with this host's CPU count and 80% of its memory; no GPU (gres)
# is declared, so a job that asks `--gpus=1` is rejected at submission — the test sets gpu=0.
set -euo pipefail

ACTION=${1:-start}
CONF=/etc/slurm/slurm.conf
NODE=$(hostname -s)
STATE=/var/spool/slurmctld
SPOOL=/var/spool/slurmd
LOGS=/var/log/slurm

[ "$(id -u)" = 0 ] || { echo "run as root (it writes /etc/slurm and starts daemons)" >&2; exit 1; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {
    for daemon in slurmd slurmctld; do
        if pid_alive "/run/$daemon.pid"; then kill "$(cat /run/$daemon.pid)"; fi
    done
    if pid_alive /run/munge/munged.pid; then kill "$(cat /run/munge/munged.pid)"; fi
    sleep 1
    echo "stopped"
}

status() {
    for pidfile in /run/munge/munged.pid /run/slurmctld.pid /run/slurmd.pid; do
        if pid_alive "$pidfile"; then echo "running: $pidfile ($(cat "$pidfile"))"; else echo "not running: $pidfile"; fi
    done
    sinfo -N -o "%N %T %c %m %G" || true
}

start() {
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            slurm-wlm slurmctld slurmd slurm-client munge
    fi

    local cpus mem
    cpus=$(nproc)
    mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)
    mkdir -p /etc/slurm "$STATE" "$SPOOL" "$LOGS" /run/munge /var/lib/munge /var/log/munge
    # Rewritten on every start so that the file always matches this script.
    cat >"$CONF.new" <<EOF
# Written by profiles/slurm/local-test-cluster.sh: a throwaway single-node test cluster.
ClusterName=topex-test
SlurmctldHost=$NODE
SlurmUser=root
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
StateSaveLocation=$STATE
SlurmdSpoolDir=$SPOOL
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
AuthType=auth/munge
# No systemd or cgroup v2 delegation in a container: track processes by /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# No slurmdbd: sacct then reads nothing; the profile's status command is squeue (see config.yaml),
# so keep finished jobs visible to squeue for 30 min.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=1800
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    local changed=1
    if [ -f "$CONF" ] && cmp -s "$CONF" "$CONF.new"; then changed=0; fi
    mv "$CONF.new" "$CONF"

    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile /etc/munge/munge.key 2>/dev/null \
            || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    fi
    chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
    chmod 0700 /etc/munge
    chmod 0400 /etc/munge/munge.key
    if ! pid_alive /run/munge/munged.pid; then
        runuser -u munge -- /usr/sbin/munged
    fi
    munge -n | unmunge >/dev/null

    if [ "$changed" = 1 ]; then   # a new config: restart what runs, so that it is read
        for daemon in slurmd slurmctld; do
            if pid_alive "/run/$daemon.pid"; then kill "$(cat /run/$daemon.pid)"; sleep 2; fi
        done
    fi
    if ! pid_alive /run/slurmctld.pid; then slurmctld; fi
    if ! pid_alive /run/slurmd.pid; then slurmd; fi

    # Wait for the node to register, then bring it back if an earlier run left it down/drained.
    for _ in $(seq 30); do
        state=$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null || true)
        case "$state" in
            idle|mixed|allocated) break ;;
            down*|drain*) scontrol update nodename="$NODE" state=resume || true ;;
        esac
        sleep 1
    done
    status
    timeout 120 srun --quiet -N1 -n1 -t 1 hostname >/dev/null   # waits while jobs fill the node
    echo "single-node Slurm up: partition debug, node $NODE ($cpus CPUs, $mem MB)"
}

case "$ACTION" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
