/* Porte-voix mini app: fills each section from /app/api/... with the session cookie.
   No framework and nothing loaded from elsewhere; Telegram's own script is optional. */
(function () {
  "use strict";
  const C = JSON.parse(document.getElementById("pv-config").textContent);
  const content = document.getElementById("content");
  const t = (text) => C.strings[text] || text;
  const tg = window.Telegram && window.Telegram.WebApp ? window.Telegram.WebApp : null;
  const CHANNELS = { linkedin: "LinkedIn", x: "X", facebook: "Facebook", whatsapp: "WhatsApp",
    telegram: "Telegram", teams: "Teams", email: "E-mail", copy: "Copy link" };

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "html") el.innerHTML = value; // only our own server-made SVG
      else if (key === "style") el.style.cssText = value; // CSSOM: allowed by the CSP
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }
  function show(...nodes) { content.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false)); }
  function say(text, kind) { return h("p", { class: "card notice " + (kind || ""), role: kind === "error" ? "alert" : "status" }, text); }
  function launchParams() { return new URLSearchParams(location.hash.slice(1)); }
  function local(obj) { return obj[C.lang] || obj.en || ""; }
  function day(iso) { return new Date(iso).toLocaleDateString(C.lang, { day: "numeric", month: "short", year: "numeric" }); }

  async function api(path, body) {
    const options = { credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = C.csrf;
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/app/api" + path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error((data.error && data.error.message) || t("Something went wrong. Try again."));
      error.status = response.status;
      throw error;
    }
    return data;
  }

  /* Telegram's theme: its script sets --tg-theme-* itself; without it, read the launch
     parameters Telegram puts in the URL fragment (kept for the session's other pages). */
  function applyTheme() {
    let theme = tg && tg.themeParams;
    if (!theme || !Object.keys(theme).length) {
      const raw = launchParams().get("tgWebAppThemeParams") || sessionStorage.getItem("pv-theme");
      try { theme = raw ? JSON.parse(raw) : null; } catch (e) { theme = null; }
      if (raw) sessionStorage.setItem("pv-theme", raw);
    }
    for (const [key, value] of Object.entries(theme || {})) {
      if (/^#[0-9a-f]{3,8}$/i.test(value)) {
        document.documentElement.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
      }
    }
    if (tg) { tg.ready(); if (tg.expand) tg.expand(); }
  }

  async function signin() {
    const initData = (tg && tg.initData) || launchParams().get("tgWebAppData") || "";
    if (!initData) { show(say(t("Open this page from the bot: send /app to get a sign-in link."))); return; }
    show(h("p", { class: "hint" }, t("Signing in…")));
    const response = await fetch("/app/auth/telegram", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ init_data: initData }),
    });
    if (response.ok) { location.replace(location.pathname); return; }
    const data = await response.json().catch(() => ({}));
    show(say((data.error && data.error.message) || t("Something went wrong. Try again."), "error"),
      h("p", { class: "hint" }, t("Open this page from the bot: send /app to get a sign-in link.")));
  }

  function stat(label, value, id) { return h("div", { class: "stat", id }, h("b", {}, value), h("span", {}, label)); }
  function bar(value, max, label) {
    const pct = max > 0 ? Math.min(100, Math.round(100 * value / max)) : 100;
    return h("div", { class: "progress", role: "progressbar", "aria-label": label, "aria-valuemin": 0,
      "aria-valuemax": max, "aria-valuenow": value }, h("div", { style: "width:" + pct + "%" }));
  }

  async function home() {
    const d = await api("/home");
    const span = d.next_level_points === null ? 0 : d.next_level_points - d.level_floor;
    const done = d.lifetime - d.level_floor;
    show(
      h("div", { class: "grid" },
        stat(t("Points"), d.balance, "points"), stat(t("Level"), local(d.level_name), "level"),
        stat(t("Rank this month"), d.rank ? "#" + d.rank : "—", "rank"),
        stat(t("Week streak"), d.streak_weeks, "streak")),
      h("div", { class: "card" },
        bar(done, span || 1, t("Level")),
        h("p", { class: "hint" }, d.next_level_points === null ? t("Top level reached")
          : (d.next_level_points - d.lifetime) + " " + t("points to the next level"))),
      h("h2", {}, t("Badges")),
      h("ul", { class: "badges" }, d.badges.map((b) =>
        h("li", { class: b.earned ? "earned" : "locked" }, (b.earned ? "★ " : "☆ ") + local(b)))),
      h("h2", {}, t("Team challenges")),
      d.challenges.length ? d.challenges.map((c) => h("div", { class: "card" },
        h("div", { class: "row spread" }, h("strong", {}, c.name), h("span", {}, c.progress + " / " + c.target)),
        bar(c.progress, c.target, c.name))) : h("p", { class: "hint" }, t("No challenge for your team right now.")));
  }

  function sharePanel(type, id) {
    const panel = h("div", { class: "share", "aria-live": "polite" });
    api("/shares", { content_type: type, content_id: id }).then((shares) => {
      panel.replaceChildren(...shares.map((s) => s.channel === "copy"
        ? h("button", { class: "secondary", type: "button", "data-channel": "copy", "data-url": s.url,
            onclick: (e) => copy(s.url, e.currentTarget) }, t("Copy link"))
        : h("a", { class: "button secondary", href: s.share_url, target: "_blank", rel: "noopener",
            "data-channel": s.channel, "aria-label": t("Share") + " · " + CHANNELS[s.channel] }, CHANNELS[s.channel])));
    }).catch((e) => panel.replaceChildren(say(e.message, "error")));
    return panel;
  }
  function copy(text, button) {
    const done = () => { button.textContent = t("Link copied"); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, done);
    else done();
  }
  function referForm(job) {
    const message = h("div", { "aria-live": "polite" });
    const form = h("form", { class: "refer" },
      h("label", { for: "name-" + job.id }, t("Candidate's name")),
      h("input", { id: "name-" + job.id, name: "name", required: true, maxlength: 200, autocomplete: "off" }),
      h("label", { for: "email-" + job.id }, t("Candidate's e-mail")),
      h("input", { id: "email-" + job.id, name: "email", type: "email", required: true, maxlength: 254 }),
      h("label", { for: "note-" + job.id }, t("How do you know them? (optional)")),
      h("textarea", { id: "note-" + job.id, name: "note", rows: 2, maxlength: 2000 }),
      h("p", {}, h("button", { type: "submit" }, t("Send"))), message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      try {
        const out = await api("/referrals", { job_id: job.id, name: data.name, email: data.email, note: data.note });
        message.replaceChildren(say(out.message, "ok"));
        form.querySelector("button").disabled = true;
      } catch (e) { message.replaceChildren(say(e.message, "error")); }
    });
    return form;
  }
  function contentCard(item, type, canShare) {
    const slot = h("div");
    const actions = h("div", { class: "row" },
      h("button", { type: "button", disabled: !canShare, "data-share": type + ":" + item.id,
        onclick: () => slot.replaceChildren(sharePanel(type, item.id)) }, "↗ " + t("Share")),
      type === "job" ? h("button", { class: "secondary", type: "button", "data-refer": item.id,
        onclick: () => slot.replaceChildren(referForm(item)) }, "♥ " + t("Refer someone")) : null);
    const meta = type === "job" ? [item.department, item.location].filter(Boolean).join(" · ") : "";
    return h("article", { class: "card", id: type + "-" + item.id },
      h("strong", {}, item.title), meta ? h("div", { class: "meta" }, meta) : null, actions, slot);
  }
  async function jobs() {
    const d = await api("/feed");
    const parts = [];
    if (!d.policy_accepted) {
      const policy = await api("/policy");
      parts.push(h("div", { class: "card notice", id: "policy" },
        h("strong", {}, t("Accept the social media policy to share")),
        h("details", {}, h("summary", {}, policy.version), h("p", { class: "pre-line" }, policy.text)),
        h("button", { type: "button", onclick: async () => { await api("/policy/accept", {}); jobs(); } }, t("I accept"))));
    }
    parts.push(h("h2", {}, t("Open jobs")));
    parts.push(d.jobs.length ? d.jobs.map((j) => contentCard(j, "job", d.policy_accepted)) : h("p", { class: "hint" }, t("Nothing to share right now.")));
    if (d.news.length) { parts.push(h("h2", {}, t("News")), d.news.map((n) => contentCard(n, "news", d.policy_accepted))); }
    show(...parts);
  }

  async function links() {
    const d = await api("/links");
    show(h("h2", {}, t("Unique clicks (last 30 days)") + " · " + d.total_unique),
      h("div", { class: "card", html: d.chart }),
      d.links.length ? h("table", {},
        h("thead", {}, h("tr", {}, h("th", {}, t("Content")), h("th", {}, t("Channel")),
          h("th", { class: "num" }, t("clicks")), h("th", { class: "num" }, t("unique")))),
        h("tbody", {}, d.links.map((l) => h("tr", {}, h("td", {}, l.title, h("div", { class: "meta" }, l.url)),
          h("td", {}, CHANNELS[l.channel] || l.channel), h("td", { class: "num" }, l.raw), h("td", { class: "num" }, l.unique)))))
        : h("p", { class: "hint" }, t("No link yet: share a job.")));
  }

  async function referrals() {
    const rows = await api("/referrals");
    show(...(rows.length ? rows.map((r) => h("article", { class: "card", id: "referral-" + r.id },
      h("div", { class: "row spread" }, h("strong", {}, r.candidate), h("span", { class: "status" }, t(r.status))),
      r.job_title ? h("div", { class: "meta" }, r.job_title) : null,
      h("ol", { class: "timeline", "aria-label": t("Status") }, r.history.map((c) =>
        h("li", {}, h("strong", {}, t(c.status)), " · ", h("span", { class: "meta" }, day(c.at))))))) :
      [h("p", { class: "hint" }, t("You have not referred anyone yet."))]));
  }

  const board = { period: "month", scope: "company" };
  async function leaderboard() {
    let d;
    try { d = await api("/leaderboard?period=" + board.period + "&scope=" + board.scope); }
    catch (e) { d = { rows: [], me: null, error: e.message }; }
    const tabs = (name, options) => h("div", { class: "tabs", role: "group", "aria-label": name },
      options.map(([value, label]) => h("button", { type: "button", "aria-pressed": String(board[name] === value),
        ["data-" + name]: value, onclick: () => { board[name] = value; leaderboard(); } }, label)));
    const inTop = d.rows.some((r) => r.me);
    show(tabs("period", [["week", t("Week")], ["month", t("Month")], ["quarter", t("Quarter")], ["all", t("All time")]]),
      tabs("scope", [["company", t("Company")], ["department", t("My department")], ["location", t("My site")]]),
      d.error ? say(d.error, "error") : null,
      d.rows.length ? h("table", { id: "board" }, h("tbody", {}, d.rows.map((r) =>
        h("tr", { class: r.me ? "me" : "", "aria-current": r.me ? "true" : false },
          h("td", { class: "num" }, "#" + r.rank), h("td", {}, r.name, r.me ? " (" + t("You") + ")" : "",
            h("div", { class: "meta" }, r.department)), h("td", { class: "num" }, r.points)))))
        : h("p", { class: "hint" }, t("Nobody has points in this ranking yet.")),
      d.me && !inTop ? h("p", { class: "card notice", id: "my-rank" }, t("You") + ": #" + d.me.rank + " · " + d.me.points + " " + t("Points")) : null);
  }

  async function shop() {
    const d = await api("/shop");
    const message = h("div", { "aria-live": "polite" });
    show(h("div", { class: "stat", id: "balance" }, h("b", {}, d.balance), h("span", {}, t("Balance"))), message,
      d.rewards.map((r) => {
        const soldOut = r.stock !== null && r.stock <= 0;
        const poor = d.balance < r.cost;
        return h("article", { class: "card", id: "reward-" + r.id },
          h("div", { class: "row spread" }, h("strong", {}, C.lang === "fr" ? r.name_fr : r.name_en), h("span", {}, r.cost + " " + t("Points"))),
          (C.lang === "fr" ? r.description_fr : r.description_en) ? h("p", { class: "meta" }, C.lang === "fr" ? r.description_fr : r.description_en) : null,
          r.stock !== null ? h("p", { class: "meta" }, r.stock + " " + t("in stock")) : null,
          h("button", { type: "button", disabled: soldOut || poor, "data-redeem": r.id,
            onclick: () => redeem(r, d.balance, message) },
            soldOut ? t("Out of stock") : poor ? t("Not enough points") : t("Redeem")));
      }),
      h("h2", {}, t("My redemptions")),
      h("table", { id: "redemptions" }, h("tbody", {}, d.redemptions.map((r) => h("tr", {},
        h("td", {}, local(r.reward_name)), h("td", { class: "num" }, r.cost),
        h("td", {}, h("span", { class: "status" }, t(r.status))),
        h("td", {}, r.status === "requested" ? h("button", { class: "secondary", type: "button", onclick: async () => {
          await api("/redemptions/" + r.id + "/cancel", {}); shop(); } }, t("Cancel")) : null))))));
  }

  /* Spending asks first: what, for how much, and the balance after. The request id is
     made when the question is asked, so a double tap or a retry spends once (the server
     remembers it). */
  async function redeem(reward, balance, message) {
    const name = local({ en: reward.name_en, fr: reward.name_fr });
    const yes = await ask(fill(t("Redeem {reward}?"), { reward: name }), [
      [t("Cost"), reward.cost + " " + t("points")],
      [t("Balance after"), (balance - reward.cost) + " " + t("points")],
    ], t("Confirm"));
    if (!yes) return;
    try {
      const out = await api("/redemptions", { reward_id: reward.id, request_id: requestId() });
      await shop();
      content.prepend(say(out.status === "requested" ? t("Redeemed: waiting for approval") : t("Redeemed"), "ok"));
    } catch (err) { message.replaceChildren(say(err.message, "error")); }
  }
  function requestId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function fill(text, values) { return text.replace(/\{(\w+)\}/g, (all, key) => key in values ? values[key] : all); }
  /* A modal question (the page's own <dialog>: focus kept inside, Escape cancels);
     resolves true only on the confirm button, once. */
  function ask(title, rows, confirmText) {
    return new Promise((resolve) => {
      let answered = false;
      const finish = (value) => { if (answered) return; answered = true; dialog.close(); dialog.remove(); resolve(value); };
      const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title" },
        h("h2", { id: "confirm-title" }, title),
        h("dl", {}, rows.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)])),
        h("div", { class: "row" },
          h("button", { type: "button", "data-confirm": "yes", onclick: () => finish(true) }, confirmText),
          h("button", { type: "button", class: "secondary", "data-confirm": "no", onclick: () => finish(false) }, t("Cancel"))));
      dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish(false); });
      document.body.append(dialog);
      dialog.showModal();
    });
  }

  async function settings() {
    const d = await api("/settings");
    const status = h("p", { "aria-live": "polite" });
    const form = h("form", { id: "settings" },
      h("label", { for: "language" }, t("Language")),
      h("select", { id: "language", name: "language" },
        h("option", { value: "en", selected: d.language === "en" }, "English"),
        h("option", { value: "fr", selected: d.language === "fr" }, "Français")),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "opt_out", checked: d.leaderboard_opt_out }),
        t("Hide me from leaderboards")),
      h("p", {}, h("button", { type: "submit" }, t("Save"))), status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const language = form.language.value;
      try {
        await api("/settings", { language, leaderboard_opt_out: form.opt_out.checked });
        if (language !== C.lang) { location.reload(); return; }
        status.replaceChildren(h("span", { class: "ok" }, t("Saved")));
      } catch (e) { status.replaceChildren(h("span", { class: "error" }, e.message)); }
    });
    const out = h("form", { method: "post", action: "/app/logout" },
      h("input", { type: "hidden", name: "csrf", value: C.csrf }),
      h("button", { class: "secondary", type: "submit" }, t("Sign out")));
    show(h("div", { class: "card" }, h("strong", {}, d.name), h("div", { class: "meta" }, d.email + " · " + d.department)), form, out);
  }

  const PAGES = { signin, home, jobs, links, referrals, leaderboard, shop, settings };
  applyTheme();
  (PAGES[C.page] || home)().catch((e) => {
    if (e.status === 401) { location.reload(); return; }
    show(say(e.message, "error"));
  });
})();
