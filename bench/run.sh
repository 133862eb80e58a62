#!/bin/bash
# bench/run.sh: side-by-side benchmark of our daemon (A) against the
# reference memcached (B).  One command:
#
#   bench/run.sh                      # all workloads, defaults below
#   OURS=/path/to/memcached bench/run.sh
#   ROUNDS=5 DURATION=10 WORKLOADS="get set" bench/run.sh
#   bench/run.sh --quick              # one short round of everything, to
#                                     # prove the harness works (make check)
#
# For every workload and round it starts a fresh server on a free loopback
# port, runs bench/loadgen against it, stops it, and does the same for the
# other side: A B A B ... for ROUNDS rounds.  A fresh server per run (rather
# than flush_all) is used so that memory figures start from an empty slab
# allocator and no run inherits the previous one's LRU or hash-table size.
# It prints, per workload, the median of each side and the ratio ours/ref,
# and writes the table to $OUT/results.md (raw loadgen lines beside it).
# Beside throughput it reports each server's CPU time (user+system, from
# /proc/PID/stat, over the whole loadgen run including its preload) per
# measured request: on a machine whose cores the load generator shares,
# that figure is steadier than throughput and says where the time went.
# The exit status is non-zero if any run failed or a server died.
#
# Environment (defaults in brackets):
#   OURS       our binary; if unset, ./memcached (built if missing)
#   REF        reference binary [/usr/bin/memcached]
#   FLAGS      server flags for both [-t 2 -m 1024 -U 0]; -l 127.0.0.1,
#              -c 4096 and (as root) -u root are always added
#   ROUNDS     A/B rounds per workload [5]
#   DURATION   seconds per timed run [5]
#   RATE       total requests/s for the 1000-connection test [20000]
#   HR_GETS    gets in the hit-ratio test [500000]
#   LG_THREADS loadgen threads [2]
#   WORKLOADS  subset, space separated
#              [get set mget pipe big conn1000 fill hitratio]
#   OUT        output directory [bench/out]
#   FILL_MB    -m of the fill and hitratio tests [64]
#
# --quick sets ROUNDS=1 DURATION=1 RATE=2000 HR_GETS=20000 FILL_MB=8 (each
# still overridable) and OUT=bench/out-quick: the figures mean nothing,
# only the exit status does.
set -u

if [ "${1:-}" = "--quick" ]; then
    : "${ROUNDS:=1}" "${DURATION:=1}" "${RATE:=2000}" "${HR_GETS:=20000}"
    : "${FILL_MB:=8}" "${OUT:=$(cd "$(dirname "$0")" && pwd)/out-quick}"
    shift
fi

cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BENCH=$ROOT/bench
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
RATE=${RATE:-20000}
HR_GETS=${HR_GETS:-500000}
LG_THREADS=${LG_THREADS:-2}
FLAGS=${FLAGS:--t 2 -m 1024 -U 0}
REF=${REF:-/usr/bin/memcached}
OUT=${OUT:-$BENCH/out}
WORKLOADS=${WORKLOADS:-get set mget pipe big conn1000 fill hitratio}
FILL_MB=${FILL_MB:-64}
FAILED=0
LOADGEN=$BENCH/loadgen
SPID=""

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

stop_server() {
    [ -n "$SPID" ] || return 0
    kill "$SPID" 2>/dev/null
    for _ in $(seq 1 40); do
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$SPID" 2>/dev/null
    wait "$SPID" 2>/dev/null
    SPID=""
}
trap stop_server EXIT
trap 'log interrupted; exit 130' INT TERM

build_ours() {
    if [ -n "${OURS:-}" ]; then
        [ -x "$OURS" ] || { log "OURS=$OURS is not executable"; exit 1; }
        return
    fi
    OURS=$ROOT/memcached
    [ -x "$OURS" ] && return
    log "building our daemon (release: -O2 -DNDEBUG)"
    if ! { { [ -x configure ] || autoreconf -fi; } &&
           { [ -f Makefile ] || ./configure; } &&
           make -j2 memcached; } >"$OUT/build.log" 2>&1; then
        log "build failed, see $OUT/build.log"
        exit 1
    fi
}

build_loadgen() {
    if [ ! -x "$LOADGEN" ] || [ "$BENCH/loadgen.c" -nt "$LOADGEN" ]; then
        cc -O2 -pthread -o "$LOADGEN" "$BENCH/loadgen.c" -lm ||
            { log "loadgen build failed"; exit 1; }
    fi
}

