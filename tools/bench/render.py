#!/usr/bin/env python3
"""Renders the results of `sluice bench` (tools/bench/run.sh) as markdown and PNG charts.

usage: render.py --results DIR --charts DIR (--doc FILE | --report FILE)

  --doc FILE     rewrite, in FILE, the blocks between <!-- bench:NAME --> and
                 <!-- /bench:NAME --> (NAME: machine, or a suite) from the results; the
                 rest of FILE is left as it is (a full `sluice bench`: docs/BENCHMARKS.md)
  --report FILE  write a report of its own holding those blocks (`sluice bench --quick`:
                 build/bench/BENCHMARKS.quick.md)
  --charts DIR   where the PNG charts go (docs/bench/, or build/bench/ for --quick); they
                 are drawn with gnuplot (Debian's gnuplot-nox); without it, no charts

Every SUITE.tsv in the results directory is rendered, so the blocks of suites that did not
run this time keep the numbers of their last run (each says when that was).

THE RESULTS FORMAT
==================
A results directory holds one file per suite, SUITE.tsv, UTF-8 text. One record a line,
its fields separated by one tab character (no field holds a tab or a newline); empty
lines and lines starting with '#' are ignored. The first field names the record.

Written by run.sh around each suite (a suite's scripts do not write these):

  suite    NAME  TITLE            the suite; the file's first record
  machine  KEY   VALUE            the machine, one record a key: date, cpu, cores, memory,
                                  os, kernel, dpdk, qemu, gcc, valgrind, build, accel, commit
  run      KEY   VALUE            mode (full or quick), command (how sluice bench was run)
  status   STATE SECONDS [TEXT]   the last record: STATE is ok, failed (TEXT: the exit
                                  status) or skipped (TEXT: why); SECONDS the suite's wall
                                  time

Written by the suite's scripts, through the shell functions of tools/bench/results.sh
(res_table, res_cols, ...), to the file named by $BENCH_RESULTS:

  table  NAME TITLE               a table. NAME: letters, digits and _, unique within the
                                  results directory (so across suites); TITLE its heading
  cols   NAME HEADER...           its column headers, one field each
  row    NAME VALUE...            one row, one field a column, "-" for a value not had.
                                  Values are shown as they are written; a chart reads a
                                  value as a number after dropping "," and a trailing unit
                                  or "%" (so write 1234.5, not "about 1,234")
  cmd    NAME COMMAND             an exact command line that produced the table (any number)
  note   NAME TEXT                a line shown under the table (any number)
  hide   NAME                     the table is a chart's data only: no markdown table
  skip   NAME REASON              the table could not be measured on this machine, and why
  chart  NAME FILE KIND X Y SERIES TITLE
                                  a PNG chart of table NAME's rows, FILE.png under the
                                  charts directory (FILE: letters, digits, - and _; a path
                                  or a .png ending is reduced to that), shown in the
                                  markdown where table NAME is. Drawn only when the table
                                  has rows with numbers in them.
                                  KIND: lines (x and y numbers, a line per series; "line"
                                  is taken too), cdf (the same drawn as steps, y from 0 to
                                  1), bars (x the rows' labels, a bar per Y column), each
                                  with ",logx" and/or ",logy" for log scales (lines,logx).
                                  X: the header of the x column; Y: the header of the y
                                  column, or several joined by "|" (a line or bar each);
                                  SERIES: the header of the column whose values split the
                                  rows into series (lines, cdf), or "-" for none.

Records may come in any order; a table's rows keep theirs. A record naming a table that
had no table record makes one titled by its NAME. A table nothing was written for but a
skip is shown as not measured. Example (fields separated by tabs):

  table  nft_chart  Routers by rule count
  cols   nft_chart  router  rules  Mpps
  hide   nft_chart
  row    nft_chart  Linux nftables, list  10     0.502
  row    nft_chart  Linux nftables, list  10000  0.005
  chart  nft_chart  fw-nft  lines,logx,logy  rules  Mpps  router  Mpps against rule count
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SUITE_ORDER = ["l2fwd", "image", "fw", "nat", "lb", "mgmt", "ctl", "pktgen"]


class Table:
    def __init__(self, name):
        self.name = name
        self.title = name
        self.cols = []
        self.rows = []
        self.cmds = []
        self.notes = []
        self.hidden = False
        self.skips = []
        self.charts = []


class Suite:
    def __init__(self, name):
        self.name = name
        self.title = name
        self.machine = {}
        self.run = {}
        self.status = None  # (state, seconds, text)
        self.tables = []  # in order of first mention
        self.by_name = {}

    def table(self, name):
        t = self.by_name.get(name)
        if t is None:
            t = self.by_name[name] = Table(name)
            self.tables.append(t)
        return t


def read_suite(path):
    name = os.path.basename(path)[: -len(".tsv")]
    s = Suite(name)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            f_ = line.split("\t")
            kind, rest = f_[0], f_[1:]
            if kind == "suite":
                if len(rest) > 1:
                    s.title = rest[1]
            elif kind == "machine" and len(rest) >= 2:
                s.machine[rest[0]] = rest[1]
            elif kind == "run" and len(rest) >= 2:
                s.run[rest[0]] = rest[1]
            elif kind == "status" and rest:
                s.status = (rest[0], rest[1] if len(rest) > 1 else "", rest[2] if len(rest) > 2 else "")
            elif kind in ("table", "cols", "row", "cmd", "note", "hide", "skip", "chart") and rest and rest[0]:
                t = s.table(rest[0])
                v = rest[1:]
                if kind == "table":
                    t.title = v[0] if v else t.title
                elif kind == "cols":
                    t.cols = v
                elif kind == "row":
                    t.rows.append(v)
                elif kind == "cmd":
                    t.cmds.append(" ".join(v))
                elif kind == "note":
                    t.notes.append(" ".join(v))
                elif kind == "hide":
                    t.hidden = True
                elif kind == "skip":
                    t.skips.append(" ".join(v) or "not measured here")
                elif kind == "chart" and len(v) >= 5:
                    t.charts.append({
                        "file": v[0], "kind": v[1], "x": v[2], "y": v[3],
                        "series": v[4], "title": v[5] if len(v) > 5 else t.title,
                    })
            else:
                print(f"render: {path}: a record not understood: {line[:80]!r}", file=sys.stderr)
    return s


def read_results(d):
    suites = {}
    if os.path.isdir(d):
        for fn in os.listdir(d):
            if fn.endswith(".tsv"):
                s = read_suite(os.path.join(d, fn))
                suites[s.name] = s
    order = [n for n in SUITE_ORDER if n in suites] + sorted(n for n in suites if n not in SUITE_ORDER)
    return [suites[n] for n in order]


# ---- numbers -------------------------------------------------------------------------------

NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def number(v):
    """The number a value starts with ("1,234.5 ms", "26.5 %", "2M"), or None."""
    if v is None:
        return None
    m = NUM.match(v.strip().replace(",", ""))
    if not m:
        return None
    try:
        return float(m.group(0))
    except ValueError:
        return None


def is_numeric(v):
    v = v.strip()
    return v == "-" or v == "" or re.fullmatch(r"[+-]?[\d,]*\.?\d+([eE][+-]?\d+)?( ?%| ?[A-Za-z]{1,3})?", v) is not None


# ---- charts --------------------------------------------------------------------------------

def chart_file(name):
    base = os.path.basename(name)
    if base.endswith(".png"):
        base = base[:-4]
    base = re.sub(r"[^A-Za-z0-9_-]", "-", base)
    return base or "chart"


def gq(s):
    """A gnuplot string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def col_index(t, header):
    for i, c in enumerate(t.cols):
        if c == header:
            return i
    low = header.strip().lower()
    for i, c in enumerate(t.cols):
        if c.strip().lower() == low:
            return i
    return None


