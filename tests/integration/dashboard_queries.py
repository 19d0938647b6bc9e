#!/usr/bin/env python3
"""Runs every query of a Grafana dashboard (and of Prometheus rule files)
against a real database, for tests/integration/dashboard_*.sh; never run by
itself.

  dashboard_queries.py influx DASHBOARD URL DB HOST NAMESPACE POD OUT
  dashboard_queries.py prometheus DASHBOARD URL INSTANCE NAMESPACE POD OUT
  dashboard_queries.py rules URL FIRING RULES_FILE...

The dashboard's template variable queries are run first, each with the
variables before it set: the selection given must be among the values each
offers (what a user picks in Grafana). Then every panel query, the variables
substituted as Grafana does ($timeFilter, $__interval, regex-escaped values in
/^$var$/): no error, at least one series, and every column (InfluxQL) or
every query (PromQL) with data. OUT gets the results, for the PNG.

rules: every recording rule's expression returns data; every alert's
expression runs without error, and returns data with its threshold
comparisons taken out; the alerts named in FIRING (comma-separated) return
data with them too (they fire on the test's data), the others none.
One line on stderr and exit 1 at the first fault.
"""
import json
import re
import sys
import urllib.parse
import urllib.request

import yaml


def fail(msg):
    print(f"dashboard_queries: {msg}", file=sys.stderr)
    sys.exit(1)


def get(url, params):
    q = urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(f"{url}?{q}", timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def regex_escape(v):
    # Grafana's escaping of a value put into a regex (templateSrv, regex format)
    return re.sub(r"([\\^$*+?.()|{}\[\]/])", r"\\\1", v)


def substitute(q, values, regex_in, extra):
    for k, v in extra.items():
        q = q.replace(k, v)
    for name, v in values.items():
        if regex_in:
            q = q.replace(f"/^${name}$/", f"/^{regex_escape(v)}$/")
        q = re.sub(r"\$(\{%s\}|%s\b)" % (name, name), lambda _m: v, q)
    if "$" in q.replace("$/", ""):
        fail(f"a variable left in: {q}")
    return q


def panels_of(dash):
    for p in dash["panels"]:
        yield p
        yield from p.get("panels", [])


def check_dashboard(dash, kind, query_key):
    """What Grafana's import needs: the data source as an input, on every
    panel and target; unique panel ids; panels within the 24-column grid."""
    ds = {"influxdb": "${DS_INFLUXDB}", "prometheus": "${DS_PROMETHEUS}"}[kind]
    if not any(i.get("pluginId") == kind and "${%s}" % i["name"] == ds for i in dash.get("__inputs", [])):
        fail(f"no __inputs entry for the {kind} data source {ds}")
    ids = [p["id"] for p in panels_of(dash)]
    if len(ids) != len(set(ids)):
        fail(f"panel ids are not unique: {ids}")
    for p in panels_of(dash):
        g = p["gridPos"]
        if g["x"] < 0 or g["x"] + g["w"] > 24:
            fail(f"panel '{p['title']}' is outside the grid: {g}")
        if not p.get("targets"):
            fail(f"panel '{p['title']}' has no query")
        for t in [p] + p["targets"]:
            if t.get("datasource") != {"type": kind, "uid": ds}:
                fail(f"panel '{p['title']}': data source {t.get('datasource')}, not {ds}")
        for t in p["targets"]:
            if not t.get(query_key):
                fail(f"panel '{p['title']}' ({t.get('refId')}): no {query_key}")
            if kind == "influxdb" and (t.get("rawQuery") is not True or t.get("resultFormat") not in ("time_series", "table")):
                fail(f"panel '{p['title']}' ({t['refId']}): not a raw InfluxQL query with a result format")
    for v in dash["templating"]["list"]:
        if v.get("datasource") != {"type": kind, "uid": ds} or v.get("type") != "query":
            fail(f"variable {v['name']}: not a query on {ds}")


# ---- InfluxDB ---------------------------------------------------------------
def influx_query(url, db, q):
    a = get(url + "/query", {"db": db, "q": q, "epoch": "ms"})
    errs = [a.get("error")] + [r.get("error") for r in a.get("results", [])]
    errs = [e for e in errs if e]
    if errs:
        fail(f"InfluxQL error: {errs[0]}\n  query: {q}")
    return a["results"][0].get("series", [])


def influx(dash_file, url, db, host, namespace, pod, out):
    dash = json.load(open(dash_file))
    check_dashboard(dash, "influxdb", "query")
    sel = {"host": host, "namespace": namespace, "pod": pod}
    values, results = {}, {"selection": sel, "panels": []}
    # the interval Grafana picks for a short range: the batches are a second apart
    extra = {"$timeFilter": "time > now() - 1h", "$__interval": "1s", "$interval": "1s"}
    for v in dash["templating"]["list"]:
        q = substitute(v["query"], values, True, extra)
        offered = sorted({row[1] for s in influx_query(url, db, q) for row in s["values"]})
        if sel[v["name"]] not in offered:
            fail(f"variable ${v['name']} does not offer '{sel[v['name']]}' (offers {offered})\n  query: {q}")
        values[v["name"]] = sel[v["name"]]
        results.setdefault("variables", {})[v["name"]] = offered
    n = 0
    for p in panels_of(dash):
        for t in p.get("targets", []):
            q = substitute(t["query"], values, True, extra)
            series = influx_query(url, db, q)
            if not series:
                fail(f"panel '{p['title']}' ({t['refId']}): no series\n  query: {q}")
            cols = series[0]["columns"]
            for i, c in enumerate(cols):
                if c == "time":
                    continue
                if all(row[i] is None for s in series for row in s["values"]):
                    fail(f"panel '{p['title']}' ({t['refId']}): column '{c}' has no data\n  query: {q}")
            n += 1
            results["panels"].append({"id": p["id"], "title": substitute(p["title"], values, False, {}),
                                      "type": p["type"], "query": q, "series": series})
    json.dump(results, open(out, "w"), indent=1)
    print(f"{n} panel queries and {len(values)} variable queries returned data")


# ---- Prometheus -------------------------------------------------------------
def prom_query(url, q):
    a = get(url + "/api/v1/query", {"query": q})
    if a.get("status") != "success":
        fail(f"PromQL error: {a.get('errorType')}: {a.get('error')}\n  query: {q}")
    if a["data"]["resultType"] != "vector":
        fail(f"PromQL: a {a['data']['resultType']}, not an instant vector\n  query: {q}")
    return a["data"]["result"]


PROM_EXTRA = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def label_values(url, q):
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q.strip())
    if not m:
        fail(f"not a label_values() query: {q}")
    a = get(url + f"/api/v1/label/{m.group(2)}/values", {"match[]": m.group(1)})
    if a.get("status") != "success":
        fail(f"label values error: {a.get('error')}\n  query: {q}")
    return a["data"]