port_free() {
    [ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# start_server BIN EXTRA_FLAGS: sets SPID and SPORT, or returns 1.
start_server() {
    local bin=$1 extra=$2 user="" port
    [ "$(id -u)" -eq 0 ] && user="-u root"
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 30000))
        port_free "$port" || continue
        # shellcheck disable=SC2086  # flags are meant to split
        "$bin" -p "$port" -l 127.0.0.1 $user $FLAGS $extra -c 4096 \
            >>"$OUT/server.log" 2>&1 &
        SPID=$!
        for _ in $(seq 1 100); do
            if "$LOADGEN" -p "$port" -C version -H 2 >/dev/null 2>&1; then
                SPORT=$port
                return 0
            fi
            kill -0 "$SPID" 2>/dev/null || break
            sleep 0.05
        done
        stop_server
    done
    return 1
}

# Workload table: name | metric | better | extra server flags | loadgen args
workload() {
    local base="-t $LG_THREADS -T $DURATION"
    case $1 in
    get)  echo "ops_per_sec|higher||$base -P -c 50 -k 100000 -v 100 -r 0.9" ;;
    set)  echo "ops_per_sec|higher||$base -P -c 50 -k 100000 -v 100 -r 0.1" ;;
    mget) echo "ops_per_sec|higher||$base -P -c 50 -k 100000 -v 100 -r 1 -m 10" ;;
    pipe) echo "ops_per_sec|higher||$base -P -c 20 -d 16 -k 100000 -v 100 -r 1" ;;
    big)  echo "ops_per_sec|higher||$base -P -c 50 -k 10000 -v 16384 -r 0.9" ;;
    conn1000)
          echo "p99_us|lower||$base -P -c 1000 -R $RATE -k 100000 -v 100 -r 0.9" ;;
    fill) echo "items_per_mb|higher|-m $FILL_MB|-t 1 -c 8 -D 16 -F -v 100" ;;
    hitratio)
          echo "hit_ratio|higher|-m $FILL_MB|-t $LG_THREADS -c 50 -d 1 -G -r 1 -z 0.99 -k 1000000 -v 100 -V 1000 -n $HR_GETS" ;;
    *) return 1 ;;
    esac
}

describe() {
    case $1 in
    get)  echo "get-heavy 90/10, 100 B, 50 conns" ;;
    set)  echo "set-heavy 10/90, 100 B, 50 conns" ;;
    mget) echo "10-key multi-get (requests/s), 50 conns" ;;
    pipe) echo "pipelined gets, depth 16, 20 conns" ;;
    big)  echo "16 KB values, 90/10, 50 conns" ;;
    conn1000) echo "1000 conns at $RATE req/s total: p99 us" ;;
    fill) echo "-m $FILL_MB, 100 B values: items per MB at first eviction" ;;
    hitratio) echo "-m $FILL_MB, get/set-on-miss, Zipf 0.99, 1M keys, 100-1000 B" ;;
    esac
}

# Server CPU time so far (utime+stime), in clock ticks.
cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# run_one SIDE BIN NAME ROUND: sets RUN_VAL to the metric, FAIL or CRASH.
# Not run in a $(...) subshell, so the EXIT trap always sees SPID.
run_one() {
    local side=$1 bin=$2 name=$3 round=$4 spec metric extra args raw rc
    local t0 t1 ops
    spec=$(workload "$name") || { log "unknown workload $name"; exit 1; }
    IFS='|' read -r metric _ extra args <<<"$spec"
    raw="$OUT/raw/$name.$side.$round.txt"
    if ! start_server "$bin" "$extra"; then
        echo "START-FAIL" >"$raw"
        RUN_VAL=FAIL
        FAILED=1
        return
    fi
    t0=$(cpu_ticks "$SPID")
    # shellcheck disable=SC2086
    timeout -k 5 $((DURATION + 120)) "$LOADGEN" -p "$SPORT" $args \
        >"$raw" 2>&1
    rc=$?
    if ! kill -0 "$SPID" 2>/dev/null; then
        echo "server died (rc loadgen $rc)" >>"$raw"
        SPID=""
        RUN_VAL=CRASH
        FAILED=1
        return
    fi
    t1=$(cpu_ticks "$SPID")
    ops=$(grep -o '\bops=[0-9]*' "$raw" | tail -1 | cut -d= -f2)
    if [ -n "$ops" ] && [ "$ops" -gt 0 ]; then
        echo "server_cpu_us_per_op=$(awk -v t=$((t1 - t0)) -v o="$ops" \
            -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t * 1e6 / hz / o}')" \
            >>"$raw"
    fi
    stop_server
    local v
    v=$(grep -o "\b$metric=[0-9.]*" "$raw" | tail -1 | cut -d= -f2)
    if [ "$rc" -ne 0 ] || [ -z "$v" ]; then
        echo "loadgen exit $rc" >>"$raw"
        RUN_VAL=FAIL
        FAILED=1
        return
    fi
    RUN_VAL=$v
}

