#!/usr/bin/env bash
# Start a one-node Slurm (munged + slurmctld + slurmd) for the job-array test.
#
# Idempotent: when the daemons already answer, it does nothing.  Everything it
# writes lives under $MEDIAANON_SLURM_DIR (default /tmp/mediaanon-slurm); the
# clients find the cluster through SLURM_CONF=$MEDIAANON_SLURM_DIR/slurm.conf,
# so /etc/slurm is left alone.  Needs root (SlurmUser=root) and Debian's
# slurmctld, slurmd and munge packages.
set -euo pipefail
DIR="${MEDIAANON_SLURM_DIR:-/tmp/mediaanon-slurm}"
CONF="$DIR/slurm.conf"
export SLURM_CONF="$CONF"
for tool in munged slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null 2>&1 || { echo "start-slurm: $tool not installed" >&2; exit 1; }
done
mkdir -p "$DIR"/{state,spool,log,munge}
chmod 700 "$DIR/munge"

if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
  echo "start-slurm: already running ($CONF)"
  exit 0
fi

# munge: a key of our own, socket in the default place (where Slurm's auth/munge looks)
if [ ! -s "$DIR/munge/munge.key" ]; then
  dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1 count=1024 status=none
  chmod 400 "$DIR/munge/munge.key"
fi
mkdir -p /run/munge
if ! munge -n >/dev/null 2>&1; then
  munged --force --key-file="$DIR/munge/munge.key" --pid-file="$DIR/munge/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed"
fi

CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
cat > "$CONF" <<CONF
ClusterName=mediaanon-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF

[ -f "$DIR/slurmctld.pid" ] && kill "$(cat "$DIR/slurmctld.pid")" 2>/dev/null || true
[ -f "$DIR/slurmd.pid" ] && kill "$(cat "$DIR/slurmd.pid")" 2>/dev/null || true
sleep 1
slurmctld -f "$CONF" -i
slurmd -f "$CONF" -N localhost
for _ in $(seq 1 60); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "start-slurm: one-node cluster up (SLURM_CONF=$CONF)"
    exit 0
  fi
  sleep 1
done
echo "start-slurm: the node did not come up; see $DIR/log" >&2
sinfo -N -l >&2 || true
exit 1
