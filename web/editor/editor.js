/*
 * Eva review inbox: accept or dismiss the server-rendered inbox items.
 *
 * Calls /api/editor/items/<id>/accept|dismiss with the session cookie. Shoppers' words
 * are only ever set as textContent or input values, never as markup. No build step and
 * no libraries, so the file is served as written.
 */
(() => {
  "use strict";

  const { readJson, $, fmt, apiCaller, alertBox, statusLine } = window.EvaCommon;

  const T = readJson("editor-i18n");
  if (!T) return;
  const LANG = document.documentElement.lang === "ko" ? "ko" : "en";
  const LOGIN_URL = "/editor/login";
  const STATUS_CLEAR_MS = 8000;

  const api = apiCaller(T, LANG, LOGIN_URL);
  const call = (path, body) => api("POST", path, body || {});
  const { show: showAlert, hide: hideAlert } = alertBox(T);
  const setStatus = statusLine(STATUS_CLEAR_MS);

  function showStatus(text) {
    hideAlert();
    setStatus(text);
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
      showAlert(error.message);
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
