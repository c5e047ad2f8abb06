/*
 * Eva: helpers shared by the agent console (console.js) and the review inbox (editor.js).
 *
 * Served as /agent/static/common.js and /editor/static/common.js and loaded (deferred)
 * before the page's own script, which finds them in window.EvaCommon. No build step and
 * no libraries, so the file is served as written.
 */
window.EvaCommon = (() => {
  "use strict";

  /** The JSON in the element with this id (a <script type="application/json">), or null. */
  const readJson = (id) => {
    const node = document.getElementById(id);
    try {
      return node ? JSON.parse(node.textContent) : null;
    } catch (error) {
      return null;
    }
  };

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

  /**
   * A caller of the JSON API, `api(method, path, body)`, that answers the reply's JSON.
   * Changes carry the page's CSRF token (X-CSRF-Token). A refusal throws an ApiError
   * with the server's message in `lang` (T.error_network
   * or T.error_unknown without one); a 401 also sends the browser to `loginUrl`.
   */
  function apiCaller(T, lang, loginUrl) {
    // The session's CSRF token, rendered into the page by the server: every change is
    // refused without it (docs/security.md).
    const tokenTag = document.querySelector('meta[name="csrf-token"]');
    const csrfToken = tokenTag ? tokenTag.getAttribute("content") : "";
    return async function api(method, path, body) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken;
      let reply;
      try {
        reply = await fetch(path, {
          method,
          headers,
          credentials: "same-origin",
          cache: "no-store",
          body: body === undefined ? undefined : JSON.stringify(body),
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
      if (reply.status === 401) {
        // The session ended (logout elsewhere, or it expired): sign in again.
        window.location.assign(loginUrl);
      }
      const message = data && data.message && (data.message[lang] || data.message.en);
      const code = (data && data.error) || `http_${reply.status}`;
      throw new ApiError(reply.status, code, message || T.error_unknown);
    };
  }

  /** The page's alert (#alert, #alert-text): show(text), T.error_unknown without one, and hide(). */
  function alertBox(T) {
    return {
      show(text) {
        $("alert-text").textContent = text || T.error_unknown;
        $("alert").hidden = false;
      },
      hide() {
        $("alert").hidden = true;
        $("alert-text").textContent = "";
      },
    };
  }

  /** A function that puts a text in the page's #status, which clears it after clearMs. */
  function statusLine(clearMs) {
    let timer = null;
    return (text) => {
      clearTimeout(timer);
      $("status").textContent = text;
      timer = setTimeout(() => {
        $("status").textContent = "";
      }, clearMs);
    };
  }

  return Object.freeze({ readJson, $, fmt, ApiError, apiCaller, alertBox, statusLine });
})();
