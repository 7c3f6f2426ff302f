# Shared by start.sh and stop.sh: where the local Slurm keeps its state, and its daemons' PIDs.
# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

# One state folder per checkout (config, logs, spool, munge key and socket), under /tmp: munged
# wants every folder above its socket open to all, which a checkout under /root is not.
checkout_hash=$(printf %s "$MPINMF_ROOT" | md5sum | cut -c1-8)
SLURM_LOCAL_DIR="${MPINMF_SLURM_DIR:-/tmp/mpinmf-slurm-$checkout_hash}"
SLURM_LOCAL_CONF="$SLURM_LOCAL_DIR/slurm.conf"
SLURM_LOCAL_MUNGE="$SLURM_LOCAL_DIR/munge"
SLURM_LOCAL_SOCKET="$SLURM_LOCAL_MUNGE/munge.socket"

# Runs the calling script again as root through sudo when needed: the daemons run as root, munged
# as the munge user.
slurm_local_become_root() {
  if [ "$(id -u)" -ne 0 ]; then
    exec sudo env MPINMF_SLURM_DIR="$SLURM_LOCAL_DIR" MPINMF_BUILD="$MPINMF_BUILD" bash "$0" "$@"
  fi
}

# Prints the PID recorded in pid file $1 when that process is alive and its command line names
# $2 (this instance's config or socket), so a stale file never points at another process.
slurm_local_pid() {
  local file=$1 mark=$2 pid cmdline
  [ -s "$file" ] || return 1
  # A daemon that is stopping removes its file at any moment; bash's $(<file) would end the
  # calling script under `set -e` when the file has just gone, cat merely fails.
  pid=$(cat "$file" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmdline == *"$mark"* ]] || return 1
  echo "$pid"
}

# name, pid file and the mark on its command line, for each daemon, in the order they start.
slurm_local_daemons() {
  echo "munged $SLURM_LOCAL_MUNGE/munged.pid $SLURM_LOCAL_SOCKET"
  echo "slurmctld $SLURM_LOCAL_DIR/slurmctld.pid $SLURM_LOCAL_CONF"
  echo "slurmd $SLURM_LOCAL_DIR/slurmd.pid $SLURM_LOCAL_CONF"
}

slurm_local_say() {
  echo "slurm-local: $*" >&2
}
