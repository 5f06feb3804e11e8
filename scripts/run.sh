#!/usr/bin/env bash
# make run: the launch-day simulator on an in-process MySQL server, and
# kos_exporter on the shipped collectors.yaml (or COLLECTORS) against it.
# Ctrl-C stops both.
set -euo pipefail
BIN=${BIN:-bin}
SPEED=${SPEED:-60}
START=${START:-}
PLAN=${PLAN:-}
SIM_ADDR=${SIM_ADDR:-127.0.0.1:3307}
SIM_ADMIN=${SIM_ADMIN:-127.0.0.1:9180}
LISTEN=${LISTEN:-:9847}
COLLECTORS=${COLLECTORS:-collectors.yaml}
# collectors-live.yaml counts finished rows and the call logs since
# midnight: the simulator must keep them that long.
RETENTION=${RETENTION:-}
if [ -z "$RETENTION" ] && [ "$(basename "$COLLECTORS")" = collectors-live.yaml ]; then
	RETENTION=25h
fi

sim_args=(--listen "$SIM_ADDR" --admin.listen "$SIM_ADMIN" --speed "$SPEED")
[ -n "$START" ] && sim_args+=(--start "$START")
[ -n "$PLAN" ] && sim_args+=(--plan "$PLAN")
[ -n "$RETENTION" ] && sim_args+=(--retention "$RETENTION")
IFS=',' read -ra incidents <<<"${INCIDENTS:-}"
for i in "${incidents[@]}"; do
	[ -n "$i" ] && sim_args+=(--incident "$i")
done

pids=()
stop() {
	trap - INT TERM EXIT
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$BIN/kos_launchsim" "${sim_args[@]}" &
pids+=($!)

# Wait for the simulator's MySQL port before starting the exporter.
host=${SIM_ADDR%:*} port=${SIM_ADDR##*:}
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && break
	kill -0 "${pids[0]}" 2>/dev/null || { echo "kos_launchsim exited" >&2; exit 1; }
	sleep 0.1
done

KOS_DSN="root@tcp($SIM_ADDR)/kos" "$BIN/kos_exporter" --config.file "$COLLECTORS" --web.listen-address "$LISTEN" &
pids+=($!)

url_port=${LISTEN##*:}
clock_from=${START:-the opening}
cat <<MSG

  kos_launchsim  MySQL on $SIM_ADDR (database kos, user root), admin API on http://$SIM_ADMIN/incidents
  kos_exporter   http://localhost:$url_port/metrics   (landing page http://localhost:$url_port/), collectors from $COLLECTORS

  Simulated clock:      curl http://$SIM_ADMIN/clock   (from $clock_from, ${SPEED}x real time)
  Inject an incident:   curl -X POST http://$SIM_ADMIN/incidents/kait_lag
  Flip the SKIP switch: curl -X POST 'http://$SIM_ADMIN/switches/kait_insurance_precheck_skip?on=true'
  Ctrl-C stops both.

MSG
wait -n "${pids[@]}"
