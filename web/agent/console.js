/*
 * Eva agent console: keeps the server-rendered page live.
 *
 * Data comes from the JSON API (/api/...) and the WebSocket /agent/socket, both
 * authenticated by the session cookie. Everything is built with createElement and
 * textContent: shoppers' words, agent names and FAQ answers are data, never markup.
 * No build step and no libraries, so the file is served as written.
 */
(() => {
  "use strict";

  const { readJson, $, fmt, apiCaller, alertBox, statusLine } = window.EvaCommon;

  const T = readJson("console-i18n");
  const DATA = readJson("console-data");
  if (!T || !DATA) return;

  const LANG = DATA.lang === "ko" ? "ko" : "en";
  const LOCALE = LANG === "ko" ? "ko-KR" : "en-US";
  const ME = DATA.me;
  const TEAMS = DATA.teams || {};
  const LOGIN_URL = "/agent/login";

  // The shopper's widget sends typing flags while they type; one that is not renewed
  // means they stopped (or left) without a final "off".
  const SHOPPER_TYPING_MS = 6000;
  // Our own flags: "on" at most every few seconds while typing, "off" after a pause.
  const TYPING_RESEND_MS = 4000;
  const TYPING_IDLE_MS = 3000;
  // /api/queue also marks the agent online for the shoppers' ETA, which only counts
  // agents seen within 90 s: poll well inside that even when no event comes.
  const QUEUE_POLL_MS = 45000;
  const WAIT_TICK_MS = 15000;
  // A shopper message reaches us before the bot has parsed it; the intent badges and
  // a new suggestion come from the tracker a moment later.
  const REFRESH_AFTER_MESSAGE_MS = 1500;
  const STATUS_CLEAR_MS = 6000;
  const MAX_BACKOFF_MS = 30000;

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  const state = {
    queue: DATA.queue,
    queueAt: Date.now(),
    openId: null,
    conv: null,
    live: [],
    seenSeqs: new Set(),
    loadToken: 0,
    drafts: new Map(),
    unread: new Set(),
    ws: null,
    wsRetries: 0,
    wsTimer: null,
    typingOn: false,
    typingAt: 0,
    typingTimer: null,
    shopperTypingTimer: null,
    refreshTimer: null,
    queueRefreshTimer: null,
  };
  const baseTitle = document.title;

  // --- small formatters -------------------------------------------------------------

  function waitedText(seconds) {
    const minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 1) return T.under_minute;
    if (minutes < 60) return fmt(T.minutes, { n: minutes });
    return fmt(T.hours, { h: Math.floor(minutes / 60), m: minutes % 60 });
  }

  const percent = (value) =>
    typeof value === "number" && isFinite(value) ? `${Math.round(value * 100)}%` : "";

  const languageName = (code) => T[`language_${code}`] || String(code || "?");

  function teamName(key) {
    const team = TEAMS[key];
    return (team && team.name && (team.name[LANG] || team.name.en)) || String(key || "");
  }

  function formatOpening(iso, teamKey) {
    const moment = new Date(iso);
    if (isNaN(moment.getTime())) return String(iso);
    const options = {
      weekday: "short",
      month: "short",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: "short",
    };
    const zone = TEAMS[teamKey] && TEAMS[teamKey].timezone;
    try {
      return new Intl.DateTimeFormat(LOCALE, { ...options, timeZone: zone }).format(moment);
    } catch (error) {
      return moment.toLocaleString(LOCALE);
    }
  }

  function formatClock(timestamp) {
    if (typeof timestamp !== "number" || !isFinite(timestamp)) return null;
    const moment = new Date(timestamp * 1000);
    return {
      iso: moment.toISOString(),
      text: moment.toLocaleTimeString(LOCALE, { hour: "numeric", minute: "2-digit" }),
    };
  }

  function entityValue(value) {
    if (value === null || value === undefined) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  // --- alerts and status ------------------------------------------------------------

  const { show: showAlert, hide: hideAlert } = alertBox(T);
  const showStatus = statusLine(STATUS_CLEAR_MS);

  function setConnection(kind) {
    const node = $("connection");
    node.dataset.state = kind;
    node.textContent = T[kind] || kind;
  }

  // --- the JSON API -----------------------------------------------------------------

  const api = apiCaller(T, LANG, LOGIN_URL);

  const conversationPath = (id, action) =>
    `/api/conversations/${encodeURIComponent(id)}${action ? `/${action}` : ""}`;

  // --- queue and "My chats" ---------------------------------------------------------

  function languageBadge(code) {
    return el("span", { className: "badge badge-lang" }, [
      el("span", { "aria-hidden": "true", text: String(code || "?").toUpperCase() }),
      el("span", { className: "visually-hidden", text: languageName(code) }),
    ]);
  }

  function queueItem(entry) {
    const button = el(
      "button",
      {
        type: "button",
        className: "queue-item",
        "data-testid": "queue-item",
        "data-conversation-id": entry.conversation_id,
        "data-waiting-seconds": Number(entry.waiting_seconds) || 0,
      },
      [
        el("span", { className: "qi-top" }, [
          el("span", { className: "qi-position", text: fmt(T.position, { n: entry.position }) }),
          languageBadge(entry.language),
          el("span", {
            className: "qi-wait",
            text: fmt(T.waiting_for, { time: waitedText(entry.waiting_seconds) }),
          }),
        ]),
        el("span", { className: "qi-words", text: entry.first_words || "…" }),
      ],
    );
    return el("li", { className: "queue-entry" }, [button]);
  }

  function mineItem(handoff) {
    const unread = state.unread.has(handoff.conversation_id);
    const button = el(
      "button",
      {
        type: "button",
        className: "queue-item mine-item",
        "data-testid": "my-chat-item",
        "data-conversation-id": handoff.conversation_id,
      },
      [
        el("span", { className: "qi-top" }, [
          languageBadge(handoff.language),
          el("span", { className: "qi-team", text: teamName(handoff.team) }),
          unread
            ? el("span", { className: "unread-dot", "data-testid": "unread" }, [
                el("span", { className: "visually-hidden", text: T.new_message }),
              ])
            : null,
        ]),
        el("span", {
          className: "qi-words",
          text: handoff.first_words || handoff.conversation_id,
        }),
      ],
    );
    return el("li", { className: "queue-entry" }, [button]);
  }

  function teamSection(key, team, index) {
    const headingId = `team-heading-${index}`;
    const waiting = Array.isArray(team.waiting) ? team.waiting : [];
    const name = (team.name && (team.name[LANG] || team.name.en)) || key;
    const hours = team.open
      ? el("p", { className: "team-hours is-open", text: T.team_open })
      : el("p", { className: "team-hours is-closed" }, [
          T.team_closed,
          team.next_opening
            ? ` · ${fmt(T.next_opening, { time: formatOpening(team.next_opening, key) })}`
            : "",
        ]);
    const list = waiting.length
      ? el("ol", { className: "queue-list" }, waiting.map(queueItem))
      : el("p", { className: "empty", text: T.queue_empty });
    return el("section", { className: "team", "data-team": key, "aria-labelledby": headingId }, [
      el("h2", { id: headingId }, [
        name,
        " ",
        el("span", { className: "count", text: `(${waiting.length})` }),
      ]),
      hours,
      list,
    ]);
  }

  function renderQueue() {
    const queue = state.queue || { teams: {}, mine: [], capacity: 0 };
    const mine = Array.isArray(queue.mine) ? queue.mine : [];
    // Re-rendering must not throw away a keyboard user's place in the lists.
    const focused = document.activeElement;
    const sidebar = $("sidebar");
    const focusId =
      focused && sidebar.contains(focused) ? focused.getAttribute("data-conversation-id") : null;
    const focusTestId = focusId ? focused.getAttribute("data-testid") : null;

    for (const id of Array.from(state.unread)) {
      if (!mine.some((handoff) => handoff.conversation_id === id)) state.unread.delete(id);
    }
    $("mine-list").replaceChildren(...mine.map(mineItem));
    $("mine-empty").hidden = mine.length > 0;
    const capacity = $("capacity");
    capacity.textContent = `${mine.length}/${queue.capacity}`;
    capacity.setAttribute("aria-label", fmt(T.capacity_label, { n: mine.length, max: queue.capacity }));
    $("teams").replaceChildren(
      ...Object.entries(queue.teams || {}).map(([key, team], index) => teamSection(key, team, index)),
    );
    markSelected();
    updateTitle();

    if (focusId) {
      const again = Array.from(sidebar.querySelectorAll("[data-conversation-id]")).find(
        (node) =>
          node.getAttribute("data-conversation-id") === focusId &&
          node.getAttribute("data-testid") === focusTestId,
      );
      if (again) again.focus();
    }
  }

  function tickWaits() {
    const elapsed = (Date.now() - state.queueAt) / 1000;
    for (const button of document.querySelectorAll("[data-waiting-seconds]")) {
      const seconds = Number(button.getAttribute("data-waiting-seconds")) + elapsed;
      const label = button.querySelector(".qi-wait");
      if (label) label.textContent = fmt(T.waiting_for, { time: waitedText(seconds) });
    }
  }

  function markSelected() {
    for (const node of document.querySelectorAll("#sidebar [data-conversation-id]")) {
      if (node.getAttribute("data-conversation-id") === state.openId) {
        node.setAttribute("aria-current", "true");
      } else {
        node.removeAttribute("aria-current");
      }
    }
  }

  function updateTitle() {
    const count = state.unread.size;
    document.title = count ? `(${count}) ${baseTitle}` : baseTitle;
  }

  async function refreshQueue() {
    try {
      const queue = await api("GET", "/api/queue");
      state.queue = queue;
      state.queueAt = Date.now();
      renderQueue();
    } catch (error) {
      // A dropped network shows in the connection status; anything else is worth saying.
      if (error.status && error.status !== 401) showAlert(error.message);
    }
  }

  function scheduleQueueRefresh() {
    // Claims announce a queue change and a state change at once: one fetch for both.
    clearTimeout(state.queueRefreshTimer);
    state.queueRefreshTimer = setTimeout(refreshQueue, 250);
  }

  // --- the transcript ---------------------------------------------------------------

  const ROLES = ["user", "bot", "agent", "system"];

  function rowKey(entry) {
    const text = entry.role === "system" ? entry.event || entry.text || "" : entry.text || "";
    return `${entry.role}\u0000${text}`;
  }

  function rowText(role, entry) {
    if (role === "system") {
      if (entry.event === "pause") return T.system_pause;
      if (entry.event === "resume") return T.system_resume;
      return entry.text || entry.event || "";
    }
    if (!entry.text && role === "bot") return T.bot_buttons;
    return entry.text || "";
  }

  function badges(entry) {
    const entities = Array.isArray(entry.entities) ? entry.entities : [];
    if (!entry.intent && !entities.length) return null;
    const list = el("ul", { className: "badges" }, []);
    if (entry.intent) {
      const confidence = percent(entry.confidence);
      list.append(
        el("li", { className: "badge badge-intent", title: T.intent }, [
          el("span", { className: "visually-hidden", text: `${T.intent}: ` }),
          entry.intent,
          confidence ? ` ${confidence}` : "",
        ]),
      );
    }
    for (const entity of entities) {
      if (!entity || !entity.entity) continue;
      list.append(
        el("li", { className: "badge badge-entity", title: T.entities }, [
          el("span", { className: "visually-hidden", text: `${T.entities}: ` }),
          `${entity.entity}=${entityValue(entity.value)}`,
        ]),
      );
    }
    return list;
  }

  function transcriptRow(entry) {
    const role = ROLES.includes(entry.role) ? entry.role : "system";
    let who = T[`role_${role}`];
    if (role === "agent" && entry.agent) who = `${T.role_agent} · ${entry.agent}`;
    const clock = formatClock(entry.timestamp);
    const row = el(
      "li",
      { className: `row row-${role}`, "data-testid": "transcript-row", "data-role": role },
      [
        el("p", { className: "row-meta" }, [
          el("span", { className: "row-who", text: who }),
          clock ? el("time", { className: "row-time", datetime: clock.iso, text: clock.text }) : null,
        ]),
        el("p", { className: "row-text", text: rowText(role, entry) }),
        role === "user" ? badges(entry) : null,
      ],
    );
    row.dataset.key = rowKey(entry);
    if (entry.seq !== undefined && entry.seq !== null) row.dataset.seq = String(entry.seq);
    if (state.conv && state.conv.language && role !== "system") {
      row.querySelector(".row-text").lang = state.conv.language;
    }
    return row;
  }

  /** Live rows (from the socket or our own sends) the tracker does not show yet. */
  function pendingLive(fetched) {
    const used = new Set();
    return state.live.filter((row) => {
      const index = fetched.findIndex(
        (entry, at) =>
          !used.has(at) &&
          entry.role === row.role &&
          (entry.text || "") === row.text &&
          // Both clocks are the server's; the tracker's copy is written around the same
          // moment, never long before the live event.
          (typeof entry.timestamp !== "number" || entry.timestamp >= row.timestamp - 60),
      );
      if (index < 0) return true;
      used.add(index);
      return false;
    });
  }

  function mergedEntries() {
    const fetched = state.conv && Array.isArray(state.conv.transcript) ? state.conv.transcript : [];
    const pending = pendingLive(fetched);
    state.live = pending;
    return fetched.concat(pending);
  }

  function syncTranscript(entries, scrollToEnd) {
    const log = $("transcript");
    const nearEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    const rows = Array.from(log.children);
    // Only append what is new, so a screen reader announces new messages rather than
    // re-reading the whole conversation after every refresh.
    let same = 0;
    while (same < rows.length && same < entries.length && rows[same].dataset.key === rowKey(entries[same])) {
      const entry = entries[same];
      if (entry.role === "user" && !rows[same].querySelector(".badges")) {
        const extra = badges(entry);
        if (extra) rows[same].append(extra);
      }
      same += 1;
    }
    for (const stale of rows.slice(same)) stale.remove();
    for (const entry of entries.slice(same)) log.append(transcriptRow(entry));
    $("transcript-empty").hidden = entries.length > 0;
    if (scrollToEnd || nearEnd) log.scrollTop = log.scrollHeight;
  }

  function addLive(row) {
    if (row.seq !== undefined && row.seq !== null) {
      if (state.seenSeqs.has(row.seq)) return;
      state.seenSeqs.add(row.seq);
    }
    state.live.push({
      role: row.role,
      text: String(row.text || ""),
      timestamp: typeof row.timestamp === "number" ? row.timestamp : Date.now() / 1000,
      seq: row.seq,
      agent: row.agent || null,
    });
    syncTranscript(mergedEntries(), false);
  }

  // --- the open conversation --------------------------------------------------------

  const isMine = () =>
    Boolean(state.conv && state.conv.state === "with_agent" && state.conv.agent === ME.id);

  function renderConversation() {
    const conv = state.conv;
    $("conversation-empty").hidden = true;
    $("conversation-view").hidden = false;
    $("conversation-heading").textContent = fmt(T.conversation, { id: state.openId });
    if (!conv) {
      $("meta-state").textContent = T.loading;
      for (const id of ["meta-language", "meta-team", "meta-agent"]) $(id).textContent = "";
      $("conversation-note").textContent = "";
      $("claim-button").hidden = true;
      $("reply-form").hidden = true;
      $("owner-actions").hidden = true;
      $("suggestion").hidden = true;
      return;
    }
    const mine = isMine();
    const claimable = conv.state === "queued" && ME.teams.includes(conv.team);
    $("meta-state").textContent = T[`state_${conv.state}`] || conv.state;
    $("meta-language").textContent = languageName(conv.language);
    $("meta-team").textContent = teamName(conv.team);
    $("meta-agent").textContent = conv.agent ? (conv.agent === ME.id ? ME.name : conv.agent) : "—";
    $("meta-resolution-row").hidden = !conv.resolution;
    $("meta-resolution").textContent = conv.resolution || "";

    let note = "";
    if (mine) note = T.with_you;
    else if (conv.state === "with_agent") note = fmt(T.with_other, { agent: conv.agent || "?" });
    else if (conv.state === "queued" && !claimable) note = T.not_your_team;
    else if (conv.state !== "queued") note = T.read_only;
    $("conversation-note").textContent = note;

    $("claim-button").hidden = !claimable;
    $("reply-form").hidden = !mine;
    $("owner-actions").hidden = !mine;

    const select = $("transfer-select");
    const chosen = select.value;
    const others = Object.keys(TEAMS).filter((key) => key !== conv.team);
    select.replaceChildren(...others.map((key) => el("option", { value: key, text: teamName(key) })));
    if (others.includes(chosen)) select.value = chosen;
    $("transfer-form").hidden = others.length === 0;

    const suggestion = conv.suggestion;
    const answer =
      suggestion && suggestion.answer
        ? suggestion.answer[conv.language] || suggestion.answer[LANG] || suggestion.answer.en || ""
        : "";
    $("suggestion").hidden = !answer;
    if (answer) {
      $("suggestion-meta").textContent = fmt(T.suggestion_meta, {
        key: suggestion.key,
        confidence: percent(suggestion.confidence),
      });
      $("suggestion-text").textContent = answer;
      $("suggestion-text").lang = conv.language || LANG;
      $("suggestion-insert").disabled = !mine;
    }
    $("reply-input").lang = conv.language || LANG;
    syncTranscript(mergedEntries(), false);
  }

  async function loadConversation() {
    const id = state.openId;
    if (!id) return;
    const token = ++state.loadToken;
    try {
      const conv = await api("GET", conversationPath(id));
      // A slower answer for a conversation the agent has already left is dropped.
      if (token !== state.loadToken || state.openId !== id) return;
      state.conv = conv;
      renderConversation();
    } catch (error) {
      if (token !== state.loadToken || state.openId !== id) return;
      showAlert(error.message);
      if (error.status === 403 || error.status === 404) closeView();
    }
  }

  function scheduleConversationRefresh() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(loadConversation, REFRESH_AFTER_MESSAGE_MS);
  }

  function leaveConversation() {
    if (!state.openId) return;
    stopTyping();
    state.drafts.set(state.openId, $("reply-input").value);
    clearTimeout(state.refreshTimer);
    setShopperTyping(false);
  }

  async function openConversation(id, focus) {
    if (!id) return;
    if (state.openId !== id) {
      leaveConversation();
      state.openId = id;
      state.conv = null;
      state.live = [];
      state.seenSeqs = new Set();
      $("transcript").replaceChildren();
      $("reply-input").value = state.drafts.get(id) || "";
      $("resolution-input").value = "";
      $("resolution-input").removeAttribute("aria-invalid");
      renderConversation();
    }
    if (state.unread.delete(id)) renderQueue();
    markSelected();
    const hash = `#c=${encodeURIComponent(id)}`;
    if (window.location.hash !== hash) window.history.replaceState(null, "", hash);
    if (focus) $("conversation-heading").focus();
    await loadConversation();
  }

  function closeView() {
    leaveConversation();
    state.openId = null;
    state.conv = null;
    state.live = [];
    state.loadToken += 1;
    $("transcript").replaceChildren();
    $("conversation-view").hidden = true;
    $("conversation-empty").hidden = false;
    if (window.location.hash) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    markSelected();
  }

  // --- actions ----------------------------------------------------------------------

  async function act(button, action) {
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    hideAlert();
    try {
      await action();
    } catch (error) {
      showAlert(error.message);
      // Refused because the conversation moved on (taken, closed, handed back): show
      // where it is now.
      if (error.status === 409 || error.status === 403) {
        loadConversation();
        scheduleQueueRefresh();
      }
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  function claim() {
    const id = state.openId;
    return act($("claim-button"), async () => {
      await api("POST", conversationPath(id, "claim"));
      showStatus(T.claimed_done);
      await Promise.all([loadConversation(), refreshQueue()]);
      if (state.openId === id && isMine()) $("reply-input").focus();
    });
  }

  function send() {
    const id = state.openId;
    const input = $("reply-input");
    const text = input.value.trim();
    if (!text) {
      showAlert(T.errors.empty_message);
      input.focus();
      return Promise.resolve();
    }
    return act($("send-button"), async () => {
      const reply = await api("POST", conversationPath(id, "messages"), { text });
      // The service turned the shopper's typing indicator off with the message.
      state.typingOn = false;
      clearTimeout(state.typingTimer);
      if (state.openId !== id) return;
      input.value = "";
      state.drafts.delete(id);
      addLive({ role: "agent", text, agent: ME.name, seq: reply && reply.seq });
      input.focus();
    });
  }

  function handBack() {
    const id = state.openId;
    return act($("handback-button"), async () => {
      stopTyping();
      await api("POST", conversationPath(id, "handback"));
      showStatus(T.handed_back_done);
      await Promise.all([loadConversation(), refreshQueue()]);
    });
  }

  function closeChat() {
    const id = state.openId;
    const input = $("resolution-input");
    const resolution = input.value.trim();
    if (!resolution) {
      input.setAttribute("aria-invalid", "true");
      showAlert(T.errors.resolution_required);
      input.focus();
      return Promise.resolve();
    }
    input.removeAttribute("aria-invalid");
    return act($("close-button"), async () => {
      stopTyping();
      await api("POST", conversationPath(id, "close"), { resolution });
      input.value = "";
      state.drafts.delete(id);
      showStatus(T.closed_done);
      await Promise.all([loadConversation(), refreshQueue()]);
    });
  }

  function transfer() {
    const id = state.openId;
    const team = $("transfer-select").value;
    if (!team) return Promise.resolve();
    return act($("transfer-button"), async () => {
      stopTyping();
      await api("POST", conversationPath(id, "transfer"), { team });
      showStatus(fmt(T.transferred_done, { team: teamName(team) }));
      // Another team's queue is not ours to read: leave the conversation then.
      if (ME.teams.includes(team)) await loadConversation();
      else if (state.openId === id) closeView();
      await refreshQueue();
    });
  }

  function insertSuggestion() {
    if (!isMine()) return;
    const input = $("reply-input");
    input.value = $("suggestion-text").textContent;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    noteTyping();
  }

  // --- typing indicators ------------------------------------------------------------

  function sendTyping(id, on) {
    const ws = state.ws;
    if (!id || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "typing", conversation_id: id, on }));
    state.typingOn = on;
    state.typingAt = Date.now();
  }

  function noteTyping() {
    if (!isMine()) return;
    if (!$("reply-input").value.trim()) {
      stopTyping();
      return;
    }
    if (!state.typingOn || Date.now() - state.typingAt > TYPING_RESEND_MS) {
      sendTyping(state.openId, true);
    }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(state.typingTimer);
    if (state.typingOn) sendTyping(state.openId, false);
    state.typingOn = false;
  }

  function setShopperTyping(on) {
    clearTimeout(state.shopperTypingTimer);
    $("typing").textContent = on ? T.shopper_typing : "";
    if (on) {
      state.shopperTypingTimer = setTimeout(() => setShopperTyping(false), SHOPPER_TYPING_MS);
    }
  }

  // --- the live feed ----------------------------------------------------------------

  function onMessage(event, role) {
    const id = event.conversation_id;
    if (id !== state.openId) {
      const mine = state.queue && (state.queue.mine || []).some((h) => h.conversation_id === id);
      if (role === "user" && mine) {
        state.unread.add(id);
        renderQueue();
      }
      return;
    }
    if (role === "user") setShopperTyping(false);
    addLive({
      role,
      text: event.text,
      timestamp: event.timestamp,
      seq: event.seq,
      agent: event.agent_name,
    });
    if (role === "user") scheduleConversationRefresh();
  }

  function onEvent(event) {
    switch (event.type) {
      case "queue":
        scheduleQueueRefresh();
        break;
      case "state":
        scheduleQueueRefresh();
        if (event.conversation_id === state.openId) loadConversation();
        break;
      case "shopper_message":
        onMessage(event, "user");
        break;
      case "agent_message":
        onMessage(event, "agent");
        break;
      case "typing":
        if (event.conversation_id === state.openId && event.who === "shopper") {
          setShopperTyping(Boolean(event.on));
        }
        break;
      default:
        break;
    }
  }

  function connect() {
    clearTimeout(state.wsTimer);
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    let ws;
    try {
      ws = new WebSocket(`${scheme}${window.location.host}/agent/socket`);
    } catch (error) {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    ws.addEventListener("open", () => {
      state.wsRetries = 0;
      setConnection("live");
      // Whatever happened while we were not listening: fetch it now.
      refreshQueue();
      loadConversation();
    });
    ws.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (event && typeof event === "object") onEvent(event);
    });
    ws.addEventListener("close", (closed) => {
      if (state.ws !== ws) return;
      state.ws = null;
      state.typingOn = false;
      if (closed.code === 4401) {
        window.location.assign(LOGIN_URL);
        return;
      }
      setConnection("reconnecting");
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    // Exponential backoff with jitter, so a restarted server is not hit by every
    // console at the same instant.
    const ceiling = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** state.wsRetries);
    state.wsRetries += 1;
    state.wsTimer = setTimeout(connect, ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  // --- wiring -----------------------------------------------------------------------

  function openFromHash() {
    const match = /^#c=(.+)$/.exec(window.location.hash);
    if (!match) return;
    let id;
    try {
      id = decodeURIComponent(match[1]);
    } catch (error) {
      return;
    }
    if (id !== state.openId) openConversation(id, false);
  }

  $("sidebar").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-conversation-id]");
    if (button) openConversation(button.getAttribute("data-conversation-id"), true);
  });
  $("alert-dismiss").addEventListener("click", hideAlert);
  $("claim-button").addEventListener("click", claim);
  $("handback-button").addEventListener("click", handBack);
  $("suggestion-insert").addEventListener("click", insertSuggestion);
  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("close-form").addEventListener("submit", (event) => {
    event.preventDefault();
    closeChat();
  });
  $("transfer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    transfer();
  });
  const reply = $("reply-input");
  reply.addEventListener("input", noteTyping);
  reply.addEventListener("blur", stopTyping);
  reply.addEventListener("keydown", (event) => {
    // Enter while a Korean IME is composing only finishes the syllable.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    send();
  });
  $("resolution-input").addEventListener("input", (event) => {
    if (event.target.value.trim()) event.target.removeAttribute("aria-invalid");
  });
  window.addEventListener("hashchange", openFromHash);

  renderQueue();
  setInterval(tickWaits, WAIT_TICK_MS);
  setInterval(refreshQueue, QUEUE_POLL_MS);
  connect();
  openFromHash();
})();
