/*
 * Eva review inbox: accept or dismiss the server-rendered inbox items.
 *
 * Calls /api/editor/items/<id>/accept|dismiss with the session cookie. Shoppers' words
 * are only ever set as textContent or input values, never as markup. No build step and
 * no libraries, so the file is served as written.
 */
(() => {
  "use strict";

  const readJson = (id) => {
    const node = document.getElementById(id);
    try {
      return node ? JSON.parse(node.textContent) : null;
    } catch (error) {
      return null;
    }
  };

  const T = readJson("editor-i18n");
  if (!T) return;
  const LANG = document.documentElement.lang === "ko" ? "ko" : "en";
  const LOGIN_URL = "/editor/login";
  const STATUS_CLEAR_MS = 8000;

  const $ = (id) => document.getElementById(id);
  const fmt = (template, values) =>
    String(template).replace(/\{(\w+)\}/g, (match, key) =>
      Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match,
    );

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function call(path, body) {
    let reply;
    try {
      reply = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        cache: "no-store",
        body: JSON.stringify(body || {}),
      });
    } catch (error) {
      throw new ApiError(0, "network", T.error_network);
    }
    let data = null;
    try {
      data = await reply.json();
    } catch (error) {
      data = null;
    }
    if (reply.ok) return data;
    if (reply.status === 401) window.location.assign(LOGIN_URL);
    const message = data && data.message && (data.message[LANG] || data.message.en);
    throw new ApiError(reply.status, (data && data.error) || `http_${reply.status}`,
      message || T.error_unknown);
  }

  let statusTimer = null;
  function showStatus(text) {
    hideAlert();
    const status = $("status");
    status.textContent = text;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => {
      status.textContent = "";
    }, STATUS_CLEAR_MS);
  }

  function showAlert(text) {
    $("alert-text").textContent = text;
    $("alert").hidden = false;
  }

  function hideAlert() {
    $("alert").hidden = true;
    $("alert-text").textContent = "";
  }

  /** Take a handled item off the page and keep its section's count right. */
  function removeItem(item) {
    const section = item.closest(".inbox-section");
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    if (!section) return;
    const left = section.querySelectorAll(".inbox-item").length;
    const count = section.querySelector('[data-role="count"]');
    if (count) count.textContent = `(${left})`;
    const empty = section.querySelector('[data-role="empty"]');
    if (empty) empty.hidden = left > 0;
    // Keyboard users continue with the next message instead of the top of the page.
    const focusable = next && next.querySelector("select");
    if (focusable) focusable.focus();
  }

  function setBusy(form, busy) {
    for (const control of form.querySelectorAll("button, select, input")) {
      control.disabled = busy;
    }
  }

  async function act(item, form, action) {
    const id = item.dataset.itemId;
    const body = {};
    if (action === "accept") {
      const label = form.elements.label.value;
      if (!label) {
        showAlert(T.choose_first);
        form.elements.label.setAttribute("aria-invalid", "true");
        form.elements.label.focus();
        return;
      }
      form.elements.label.removeAttribute("aria-invalid");
      body.label = label;
      body.text = form.elements.text.value;
    }
    setBusy(form, true);
    try {
      const result = await call(`/api/editor/items/${encodeURIComponent(id)}/${action}`, body);
      removeItem(item);
      showStatus(
        action === "accept"
          ? fmt(T.accepted_done, { file: result.file, intent: result.intent })
          : T.dismissed_done,
      );
    } catch (error) {
      setBusy(form, false);
      showAlert(error.message || T.error_unknown);
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest(".inbox-form");
    if (!form) return;
    event.preventDefault();
    act(form.closest(".inbox-item"), form, "accept");
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest('[data-action="dismiss"]');
    if (!button) return;
    const form = button.closest(".inbox-form");
    act(form.closest(".inbox-item"), form, "dismiss");
  });

  $("alert-dismiss").addEventListener("click", hideAlert);
})();
