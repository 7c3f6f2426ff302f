#!/usr/bin/env bash
# Stops the local Slurm that start.sh started: cancels its jobs, then ends slurmd, slurmctld and
# munged by the PIDs they recorded (never by name: other Slurm or munge instances may run).
# Stopping one that is not running says so and succeeds. MPINMF_SLURM_DIR as for start.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
slurm_local_become_root "$@"

running=0
while read -r name pid_file mark; do
  if slurm_local_pid "$pid_file" "$mark" >/dev/null; then
    running=1
  fi
done < <(slurm_local_daemons)
if [ $running -eq 0 ]; then
  slurm_local_say "not running (state in $SLURM_LOCAL_DIR)"
  rm -f "$SLURM_LOCAL_DIR/slurmd.pid" "$SLURM_LOCAL_DIR/slurmctld.pid" \
    "$SLURM_LOCAL_MUNGE/munged.pid"
  exit 0
fi

# Jobs first: their steps (slurmstepd and the ranks) outlive slurmd otherwise.
export SLURM_CONF="$SLURM_LOCAL_CONF"
if slurm_local_pid "$SLURM_LOCAL_DIR/slurmctld.pid" "$SLURM_LOCAL_CONF" >/dev/null; then
  mapfile -t jobs < <(timeout 10 squeue -h -o %A 2>/dev/null || true)
  if [ ${#jobs[@]} -gt 0 ]; then
    timeout 10 scancel "${jobs[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      [ -z "$(timeout 10 squeue -h -t running,completing -o %A 2>/dev/null || true)" ] && break
      sleep 0.2
    done
  fi
fi

# In reverse order of starting; TERM, then KILL after 10 s.
while read -r name pid_file mark; do
  pid=$(slurm_local_pid "$pid_file" "$mark") || continue
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    slurm_local_pid "$pid_file" "$mark" >/dev/null || break
    sleep 0.1
  done
  if slurm_local_pid "$pid_file" "$mark" >/dev/null; then
    slurm_local_say "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
done < <(slurm_local_daemons | tac)
slurm_local_say "stopped (state and logs kept in $SLURM_LOCAL_DIR)"