median() {
    tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -g |
        awk '{a[NR]=$1} END {if (NR==0) {print "n/a"; exit}
             if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

# raw_median WORKLOAD SIDE KEY: median of KEY=value over the side's runs.
raw_median() {
    local f vals=""
    for f in "$OUT/raw/$1.$2".*.txt; do
        vals="$vals $(grep -o "\b$3=[0-9.]*" "$f" | tail -1 | cut -d= -f2)"
    done
    echo "$vals" | median
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "n/a";
        else printf "%.2f\n", a / b }'
}

bench_workload() {
    local name=$1 r va vb all_a="" all_b="" metric better ma mb
    IFS='|' read -r metric better _ <<<"$(workload "$name")"
    for r in $(seq 1 "$ROUNDS"); do
        run_one ours "$OURS" "$name" "$r"
        va=$RUN_VAL
        run_one ref "$REF" "$name" "$r"
        vb=$RUN_VAL
        log "$name round $r: ours $metric=$va ref $metric=$vb"
        all_a="$all_a $va"
        all_b="$all_b $vb"
    done
    ma=$(echo "$all_a" | median)
    mb=$(echo "$all_b" | median)
    local ca cb
    ca=$(raw_median "$name" ours server_cpu_us_per_op)
    cb=$(raw_median "$name" ref server_cpu_us_per_op)
    printf '| %s | %s | %s (%s) | %s | %s | %s | %s / %s | %s / %s (%s) |%s |%s |\n' \
        "$name" "$(describe "$name")" "$metric" "$better" "$ma" "$mb" \
        "$(ratio "$ma" "$mb")" "$(raw_median "$name" ours p99_us)" \
        "$(raw_median "$name" ref p99_us)" "$ca" "$cb" "$(ratio "$ca" "$cb")" \
        "$all_a" "$all_b" >>"$OUT/rows.md"
}

main() {
    mkdir -p "$OUT/raw"
    rm -f "$OUT"/raw/*.txt "$OUT/rows.md" "$OUT/server.log"
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
    if [ "$(ulimit -n)" -lt 2200 ]; then
        log "ulimit -n is $(ulimit -n); the 1000-connection test needs ~2200"
    fi
    build_ours
    build_loadgen
    log "ours: $OURS  ref: $REF  flags: $FLAGS  rounds: $ROUNDS"
    local start=$SECONDS w
    for w in $WORKLOADS; do
        workload "$w" >/dev/null || { log "unknown workload $w"; exit 1; }
        bench_workload "$w"
    done
    {
        echo "Machine: $(nproc) cores, Linux $(uname -r), $(date -u '+%F %T UTC')"
        echo "Ours: \`$OURS\`; reference: \`$REF\` ($("$REF" -V 2>&1 | head -1))"
        echo "Server flags: \`$FLAGS\` (+ \`-l 127.0.0.1 -c 4096\`);" \
             "$ROUNDS alternating A/B rounds, ${DURATION}s per timed run;" \
             "took $((SECONDS - start))s"
        echo
        echo "| workload | what | metric | ours (median) | ref (median) |" \
             "ours/ref | p99 us ours / ref | server CPU us/op ours / ref" \
             "(ratio) | ours runs | ref runs |"
        echo "|---|---|---|---|---|---|---|---|---|---|"
        cat "$OUT/rows.md"
    } >"$OUT/results.md"
    cat "$OUT/results.md"
    if [ "$FAILED" -ne 0 ]; then
        log "some runs failed (FAIL/CRASH above); raw output in $OUT/raw"
        exit 1
    fi
}

main "$@"