def cell(row, i):
    return row[i] if i is not None and i < len(row) else None


def y_label(ys):
    """The y axis's label: the column's header, or the unit in brackets several share."""
    if len(ys) == 1:
        return ys[0]
    units = {m.group(1) if m else None for m in (re.search(r"\(([^()]+)\)\s*$", y) for y in ys)}
    return units.pop() or "" if len(units) == 1 else ""


def draw_chart(t, spec, out_png, gnuplot):
    """Writes out_png; returns True when it did."""
    kinds = spec["kind"].split(",")
    kind = kinds[0].strip()
    opts = set(k.strip() for k in kinds[1:])
    if kind == "line":
        kind = "lines"
    ys = [y for y in spec["y"].split("|") if y]
    xi = col_index(t, spec["x"])
    yis = [col_index(t, y) for y in ys]
    si = None if spec["series"] in ("-", "") else col_index(t, spec["series"])
    if xi is None or any(i is None for i in yis) or (spec["series"] not in ("-", "") and si is None):
        print(f"render: chart {spec['file']}: table {t.name} has no column "
              f"{spec['x']!r}, {spec['y']!r} or {spec['series']!r}", file=sys.stderr)
        return False
    lines = [
        'set terminal pngcairo size 960,540 font "sans,10" noenhanced',
        f"set output {gq(out_png)}",
        f"set title {gq(spec['title'])}",
        "set grid",
        "set key outside below",
        'set datafile missing "?"',
    ]
    if "logx" in opts:
        lines.append("set logscale x")
    if "logy" in opts:
        lines.append("set logscale y")
    plots = []
    blocks = []
    if kind in ("lines", "cdf"):
        series = {}
        for r in t.rows:
            x = number(cell(r, xi))
            if x is None or ("logx" in opts and x <= 0):
                continue
            name = cell(r, si) if si is not None else ""
            for y_name, yi in zip(ys, yis):
                y = number(cell(r, yi))
                if y is None or ("logy" in opts and y <= 0):
                    continue
                label = name if len(ys) == 1 else (f"{name}: {y_name}" if name else y_name)
                series.setdefault(label or y_name, []).append((x, y))
        if not series:
            return False
        lines.append(f"set xlabel {gq(spec['x'])}")
        lines.append(f"set ylabel {gq(y_label(ys))}")
        if "logy" not in opts:
            lines.append("set yrange [0:1]" if kind == "cdf" else "set yrange [0:*]")
        for k, (label, pts) in enumerate(series.items()):
            pts.sort()
            blocks.append(f"$d{k} << EOD\n" + "\n".join(f"{x!r} {y!r}" for x, y in pts) + "\nEOD")
            style = "steps lw 2" if kind == "cdf" else "linespoints lw 2 pt 7"
            plots.append(f"$d{k} using 1:2 with {style} title {gq(label)}")
    elif kind == "bars":
        rows = []
        for r in t.rows:
            vals = [number(cell(r, yi)) for yi in yis]
            if all(v is None for v in vals):
                continue
            vals = [("?" if v is None or ("logy" in opts and v <= 0) else repr(v)) for v in vals]
            rows.append((cell(r, xi) or "", vals))
        if not rows:
            return False
        lines += [
            "set style data histograms",
            "set style histogram clustered gap 1",
            "set style fill solid 0.8 border -1",
            "set boxwidth 0.9",
            "set xtics rotate by -20 scale 0",
            f"set ylabel {gq(y_label(ys))}",
        ]
        if "logy" not in opts:
            lines.append("set yrange [0:*]")
        if "logy" in opts:
            lo = min(float(v) for _, vals in rows for v in vals if v != "?")
            lines.append(f"set yrange [{lo / 2!r}:*]")
        blocks.append("$d0 << EOD\n" + "\n".join(
            " ".join([gq(label)] + vals) for label, vals in rows) + "\nEOD")
        for k, y_name in enumerate(ys):
            plots.append(f"$d0 using {k + 2}{':xtic(1)' if k == 0 else ''} title {gq(y_name)}")
    else:
        print(f"render: chart {spec['file']}: unknown kind {spec['kind']!r}", file=sys.stderr)
        return False
    script = "\n".join(blocks + lines + ["plot " + ", \\\n     ".join(plots)]) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".gp", delete=False) as f:
        f.write(script)
        gp = f.name
    try:
        r = subprocess.run([gnuplot, gp], capture_output=True, text=True)
    finally:
        os.unlink(gp)
    if r.returncode != 0:
        print(f"render: gnuplot failed for {out_png}: {r.stderr.strip()[:400]}", file=sys.stderr)
        return False
    return True


