/* edxkit pages: CSRF token on every htmx and fetch request, and small helpers shared by the viewers. */
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.getAttribute("content") : "";
  document.addEventListener("htmx:configRequest", function (ev) {
    ev.detail.headers["X-CSRF-Token"] = csrf;
  });
  /** POST a form-encoded body with the CSRF header; resolves to {ok, status, data} (JSON body). */
  async function post(url, fields) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) body.append(k, String(v));
    const resp = await fetch(url, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
    });
    let data = null;
    try { data = await resp.json(); } catch (e) { data = { detail: resp.statusText }; }
    return { ok: resp.ok, status: resp.status, data };
  }
  window.edx = { csrf, post };
})();
