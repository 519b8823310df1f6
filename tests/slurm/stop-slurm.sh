#!/usr/bin/env bash
# Stop what start-slurm.sh started (by its pid files), leaving other processes alone.
set -uo pipefail
DIR="${MEDIAANON_SLURM_DIR:-/tmp/mediaanon-slurm}"
for pidfile in "$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/munge/munged.pid"; do
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
done
echo "stop-slurm: stopped"
