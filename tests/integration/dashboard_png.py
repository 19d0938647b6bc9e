#!/usr/bin/env python3
"""Draws the panels of conf/grafana/podmem-influxdb.json from the results
dashboard_queries.py saved (the same query answers InfluxDB gave), laid out
by the panels' gridPos, into a PNG: docs/dashboard.png, by `make
dashboard-png`. A picture of what a user sees in Grafana, not Grafana's own.

  dashboard_png.py RESULTS.json OUT.png
"""
import json
import sys
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BG, PANEL, TEXT, DIM = "#111217", "#181b1f", "#d8d9da", "#8e8e8e"
COLORS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#96d98d"]


def human(v):
    if v is None:
        return "-"
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(v) >= div:
            return f"{v / div:.1f} {unit}"
    return f"{v:.0f} B"


def short_path(p, n=46):
    return p if len(p) <= n else "…" + p[-(n - 1):]


def draw_pie(ax, s):
    cols, row = s["columns"][1:], s["values"][0][1:]
    vals = [max(v or 0, 0) for v in row]
    wedges, _ = ax.pie(vals, colors=COLORS[: len(vals)], startangle=90, counterclock=False,
                       wedgeprops={"linewidth": 1, "edgecolor": PANEL})
    total = sum(vals) or 1
    ax.legend(wedges, [f"{c}  {human(v)}  {100 * v / total:.0f}%" for c, v in zip(cols, vals)],
              loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, labelcolor=TEXT, fontsize=8)
    ax.set_aspect("equal")


def draw_stat(ax, s):
    cols, row = s["columns"][1:], s["values"][0][1:]
    ax.axis("off")
    for i, (c, v) in enumerate(zip(cols, row)):
        y = 0.85 - i * 0.24
        ax.text(0.02, y, c, color=DIM, fontsize=9, transform=ax.transAxes, va="center")
        ax.text(0.98, y, human(v), color=COLORS[i % len(COLORS)], fontsize=16, fontweight="bold",
                transform=ax.transAxes, va="center", ha="right")


def draw_table(ax, series, top_field=None):
    ax.axis("off")
    rows, header = [], None
    for s in series:
        tags = s.get("tags") or {}
        cols = [c for c in s["columns"] if c != "time"]
        for r in s["values"]:
            d = dict(zip(s["columns"], r))
            if header is None:
                header = list(tags) + cols
            rows.append([tags[k] for k in tags] + [d[c] for c in cols])
    if not rows:
        return
    # bytes columns (numbers) right-aligned as sizes; the largest first
    num = [i for i, v in enumerate(rows[0]) if isinstance(v, (int, float))]
    key = num[0] if num else 0
    rows.sort(key=lambda r: -(r[key] or 0))
    if "path" in header:  # the file table: by charged bytes, as the dashboard sorts it
        k = header.index("charged")
        rows.sort(key=lambda r: -(r[k] or 0))
    cells = [[human(v) if i in num else (short_path(str(v)) if header[i] == "path" else str(v))
              for i, v in enumerate(r)] for r in rows[:10]]
    t = ax.table(cellText=cells, colLabels=header, loc="upper center", cellLoc="left", colLoc="left")
    t.auto_set_font_size(False)
    t.set_fontsize(7.5)
    for (r, c), cell in t.get_celld().items():
        cell.set_edgecolor("#2c3235")
        cell.set_facecolor(PANEL if r else "#22252b")
        cell.get_text().set_color(TEXT if r else DIM)
        if c in num:
            cell.get_text().set_horizontalalignment("right")
    t.auto_set_column_width(list(range(len(header))))
    t.scale(1, 1.25)


def draw_timeseries(ax, s):
    times = [datetime.fromtimestamp(r[0] / 1000, timezone.utc) for r in s["values"]]
    for i, c in enumerate(s["columns"][1:], start=1):
        ys = [r[i] for r in s["values"]]
        ax.plot(times, ys, marker="o", markersize=3, color=COLORS[(i - 1) % len(COLORS)],
                label=f"{c}  {human(ys[-1])}", linestyle="--" if c == "limit" else "-")
    ax.set_yscale("log", base=2)
    ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator([2.0 ** e for e in range(10, 44, 3)]))
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: human(v)))
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%H:%M:%S"))
    ax.tick_params(colors=DIM, labelsize=7)
    for sp in ax.spines.values():
        sp.set_color("#2c3235")
    ax.grid(color="#2c3235", linewidth=0.5)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, labelcolor=TEXT, fontsize=8)


def main(results_file, out, dashboard="conf/grafana/podmem-influxdb.json"):
    res = json.load(open(results_file))
    dash = json.load(open(dashboard))
    grid = {p["id"]: p["gridPos"] for p in dash["panels"]}
    rows = max(g["y"] + g["h"] for g in grid.values())
    fig = plt.figure(figsize=(16, rows * 0.3), facecolor=BG)
    sel = res["selection"]
    fig.text(0.01, 0.997, f"podmem: pod memory (InfluxDB)    node {sel['host']}   namespace {sel['namespace']}   pod {sel['pod']}",
             color=TEXT, fontsize=12, ha="left", va="top")
    for p in res["panels"]:
        g = grid[p["id"]]
        # figure coordinates from Grafana's 24-column grid, with a margin
        x0, w = g["x"] / 24 + 0.004, g["w"] / 24 - 0.008
        y0, h = 1 - (g["y"] + g["h"]) / rows * 0.975 - 0.02, g["h"] / rows * 0.975 - 0.01
        frame = fig.add_axes([x0, y0, w, h])
        frame.set_facecolor(PANEL)
        frame.set_xticks([])
        frame.set_yticks([])
        for sp in frame.spines.values():
            sp.set_color("#2c3235")
        frame.text(0.01, 0.97, p["title"], color=TEXT, fontsize=9.5, fontweight="bold", va="top",
                   transform=frame.transAxes)
        pad = 0.3 / g["h"]
        inner = [x0 + 0.01, y0 + h * 0.04, w * (0.55 if p["type"] in ("piechart", "timeseries") else 1) - 0.02, h * (0.96 - pad * 3)]
        if p["type"] == "timeseries":
            inner[2] = w * 0.8
            inner[0] = x0 + 0.04
            inner[1] = y0 + h * 0.1
            inner[3] = h * 0.78
        ax = fig.add_axes(inner)
        ax.set_facecolor(PANEL)
        if p["type"] == "piechart":
            draw_pie(ax, p["series"][0])
        elif p["type"] == "stat":
            draw_stat(ax, p["series"][0])
        elif p["type"] == "table":
            draw_table(ax, p["series"])
        elif p["type"] == "timeseries":
            draw_timeseries(ax, p["series"][0])
    fig.savefig(out, dpi=80, facecolor=BG)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