# ---- markdown ------------------------------------------------------------------------------

def md_cell(v):
    return (v or "").replace("|", "\\|").strip() or " "


def md_table(t):
    ncols = max([len(t.cols)] + [len(r) for r in t.rows])
    cols = list(t.cols) + [""] * (ncols - len(t.cols))
    out = ["| " + " | ".join(md_cell(c) for c in cols) + " |"]
    aligns = []
    for i in range(ncols):
        vals = [r[i] for r in t.rows if i < len(r)]
        right = i > 0 and vals and all(is_numeric(v) for v in vals) and any(number(v) is not None for v in vals)
        aligns.append("---:" if right else "---")
    out.append("|" + "|".join(aligns) + "|")
    for r in t.rows:
        r = list(r) + ["-"] * (ncols - len(r))
        out.append("| " + " | ".join(md_cell(v) for v in r) + " |")
    return out


def machine_line(m):
    parts = []
    if m.get("cpu"):
        parts.append(m["cpu"])
    if m.get("cores"):
        parts.append(f"{m['cores']} cores")
    if m.get("memory"):
        parts.append(m["memory"])
    if m.get("os"):
        parts.append(m["os"])
    if m.get("kernel"):
        parts.append(f"Linux {m['kernel']}")
    if m.get("dpdk"):
        parts.append(f"DPDK {m['dpdk']}")
    if m.get("qemu"):
        parts.append(f"QEMU {m['qemu']}" + (f" ({m['accel']})" if m.get("accel") else ""))
    if m.get("gcc"):
        parts.append(f"gcc {m['gcc']}" + (f" {m['build']}" if m.get("build") else ""))
    if m.get("valgrind"):
        parts.append(m["valgrind"])
    if m.get("commit"):
        parts.append(f"commit {m['commit']}")
    return ", ".join(parts)


