// Scheduleman web UI: local times, the live preview, showing the fields of the chosen kind, confirmations.
(() => {
  "use strict";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

  // The server's clock, as of the page: the browser's may be off by seconds, and "in 1 second" for a past outcome misleads.
  const skew = (Date.parse(document.body?.dataset.now ?? "") || Date.now()) - Date.now();

  function ago(date, past) {
    const seconds = past ? Math.min(0, (date - Date.now() - skew) / 1000) : (date - Date.now() - skew) / 1000;
    for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]]) {
      if (Math.abs(seconds) >= size || unit === "second") return relative.format(Math.round(seconds / size), unit);
    }
  }

  // Times arrive in UTC; show them in the viewer's zone and keep UTC in the tooltip.
  function localize(root) {
    for (const el of root.querySelectorAll("time[datetime]")) {
      const date = new Date(el.getAttribute("datetime"));
      el.textContent = format.format(date);
      el.title = date.toISOString().replace(".000Z", "Z").replace("T", " ") + " UTC";
      if (el.hasAttribute("data-relative")) el.dataset.ago = "(" + ago(date, el.dataset.relative === "past") + ")";
    }
  }

  function showChosen(form) {
    for (const block of form.querySelectorAll("[data-when]")) {
      const [name, value] = block.dataset.when.split("=");
      const chosen = form.querySelector(`input[name="${name}"]:checked`);
      block.hidden = !chosen || !value.split("|").includes(chosen.value);
    }
    for (const block of form.querySelectorAll("[data-when-not]")) {
      const [name, value] = block.dataset.whenNot.split("=");
      block.hidden = form.querySelector(`input[name="${name}"]:checked`)?.value === value;
    }
  }

  function setError(form, id, message) {
    const el = form.querySelector(`[data-error-for="${id}"]`);
    const input = form.querySelector(`#${id}`);
    if (!el || !input) return;
    el.hidden = !message;
    el.textContent = message || "";
    input.setAttribute("aria-invalid", message ? "true" : "false");
    input.closest(".field")?.classList.toggle("invalid", !!message);
  }

  let pending;
  async function preview(form) {
    const kind = form.querySelector('input[name="kind"]:checked')?.value;
    const value = id => form.querySelector(`#${id}`)?.value.trim() || null;
    const positions = value("businessDaysOfMonth")?.split(",").map(p => Number(p.trim()));
    const body = kind === "cron" ? {
        cron: value("cron") ?? "", timeZone: value("timeZone"), calendar: value("calendar"),
        nonBusinessDay: positions ? null : value("calendar") && value("nonBusinessDay"), businessDaysOfMonth: positions,
        startAt: value("startAt"), endAt: value("endAt"), jitter: value("jitter"),
      }
      : kind === "runAt" ? { runAt: value("runAt") ?? "" } : kind === "manual" ? { manual: true } : { delay: value("delay") ?? "" };
    for (const key of Object.keys(body)) if (body[key] === null || body[key] === undefined) delete body[key];
    const list = document.getElementById("preview-times");
    const description = document.getElementById("preview-description");
    pending?.abort();
    pending = new AbortController();
    try {
      const response = await fetch("/api/v1/preview", {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, count: 5 }),
        signal: pending.signal, credentials: "same-origin",
      });
      const result = await response.json();
      for (const id of ["cron", "timeZone", "runAt", "delay", "calendar", "nonBusinessDay", "businessDaysOfMonth", "startAt", "endAt", "jitter"]) setError(form, id, null);
      list.replaceChildren();
      const adjustments = document.getElementById("preview-adjustments");
      adjustments?.replaceChildren();
      if (!response.ok) {
        description.textContent = "Not valid yet: see the message beside the field.";
        for (const [field, messages] of Object.entries(result.errors || {})) setError(form, field, `${field}: ${messages.join(" ")}`);
        return;
      }
      description.textContent = result.description;
      for (const at of result.fireTimes) {
        const item = document.createElement("li");
        const time = document.createElement("time");
        time.setAttribute("datetime", at);
        time.setAttribute("data-relative", "");
        item.append(time);
        list.append(item);
      }
      for (const note of result.adjustments || []) {
        const item = document.createElement("li");
        item.textContent = note.reason;
        adjustments?.append(item);
      }
      localize(list);
    } catch (e) {
      if (e.name !== "AbortError") description.textContent = "Preview unavailable.";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    localize(document);
    for (const el of document.querySelectorAll("[data-zone]")) el.textContent = zone;
    for (const form of document.querySelectorAll("form[data-confirm]")) {
      form.addEventListener("submit", event => { if (!confirm(form.dataset.confirm)) event.preventDefault(); });
    }
    const form = document.querySelector("form.schedule-form");
    if (form) {
      showChosen(form);
      let timer;
      const schedulePreview = () => { clearTimeout(timer); timer = setTimeout(() => preview(form), 250); };
      form.addEventListener("change", event => {
        if (event.target.type === "radio") showChosen(form);
        if (event.target.name === "kind") schedulePreview();
      });
      form.addEventListener("input", event => { if (event.target.dataset.preview) schedulePreview(); });
      preview(form);
      document.getElementById("error-summary")?.focus();
    }
  });
})();
