#!/usr/bin/env bash
# podmem-execd -> a real InfluxDB 1.x, driven as Telegraf's inputs.execd with
# signal = "STDIN" drives it: a line on stdin, a batch back. For each fixture
# (hostile names on v1 and v2, a host without Kubernetes, names with a
# newline): two batches are POSTed to /write and queried back, and every
# measurement, tag and field must equal `podmem --json` of the same tree, as
# integers, at each batch's one timestamp.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"

influx_need

fixture_set "$T/fx" &
FIX_JOB=$!

influx_start

# influx_flat DB TS: every value stored at TS as "measurement|tags|field=value",
# tags sorted and the empty ones left out (GROUP BY * lists them all)
influx_flat() {
	influx_query "$1" "SELECT * FROM /^podmem_/ WHERE time = $2 GROUP BY *" | jq -r '
		.results[0].series[]? | .name as $m
		| (.tags | to_entries | map(select(.value != "")) | sort_by(.key) | map("\(.key)=\(.value)") | join(",")) as $t
		| .columns as $c | .values[] as $row
		| range(1; $c | length) as $i | select($row[$i] != null) | "\($m)|\($t)|\($c[$i])=\($row[$i])"'
}

wait $FIX_JOB || fail "fixture generation failed"
for fx in "${FIXTURES[@]}"; do
	dir=$T/fx/$fx
	fix_opts "$dir"
	db=podmem_${fx//-/_}
	podmem_json "${FIX_OPTS[@]}" >"$dir/sample.json"
	n=$(batch_lines "$dir/sample.json")

	# Telegraf's side: two gathers, then stdin closed
	execd_start "${FIX_OPTS[@]}"
	execd_batch "$n" "$dir/batch1.lp"
	execd_batch "$n" "$dir/batch2.lp"
	execd_finish
	# nothing said but, once each over the two batches, the log entries not trusted
	[ -z "$(grep -v "' is not trusted: " "$T/execd.err")" ] || fail "$fx: podmem-execd complained: $(cat "$T/execd.err")"
	untrusted=$(assert_untrusted_said "$dir" "$T/execd.err")
	case $fx in *-hostile) want=2 ;; v2-oddnames) want=1 ;; *) want=0 ;; esac
	assert_eq "$fx: untrusted log entries said" "$want" "$untrusted"
	ts1=$(batch_time "$dir/batch1.lp")
	ts2=$(batch_time "$dir/batch2.lp")
	[ "$ts1" != "$ts2" ] || fail "$fx: two batches share the timestamp $ts1"
	# integers everywhere: every field value ends in i
	bad=$(grep -v -E '^podmem_(node|pod|container)[, ]' "$dir/batch1.lp" | head -3 || true)
	assert_eq "$fx: lines with another measurement" "" "$bad"
	bad=$(awk '{ n = split($(NF-1), f, ","); for (i = 1; i <= n; i++) if (f[i] !~ /=[0-9]+i$/) print f[i] }' \
		"$dir/batch1.lp" | head -3)
	assert_eq "$fx: fields that are not integers" "" "$bad"

	influx_query "$db" "CREATE DATABASE $db" >/dev/null
	influx_write "$db" "$dir/batch1.lp"
	influx_write "$db" "$dir/batch2.lp"

	# every measurement, tag and field, equal to the JSON, at both timestamps
	json_influx <"$dir/sample.json" >"$dir/expect.flat"
	for ts in "$ts1" "$ts2"; do
		influx_flat "$db" "$ts" >"$dir/got.flat"
		assert_same_lines "$fx: InfluxDB at $ts vs podmem --json" "$dir/expect.flat" "$dir/got.flat"
	done
	# no type conflict: one type per field, and that type integer
	types=$(influx_query "$db" 'SHOW FIELD KEYS' | jq -r '[.results[0].series[].values[][1]] | unique | join(",")')
	assert_eq "$fx: field types" integer "$types"
	dup=$(influx_query "$db" 'SHOW FIELD KEYS' | jq -r '.results[0].series[] | .name as $m | .values[][0] | "\($m).\(.)"' |
		sort | uniq -d)
	assert_eq "$fx: fields stored under two types" "" "$dup"

	tagkeys=$(influx_query "$db" 'SHOW TAG KEYS' |
		jq -r '.results[0].series[] | "\(.name):\([.values[][0]] | join(","))"' | LC_ALL=C sort | tr '\n' ' ')
	measurements=$(influx_query "$db" 'SHOW MEASUREMENTS' | jq -r '[.results[0].series[0].values[][0]] | join(",")')
	case $fx in
	v2-nokube)
		# host groups (and what the core finds in them): no namespace, UID
		# or QoS, so those tags are left out
		assert_contains "$fx: measurements" "$measurements" podmem_node,podmem_pod
		assert_contains "$fx: tag keys" "$tagkeys" "podmem_pod:pod "
		for k in namespace pod_uid qos; do assert_not_contains "$fx: tag keys" "$tagkeys" "$k"; done
		;;
	v2-hostile)
		assert_eq "$fx: measurements" podmem_container,podmem_node,podmem_pod "$measurements"
		assert_eq "$fx: tag keys" "podmem_container:container,container_id,namespace,pod,pod_uid,qos,runtime,sandbox\
 podmem_pod:namespace,pod,pod_uid,qos " "$tagkeys"
		;;
	*)
		# cgroupfs: the runtime is unknown, so that tag is left out
		assert_eq "$fx: measurements" podmem_container,podmem_node,podmem_pod "$measurements"
		assert_eq "$fx: tag keys" \
			"podmem_container:container,container_id,namespace,pod,pod_uid,qos,sandbox podmem_pod:namespace,pod,pod_uid,qos " \
			"$tagkeys"
		;;
	esac
	# each container's runtime and sandbox tags, queried back, as podmem --json has them
	jq -r '.pods[].containers[]? | "\(.container_id)|\(.runtime)|\(.sandbox)"' "$dir/sample.json" >"$dir/expect.rs"
	influx_query "$db" "SELECT last(usage) FROM podmem_container GROUP BY container_id, runtime, sandbox" |
		jq -r '.results[0].series[]? | .tags | "\(.container_id)|\(.runtime)|\(.sandbox)"' >"$dir/got.rs"
	assert_same_lines "$fx: runtime and sandbox tags vs podmem --json" "$dir/expect.rs" "$dir/got.rs"
	grep -q '|true$' "$dir/expect.rs" || [ "$fx" = v2-nokube ] || fail "$fx: no sandbox container to check"
	case $fx in
	*-hostile)
		# the hostile log names are not trusted: the pod is tagged by its UID,
		# with no namespace tag, its containers by their IDs
		got=$(influx_query "$db" "SELECT last(usage) FROM podmem_container WHERE pod_uid = '$HOSTILE_UID' GROUP BY *" |
			jq -r '.results[0].series[] | .tags | "\(.namespace)|\(.pod)|\(.container == .container_id)"' | sort -u)
		assert_eq "$fx: the hostile pod's containers, tagged" "|$HOSTILE_UID|true" "$got"
		assert_eq "$fx: its containers" 2 "$(influx_query "$db" "SELECT last(usage) FROM podmem_container WHERE pod_uid = '$HOSTILE_UID' GROUP BY *" |
			jq '.results[0].series | length')"
		for kv in "namespace|$HOSTILE_NS" "pod|$HOSTILE_POD" "container|$HOSTILE_CTR"; do
			key=${kv%%|*} want=${kv#*|}
			got=$(influx_query "$db" "SHOW TAG VALUES FROM podmem_container WITH KEY = \"$key\"" |
				jq -r --arg w "$want" '.results[0].series[0].values[] | select(.[1] == $w) | .[1]')
			assert_eq "$fx: the untrusted $key is in no tag" "" "$got"
		done
		;;
	v2-nokube)
		# the hostile group names come back exactly as mktree.sh wrote them;
		# a newline cannot be in a tag: it arrives as the two characters \n;
		# the trailing backslash is dropped
		for want in "$HOSTILE_GROUP" 'grp\n7f9c\tx'; do
			got=$(influx_query "$db" "SHOW TAG VALUES FROM podmem_pod WITH KEY = \"pod\"" |
				jq -r --arg w "$want" '.results[0].series[0].values[] | select(.[1] == $w) | .[1]')
			assert_eq "$fx: tag pod round trip" "$want" "$got"
		done
		;;
	v2-oddnames)
		# the log directory with a newline is not trusted: the pod by its UID;
		# the unnamed pod has no namespace tag
		got=$(influx_query "$db" "SELECT usage FROM podmem_pod WHERE pod_uid = '3c4d5e6f-7081-4293-a4b5-0000000000c3' GROUP BY pod, namespace" |
			jq -r '.results[0].series[0].tags | "\(.namespace)|\(.pod)"')
		assert_eq "$fx: pod log directory with a newline and a tab" "|3c4d5e6f-7081-4293-a4b5-0000000000c3" "$got"
		got=$(influx_query "$db" "SELECT count(usage) FROM podmem_pod WHERE pod = '2a3b4c5d-6e7f-4081-9293-0000000000b2' AND namespace = ''" |
			jq -r '.results[0].series[0].values[0][1]')
		assert_eq "$fx: points of the unnamed pod, with no namespace tag" 2 "$got"
		;;
	esac
	note "$fx: $n lines a batch, 2 batches stored and equal to podmem --json, runtime and sandbox tags too"
done