def same_machine(a, b):
    keys = ("cpu", "cores", "memory", "os", "kernel", "dpdk", "qemu", "accel", "gcc", "build")
    return all(a.get(k) == b.get(k) for k in keys)


def render_machine(suites):
    if not suites:
        return ["*No results yet: run `tools/sluice bench`.*"]
    latest = max(suites, key=lambda s: s.machine.get("date", ""))
    out = [f"**Machine:** {machine_line(latest.machine)}.", ""]
    runs = []
    for s in suites:
        st = s.status[0] if s.status else "unfinished"
        secs = f", {s.status[1]} s" if s.status and s.status[1] else ""
        diff = "" if same_machine(s.machine, latest.machine) else " on another machine (its line says which)"
        runs.append(f"`{s.name}` {s.machine.get('date', '?')} ({s.run.get('mode', '?')}, {st}{secs}){diff}")
    out.append("**Measured:** " + "; ".join(runs) + ".")
    return out


def render_suite(s, latest_machine, chart_dir, doc_dir, gnuplot):
    out = []
    when = s.machine.get("date", "?")
    mode = s.run.get("mode", "?")
    st = s.status
    head = f"Measured {when}, {mode} run"
    if st and st[1]:
        head += f", {st[1]} s"
    if s.run.get("command"):
        head += f", by `{s.run['command']}`"
    out.append(head + ".")
    if not same_machine(s.machine, latest_machine):
        out.append(f"On another machine: {machine_line(s.machine)}.")
    if st is None:
        out += ["", "**The suite did not finish** (no status record): what it wrote is below."]
    elif st[0] == "failed":
        out += ["", f"**The suite failed** ({st[2] or 'a script broke'}); its log is `{s.name}.log` "
                "beside the results. What it measured before that is below."]
    elif st[0] == "skipped":
        out += ["", f"*Skipped: {st[2] or 'it cannot run on this machine'}.*"]
    for t in s.tables:
        drawn = []
        for spec in t.charts:
            png = os.path.join(chart_dir, chart_file(spec["file"]) + ".png")
            if gnuplot and draw_chart(t, spec, png, gnuplot):
                drawn.append((spec, png))
        if t.hidden and not drawn and not t.skips:
            continue
        out += ["", f"**{t.title}**", ""]
        if t.skips and not t.rows:
            out.append("*Not measured here: " + "; ".join(t.skips) + ".*")
        elif not t.hidden:
            if t.rows:
                out += md_table(t)
            else:
                out.append("*No rows: nothing was measured.*")
            if t.skips:
                out += ["", "*Not measured here: " + "; ".join(t.skips) + ".*"]
        for spec, png in drawn:
            rel = os.path.relpath(png, doc_dir)
            out += ["", f"![{spec['title']}]({rel})"]
        for n in t.notes:
            out += ["", n]
        if t.cmds:
            out += ["", "<details><summary>Commands</summary>", "", "```"]
            out += t.cmds
            out += ["```", "", "</details>"]
    return out


