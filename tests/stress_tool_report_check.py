#!/usr/bin/env python3
# tests/stress_tool_report_check.py — checks the HTML page of a
# `gort-stress --json --report FILE` run (run by stress_tool_report_check.cmake).
#
#   stress_tool_report_check.py REPORT.html SUMMARY.json
#
# The report must be new (written less than 5 minutes ago; it is deleted
# after the check, so a stale file never passes twice), parse as XML (the
# page is XHTML-syntax HTML5), hold nothing that loads from elsewhere (no
# script, link, img, iframe, object or embed element, no src attribute, no
# href but #anchors, no http:/https:/file: text, no url() but url(#id)),
# and have:
#  * the four charts, <svg id=...> with a <title>, tick labels on both axes,
#    axis titles and a legend;
#  * chart-heap: heap-line and goal-line polylines with more than one point,
#    coordinates inside the viewBox, and a cycle tick per recorded pause;
#  * chart-pause-timeline: one pause-bar per recorded pause, at least one,
#    no more than the summary's GC cycles and at most one fewer (a cycle may
#    end between the monitor's last read and the summary's);
#  * chart-pause-histogram: bars whose counts add up to the pauses recorded;
#  * chart-gc-cpu: at least one bar and the run-average line;
#  * the summary table (id summary) with the JSON's GC cycles, GC CPU and
#    verification, and the configuration table (id configuration) with the
#    JSON's GOMAXPROCS and workload.
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

report_path, json_path = sys.argv[1], sys.argv[2]
errors = []


def check(cond, what):
    if not cond:
        errors.append(what)
    return cond


age = time.time() - os.stat(report_path).st_mtime
text = open(report_path, encoding='utf-8').read()
os.remove(report_path)
summary = json.load(open(json_path, encoding='utf-8'))
check(age < 300, 'the report is %.0f s old: not from this run' % age)
check(text.startswith('<!DOCTYPE html>'), 'no <!DOCTYPE html> at the start')

try:
    root = ET.fromstring(text)
except ET.ParseError as e:
    sys.exit('report is not well-formed: %s' % e)

# ---- nothing from elsewhere
for el in root.iter():
    check(el.tag not in ('script', 'link', 'img', 'iframe', 'object', 'embed'), 'external-capable <%s>' % el.tag)
    check('src' not in el.attrib, '<%s src=%r>' % (el.tag, el.attrib.get('src')))
    href = el.attrib.get('href', '#')
    check(href.startswith('#'), '<%s href=%r>' % (el.tag, href))
for m in re.finditer(r'https?:|[a-z]+://|@import|url\((?!#)', text):
    errors.append('external reference: ...%s...' % text[max(0, m.start() - 40):m.end() + 40])


def by_class(parent, tag, cls):
    return [e for e in parent.iter(tag) if cls in e.attrib.get('class', '').split()]


def marks(chart, tag, cls):
    """The data marks of a chart: in its <g class="marks"> (legend keys share the class but are not there)."""
    return [e for g in by_class(chart, 'g', 'marks') for e in by_class(g, tag, cls)]


def points(polyline):
    pts = []
    for p in polyline.attrib['points'].split():
        x, y = p.split(',')
        pts.append((float(x), float(y)))
    return pts


# ---- the four charts
svgs = {e.attrib.get('id'): e for e in root.iter('svg')}
charts = ['chart-heap', 'chart-pause-timeline', 'chart-pause-histogram', 'chart-gc-cpu']
for cid in charts:
    if not check(cid in svgs, 'no <svg id="%s"> (have %s)' % (cid, sorted(k for k in svgs if k))):
        continue
    s = svgs[cid]
    check(s.find('title') is not None and s.find('title').text, '%s: no <title>' % cid)
    check(len(by_class(s, 'text', 'tick-label')) >= 4, '%s: fewer than 4 tick labels' % cid)
    check(len(by_class(s, 'text', 'axis-title')) == 2, '%s: not 2 axis titles' % cid)
    check(len(by_class(s, 'text', 'legend')) >= 1, '%s: no legend' % cid)
