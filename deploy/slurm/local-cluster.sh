#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, on loopback, for trying and testing the
# sharded path (`bash deploy/slurm/local-cluster.sh start|stop|status`). Needs root and
# Debian's slurm-wlm and munge packages (.ci/setup installs them). It writes
# /etc/slurm/slurm.conf for this host only: do not run it on a machine that is already
# part of a cluster. On a real cluster, skip this and submit d11sim-array.sbatch.
set -euo pipefail
cmd=${1:-start}
conf=/etc/slurm/slurm.conf
host=$(hostname)

stop() {
  for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    fi
  done
}

case "$cmd" in
  start)
    if sinfo -h >/dev/null 2>&1; then
      echo "slurm is already answering"; sinfo; exit 0
    fi
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
    [ -f /etc/munge/munge.key ] || mungekey -c
    chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
    chmod 400 /etc/munge/munge.key
    # munged refuses some ownership layouts when run by root; --force accepts them
    pgrep -x munged >/dev/null || /usr/sbin/munged --force
    cat > "$conf" <<CONF
ClusterName=d11sim-local
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld
    slurmd
    for _ in $(seq 1 30); do
      if sinfo -h -o %t 2>/dev/null | grep -q idle; then
        sinfo; exit 0
      fi
      sleep 1
    done
    echo "slurm did not come up; see /var/log/slurm/" >&2
    exit 1
    ;;
  stop) stop ;;
  status) sinfo ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