BLOCK = re.compile(r"(<!-- bench:([a-z0-9_-]+) -->\n)(.*?)(<!-- /bench:\2 -->)", re.S)


def fill(text, blocks):
    """Replaces the inside of each <!-- bench:NAME --> block named in blocks."""
    seen = set()

    def sub(m):
        name = m.group(2)
        if name not in blocks:
            return m.group(0)
        seen.add(name)
        return m.group(1) + "\n".join(blocks[name]).rstrip("\n") + "\n" + m.group(4)

    text = BLOCK.sub(sub, text)
    return text, [n for n in blocks if n not in seen]


QUICK_HEAD = """# Benchmarks: a quick run

This is the report of `tools/sluice bench --quick`: every suite with short runs, few packets,
few boots and few rule counts, so that the whole takes minutes (CI runs it). Its numbers
only show that the benchmarks work here; they are not the recorded ones. The recorded
numbers are in docs/BENCHMARKS.md, written by a full `tools/sluice bench`, which a quick
run never touches.

<!-- bench:machine -->
<!-- /bench:machine -->
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--charts", required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--doc")
    g.add_argument("--report")
    a = ap.parse_args()
    suites = read_results(a.results)
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("render: gnuplot not found (apt-get install gnuplot-nox): no charts", file=sys.stderr)
    os.makedirs(a.charts, exist_ok=True)
    target = a.doc or a.report
    doc_dir = os.path.dirname(os.path.abspath(target))
    latest = max(suites, key=lambda s: s.machine.get("date", "")).machine if suites else {}
    blocks = {"machine": render_machine(suites)}
    for s in suites:
        blocks[s.name] = render_suite(s, latest, a.charts, doc_dir, gnuplot)
    if a.doc:
        with open(a.doc, encoding="utf-8") as f:
            text = f.read()
    else:
        text = QUICK_HEAD + "".join(
            f"\n## {s.title}\n\n<!-- bench:{s.name} -->\n<!-- /bench:{s.name} -->\n" for s in suites)
    text, missing = fill(text, blocks)
    for n in missing:
        print(f"render: {target} has no <!-- bench:{n} --> block: {n}'s results are not in it", file=sys.stderr)
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, target)
    print(f"render: wrote {target} ({len(suites)} suites) and its charts under {a.charts}")


if __name__ == "__main__":
    main()
