/* NCS sweeps viewer: per nerve, one uPlot per stimulation site stacked distal to proximal, negative up
 * (as EMG machines draw), with the onset (green) and peak (red) markers the user drags. Releasing a marker
 * POSTs it; the server stores it as "edited", measures the nerve again and returns the new tables,
 * markers and interpretation, which replace the old ones at once. Also: values typed into table cells and
 * needle findings chosen in the EMG table, with the same version check (a stale page gets a 409 message). */
(function () {
  "use strict";
  const root = document.getElementById("study");
  if (!root) return;
  const pk = root.dataset.pk;
  const canEdit = root.dataset.canEdit === "yes";
  const status = document.getElementById("edit-status");
  const plots = {}; // nerveIndex -> [{u, site_index, markers:{onset, peak}}]
  const HIT_PX = 8;
  const COLORS = { onset: "#1d8a3a", peak: "#c0392b" };

  function version() { return parseInt(root.dataset.version, 10); }
  function say(text, isError) {
    status.textContent = text || "";
    status.className = "status" + (isError ? " error" : "");
  }

  function applyEdit(data, nerveIndex) {
    root.dataset.version = String(data.version);
    if (data.tables_html !== undefined && nerveIndex !== null) {
      const box = document.getElementById("nerve-" + nerveIndex + "-tables");
      if (box) { box.outerHTML = data.tables_html; }
      bindCells(document.getElementById("nerve-" + nerveIndex + "-tables"));
    }
    if (data.markers && nerveIndex !== null && plots[nerveIndex]) {
      for (const m of data.markers) {
        const p = plots[nerveIndex].find((q) => q.site_index === m.site_index);
        if (p) { p.markers.onset = m.onset_ms; p.markers.peak = m.peak_ms; p.u.redraw(false); }
      }
    }
    if (data.emg_html !== undefined) {
      const box = document.getElementById("emg-tables");
      if (box) { box.innerHTML = data.emg_html; bindFindings(box); }
    }
    if (data.interpretation_html !== undefined) {
      const box = document.getElementById("interpretation-box");
      if (box) box.innerHTML = data.interpretation_html;
    }
  }

  async function send(url, fields, nerveIndex) {
    say("Saving…");
    const r = await window.edx.post(url, Object.assign({ version: version() }, fields));
    if (!r.ok) {
      say((r.data && r.data.detail) || ("Error " + r.status), true);
      return false;
    }
    applyEdit(r.data, nerveIndex);
    say("Saved (version " + r.data.version + ").");
    return true;
  }

  /* ---- sweeps ---- */
  function markerPlugin(state) {
    return {
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          for (const name of ["onset", "peak"]) {
            const v = state.markers[name];
            if (v === null || v === undefined) continue;
            const x = Math.round(u.valToPos(v, "x", true));
            ctx.strokeStyle = COLORS[name];
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.setLineDash(name === "peak" ? [5 * devicePixelRatio, 3 * devicePixelRatio] : []);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = COLORS[name];
            ctx.font = (11 * devicePixelRatio) + "px sans-serif";
            ctx.fillText(name === "onset" ? "O " + v.toFixed(2) : "P " + v.toFixed(2), x + 3 * devicePixelRatio,
              u.bbox.top + (name === "onset" ? 12 : 24) * devicePixelRatio);
          }
          ctx.restore();
        }],
      },
    };
  }

  function enableDrag(state, nerveIndex) {
    const u = state.u;
    let dragging = null;
    u.over.addEventListener("mousedown", (e) => {
      if (!canEdit) return;
      let best = null, bestDist = HIT_PX + 1;
      for (const name of ["onset", "peak"]) {
        const v = state.markers[name];
        if (v === null || v === undefined) continue;
        const d = Math.abs(u.valToPos(v, "x") - e.offsetX);
        if (d < bestDist) { best = name; bestDist = d; }
      }
      if (best) { dragging = best; e.preventDefault(); e.stopPropagation(); }
    }, true);
    u.over.addEventListener("mousemove", (e) => {
      if (dragging) return;
      let near = false;
      for (const name of ["onset", "peak"]) {
        const v = state.markers[name];
        if (v !== null && v !== undefined && Math.abs(u.valToPos(v, "x") - e.offsetX) <= HIT_PX) near = true;
      }
      u.over.style.cursor = near && canEdit ? "ew-resize" : "crosshair";
    });
    window.addEventListener("mousemove", (e) => {
      if (!dragging) return;
      const rect = u.over.getBoundingClientRect();
      const x = Math.min(Math.max(e.clientX - rect.left, 0), rect.width);
      state.markers[dragging] = Math.round(u.posToVal(x, "x") * 1000) / 1000;
      u.redraw(false);
    });
    window.addEventListener("mouseup", async () => {
      if (!dragging) return;
      const name = dragging;
      dragging = null;
      const fields = { nerve_index: nerveIndex, site_index: state.site_index };
      fields[name + "_ms"] = state.markers[name];
      await send("/api/studies/" + pk + "/markers", fields, nerveIndex);
    });
  }

  async function loadNerve(box) {
    const nerveIndex = parseInt(box.dataset.nerve, 10);
    const resp = await fetch("/api/studies/" + pk + "/ncs/" + nerveIndex, { credentials: "same-origin" });
    if (!resp.ok) { box.textContent = "Could not load the sweeps."; return; }
    const data = await resp.json();
    let xmin = Infinity, xmax = -Infinity, amax = 0;
    for (const s of data.sweeps) {
      xmin = Math.min(xmin, s.t0_ms);
      xmax = Math.max(xmax, s.t0_ms + s.dt_ms * (s.values.length - 1));
      s.values.forEach((v, i) => { if (s.t0_ms + i * s.dt_ms >= 1.0) amax = Math.max(amax, Math.abs(v)); });
    }
    xmax = Math.min(xmax, data.kind === "motor" ? 30 : 12);
    xmin = Math.max(xmin, -2);
    amax = amax > 0 ? amax * 1.1 : 1;
    const unit = data.unit === "uV" ? "µV" : "mV";
    const width = Math.max(460, Math.min(box.clientWidth || 600, 760));
    plots[nerveIndex] = [];
    data.sweeps.forEach((s, k) => {
      const holder = document.createElement("div");
      holder.className = "sweep";
      holder.dataset.site = String(s.site_index);
      const label = document.createElement("span");
      label.className = "site-label";
      label.textContent = s.site.replace(/_/g, " ");
      holder.appendChild(label);
      box.appendChild(holder);
      const xs = new Float64Array(s.values.length);
      for (let i = 0; i < xs.length; i++) xs[i] = s.t0_ms + i * s.dt_ms;
      const state = { site_index: s.site_index, markers: { onset: s.onset_ms, peak: s.peak_ms }, u: null };
      const last = k === data.sweeps.length - 1;
      const opts = {
        width, height: last ? 130 : 105,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: { x: { time: false, range: [xmin, xmax] }, y: { dir: -1, range: [-amax, amax] } },
        axes: [
          { show: last, label: last ? "ms from stimulus" : undefined, size: last ? 40 : 0 },
          { size: 70, values: (u, vals) => vals.map((v) => v.toFixed(amax < 1 ? 2 : 1) + " " + unit), ticks: { show: true } },
        ],
        series: [{}, { stroke: "#1b1f24", width: 1.25 }],
        plugins: [markerPlugin(state)],
      };
      state.u = new uPlot(opts, [xs, Float64Array.from(s.values)], holder);
      enableDrag(state, nerveIndex);
      plots[nerveIndex].push(state);
    });
    const hint = document.createElement("div");
    hint.className = "viewer-hint";
    hint.textContent = canEdit ? "Drag O (onset) or P (peak) to move a marker; negative is drawn up." : "Negative is drawn up.";
    box.appendChild(hint);
  }

  /* ---- typed values ---- */
  function bindCells(scope) {
    if (!canEdit || !scope) return;
    scope.querySelectorAll("td[data-edit]").forEach((td) => {
      td.addEventListener("click", () => startEdit(td));
      td.addEventListener("keydown", (e) => { if (e.key === "Enter") startEdit(td); });
    });
  }
  function startEdit(td) {
    if (td.querySelector("input")) return;
    const [, nerve, row, field] = td.dataset.edit.split(":");
    const old = td.textContent;
    const input = document.createElement("input");
    input.type = "text"; input.size = 6; input.setAttribute("aria-label", "Enter " + field);
    const first = td.firstChild && td.firstChild.nodeType === 3 ? td.firstChild.textContent.trim() : "";
    input.value = /^[-0-9.]+$/.test(first) ? first : "";
    td.textContent = ""; td.appendChild(input); input.focus(); input.select();
    let done = false;
    const finish = async (commit) => {
      if (done) return; done = true;
      if (!commit) { td.textContent = old; bindCells(null); return; }
      const ok = await send("/api/studies/" + pk + "/values",
        { nerve_index: nerve, site_index: row, field: field, value: input.value.trim() }, parseInt(nerve, 10));
      if (!ok) td.textContent = old;
    };
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") finish(true); if (e.key === "Escape") finish(false); });
    input.addEventListener("blur", () => finish(false));
  }

  /* ---- needle findings ---- */
  function bindFindings(scope) {
    if (!canEdit) return;
    scope.querySelectorAll("#emg-table td[data-options]").forEach((td) => {
      const open = () => {
        if (td.querySelector("select, fieldset")) return;
        if (td.dataset.multi) { openMulti(td); return; }
        const old = td.innerHTML;
        const sel = document.createElement("select");
        sel.setAttribute("aria-label", "Set " + td.dataset.field);
        sel.add(new Option("automatic", ""));
        for (const o of td.dataset.options.split("|")) sel.add(new Option(o, o));
        sel.value = td.dataset.entered || "";
        td.textContent = ""; td.appendChild(sel); sel.focus();
        let done = false;
        sel.addEventListener("change", async () => {
          done = true;
          const ok = await send("/api/studies/" + pk + "/findings",
            { muscle_index: td.dataset.muscle, field: td.dataset.field, value: sel.value }, null);
          if (!ok) td.innerHTML = old;
        });
        sel.addEventListener("blur", () => { if (!done) td.innerHTML = old; });
      };
      td.addEventListener("click", open);
      td.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
    });
  }

  /* A multi-valued finding (other discharges): a checkbox per choice, saved together; none = automatic. */
  function openMulti(td) {
    const old = td.innerHTML;
    const label = (v) => v.replace(/_/g, " ");
    const entered = (td.dataset.entered || "").split(",").map((t) => t.trim()).filter((t) => t);
    const box = document.createElement("fieldset");
    box.className = "multi-finding";
    box.setAttribute("aria-label", "Set " + td.dataset.field.replace(/_/g, " "));
    for (const o of td.dataset.options.split("|")) {
      const item = document.createElement("label");
      const check = document.createElement("input");
      check.type = "checkbox"; check.value = o; check.checked = entered.includes(label(o));
      item.appendChild(check); item.appendChild(document.createTextNode(" " + label(o)));
      box.appendChild(item);
    }
    const save = document.createElement("button");
    save.type = "button"; save.textContent = "Save";
    const cancel = document.createElement("button");
    cancel.type = "button"; cancel.textContent = "Cancel";
    box.appendChild(save); box.appendChild(cancel);
    td.textContent = ""; td.appendChild(box);
    box.querySelector("input").focus();
    const close = () => { td.innerHTML = old; };
    cancel.addEventListener("click", (e) => { e.stopPropagation(); close(); });
    box.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } });
    box.addEventListener("click", (e) => e.stopPropagation());
    save.addEventListener("click", async (e) => {
      e.stopPropagation();
      const chosen = Array.from(box.querySelectorAll("input:checked")).map((c) => c.value);
      const ok = await send("/api/studies/" + pk + "/findings",
        { muscle_index: td.dataset.muscle, field: td.dataset.field, value: chosen.join(",") }, null);
      if (!ok) close();
    });
  }

  document.querySelectorAll(".sweeps").forEach((box) => loadNerve(box));
  bindCells(document);
  bindFindings(document);

  /** For tests and keyboard users: the page position of a marker of a site of a nerve. */
  window.edxViewer = {
    markerClientPos(nerveIndex, siteIndex, name) {
      const p = (plots[nerveIndex] || []).find((q) => q.site_index === siteIndex);
      if (!p || p.markers[name] === null || p.markers[name] === undefined) return null;
      const rect = p.u.over.getBoundingClientRect();
      return { x: rect.left + p.u.valToPos(p.markers[name], "x"), y: rect.top + rect.height / 2 };
    },
    ready(nerveIndex) { return !!(plots[nerveIndex] && plots[nerveIndex].length); },
    markers(nerveIndex, siteIndex) {
      const p = (plots[nerveIndex] || []).find((q) => q.site_index === siteIndex);
      return p ? Object.assign({}, p.markers) : null;
    },
  };
})();
