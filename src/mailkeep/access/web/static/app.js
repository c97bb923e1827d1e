// mailkeep web access: keyboard navigation, confirmations, uploads with progress, task polling.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
"use strict";

function csrfToken() { return document.body.dataset.csrf || ""; }

function setupKeyboard() {
  const rows = Array.from(document.querySelectorAll("#messages li > a.row"));
  let current = -1;
  const select = (i) => {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, n) => r.parentElement.classList.toggle("selected", n === current));
    rows[current].scrollIntoView({ block: "nearest" });
    rows[current].focus();
  };
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") { const q = document.getElementById("q"); if (q) { event.preventDefault(); q.focus(); } }
    else if (event.key === "j" && rows.length) select(current + 1);
    else if (event.key === "k" && rows.length) select(current - 1);
    else if (event.key === "Enter" && current >= 0) rows[current].click();
    else if (event.key === "u") { const back = document.getElementById("back"); if (back) back.click(); }
    else if (event.key === "n") { const next = document.querySelector("a[rel=next]"); if (next) next.click(); }
    else if (event.key === "p") { const prev = document.querySelector("a[rel=prev]"); if (prev) prev.click(); }
  });
}

function setupConfirm() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
  });
}

function pollTask(url, status, done) {
  fetch(url, { headers: { "Accept": "application/json" } }).then((r) => r.json()).then((task) => {
    if (task.state === "running") {
      status.textContent = task.total ? `Working… ${task.done} of ${task.total}` : `Working… ${task.done}`;
      setTimeout(() => pollTask(url, status, done), 700);
    } else { done(task); }
  }).catch(() => setTimeout(() => pollTask(url, status, done), 2000));
}

function describe(task) {
  if (task.state === "failed") return `Failed: ${task.error}`;
  const r = task.result || {};
  if ("archived" in r) {
    const counts = `${r.archived} archived, ${r.duplicates} already archived, ${r.failed} failed.`;
    return r.aborted ? `Stopped: ${r.aborted} (${counts})` : `Done: ${counts}`;
  }
  if ("ok" in r) return r.ok ? `Verified ${r.checked} records: no problems.` : `Verification found problems: ${(r.problems || []).join("; ")}`;
  if ("indexed" in r) return `Index rebuilt: ${r.indexed} messages.`;
  return "Done.";
}

function setupUpload() {
  const form = document.getElementById("upload");
  if (!form) return;
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) return;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/upload");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("X-Archive", encodeURIComponent(form.elements.archive.value));
    xhr.setRequestHeader("X-Folder", encodeURIComponent(form.elements.folder.value));
    xhr.setRequestHeader("X-Filename", encodeURIComponent(file.name));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); status.textContent = `Uploading… ${bar.value}%`; }
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { body = {}; }
      if (xhr.status !== 202) { status.textContent = `Upload failed: ${body.message || xhr.status}`; return; }
      status.textContent = "Uploaded; archiving…";
      pollTask(`/tasks/${body.task}`, status, (task) => { status.textContent = describe(task); });
    });
    xhr.addEventListener("error", () => { status.textContent = "Upload failed: connection lost."; });
    xhr.send(file);
  });
}

function setupTasks() {
  document.querySelectorAll("[data-task]").forEach((el) => {
    pollTask(el.dataset.taskUrl + el.dataset.task, el, (task) => { el.textContent = describe(task); });
  });
}

// On a phone the folder tree would push the messages below the fold: it starts folded there.
function setupFolders() {
  const folders = document.getElementById("folders");
  if (!folders) return;
  const narrow = window.matchMedia("(max-width: 48rem)");
  const fit = () => { folders.open = !narrow.matches; };
  fit();
  narrow.addEventListener("change", fit);
}

// A form that comes back with a test report or an error shows it at once, not below the fold.
function revealOutcome() {
  const outcome = document.getElementById("form-error") || document.getElementById("test-report");
  if (outcome) outcome.scrollIntoView({ block: "center" });
}

document.addEventListener("DOMContentLoaded", () => {
  setupKeyboard(); setupConfirm(); setupUpload(); setupTasks(); setupFolders(); revealOutcome();
});
