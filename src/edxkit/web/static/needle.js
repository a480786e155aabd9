/* Needle recording viewer: scroll and zoom at full resolution. The server sends each window reduced to
 * about two values per screen pixel (min/max decimation, so no spike disappears) or every sample when the
 * window is short; detected spontaneous discharges and decomposed motor units are marked on the trace and
 * the largest MUAP templates are drawn beside it. "Play" sends the visible window's full-resolution
 * samples to the Web Audio API, as EMG machines let the examiner listen to the needle signal. */
(function () {
  "use strict";
  const host = document.getElementById("needle-viewer");
  const select = document.getElementById("needle-select");
  if (!host || !select) return;
  const WINDOWS_S = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60];
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
  const MARK = { fibrillation: "#b00020", positive_sharp_wave: "#e67e22", fasciculation: "#6a1b9a" };
  let info = null, events = { discharges: [], units: [] }, plot = null, tplPlot = null;
  let view = { start: 0, len: 1 };
  let pending = null, seq = 0, audio = null, playCursor = null, loadedId = null;

  host.innerHTML =
    '<div class="needle-toolbar">' +
    '<button type="button" class="secondary" data-act="left" title="Scroll left (←)">&lt;</button>' +
    '<button type="button" class="secondary" data-act="right" title="Scroll right (→)">&gt;</button>' +
    '<button type="button" class="secondary" data-act="in" title="Zoom in">+</button>' +
    '<button type="button" class="secondary" data-act="out" title="Zoom out">−</button>' +
    '<label style="display:inline;margin:0 0 0 .5rem">Sweep <select data-act="len"></select></label>' +
    '<label style="display:inline;margin:0 0 0 .5rem">Gain <select data-act="gain">' +
    '<option value="0">auto</option><option value="50">50 µV/div</option><option value="100">100 µV/div</option>' +
    '<option value="200">200 µV/div</option><option value="500">500 µV/div</option><option value="1000">1 mV/div</option></select></label>' +
    '<button type="button" data-act="play" id="needle-play">▶ Play</button>' +
    '<span class="status" id="needle-status"></span></div>' +
    '<input type="range" id="needle-pos" min="0" max="1000" value="0" style="width:100%" aria-label="Position in the recording">' +
    '<div id="needle-plot"></div><div id="needle-templates"></div>' +
    '<div class="viewer-hint">Mouse wheel zooms around the pointer, drag across the trace to zoom to a stretch, the slider, the &lt; &gt; buttons or the arrow keys scroll. ' +
    'Triangles mark detected spontaneous discharges; coloured ticks the firings of each motor unit (templates below).</div>';
  const statusEl = host.querySelector("#needle-status");
  const pos = host.querySelector("#needle-pos");
  const lenSel = host.querySelector('[data-act="len"]');
  const gainSel = host.querySelector('[data-act="gain"]');
  for (const w of WINDOWS_S) lenSel.insertAdjacentHTML("beforeend", '<option value="' + w + '">' + (w < 1 ? w * 1000 + " ms" : w + " s") + "</option>");

  function say(t, err) { statusEl.textContent = t || ""; statusEl.className = "status" + (err ? " error" : ""); }
  function clampView() {
    const d = info ? info.duration_s : 1;
    view.len = Math.min(Math.max(view.len, 0.01), d);
    view.start = Math.min(Math.max(view.start, 0), Math.max(0, d - view.len));
    pos.value = String(d > view.len ? Math.round(1000 * view.start / (d - view.len)) : 0);
  }

  function drawMarks(u) {
    const ctx = u.ctx, top = u.bbox.top, dpr = devicePixelRatio;
    const lo = u.scales.x.min, hi = u.scales.x.max;
    ctx.save();
    for (const d of events.discharges) {
      ctx.fillStyle = MARK[d.type] || "#444";
      for (const t of d.times_s) {
        if (t < lo || t > hi) continue;
        const x = u.valToPos(t, "x", true);
        ctx.beginPath(); ctx.moveTo(x - 4 * dpr, top); ctx.lineTo(x + 4 * dpr, top); ctx.lineTo(x, top + 8 * dpr); ctx.fill();
      }
    }
    events.units.forEach((unit, k) => {
      ctx.strokeStyle = COLORS[k % COLORS.length]; ctx.lineWidth = 2 * dpr;
      const y = u.bbox.top + u.bbox.height - (6 + 5 * k) * dpr;
      for (const t of unit.firing_times_s) {
        if (t < lo || t > hi) continue;
        const x = u.valToPos(t, "x", true);
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x, y - 4 * dpr); ctx.stroke();
      }
    });
    if (playCursor !== null && playCursor >= lo && playCursor <= hi) {
      const x = u.valToPos(playCursor, "x", true);
      ctx.strokeStyle = "#1f5fa8"; ctx.lineWidth = 1.5 * dpr;
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + u.bbox.height); ctx.stroke();
    }
    ctx.restore();
  }

  function makePlot() {
    const box = host.querySelector("#needle-plot");
    box.innerHTML = "";
    const width = Math.max(600, host.clientWidth - 10);
    plot = new uPlot({
      width, height: 300, legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      scales: { x: { time: false }, y: { dir: -1, auto: true } },
      axes: [{ label: "s", size: 36 }, { size: 70, values: (u, v) => v.map((x) => x.toFixed(0) + " µV") }],
      series: [{}, { stroke: "#111", width: 1 }],
      hooks: {
        draw: [drawMarks],
        setSelect: [(u) => {
          if (u.select.width < 4) return;
          const a = u.posToVal(u.select.left, "x"), b = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
          view.start = a; view.len = b - a; clampView(); load();
        }],
      },
    }, [[0, 1], [0, 0]], box);
    plot.over.addEventListener("wheel", (e) => {
      e.preventDefault();
      const rect = plot.over.getBoundingClientRect();
      const at = plot.posToVal(e.clientX - rect.left, "x");
      const f = e.deltaY > 0 ? 1.25 : 0.8;
      const newLen = view.len * f;
      view.start = at - (at - view.start) * f; view.len = newLen; clampView(); load();
    }, { passive: false });
  }

  async function load() {
    if (!info) return;
    const my = ++seq;
    const points = Math.min(20000, Math.max(200, 2 * Math.round(plot.bbox.width / devicePixelRatio)));
    const url = "/api/waveforms/" + info.id + "?start_s=" + view.start.toFixed(6) + "&stop_s=" + (view.start + view.len).toFixed(6) + "&points=" + points;
    const t0 = performance.now();
    const r = await fetch(url, { credentials: "same-origin" });
    if (my !== seq) return; // a newer window was asked for meanwhile
    if (!r.ok) { say("Could not load the window (" + r.status + ")", true); return; }
    const w = await r.json();
    const n = w.values.length, xs = new Float64Array(n);
    for (let i = 0; i < n; i++) xs[i] = w.t0_s + i * w.dt_s;
    const gain = parseFloat(gainSel.value);
    plot.batch(() => {
      plot.setData([xs, Float64Array.from(w.values)], false);
      plot.setScale("x", { min: view.start, max: view.start + view.len });
      if (gain > 0) plot.setScale("y", { min: -5 * gain, max: 5 * gain });
      else {
        let m = 10; for (const v of w.values) m = Math.max(m, Math.abs(v));
        plot.setScale("y", { min: -m * 1.05, max: m * 1.05 });
      }
    });
    say((w.full ? "full resolution" : "min/max of " + Math.round(w.n_window_samples / n * 2) + " samples per pair") +
      " · " + n + " points · " + Math.round(performance.now() - t0) + " ms");
  }

  function drawTemplates() {
    const box = host.querySelector("#needle-templates");
    box.innerHTML = "";
    tplPlot = null;
    if (!events.units.length) return;
    const u0 = events.units[0];
    const len = Math.max(...events.units.map((u) => u.template_uv.length));
    const xs = new Float64Array(len);
    for (let i = 0; i < len; i++) xs[i] = u0.template_t0_ms + i * u0.template_dt_ms;
    const data = [xs];
    const series = [{}];
    events.units.forEach((u, k) => {
      const ys = new Array(len).fill(null);
      u.template_uv.forEach((v, i) => { ys[i] = v; });
      data.push(ys);
      series.push({ label: "MU " + u.id + " (" + u.amplitude_uv + " µV, " + (u.duration_ms ?? "–") + " ms, " + u.phases + " ph)", stroke: COLORS[k % COLORS.length], width: 1.5 });
    });
    tplPlot = new uPlot({
      width: Math.min(700, Math.max(400, host.clientWidth - 10)), height: 220, title: "MUAP templates",
      scales: { x: { time: false, range: [-15, 15] }, y: { dir: -1 } },
      axes: [{ label: "ms", size: 36 }, { size: 70, values: (u, v) => v.map((x) => x.toFixed(0) + " µV") }],
      series, cursor: { drag: { x: false, y: false } }, legend: { live: false },
    }, data, box);
  }

  async function open(id) {
    stop();
    say("Loading…");
    const head = await fetch("/api/waveforms/" + id + "?start_s=0&stop_s=0.001&points=16", { credentials: "same-origin" });
    if (!head.ok) { say("Could not open the recording", true); return; }
    info = await head.json();
    view.start = 0; view.len = Math.min(1, info.duration_s); lenSel.value = "1";
    clampView();
    if (!plot) makePlot();
    await load();
    const ev = await fetch("/api/waveforms/" + id + "/events", { credentials: "same-origin" });
    events = ev.ok ? await ev.json() : { discharges: [], units: [] };
    plot.redraw(false);
    drawTemplates();
    loadedId = String(id);
  }

  /* ---- sound ---- */
  function stop() {
    if (audio) { try { audio.src.stop(); } catch (e) { /* already stopped */ } audio.ctx.close(); audio = null; }
    playCursor = null;
    const b = document.getElementById("needle-play"); if (b) b.textContent = "▶ Play";
  }
  async function play() {
    if (audio) { stop(); if (plot) plot.redraw(false); return; }
    const a = view.start, b = Math.min(view.start + Math.max(view.len, 1), info.duration_s, view.start + 30);
    const r = await fetch("/api/waveforms/" + info.id + "?format=f32&start_s=" + a.toFixed(6) + "&stop_s=" + b.toFixed(6), { credentials: "same-origin" });
    if (!r.ok) { say("Could not load the sound", true); return; }
    const fs = parseFloat(r.headers.get("X-Fs-Hz")), t0 = parseFloat(r.headers.get("X-T0-S"));
    const x = new Float32Array(await r.arrayBuffer());
    let peak = 1e-9; for (const v of x) peak = Math.max(peak, Math.abs(v));
    const gain = parseFloat(gainSel.value);
    const scale = gain > 0 ? 1 / (10 * gain) : 0.9 / peak; // fixed gain: full scale = 10 divisions
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    const buf = ctx.createBuffer(1, x.length, fs);
    const ch = buf.getChannelData(0);
    for (let i = 0; i < x.length; i++) ch[i] = Math.max(-1, Math.min(1, x[i] * scale));
    const src = ctx.createBufferSource();
    src.buffer = buf; src.connect(ctx.destination);
    audio = { ctx, src };
    const started = ctx.currentTime;
    src.onended = () => { stop(); if (plot) plot.redraw(false); };
    src.start();
    document.getElementById("needle-play").textContent = "■ Stop";
    const tick = () => {
      if (!audio) return;
      playCursor = t0 + (ctx.currentTime - started);
      if (playCursor > view.start + view.len) { view.start = playCursor; clampView(); load(); }
      plot.redraw(false);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  host.addEventListener("click", (e) => {
    const act = e.target.dataset && e.target.dataset.act;
    if (!info || !act) return;
    if (act === "left") view.start -= view.len * 0.8;
    else if (act === "right") view.start += view.len * 0.8;
    else if (act === "in") { view.start += view.len * 0.25; view.len *= 0.5; }
    else if (act === "out") { view.start -= view.len * 0.5; view.len *= 2; }
    else if (act === "play") { play(); return; }
    else return;
    clampView(); load();
  });
  lenSel.addEventListener("change", () => { view.len = parseFloat(lenSel.value); clampView(); load(); });
  gainSel.addEventListener("change", () => load());
  pos.addEventListener("input", () => {
    if (!info) return;
    view.start = (info.duration_s - view.len) * parseInt(pos.value, 10) / 1000; clampView();
    if (!pending) pending = requestAnimationFrame(() => { pending = null; load(); });
  });
  document.addEventListener("keydown", (e) => {
    if (!info || e.target.closest("input, textarea, select")) return;
    if (e.key === "ArrowRight") { view.start += view.len * 0.5; clampView(); load(); }
    if (e.key === "ArrowLeft") { view.start -= view.len * 0.5; clampView(); load(); }
  });
  select.addEventListener("change", () => open(select.value));
  open(select.value);
  window.edxNeedle = { view: () => Object.assign({}, view), info: () => info, events: () => events, loaded: () => loadedId };
})();