def prometheus(dash_file, url, instance, namespace, pod, out):
    dash = json.load(open(dash_file))
    check_dashboard(dash, "prometheus", "expr")
    sel = {"instance": instance, "namespace": namespace, "pod": pod}
    values, results = {}, {"selection": sel, "panels": []}
    for v in dash["templating"]["list"]:
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        q = substitute(q, values, False, PROM_EXTRA)
        offered = label_values(url, q)
        if sel[v["name"]] not in offered:
            fail(f"variable ${v['name']} does not offer '{sel[v['name']]}' (offers {offered})\n  query: {q}")
        values[v["name"]] = sel[v["name"]]
    n = 0
    for p in panels_of(dash):
        for t in p.get("targets", []):
            q = substitute(t["expr"], values, False, PROM_EXTRA)
            r = prom_query(url, q)
            if not r:
                fail(f"panel '{p['title']}' ({t['refId']}): no data\n  query: {q}")
            n += 1
            results["panels"].append({"id": p["id"], "title": substitute(p["title"], values, False, {}),
                                      "type": p["type"], "query": q, "legend": t.get("legendFormat"), "result": r})
    json.dump(results, open(out, "w"), indent=1)
    print(f"{n} panel queries and {len(values)} variable queries returned data")


COMPARISON = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(bool\s+)?[0-9.eE+-]+(?![\w:])")


def rules(url, firing, files):
    want = {a for a in firing.split(",") if a}
    seen, n_rec, n_alert = set(), 0, 0
    for f in files:
        for g in yaml.safe_load(open(f))["groups"]:
            for r in g["rules"]:
                expr = r["expr"]
                if "record" in r:
                    if not prom_query(url, expr):
                        fail(f"recording rule {r['record']}: no data\n  expr: {expr}")
                    n_rec += 1
                    continue
                name = r["alert"]
                seen.add(name)
                res = prom_query(url, expr)
                bare = COMPARISON.sub("", expr)
                if bare == expr:
                    fail(f"alert {name}: no threshold comparison to take out\n  expr: {expr}")
                if not prom_query(url, bare):
                    fail(f"alert {name}: no data without its thresholds\n  expr: {bare}")
                if name in want and not res:
                    fail(f"alert {name} does not fire on the test's data\n  expr: {expr}")
                if name not in want and res:
                    fail(f"alert {name} fires on the test's data: {res[0]['metric']}\n  expr: {expr}")
                n_alert += 1
    if want - seen:
        fail(f"no such alerts: {sorted(want - seen)}")
    print(f"{n_rec} recording rules returned data; {n_alert} alert expressions ran, "
          f"{len(want)} fire as expected ({', '.join(sorted(want))})")


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 8 and a[0] == "influx":
        influx(*a[1:])
    elif len(a) == 7 and a[0] == "prometheus":
        prometheus(*a[1:])
    elif len(a) >= 4 and a[0] == "rules":
        rules(a[1], a[2], a[3:])
    else:
        fail(__doc__)
