#!/usr/bin/env bash
# Starts a one-node Slurm on this machine, to run the slurm/ batch scripts for real (the tests
# do). It runs beside any other Slurm or munge: its own munge key and socket, free ports, and all
# its state (config, logs, spool) in one folder. It prints the line that points the Slurm
# commands at it, so:
#
#   eval "$(scripts/slurm-local/start.sh)"      # export SLURM_CONF=…; then sbatch, squeue, sinfo
#   scripts/slurm-local/stop.sh
#
# MPINMF_SLURM_DIR: the state folder (default /tmp/mpinmf-slurm-HASH, one per checkout).
# Starting it again while it runs says so and changes nothing; leftovers of a run that died are
# stopped first. Needs Debian's slurmctld, slurmd, slurm-client and munge (scripts/setup-deps.sh)
# and root (it runs itself through sudo otherwise). No systemd and no cgroups needed: processes
# are tracked through /proc and tasks are not confined, so the node is declared as measured by
# `slurmd -C` and more tasks than cores need `sbatch --overcommit`.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
slurm_local_become_root "$@"
here="$(dirname "${BASH_SOURCE[0]}")"

print_export() {
  echo "export SLURM_CONF=$SLURM_LOCAL_CONF"
}

node_state() {
  SLURM_CONF="$SLURM_LOCAL_CONF" timeout 5 sinfo -h -N -o %T 2>/dev/null || true
}

alive=()
while read -r name pid_file mark; do
  if slurm_local_pid "$pid_file" "$mark" >/dev/null; then
    alive+=("$name")
  fi
done < <(slurm_local_daemons)
if [ ${#alive[@]} -eq 3 ] && [[ "$(node_state)" =~ ^(idle|mixed|allocated)$ ]]; then
  slurm_local_say "already running (state in $SLURM_LOCAL_DIR)"
  print_export
  exit 0
fi
if [ ${#alive[@]} -gt 0 ]; then
  slurm_local_say "${alive[*]} of an earlier start running without a working node; stopping them"
  bash "$here/stop.sh"
fi

# A fresh state folder: only the names this script creates are removed. Root writes there, so a
# folder (or link) that someone else made in /tmp is refused.
mkdir -p "$SLURM_LOCAL_DIR"
if [ -L "$SLURM_LOCAL_DIR" ] || [ "$(stat -c %u "$SLURM_LOCAL_DIR")" != 0 ]; then
  slurm_local_say "$SLURM_LOCAL_DIR is a link or not root's; remove it or set MPINMF_SLURM_DIR"
  exit 1
fi
chmod 755 "$SLURM_LOCAL_DIR"
rm -rf "$SLURM_LOCAL_MUNGE" "$SLURM_LOCAL_DIR/ctld" "$SLURM_LOCAL_DIR/spool"
rm -f "$SLURM_LOCAL_CONF" "$SLURM_LOCAL_DIR"/slurm*.log "$SLURM_LOCAL_DIR"/slurm*.pid
if [ ${#SLURM_LOCAL_SOCKET} -gt 100 ]; then
  slurm_local_say "$SLURM_LOCAL_SOCKET is too long for a socket; set MPINMF_SLURM_DIR shorter"
  exit 1
fi

# munged as the munge user, with a key of its own; its folder must be open to all (it checks).
install -d -o munge -g munge -m 755 "$SLURM_LOCAL_MUNGE"
runuser -u munge -- mungekey --create --keyfile="$SLURM_LOCAL_MUNGE/munge.key"
runuser -u munge -- munged --socket="$SLURM_LOCAL_SOCKET" \
  --key-file="$SLURM_LOCAL_MUNGE/munge.key" --pid-file="$SLURM_LOCAL_MUNGE/munged.pid" \
  --log-file="$SLURM_LOCAL_MUNGE/munged.log" --seed-file="$SLURM_LOCAL_MUNGE/munged.seed" \
  </dev/null >/dev/null 2>&1 || {
    slurm_local_say "munged did not start:"
    cat "$SLURM_LOCAL_MUNGE/munged.log" >&2 || true
    exit 1
  }

# Two free TCP ports, so another Slurm on this machine is no obstacle.
read -r ctld_port slurmd_port < <(/usr/bin/python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("", 0))
print(*(s.getsockname()[1] for s in sockets))')

mkdir -p "$SLURM_LOCAL_DIR/ctld" "$SLURM_LOCAL_DIR/spool"
node=$(slurmd -C | head -n 1)   # NodeName=HOST CPUs=… RealMemory=…: the machine as it is
host=${node%% *}; host=${host#NodeName=}
cat >"$SLURM_LOCAL_CONF" <<CONF
# Written by scripts/slurm-local/start.sh: a one-node Slurm for testing mpinmf's batch scripts.
ClusterName=mpinmf-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
# This instance's own munged. cred_expire=5 (the least Slurm takes) also sets how long a requeued
# job waits: eligible again 6 s after the requeue, where the default 120 s holds it 2 minutes.
AuthType=auth/munge
AuthInfo=socket=$SLURM_LOCAL_SOCKET,cred_expire=5
CredType=cred/munge
StateSaveLocation=$SLURM_LOCAL_DIR/ctld
SlurmdSpoolDir=$SLURM_LOCAL_DIR/spool
SlurmctldPidFile=$SLURM_LOCAL_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_LOCAL_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_LOCAL_DIR/slurmctld.log
SlurmdLogFile=$SLURM_LOCAL_DIR/slurmd.log
# No systemd, no cgroups: processes tracked through /proc, tasks not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Look at pending jobs every second (default 60), so a requeued job restarts when it may.
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

started=ok
slurmctld -f "$SLURM_LOCAL_CONF" </dev/null >>"$SLURM_LOCAL_DIR/slurmctld.log" 2>&1 \
  || started="slurmctld exited with status $?"
slurmd -f "$SLURM_LOCAL_CONF" </dev/null >>"$SLURM_LOCAL_DIR/slurmd.log" 2>&1 \
  || started="slurmd exited with status $?"

# Up when the node is idle; within 30 s, or the logs say why not.
deadline=$((SECONDS + 30))
while [ "$started" = ok ] && [ "$(node_state)" != idle ] && [ $SECONDS -lt $deadline ]; do
  sleep 0.2
done
if [ "$started" != ok ] || [ "$(node_state)" != idle ]; then
  [ "$started" = ok ] && started="the node is '$(node_state)', not idle, after 30 s"
  slurm_local_say "Slurm did not come up: $started; the logs:"
  for log in "$SLURM_LOCAL_MUNGE/munged.log" "$SLURM_LOCAL_DIR/slurmctld.log" \
      "$SLURM_LOCAL_DIR/slurmd.log"; do
    echo "==> $log <==" >&2
    tail -n 40 "$log" >&2 2>/dev/null || echo "(none)" >&2
  done
  bash "$here/stop.sh" || true
  exit 1
fi
cpus=${node#*CPUs=}
slurm_local_say "up: node $host idle, ${cpus%% *} CPUs, ports $ctld_port/$slurmd_port," \
  "state in $SLURM_LOCAL_DIR"
print_export