if errors:
    sys.exit('report check failed:\n  ' + '\n  '.join(errors))

heap, timeline, hist, cpu = (svgs[c] for c in charts)
_, _, vb_w, vb_h = (float(v) for v in heap.attrib['viewBox'].split())
for cls in ('heap-line', 'goal-line'):
    lines = marks(heap, 'polyline', cls)
    if check(lines, 'chart-heap: no %s polyline' % cls):
        pts = points(lines[0])
        check(len(pts) > 1, 'chart-heap: %s has %d point(s)' % (cls, len(pts)))
        check(all(0 <= x <= vb_w and 0 <= y <= vb_h for x, y in pts), 'chart-heap: %s leaves the viewBox' % cls)

pause_bars = marks(timeline, 'line', 'pause-bar')
cycles = int(summary['gc_cycles'])
check(len(pause_bars) >= 1, 'chart-pause-timeline: no pause bar')
check(cycles - 1 <= len(pause_bars) <= cycles,
      'chart-pause-timeline: %d pause bars for %d GC cycles in the summary' % (len(pause_bars), cycles))
check(all(float(b.attrib['y1']) > float(b.attrib['y2']) for b in pause_bars),
      'chart-pause-timeline: a pause bar with no height')
ticks = marks(heap, 'line', 'cycle-tick')
check(len(ticks) == len(pause_bars), 'chart-heap: %d cycle ticks, %d pauses' % (len(ticks), len(pause_bars)))

hist_bars = marks(hist, 'rect', 'hist-bar')
hist_counts = [int(t.text) for t in by_class(hist, 'text', 'bar-label')]
check(hist_bars and len(hist_bars) == len(hist_counts), 'chart-pause-histogram: %d bars, %d count labels'
      % (len(hist_bars), len(hist_counts)))
check(sum(hist_counts) == len(pause_bars), 'chart-pause-histogram: counts add up to %d, %d pauses recorded'
      % (sum(hist_counts), len(pause_bars)))
check(all(float(b.attrib['height']) > 0 for b in hist_bars), 'chart-pause-histogram: a bar with no height')

check(len(marks(cpu, 'rect', 'cpu-bar')) >= 1, 'chart-gc-cpu: no bar')
check(len(marks(cpu, 'polyline', 'avg-line')) == 1, 'chart-gc-cpu: no run-average line')

# ---- the tables


def table_rows(table_id):
    t = [e for e in root.iter('table') if e.attrib.get('id') == table_id]
    if not check(t, 'no <table id="%s">' % table_id):
        return {}
    return {''.join(tr.find('th').itertext()): ''.join(tr.find('td').itertext()) for tr in t[0].iter('tr')}


rows = table_rows('summary')
check(rows.get('GC cycles') == str(cycles), 'summary: GC cycles %r, JSON %d' % (rows.get('GC cycles'), cycles))
check(rows.get('GC CPU') == '%.1f%%' % summary['gc_cpu_percent'],
      'summary: GC CPU %r, JSON %r' % (rows.get('GC CPU'), summary['gc_cpu_percent']))
check(rows.get('verification', '').startswith('ok'), 'summary: verification %r' % rows.get('verification'))
for w in summary['workloads']:
    check(rows.get(w['name'], '').startswith('%d ops' % w['ops']), 'summary: %s row %r, JSON ops %d'
          % (w['name'], rows.get(w['name']), w['ops']))
config = table_rows('configuration')
check(config.get('GOMAXPROCS', '').split(' ')[0] == str(summary['procs']),
      'configuration: GOMAXPROCS %r, JSON %r' % (config.get('GOMAXPROCS'), summary['procs']))
check(config.get('workload') == summary['workload'], 'configuration: workload %r' % config.get('workload'))

if errors:
    sys.exit('report check failed:\n  ' + '\n  '.join(errors))
print('report ok: %d pauses, %d histogram bars, %d heap points'
      % (len(pause_bars), len(hist_bars), len(points(marks(heap, 'polyline', 'heap-line')[0]))))
