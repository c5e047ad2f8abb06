/*!
 * Eva chat widget: one <script> tag, no dependencies, no build step.
 *
 *   <script src=".../widget/eva-widget.js" data-server="https://chat.example.com"
 *           data-language="ko" data-customer-token="..." data-primary-color="#e62e04"
 *           data-title="..." defer></script>
 *
 * Defines <eva-chat> (Shadow DOM, so the shop's CSS cannot reach inside) and appends one to
 * the page. Talks to the web service over one WebSocket: <server>/webhooks/widget/socket,
 * protocol in docs/widget-protocol.md.
 *
 * Element API: open(), close(), setLanguage("ko"|"en"), send(text), sessionId (the id the
 * server issued, "" until it did).
 * Host attributes: data-open, data-connection (connected|reconnecting|offline), data-language,
 * data-handoff (none|queued|with_agent). Each message element has data-seq and data-role;
 * messages not yet stored by the server have data-client-id and data-status
 * (pending|sent|failed) instead of data-seq.
 */
(function () {
  "use strict";

  if (!("customElements" in window) || !("attachShadow" in Element.prototype)) return;

  // document.currentScript is only set while this file runs, so read it now.
  const SCRIPT =
    document.currentScript || document.querySelector('script[src*="eva-widget.js"]');

  const SOCKET_PATH = "/webhooks/widget/socket";
  const MAX_LEN = 1000;
  const COUNTER_FROM = 900;
  const TYPING_SHOWN_MAX_MS = 15000; // a lost "typing off" must never freeze the indicator
  const TYPING_RESEND_MS = 4000; // while typing, repeat "on" at most this often
  const TYPING_IDLE_MS = 3000; // no key for this long = stopped typing
  const BACKOFF_START_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const OFFLINE_AFTER_ATTEMPTS = 4; // ~4 s of failures before the header says "offline"
  const TICK_MS = 5000;
  const PING_EVERY_MS = 25000;
  const STALE_AFTER_MS = 60000; // two missed pongs: the socket is dead but never closed
  const WELCOME_TIMEOUT_MS = 15000; // a socket that never gets to "welcome" is retried
  const RESEND_AFTER_MS = 15000; // unacknowledged message: send again (the server dedupes)
  const MAX_SEND_TRIES = 5;
  const KEYS = {
    session: "eva-session-token",
    lastSeq: "eva-last-seq",
    readSeq: "eva-read-seq",
    queue: "eva-queue",
    open: "eva-open",
  };
  // The conversation id and the server's signature of it (handoff/widget_ids.py): the page
  // cannot make one up, only keep the one the server issued.
  const TOKEN_RE = /^([A-Za-z0-9_-]{8,64})\.[A-Za-z0-9_-]{43}$/;
  const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const DEFAULT_PRIMARY = "#2b59c3";
  const ROLES = new Set(["user", "bot", "agent", "system"]);

  const STRINGS = {
    ko: {
      title: "Eva 고객센터",
      launcher: "채팅 상담",
      launcherUnread: "채팅 상담, 읽지 않은 메시지 {n}개",
      close: "채팅 닫기",
      connecting: "연결 중…",
      connected: "연결됨",
      reconnecting: "다시 연결 중…",
      offline: "오프라인",
      log: "대화 내용",
      intro: "안녕하세요! 주문, 배송, 취소, 환불에 대해 무엇이든 물어보세요.",
      inputLabel: "메시지 입력",
      placeholder: "메시지를 입력하세요",
      send: "보내기",
      agent: "상담원 연결",
      you: "나",
      botName: "Eva",
      agentName: "상담원",
      quickReplies: "빠른 답장",
      waiting: "연결되면 보냅니다",
      sending: "보내는 중…",
      sent: "전송됨",
      failed: "보내지 못했어요",
      retry: "다시 보내기",
      typingBot: "Eva가 입력 중…",
      typingAgent: "{name}님이 입력 중…",
      agentJoined: "상담원 {name}님이 연결되었습니다.",
      agentLeft: "상담원이 대화를 떠났습니다.",
      closed: "상담이 종료되었습니다.",
      queued: "상담원 연결을 기다리는 중입니다.",
      queuePosition: "대기 순번 {n}번",
      queueEta: "예상 대기 약 {n}분",
      withAgent: "상담원 {name}님과 대화 중",
      waitingAgent: "상담원 대기 중",
      error: "요청을 처리하지 못했어요. 잠시 후 다시 시도해 주세요.",
      newConversation: "이전 대화를 이어갈 수 없어 새 대화를 시작했어요.",
      counter: "{n} / {max}자",
      image: "첨부 이미지",
    },
    en: {
      title: "Eva Support",
      launcher: "Chat with us",
      launcherUnread: "Chat with us, {n} unread messages",
      close: "Close chat",
      connecting: "Connecting…",
      connected: "Connected",
      reconnecting: "Reconnecting…",
      offline: "Offline",
      log: "Conversation",
      intro: "Hi! Ask me anything about your order, shipping, cancellations or refunds.",
      inputLabel: "Message",
      placeholder: "Type a message",
      send: "Send",
      agent: "Chat with an agent",
      you: "You",
      botName: "Eva",
      agentName: "Agent",
      quickReplies: "Quick replies",
      waiting: "Will send when connected",
      sending: "Sending…",
      sent: "Sent",
      failed: "Not sent",
      retry: "Try again",
      typingBot: "Eva is typing…",
      typingAgent: "{name} is typing…",
      agentJoined: "Agent {name} has joined the chat.",
      agentLeft: "The agent has left the chat.",
      closed: "The chat has been closed.",
      queued: "Waiting for an agent.",
      queuePosition: "Position {n} in the queue",
      queueEta: "about {n} min",
      withAgent: "Chatting with {name}",
      waitingAgent: "Waiting for an agent",
      error: "Sorry, that could not be processed. Please try again in a moment.",
      newConversation: "The earlier conversation could not be continued, so a new one has started.",
      counter: "{n} / {max}",
      image: "Attached image",
    },
  };

  // ---------------------------------------------------------------- small helpers

  /** ko*, else en: the widget only speaks these two. */
  function normLang(value) {
    return /^ko/i.test(String(value || "").trim()) ? "ko" : "en";
  }

  /** Storage that never throws: private modes and blocked cookies make localStorage fail. */
  function makeStore(kind) {
    const memory = new Map();
    const area = () => {
      try {
        return window[kind];
      } catch (_) {
        return null;
      }
    };
    return {
      get(key) {
        try {
          const value = area() && area().getItem(key);
          return value === null || value === undefined ? memory.get(key) ?? null : value;
        } catch (_) {
          return memory.get(key) ?? null;
        }
      },
      set(key, value) {
        memory.set(key, String(value));
        try {
          if (area()) area().setItem(key, String(value));
        } catch (_) {
          /* quota or disabled storage: the in-memory copy keeps this page working */
        }
      },
    };
  }
  const local = makeStore("localStorage");
  const session = makeStore("sessionStorage");

  function randomId(length) {
    const bytes = new Uint8Array(length);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
    // 256 is a multiple of 64, so "& 63" keeps every character equally likely.
    return Array.from(bytes, (b) => ID_ALPHABET[b & 63]).join("");
  }

  function loadSessionToken() {
    const stored = local.get(KEYS.session);
    return stored && TOKEN_RE.test(stored) ? stored : "";
  }

  function toInt(value) {
    const n = Number(value);
    return Number.isInteger(n) && n > 0 ? n : 0;
  }

  function str(value) {
    return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
  }

  /** The href for an absolute http(s) URL, else null (no javascript:, data:, relative…). */
  function safeHttpUrl(raw) {
    try {
      const url = new URL(String(raw));
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    node.append(...children); // strings become text nodes: never parsed as HTML
    return node;
  }

  function icon(pathData) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    svg.append(path);
    return svg;
  }
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z",
    send: "M3 20.5 21 12 3 3.5V10l12 2-12 2z",
    agent:
      "M12 3a6 6 0 0 0-6 6v1H5a2 2 0 0 0-2 2v3a2 2 0 0 0 2 2h2v-7H8V9a4 4 0 0 1 8 0v1h1v7h-3v2h5a2 2 0 0 0 2-2v-5a2 2 0 0 0-2-2h-1V9a6 6 0 0 0-6-6z",
  };

  // URLs stop at whitespace, quotes, angle brackets and Hangul: Korean text is often glued
  // to a link ("https://shop.kr/track에서 확인").
  const URL_RE = /https?:\/\/[^\s<>"'`\u3131-\u318E\uAC00-\uD7A3]+/gi;
  // Sentence punctuation right after a link is not part of it.
  const URL_TAIL_RE = /[.,;:!?)\]}。、，！？…]+$/u;

  /** Appends text with http(s) links made clickable; everything else stays plain text. */
  function appendRichText(parent, text) {
    let last = 0;
    URL_RE.lastIndex = 0;
    for (let match = URL_RE.exec(text); match; match = URL_RE.exec(text)) {
      const candidate = match[0].replace(URL_TAIL_RE, "");
      const href = safeHttpUrl(candidate);
      parent.append(text.slice(last, match.index));
      if (href) {
        const link = el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" });
        link.textContent = candidate;
        parent.append(link);
      } else {
        parent.append(candidate);
      }
      last = match.index + candidate.length;
      URL_RE.lastIndex = last;
    }
    parent.append(text.slice(last));
  }

  // ---------------------------------------------------------------- colours

  function parseHex(value) {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(value || "").trim());
    if (!m) return null;
    const hex = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  function toHex(rgb) {
    return "#" + rgb.map((v) => v.toString(16).padStart(2, "0")).join("");
  }

  function luminance(rgb) {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(l1, l2) {
    return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  }

  /**
   * The shop's brand colour, adjusted so text on it keeps a 4.5:1 contrast: white text if
   * it already passes or the colour only needs a little darkening (most brand reds and
   * blues), dark text on light colours such as yellow.
   */
  function themeColors(input) {
    const original = parseHex(input) || parseHex(DEFAULT_PRIMARY);
    const dark = [31, 35, 40];
    if (contrast(1, luminance(original)) < 4.5 && contrast(luminance(dark), luminance(original)) >= 7) {
      return { bg: toHex(original), fg: toHex(dark), accentText: toHex(dark) };
    }
    let rgb = original;
    while (contrast(1, luminance(rgb)) < 4.5) rgb = rgb.map((v) => Math.floor(v * 0.95));
    // A colour white text can sit on also reads as text on the white panel.
    return { bg: toHex(rgb), fg: "#ffffff", accentText: toHex(rgb) };
  }

  // ---------------------------------------------------------------- styles

  const CSS = `
:host { all: initial !important; display: block !important; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  font-family: system-ui, -apple-system, "Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans KR",
    "Noto Sans CJK KR", "Segoe UI", Roboto, sans-serif;
  font-size: 15px; line-height: 1.45; color: #1f2328; letter-spacing: normal;
  text-align: left; word-break: keep-all; overflow-wrap: anywhere;
}
button, textarea { font: inherit; color: inherit; letter-spacing: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid #1a4fba; outline-offset: 2px; }
.sr-only {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  width: 60px; height: 60px; border-radius: 50%; border: 0; padding: 0; margin: 0;
  display: flex; align-items: center; justify-content: center;
  background: var(--eva-primary); color: var(--eva-on-primary);
  box-shadow: 0 4px 14px rgba(0, 0, 0, .25);
}
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.launcher:focus-visible { outline-color: #1f2328; outline-offset: 3px; box-shadow: 0 0 0 3px #fff; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; border: 2px solid #fff; background: #c92a2a; color: #fff;
  font-size: 12px; font-weight: 700; line-height: 18px; text-align: center;
}
.panel {
  position: fixed; right: 20px; bottom: 92px; z-index: 2147483001;
  width: 370px; height: 600px; max-height: calc(100vh - 112px);
  display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border-radius: 14px; border: 1px solid #d0d5da;
  box-shadow: 0 12px 40px rgba(0, 0, 0, .22);
}
.header {
  display: flex; align-items: center; gap: 10px; padding: 12px 10px 12px 16px;
  background: var(--eva-primary); color: var(--eva-on-primary);
}
.header :focus-visible { outline-color: currentColor; outline-offset: -5px; }
.titles { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 700; line-height: 1.3; }
.status { margin: 2px 0 0; font-size: 13px; display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #adb5bd; box-shadow: 0 0 0 1.5px #fff; }
.root[data-connection="connected"] .dot { background: #2f9e44; }
.root[data-connection="reconnecting"] .dot { background: #f59f00; }
.handoff:not(:empty)::before { content: "·"; margin-right: 6px; }
.icon-button {
  width: 40px; height: 40px; border: 0; border-radius: 8px; padding: 8px; margin: 0;
  background: transparent; color: inherit; display: flex; align-items: center; justify-content: center;
}
.icon-button svg { width: 22px; height: 22px; fill: currentColor; }
.icon-button:hover { background: rgba(0, 0, 0, .12); }
.log {
  flex: 1; overflow-y: auto; padding: 14px 12px; display: flex; flex-direction: column; gap: 10px;
  background: #fff; overscroll-behavior: contain;
}
.log:focus-visible { outline-offset: -3px; }
.intro { margin: 0 0 4px; padding: 10px 12px; border-radius: 10px; background: #f6f7f8; color: #3d434a; font-size: 14px; }
.msg { display: flex; flex-direction: column; max-width: 85%; }
.msg.bot, .msg.agent { align-self: flex-start; }
.msg.user { align-self: flex-end; align-items: flex-end; }
.bubble { padding: 9px 12px; border-radius: 14px; white-space: pre-wrap; font-size: 15px; }
.bot .bubble { background: #f1f3f5; color: #1f2328; border-top-left-radius: 4px; }
.agent .bubble { background: #e8f0fe; color: #1f2328; border-top-left-radius: 4px; border: 1px solid #c5d6f5; }
.user .bubble { background: var(--eva-primary); color: var(--eva-on-primary); border-top-right-radius: 4px; }
.bubble a { color: #1a4fba; text-decoration: underline; }
.user .bubble a { color: inherit; }
.name { font-size: 12px; font-weight: 700; color: #1f4fa8; margin: 0 0 3px 4px; }
.meta { font-size: 12px; color: #5c636a; margin: 3px 4px 0; }
.outgoing[data-status="failed"] .meta { color: #b42318; }
.link-button {
  border: 0; background: none; padding: 0 2px; margin-left: 6px; color: #1a4fba;
  text-decoration: underline; font-size: 12px;
}
.image { display: block; margin-top: 6px; }
.image img { display: block; max-width: 100%; max-height: 240px; border-radius: 10px; border: 1px solid #d0d5da; }
.quick { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.quick button, .agent-button {
  min-height: 36px; padding: 6px 12px; margin: 0; border-radius: 18px; background: #fff;
  border: 1.5px solid var(--eva-accent-text); color: var(--eva-accent-text); font-size: 14px;
}
.quick button:hover:not(:disabled), .agent-button:hover { background: #f1f3f5; }
.quick button:disabled { cursor: default; border-color: #c9ced3; color: #5c636a; background: #f6f7f8; }
.quick button.chosen { background: var(--eva-primary); border-color: var(--eva-primary); color: var(--eva-on-primary); }
.system { align-self: center; max-width: 92%; text-align: center; }
.system p { margin: 0; padding: 6px 12px; border-radius: 12px; background: #f6f7f8; color: #494f56; font-size: 13px; white-space: pre-wrap; }
.system p + p { margin-top: 4px; font-weight: 700; }
.system.error p { background: #fdecec; color: #8a1c1c; }
.typing { display: flex; align-items: center; gap: 8px; padding: 0 16px 6px; font-size: 13px; color: #5c636a; }
.dots { display: inline-flex; gap: 3px; }
.dots span { width: 6px; height: 6px; border-radius: 50%; background: #868e96; animation: eva-blink 1.2s infinite; }
.dots span:nth-child(2) { animation-delay: .2s; }
.dots span:nth-child(3) { animation-delay: .4s; }
@keyframes eva-blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .dots span { animation: none; } }
.composer { border-top: 1px solid #e1e4e8; padding: 8px 10px 10px; background: #fff; }
.toolbar { display: flex; margin-bottom: 8px; }
.agent-button { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; min-height: 32px; }
.agent-button svg { width: 16px; height: 16px; fill: currentColor; }
.form { display: flex; align-items: flex-end; gap: 8px; margin: 0; }
textarea {
  flex: 1; min-height: 42px; max-height: 120px; resize: none; margin: 0;
  padding: 10px 12px; border: 1.5px solid #8c959f; border-radius: 10px; background: #fff;
  font-size: 15px; line-height: 1.35; color: #1f2328;
}
textarea::placeholder { color: #6a7077; opacity: 1; }
textarea:focus-visible { outline-offset: 0; border-color: #1a4fba; }
.send {
  width: 42px; height: 42px; border-radius: 50%; border: 0; padding: 0; margin: 0; flex: none;
  background: var(--eva-primary); color: var(--eva-on-primary);
  display: flex; align-items: center; justify-content: center;
}
.send svg { width: 20px; height: 20px; fill: currentColor; }
.send:disabled { background: #e1e4e8; color: #5c636a; cursor: default; }
.counter { margin: 4px 2px 0; font-size: 12px; color: #5c636a; text-align: right; }
.counter.at-limit { color: #b42318; font-weight: 700; }
@media (max-width: 599px) {
  .panel {
    top: 0; left: 0; right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh;
    max-height: none; border-radius: 0; border: 0;
  }
  .root.is-open .launcher { display: none; }
  .composer { padding-bottom: calc(10px + env(safe-area-inset-bottom, 0px)); }
  .msg { max-width: 90%; }
}
`;

  /**
   * Gives a shadow root the widget's CSS. A constructable stylesheet is CSSOM, which no
   * Content-Security-Policy restricts, so the widget keeps its look on a page whose
   * policy says style-src 'self' (ours, and many shops'). A <style> element is only for
   * browsers without adoptedStyleSheets (Safari before 16.4, Firefox before 101): there a
   * strict policy blocks it, as it would any inline style.
   */
  let sheet = null;
  function adoptStyles(root) {
    if ("adoptedStyleSheets" in ShadowRoot.prototype && "replaceSync" in CSSStyleSheet.prototype) {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
      }
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el("style", {}, CSS));
    }
  }

  // ---------------------------------------------------------------- the element

  class EvaChat extends HTMLElement {
    static get observedAttributes() {
      return ["language"];
    }

    constructor() {
      super();
      this.uiLang = "en"; // not "lang": that would set an attribute, forbidden in a constructor
      this.built = false;
      this.isOpen = false;
      this.ws = null;
      this.ready = false; // "welcome" received on the current socket
      this.everConnected = false;
      this.attempts = 0;
      this.retryTimer = 0;
      this.tickTimer = 0;
      this.socketStartedAt = 0;
      this.lastFrameAt = 0;
      this.lastPingAt = 0;
      this.renderedSeq = 0; // always 0 on page load: "hello" then replays the whole history
      this.welcomeSeq = 0; // messages up to here are history, not live events
      this.readSeq = toInt(local.get(KEYS.readSeq));
      this.unread = 0;
      this.queue = this.loadQueue();
      this.inFlight = new Map(); // client_id -> time sent on the current socket
      this.handoff = null;
      this.typingShown = new Map(); // role -> timer that hides it
      this.typingOn = false;
      this.typingSentAt = 0;
      this.typingIdleTimer = 0;
      this.lastNotice = { text: "", at: 0 };
      this.sessionToken = loadSessionToken();
      this.sessionIdValue = this.sessionToken ? this.sessionToken.split(".")[0] : "";
      this.onLanguageEvent = (event) => this.setLanguage(event.detail);
      this.onOnline = () => this.reconnectNow(true);
      this.onOffline = () => this.updateConnection();
      this.onVisibility = () => {
        if (document.visibilityState === "visible") this.reconnectNow(false);
      };
    }

    get sessionId() {
      return this.sessionIdValue;
    }

    connectedCallback() {
      // Language first: build() renders the queued messages of an earlier page.
      this.uiLang = normLang(this.getAttribute("language") || document.documentElement.lang);
      if (!this.built) this.build();
      this.setLanguage(this.uiLang);
      document.addEventListener("eva-language", this.onLanguageEvent);
      window.addEventListener("online", this.onOnline);
      window.addEventListener("offline", this.onOffline);
      document.addEventListener("visibilitychange", this.onVisibility);
      this.tickTimer = window.setInterval(() => this.tick(), TICK_MS);
      this.updateConnection();
      this.connect();
      // Keep the chat open while the shopper browses from page to page (no focus steal).
      this.setOpen(session.get(KEYS.open) === "true", {});
    }

    disconnectedCallback() {
      document.removeEventListener("eva-language", this.onLanguageEvent);
      window.removeEventListener("online", this.onOnline);
      window.removeEventListener("offline", this.onOffline);
      document.removeEventListener("visibilitychange", this.onVisibility);
      clearInterval(this.tickTimer);
      clearTimeout(this.retryTimer);
      this.retryTimer = 0;
      this.dropSocket();
    }

    attributeChangedCallback(name, _old, value) {
      if (this.built && name === "language" && value) this.setLanguage(value);
    }

    // ------------------------------------------------------------ building the UI

    build() {
      this.built = true;
      const theme = themeColors(this.getAttribute("primary-color"));
      this.customTitle = (this.getAttribute("chat-title") || "").trim();
      const root = this.attachShadow({ mode: "open" });
      const wrap = el("div", { class: "root" });
      wrap.style.setProperty("--eva-primary", theme.bg);
      wrap.style.setProperty("--eva-on-primary", theme.fg);
      wrap.style.setProperty("--eva-accent-text", theme.accentText);

      const ui = (this.ui = {});
      ui.root = wrap;
      ui.badge = el("span", { class: "badge", "aria-hidden": "true", hidden: "" });
      ui.launcher = el("button",
        { type: "button", class: "launcher", "aria-controls": "eva-panel", "aria-expanded": "false" },
        icon(ICONS.chat), ui.badge);
      ui.title = el("h2", { class: "title", id: "eva-title" });
      ui.statusText = el("span", { class: "status-text" });
      ui.handoffText = el("span", { class: "handoff" });
      ui.close = el("button", { type: "button", class: "icon-button close" }, icon(ICONS.close));
      const header = el("div", { class: "header" },
        el("div", { class: "titles" }, ui.title,
          el("p", { class: "status" }, el("span", { class: "dot", "aria-hidden": "true" }), ui.statusText, ui.handoffText)),
        ui.close);
      ui.intro = el("p", { class: "intro" });
      // tabindex: a scrollable region must be reachable by keyboard to scroll it.
      ui.log = el("div",
        { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" },
        ui.intro);
      ui.typingText = el("span");
      ui.typing = el("div", { class: "typing", hidden: "" },
        el("span", { class: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")), ui.typingText);
      ui.agentLabel = el("span");
      ui.agent = el("button", { type: "button", class: "agent-button" }, icon(ICONS.agent), ui.agentLabel);
      ui.inputLabel = el("label", { class: "sr-only", for: "eva-input" });
      ui.input = el("textarea", {
        id: "eva-input", rows: "1", maxlength: String(MAX_LEN),
        "aria-describedby": "eva-counter", enterkeyhint: "send",
      });
      ui.send = el("button", { type: "submit", class: "send", disabled: "" }, icon(ICONS.send));
      ui.form = el("form", { class: "form" }, ui.inputLabel, ui.input, ui.send);
      ui.counter = el("p", { class: "counter", id: "eva-counter", hidden: "" });
      ui.panel = el("div", { class: "panel", id: "eva-panel", role: "dialog", "aria-modal": "false", hidden: "" },
        header, ui.log, ui.typing,
        el("div", { class: "composer" }, el("div", { class: "toolbar" }, ui.agent), ui.form, ui.counter));

      wrap.append(ui.launcher, ui.panel);
      adoptStyles(root);
      root.append(wrap);
      this.bindEvents();
      for (const entry of this.queue) this.renderOutgoing(entry); // typed on an earlier page
    }

    bindEvents() {
      const ui = this.ui;
      ui.launcher.addEventListener("click", () =>
        this.isOpen ? this.setOpen(false, { returnFocus: true }) : this.setOpen(true, { focus: true }));
      ui.close.addEventListener("click", () => this.setOpen(false, { returnFocus: true }));
      ui.root.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && this.isOpen) {
          event.stopPropagation();
          this.setOpen(false, { returnFocus: true });
        }
      });
      ui.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submitInput();
      });
      ui.input.addEventListener("keydown", (event) => {
        // keyCode 229 / isComposing: Enter that confirms a Hangul syllable must not send.
        if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
        event.preventDefault();
        this.submitInput();
      });
      ui.input.addEventListener("input", () => {
        this.refreshComposer();
        this.noteTyping();
      });
      ui.input.addEventListener("blur", () => this.sendTyping(false));
      ui.agent.addEventListener("click", () => this.sendUserMessage(this.t("agent"), "/request_agent"));
    }

    // ------------------------------------------------------------ language

    t(key, vars) {
      const text = (STRINGS[this.uiLang] && STRINGS[this.uiLang][key]) || STRINGS.en[key] || key;
      return text.replace(/\{(\w+)\}/g, (_, name) => (vars && name in vars ? String(vars[name]) : ""));
    }

    /** Switches every UI string; messages already shown stay as they were written. */
    setLanguage(lang) {
      const previous = this.uiLang;
      this.uiLang = normLang(lang);
      this.setAttribute("data-language", this.uiLang);
      // The server learns the page language from "hello" only, and answers a message without
      // letters (an order number, a phone number) in it: a new socket tells it the new one.
      // Nothing is lost: the new socket replays from the last seq shown and queued messages
      // are resent (the server ignores a client_id it has already seen).
      if (this.uiLang !== previous && this.ws) {
        this.dropSocket();
        this.connect();
      }
      if (!this.built) return;
      const ui = this.ui;
      ui.root.lang = this.uiLang; // screen readers pick the right voice for the widget's texts
      const title = this.customTitle || this.t("title");
      ui.title.textContent = title;
      ui.panel.setAttribute("aria-label", title);
      ui.close.setAttribute("aria-label", this.t("close"));
      ui.log.setAttribute("aria-label", this.t("log"));
      ui.intro.textContent = this.t("intro");
      ui.agentLabel.textContent = this.t("agent");
      ui.inputLabel.textContent = this.t("inputLabel");
      ui.input.placeholder = this.t("placeholder");
      ui.send.setAttribute("aria-label", this.t("send"));
      for (const group of ui.log.querySelectorAll(".quick")) group.setAttribute("aria-label", this.t("quickReplies"));
      this.updateBadge();
      this.updateConnection();
      this.renderHandoff();
      this.renderTyping();
      this.refreshComposer();
    }

    // ------------------------------------------------------------ open / close

    open() {
      this.setOpen(true, { focus: true });
    }

    close() {
      // Only take focus back to the launcher when it was inside the widget.
      this.setOpen(false, { returnFocus: Boolean(this.shadowRoot && this.shadowRoot.activeElement) });
    }

    setOpen(open, { focus = false, returnFocus = false }) {
      if (!this.built) return;
      const changed = this.isOpen !== open;
      this.isOpen = open;
      this.ui.panel.hidden = !open;
      this.ui.root.classList.toggle("is-open", open);
      this.ui.launcher.setAttribute("aria-expanded", String(open));
      this.setAttribute("data-open", String(open));
      session.set(KEYS.open, String(open));
      if (open) {
        this.markRead();
        this.scrollToBottom();
        if (!this.ws) this.reconnectNow(false); // the shopper is waiting: don't sit out the backoff
        if (focus) this.ui.input.focus();
      } else {
        this.sendTyping(false);
        if (returnFocus) this.ui.launcher.focus();
      }
      if (changed) this.dispatchEvent(new CustomEvent(open ? "eva-open" : "eva-close", { bubbles: true, composed: true }));
    }

    markRead() {
      this.unread = 0;
      this.readSeq = Math.max(this.readSeq, this.renderedSeq);
      local.set(KEYS.readSeq, this.readSeq);
      this.updateBadge();
    }

    updateBadge() {
      if (!this.built) return;
      const n = this.unread;
      this.ui.badge.hidden = n === 0;
      this.ui.badge.textContent = n > 99 ? "99+" : String(n);
      this.ui.launcher.setAttribute("aria-label", n ? this.t("launcherUnread", { n }) : this.t("launcher"));
    }

    // ------------------------------------------------------------ connection

    socketUrl() {
      const url = new URL(this.getAttribute("server") || location.origin, document.baseURI);
      url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
      url.pathname = url.pathname.replace(/\/+$/, "") + SOCKET_PATH; // keeps a proxy prefix
      url.search = "";
      url.hash = "";
      return url.href;
    }

    connect() {
      if (this.ws || !this.isConnected) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = 0;
      let ws;
      try {
        ws = new WebSocket(this.socketUrl());
      } catch (_) {
        this.scheduleReconnect(); // a malformed data-server: keep the UI usable, retry quietly
        this.updateConnection();
        return;
      }
      this.ws = ws;
      this.socketStartedAt = Date.now();
      ws.addEventListener("open", () => {
        if (this.ws !== ws) return;
        this.lastFrameAt = Date.now();
        const hello = { type: "hello", last_seq: this.renderedSeq, language: this.uiLang };
        if (this.sessionToken) hello.session_token = this.sessionToken;
        const token = this.getAttribute("customer-token");
        if (token) hello.customer_token = token;
        this.sendFrame(hello, true);
      });
      ws.addEventListener("message", (event) => {
        if (this.ws === ws) this.onFrame(event.data);
      });
      // "error" is always followed by "close", which is where the retry happens.
      ws.addEventListener("close", () => {
        if (this.ws === ws) this.onSocketLost();
      });
    }

    /** Forgets the current socket (without retrying): everything tied to it is reset. */
    dropSocket() {
      const ws = this.ws;
      this.ws = null;
      this.ready = false;
      this.inFlight.clear();
      this.typingOn = false;
      this.hideTyping();
      this.setHistoryReplay(false);
      if (ws) {
        try {
          ws.close();
        } catch (_) {
          /* already closed */
        }
      }
    }

    onSocketLost() {
      this.dropSocket();
      this.scheduleReconnect();
      this.updateConnection();
    }

    scheduleReconnect() {
      if (this.retryTimer || !this.isConnected) return;
      const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.min(this.attempts, 10));
      // ±20 % jitter so many shoppers' tabs don't all hit a restarted server at once.
      const delay = Math.min(BACKOFF_MAX_MS, base * (0.8 + Math.random() * 0.4));
      this.attempts += 1;
      this.retryTimer = window.setTimeout(() => {
        this.retryTimer = 0;
        this.connect();
      }, delay);
    }

    reconnectNow(resetBackoff) {
      if (this.ws) return;
      if (resetBackoff) this.attempts = 0;
      clearTimeout(this.retryTimer);
      this.retryTimer = 0;
      this.connect();
    }

    connectionState() {
      if (this.ready) return "connected";
      if (navigator.onLine === false || this.attempts >= OFFLINE_AFTER_ATTEMPTS) return "offline";
      return "reconnecting";
    }

    updateConnection() {
      if (!this.built) return;
      const state = this.connectionState();
      this.setAttribute("data-connection", state);
      this.ui.root.setAttribute("data-connection", state);
      this.ui.statusText.textContent =
        state === "reconnecting" && !this.everConnected ? this.t("connecting") : this.t(state);
      for (const item of this.ui.log.querySelectorAll(".outgoing")) this.setOutgoingStatus(item, item.dataset.status);
    }

    sendFrame(frame, beforeWelcome) {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN || !(this.ready || beforeWelcome)) return false;
      ws.send(JSON.stringify(frame));
      return true;
    }

    /** Every 5 s: keep-alive, dead-socket detection, resending unacknowledged messages. */
    tick() {
      const now = Date.now();
      if (!this.ready) {
        // A handshake hanging behind a firewall, or a server that never says "welcome".
        if (this.ws && now - this.socketStartedAt > WELCOME_TIMEOUT_MS) this.onSocketLost();
        return;
      }
      if (now - this.lastFrameAt > STALE_AFTER_MS) {
        this.onSocketLost(); // a sleeping laptop or dropped NAT never fires "close"
        return;
      }
      if (now - this.lastPingAt >= PING_EVERY_MS && this.sendFrame({ type: "ping" })) this.lastPingAt = now;
      for (const entry of this.queue.slice()) {
        const sentAt = this.inFlight.get(entry.client_id);
        if (sentAt === undefined || now - sentAt < RESEND_AFTER_MS) continue;
        if (entry.tries >= MAX_SEND_TRIES) this.markFailed(entry.client_id);
        else this.transmit(entry);
      }
    }

    // ------------------------------------------------------------ server frames

    onFrame(data) {
      this.lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(data);
      } catch (_) {
        return;
      }
      if (!frame || typeof frame !== "object") return;
      if (frame.type === "welcome") this.onWelcome(frame);
      else if (frame.type === "message") this.onMessage(frame);
      else if (frame.type === "ack") this.onAck(frame);
      else if (frame.type === "typing") this.onTyping(frame);
      else if (frame.type === "error") this.onError(frame);
      // "pong" and unknown types: nothing to do beyond lastFrameAt (newer servers may add types)
    }

    onWelcome(frame) {
      const token = str(frame.session_token);
      const match = TOKEN_RE.exec(token);
      if (match) {
        this.sessionToken = token;
        this.sessionIdValue = match[1];
        local.set(KEYS.session, token);
      }
      // Our stored id was refused (expired secret, tampered storage): say why the history
      // went away; the check below then clears it and rejoins with the new id.
      if (frame.renewed === true) this.showNotice(this.t("newConversation"), false);
      const serverSeq = toInt(frame.last_seq);
      if (serverSeq < this.renderedSeq) {
        this.restartConversation();
        return;
      }
      this.ready = true;
      this.everConnected = true;
      this.attempts = 0;
      this.welcomeSeq = serverSeq;
      this.lastPingAt = Date.now();
      // Replayed history is not news: a screen reader should not read it all out on every page.
      this.setHistoryReplay(serverSeq > this.renderedSeq);
      this.setHandoff(frame.handoff);
      this.updateConnection();
      this.flushQueue();
    }

    /**
     * The server has fewer messages than we showed (its store expired or was wiped): drop the
     * shown history and start again from seq 0, or newer messages would be mistaken for
     * duplicates and never shown.
     */
    restartConversation() {
      for (const item of this.ui.log.querySelectorAll(".msg[data-seq]")) item.remove();
      this.renderedSeq = 0;
      this.welcomeSeq = 0;
      this.readSeq = 0;
      local.set(KEYS.lastSeq, 0);
      local.set(KEYS.readSeq, 0);
      this.dropSocket();
      this.connect();
    }

    onMessage(m) {
      const seq = toInt(m.seq);
      if (!seq) return;
      const clientId = str(m.client_id);
      if (seq <= this.renderedSeq) {
        if (clientId) this.settleOutgoing(clientId); // already shown: only drop our copy
        return;
      }
      const role = ROLES.has(m.role) ? m.role : "bot";
      const stick = this.isNearBottom() || role === "user";
      if (role === "user") {
        if (clientId) this.settleOutgoing(clientId); // the echo replaces the pending bubble
        this.disableQuickReplies();
      }
      this.insertStored(role === "system" ? this.buildSystem(m, seq) : this.buildMessage(m, seq, role));
      this.renderedSeq = seq;
      local.set(KEYS.lastSeq, seq);
      if (role === "bot" || role === "agent") this.hideTyping(role);
      if (role === "system" && seq > this.welcomeSeq) this.applySystemEvent(m);
      if (role !== "user" && !this.isOpen && seq > this.readSeq) {
        this.unread += 1;
        this.updateBadge();
      }
      if (this.isOpen) this.markRead();
      if (stick) this.scrollToBottom();
      if (seq >= this.welcomeSeq) this.setHistoryReplay(false);
    }

    setHistoryReplay(replaying) {
      if (this.built) this.ui.log.setAttribute("aria-live", replaying ? "off" : "polite");
    }

    onAck(frame) {
      const clientId = str(frame.client_id);
      if (!clientId) return;
      this.dequeue(clientId);
      const item = this.findOutgoing(clientId);
      if (item) this.setOutgoingStatus(item, "sent");
    }

    onTyping(frame) {
      if (frame.role !== "bot" && frame.role !== "agent") return;
      if (frame.on === true) this.showTyping(frame.role);
      else this.hideTyping(frame.role);
    }

    onError(frame) {
      const text = frame.message && typeof frame.message === "object"
        ? str(frame.message[this.uiLang]) || str(frame.message.en) || str(frame.message.ko)
        : "";
      this.showNotice(text || this.t("error"), true);
      if (frame.client_id) this.markFailed(str(frame.client_id));
    }

    // ------------------------------------------------------------ rendering

    isNearBottom() {
      const log = this.ui.log;
      return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    }

    scrollToBottom() {
      this.ui.log.scrollTop = this.ui.log.scrollHeight;
    }

    /** Stored messages go before the shopper's not-yet-stored ones, which stay at the end. */
    insertStored(item) {
      this.ui.intro.hidden = true;
      this.ui.log.insertBefore(item, this.ui.log.querySelector(".outgoing"));
    }

    buildMessage(m, seq, role) {
      const item = el("div", { class: `msg ${role}`, "data-seq": seq, "data-role": role });
      const agentName = (m.agent && str(m.agent.name)) || this.t("agentName");
      if (role === "agent") item.append(el("div", { class: "name" }, agentName));
      else item.append(el("span", { class: "sr-only" }, (role === "user" ? this.t("you") : this.t("botName")) + ": "));
      const bubble = el("div", { class: "bubble" });
      appendRichText(bubble, str(m.text));
      const imageUrl = safeHttpUrl(m.image);
      if (imageUrl) {
        const img = el("img", { src: imageUrl, alt: this.t("image"), loading: "lazy", referrerpolicy: "no-referrer" });
        bubble.append(el("a", { class: "image", href: imageUrl, target: "_blank", rel: "noopener noreferrer nofollow" }, img));
      }
      if (str(m.text) || imageUrl) item.append(bubble);
      const buttons = Array.isArray(m.buttons) ? m.buttons : [];
      const group = el("div", { class: "quick", role: "group", "aria-label": this.t("quickReplies") });
      for (const b of buttons) {
        const title = b && (str(b.title) || str(b.payload));
        if (!title) continue;
        const button = el("button", { type: "button" }, title);
        button.addEventListener("click", () => this.chooseQuickReply(button, title, str(b.payload)));
        group.append(button);
      }
      if (group.childNodes.length) item.append(group);
      const time = this.formatTime(m.timestamp);
      if (time) item.append(el("div", { class: "meta" }, time));
      return item;
    }

    buildSystem(m, seq) {
      const event = str(m.event);
      const item = el("div", { class: "msg system", "data-seq": seq, "data-role": "system", "data-event": event });
      const name = (m.agent && str(m.agent.name)) || this.t("agentName");
      const fallback = {
        agent_joined: this.t("agentJoined", { name }),
        agent_left: this.t("agentLeft"),
        closed: this.t("closed"),
        queue: this.t("queued"),
      };
      const text = el("p");
      appendRichText(text, str(m.text) || fallback[event] || "");
      item.append(text);
      if (event === "queue" && m.queue && typeof m.queue === "object") {
        const position = toInt(m.queue.position);
        const eta = Number(m.queue.eta_minutes);
        const parts = [];
        if (position) parts.push(this.t("queuePosition", { n: position }));
        if (Number.isFinite(eta) && eta >= 0) parts.push(this.t("queueEta", { n: Math.ceil(eta) }));
        if (parts.length) item.append(el("p", { class: "queue-info" }, parts.join(" · ")));
      }
      return item;
    }

    /** A centred notice of the widget itself (errors): not part of the stored conversation. */
    showNotice(text, isError) {
      const now = Date.now();
      if (this.lastNotice.text === text && now - this.lastNotice.at < 5000) return; // no floods
      this.lastNotice = { text, at: now };
      const stick = this.isNearBottom();
      const attrs = { class: `msg system${isError ? " error" : ""}`, "data-role": "system", "data-local": "true" };
      this.insertStored(el("div", attrs, el("p", {}, text)));
      if (stick) this.scrollToBottom();
    }

    formatTime(timestamp) {
      const seconds = Number(timestamp);
      if (!Number.isFinite(seconds) || seconds <= 0) return "";
      try {
        return new Intl.DateTimeFormat(this.uiLang === "ko" ? "ko-KR" : "en-US", { hour: "numeric", minute: "2-digit" })
          .format(new Date(seconds * 1000));
      } catch (_) {
        return "";
      }
    }

    chooseQuickReply(button, title, payload) {
      button.classList.add("chosen");
      this.sendUserMessage(title, payload || undefined);
      // The clicked button is now disabled; keep keyboard users in the conversation.
      this.ui.input.focus();
    }

    /** Once the shopper answers, earlier quick replies are stale. */
    disableQuickReplies() {
      for (const button of this.ui.log.querySelectorAll(".quick button:not(:disabled)")) button.disabled = true;
    }

    // ------------------------------------------------------------ handoff & typing

    applySystemEvent(m) {
      const event = str(m.event);
      if (event === "agent_joined") this.setHandoff({ state: "with_agent", agent: m.agent && str(m.agent.name) });
      else if (event === "queue") this.setHandoff({ state: "queued", agent: null });
      else if (event === "agent_left" || event === "closed") {
        this.setHandoff(null);
        this.hideTyping("agent");
      }
    }

    setHandoff(handoff) {
      const state = handoff && typeof handoff === "object" ? str(handoff.state) : "";
      this.handoff = state === "queued" || state === "with_agent"
        ? { state, agent: str(handoff.agent) || (handoff.agent && str(handoff.agent.name)) || "" }
        : null;
      this.setAttribute("data-handoff", this.handoff ? this.handoff.state : "none");
      this.renderHandoff();
    }

    renderHandoff() {
      if (!this.built) return;
      const h = this.handoff;
      this.ui.handoffText.textContent = !h ? ""
        : h.state === "queued" ? this.t("waitingAgent")
          : this.t("withAgent", { name: h.agent || this.t("agentName") });
    }

    showTyping(role) {
      clearTimeout(this.typingShown.get(role));
      this.typingShown.set(role, window.setTimeout(() => this.hideTyping(role), TYPING_SHOWN_MAX_MS));
      this.renderTyping();
    }

    /** Hides one role's indicator, or all of them without a role. */
    hideTyping(role) {
      for (const [shown, timer] of this.typingShown) {
        if (role && shown !== role) continue;
        clearTimeout(timer);
        this.typingShown.delete(shown);
      }
      this.renderTyping();
    }

    renderTyping() {
      if (!this.built) return;
      const agent = this.typingShown.has("agent");
      this.ui.typing.hidden = this.typingShown.size === 0;
      this.ui.typingText.textContent = agent
        ? this.t("typingAgent", { name: (this.handoff && this.handoff.agent) || this.t("agentName") })
        : this.t("typingBot");
    }

    /** Tells the agent the shopper is typing: "on" at most every 4 s, "off" after 3 s idle. */
    noteTyping() {
      clearTimeout(this.typingIdleTimer);
      if (!this.ui.input.value.trim()) {
        this.sendTyping(false);
        return;
      }
      if (!this.typingOn || Date.now() - this.typingSentAt >= TYPING_RESEND_MS) this.sendTyping(true);
      this.typingIdleTimer = window.setTimeout(() => this.sendTyping(false), TYPING_IDLE_MS);
    }

    sendTyping(on) {
      if (!on) clearTimeout(this.typingIdleTimer);
      if (!on && !this.typingOn) return;
      if (this.sendFrame({ type: "typing", on })) {
        this.typingOn = on;
        this.typingSentAt = Date.now();
      }
    }

    // ------------------------------------------------------------ sending

    send(text) {
      this.sendUserMessage(str(text));
    }

    submitInput() {
      const text = this.ui.input.value;
      if (!text.trim()) return;
      this.sendUserMessage(text);
      this.ui.input.value = "";
      this.refreshComposer();
      this.sendTyping(false);
    }

    refreshComposer() {
      if (!this.built) return;
      const input = this.ui.input;
      input.style.height = "auto";
      input.style.height = Math.min(input.scrollHeight + 3, 120) + "px";
      const length = input.value.length;
      this.ui.send.disabled = !input.value.trim();
      this.ui.counter.hidden = length < COUNTER_FROM;
      this.ui.counter.textContent = this.t("counter", { n: length, max: MAX_LEN });
      this.ui.counter.classList.toggle("at-limit", length >= MAX_LEN);
    }

    /** Shows the message at once as pending, queues it (persisted) and sends when connected. */
    sendUserMessage(text, payload) {
      const clean = text.trim().slice(0, MAX_LEN);
      if (!clean) return;
      const entry = { client_id: "c-" + randomId(20), text: clean, tries: 0 };
      if (payload) entry.payload = payload;
      this.queue.push(entry);
      this.saveQueue();
      this.disableQuickReplies();
      this.renderOutgoing(entry);
      this.scrollToBottom();
      this.transmit(entry);
    }

    flushQueue() {
      for (const entry of this.queue.slice()) if (!this.inFlight.has(entry.client_id)) this.transmit(entry);
    }

    transmit(entry) {
      const frame = { type: "message", text: entry.text, client_id: entry.client_id };
      if (entry.payload) frame.payload = entry.payload;
      if (!this.sendFrame(frame)) return; // offline: flushQueue sends it after the next welcome
      entry.tries += 1;
      this.inFlight.set(entry.client_id, Date.now());
      this.saveQueue();
    }

    loadQueue() {
      try {
        const parsed = JSON.parse(local.get(KEYS.queue) || "[]");
        return Array.isArray(parsed)
          ? parsed.filter((e) => e && typeof e.client_id === "string" && typeof e.text === "string")
            .map((e) => ({ client_id: e.client_id, text: e.text.slice(0, MAX_LEN), payload: str(e.payload) || undefined, tries: 0 }))
          : [];
      } catch (_) {
        return [];
      }
    }

    saveQueue() {
      local.set(KEYS.queue, JSON.stringify(this.queue));
    }

    dequeue(clientId) {
      const before = this.queue.length;
      this.queue = this.queue.filter((entry) => entry.client_id !== clientId);
      this.inFlight.delete(clientId);
      if (this.queue.length !== before) this.saveQueue();
    }

    /** The server stored this message and sent it back: our local copy has done its job. */
    settleOutgoing(clientId) {
      this.dequeue(clientId);
      const item = this.findOutgoing(clientId);
      if (item) item.remove();
    }

    markFailed(clientId) {
      this.dequeue(clientId);
      const item = this.findOutgoing(clientId);
      if (item) this.setOutgoingStatus(item, "failed");
    }

    findOutgoing(clientId) {
      // Compared in JS rather than a CSS selector: a client_id is not trusted to be selector-safe.
      for (const item of this.ui.log.querySelectorAll(".outgoing")) if (item.dataset.clientId === clientId) return item;
      return null;
    }

    renderOutgoing(entry) {
      const item = el("div", { class: "msg user outgoing", "data-role": "user", "data-client-id": entry.client_id },
        el("span", { class: "sr-only" }, this.t("you") + ": "));
      const bubble = el("div", { class: "bubble" });
      appendRichText(bubble, entry.text);
      item.append(bubble, el("div", { class: "meta" }));
      item.evaEntry = entry;
      this.ui.intro.hidden = true;
      this.ui.log.append(item);
      this.setOutgoingStatus(item, "pending");
    }

    setOutgoingStatus(item, status) {
      item.dataset.status = status;
      const meta = item.querySelector(".meta");
      meta.textContent = status === "sent" ? this.t("sent")
        : status === "failed" ? this.t("failed")
          : this.ready ? this.t("sending") : this.t("waiting");
      if (status !== "failed") return;
      const retry = el("button", { type: "button", class: "link-button" }, this.t("retry"));
      retry.addEventListener("click", () => {
        const entry = item.evaEntry;
        entry.tries = 0;
        this.queue.push(entry); // same client_id: if the server did get it, it won't run twice
        this.saveQueue();
        this.setOutgoingStatus(item, "pending");
        this.transmit(entry);
        this.ui.input.focus();
      });
      meta.append(retry);
    }
  }

  // ---------------------------------------------------------------- bootstrap

  /** A data-server still holding a template placeholder ({{RASA_URL}}) counts as unset. */
  function configuredServer(value) {
    const server = String(value || "").trim();
    if (server && !server.includes("{{")) return server;
    if (server) console.warn("eva-widget: data-server is not filled in; using the script's own server");
    try {
      return new URL(SCRIPT.src, document.baseURI).origin;
    } catch (_) {
      return location.origin;
    }
  }

  function bootstrap() {
    if (document.querySelector("eva-chat")) return; // placed by hand, or this file ran twice
    const data = (SCRIPT && SCRIPT.dataset) || {};
    const chat = document.createElement("eva-chat");
    const attrs = {
      server: configuredServer(data.server),
      language: data.language,
      "customer-token": data.customerToken,
      "primary-color": data.primaryColor,
      "chat-title": data.title,
    };
    for (const [name, value] of Object.entries(attrs)) if (value) chat.setAttribute(name, value);
    document.body.append(chat);
  }

  if (!customElements.get("eva-chat")) customElements.define("eva-chat", EvaChat);
  if (SCRIPT) {
    if (document.body) bootstrap();
    else document.addEventListener("DOMContentLoaded", bootstrap, { once: true });
  }
})();
