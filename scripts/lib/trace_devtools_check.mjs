// scripts/lib/trace_devtools_check.mjs — loads a gort execution trace into
// Chrome DevTools' trace engine (the Performance panel's parser, published on
// npm as @paulirish/trace_engine) and checks what it makes of it.
//
//   node trace_devtools_check.mjs ENGINE_DIR TRACE.json
//
// ENGINE_DIR is the npm prefix the engine was installed into
// (scripts/trace-devtools-check.sh does that). Checks: the parse throws
// nothing and reports no warning; every track of the file (P0, P1, ..., GC,
// STW) comes out as a thread of one process with exactly as many entries as
// the file has complete ("X") slices on it; the P, GC and STW tracks are
// there and not empty. Prints one line per track; exits 1 with the reasons
// when a check fails.
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const [engineDir, file] = process.argv.slice(2);
if (!engineDir || !file) {
  console.error('usage: node trace_devtools_check.mjs ENGINE_DIR TRACE.json');
  process.exit(2);
}
// The engine reads window.DOMRect at load time; Node has none (its README says so).
globalThis.DOMRect = class DOMRect {
  constructor(x = 0, y = 0, width = 0, height = 0) {
    Object.assign(this, {x, y, width, height});
  }
};
const Trace = await import(
    pathToFileURL(path.join(engineDir, 'node_modules/@paulirish/trace_engine/models/trace/trace.js')).href);

const problems = [];
const json = JSON.parse(fs.readFileSync(file, 'utf8'));
const events = json.traceEvents;
if (!Array.isArray(events)) {
  console.error(`${file}: no traceEvents array`);
  process.exit(1);
}
const slicesPerTrack = new Map();
const trackNames = new Map();
for (const e of events) {
  if (e.ph === 'X') slicesPerTrack.set(e.tid, (slicesPerTrack.get(e.tid) ?? 0) + 1);
  if (e.ph === 'M' && e.name === 'thread_name') trackNames.set(e.tid, e.args.name);
}

const model = Trace.TraceModel.Model.createWithAllHandlers();
try {
  await model.parse(events);
} catch (err) {
  console.error(`${file}: the DevTools trace engine threw: ${err.stack ?? err}`);
  process.exit(1);
}
const data = model.parsedTrace().data;
if (data.Warnings.perEvent.size !== 0)
  problems.push(`${data.Warnings.perEvent.size} events with warnings: ${[...data.Warnings.perWarning.keys()].join(', ')}`);

const processes = [...data.Renderer.processes.values()];
if (processes.length !== 1) problems.push(`expected one process, the engine made ${processes.length}`);
const seen = new Set();
for (const proc of processes) {
  for (const [tid, thread] of proc.threads) {
    const want = slicesPerTrack.get(tid) ?? 0;
    const got = thread.entries.length;
    seen.add(thread.name);
    console.log(`track ${thread.name} (tid ${tid}): ${got} entries, ${thread.tree ? thread.tree.roots.size : 0} at top level`);
    if (thread.name !== trackNames.get(tid)) problems.push(`track ${tid} named ${thread.name}, the file says ${trackNames.get(tid)}`);
    if (got !== want) problems.push(`track ${thread.name}: ${got} entries where the file has ${want} slices`);
  }
}
for (const [tid, n] of slicesPerTrack)
  if (!processes.some((p) => p.threads.has(tid))) problems.push(`track ${trackNames.get(tid) ?? tid} (${n} slices) is missing`);
if (![...seen].some((n) => /^P\d+$/.test(n ?? ''))) problems.push('no P track');
for (const name of ['GC', 'STW (stop the world)'])
  if (!seen.has(name)) problems.push(`no ${name} track`);

if (problems.length !== 0) {
  for (const p of problems.slice(0, 20)) console.error(`${file}: ${p}`);
  process.exit(1);
}
console.log(`ok: ${events.length} events; the DevTools trace engine made ${seen.size} tracks, no warning`);
