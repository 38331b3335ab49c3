/* Porte-voix mini app: fills each section from /app/api/... with the session cookie.
   No framework and nothing loaded from elsewhere; Telegram is spoken to through
   telegram.js (PVTelegram), which does nothing outside Telegram, and Teams through
   teams.js (PVTeams), for its single sign-on in the personal tab. */
(function () {
  "use strict";
  const C = JSON.parse(document.getElementById("pv-config").textContent);
  const TG = window.PVTelegram;
  const content = document.getElementById("content");
  const t = (text) => C.strings[text] || text;
  const label = (value) => C.labels[value] || value;
  const CHANNELS = C.channels; // each channel's name, from app/i18n/formats.py
  const SVG = "http://www.w3.org/2000/svg";

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
  /* An icon of the page's sprite (templates/app/icons.svg.j2), hidden from readers. */
  function icon(name) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const use = document.createElementNS(SVG, "use");
    use.setAttribute("href", "#i-" + name);
    svg.append(use);
    return svg;
  }
  function show(...nodes) { content.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false)); }
  /* A message; success and failure are felt too (Telegram's haptic feedback). */
  function say(text, kind) {
    if (kind === "ok") TG.haptic("success");
    if (kind === "error") TG.haptic("error");
    return h("p", { class: "card notice " + (kind || ""), role: kind === "error" ? "alert" : "status" }, text);
  }
  /* An empty state: what it means, and the button that does something about it. */
  function empty(text, action, href, onclick) {
    return h("div", { class: "card empty" }, h("p", {}, text),
      href ? h("a", { class: "button", href }, action) : h("button", { type: "button", onclick }, action));
  }
  function local(obj) { return obj[C.lang] || obj.en || ""; }
  function day(iso) { return new Date(iso).toLocaleDateString(C.lang, { day: "numeric", month: "short", year: "numeric" }); }
  function number(n) { return Number(n).toLocaleString(C.lang); }
  function fill(text, values) { return text.replace(/\{(\w+)\}/g, (all, key) => key in values ? values[key] : all); }

  async function api(path, body) {
    const options = { credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["X-CSRF-Token"] = C.csrf;
      if (body instanceof FormData) options.body = body;
      else { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
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

  // -- theme, safe area and Telegram's buttons ------------------------------------------

  function hexToRgb(hex) {
    const v = hex.replace("#", "");
    const full = v.length === 3 ? v.split("").map((c) => c + c).join("") : v.slice(0, 6);
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
  }
  function luminance(rgb) {
    const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function contrast(a, b) { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
  /* `colour` moved towards black or white until it reads on `against` (WCAG AA, 4.5:1):
     Telegram's palettes keep their hue, never a text below AA. */
  function readable(colour, against) {
    let rgb = hexToRgb(colour);
    const target = luminance(hexToRgb(against)) > 0.18 ? 0 : 255;
    for (let step = 0; step < 20 && contrast(rgb, hexToRgb(against)) < 4.5; step++) {
      rgb = rgb.map((c) => Math.round(c + (target - c) * 0.12));
    }
    return "#" + rgb.map((c) => c.toString(16).padStart(2, "0")).join("");
  }
  function applyTheme(theme) {
    const root = document.documentElement.style;
    const valid = {};
    for (const [key, value] of Object.entries(theme || {})) {
      if (typeof value === "string" && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value)) valid[key] = value;
    }
    if (valid.button_color && valid.button_text_color) valid.button_color = readable(valid.button_color, valid.button_text_color);
    for (const against of [valid.bg_color, valid.secondary_bg_color]) {
      if (valid.link_color && against) valid.link_color = readable(valid.link_color, against);
    }
    for (const [key, value] of Object.entries(valid)) root.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
    if (valid.bg_color) document.documentElement.dataset.scheme = luminance(hexToRgb(valid.bg_color)) < 0.2 ? "dark" : "light";
  }
  function applyInsets(name, data) {
    for (const side of ["top", "bottom", "left", "right"]) {
      if (typeof data[side] === "number") document.documentElement.style.setProperty("--" + name + "-" + side, data[side] + "px");
    }
  }
  function startTelegram() {
    let theme = null;
    try { theme = JSON.parse(sessionStorage.getItem("pv-tgWebAppThemeParams") || "null"); } catch (e) { theme = null; }
    applyTheme(theme);
    if (!TG.inside) return;
    document.documentElement.classList.add("in-telegram");
    TG.on("theme_changed", (data) => applyTheme(data.theme_params));
    TG.on("safe_area_changed", (data) => applyInsets("tg-safe", data));
    TG.on("content_safe_area_changed", (data) => applyInsets("tg-content", data));
    TG.post("web_app_ready");
    if (TG.phone) TG.post("web_app_expand"); // the whole height; full screen would hide Telegram's Back
    TG.post("web_app_request_theme");
    if (TG.atLeast("8.0")) { TG.post("web_app_request_safe_area"); TG.post("web_app_request_content_safe_area"); }
  }
  /* The view's primary action on Telegram's main button (the page keeps its own too). */
  function mainAction(text, handler) {
    const style = getComputedStyle(document.documentElement);
    const colour = (name) => { const v = style.getPropertyValue(name).trim(); return /^#[0-9a-f]{6}$/i.test(v) ? v : undefined; };
    TG.mainButton(text, handler, { color: colour("--button"), text_color: colour("--button-text") });
  }
  function innerView() {
    const back = document.getElementById("back");
    if (!back || back.hidden) return;
    const href = back.getAttribute("href");
    TG.backButton(() => {
      TG.haptic("selection");
      if (document.referrer.startsWith(location.origin) && history.length > 1) history.back();
      else location.assign(href);
    });
  }

  // -- sign-in ---------------------------------------------------------------------------

  /* Signed out: Teams' own sign-in inside the Teams tab, Telegram's initData inside
     Telegram, else the company's single sign-on (when configured) or the bot's link. */
  function signedOut(error) {
    const hint = t("Open this page from the bot: send /app to get a sign-in link.");
    const sso = C.sso ? h("p", {}, h("a", { class: "button", id: "sso", href: C.sso.url }, C.sso.label)) : null;
    show(error || null, sso, error || sso ? h("p", { class: "hint" }, hint) : say(hint));
  }
  async function sessionFrom(path, body) {
    show(h("p", { class: "hint" }, t("Signing in…")));
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.ok) { location.replace(location.pathname); return; }
    const data = await response.json().catch(() => ({}));
    signedOut(say((data.error && data.error.message) || t("Something went wrong. Try again."), "error"));
  }
  async function signin() {
    const teams = window.PVTeams;
    if (C.teams_sso && teams && teams.framed && !TG.inside) {
      let token = "";
      try { token = await teams.token(); } catch (e) { /* not in Teams, or Teams declined */ }
      if (token) { await sessionFrom("/app/auth/teams", { token }); return; }
    }
    const initData = TG.initData();
    if (!initData) { signedOut(); return; }
    await sessionFrom("/app/auth/telegram", { init_data: initData });
  }

  // -- home ------------------------------------------------------------------------------

  function stat(name, value, id) { return h("div", { class: "stat", id }, h("b", {}, value), h("span", {}, name)); }
  function bar(value, max, name) {
    const pct = max > 0 ? Math.min(100, Math.round(100 * value / max)) : 100;
    return h("div", { class: "progress", role: "progressbar", "aria-label": name, "aria-valuemin": 0,
      "aria-valuemax": max, "aria-valuenow": value }, h("div", { style: "width:" + pct + "%" }));
  }
  function badge(b) {
    return h("li", { class: b.earned ? "earned" : "locked" }, icon(b.earned ? "star" : "lock"), local(b),
      b.earned ? null : h("span", { class: "sr-only" }, " (" + t("locked") + ")"));
  }
  async function home() {
    const d = await api("/home");
    const span = d.next_level_points === null ? 0 : d.next_level_points - d.level_floor;
    show(
      h("div", { class: "grid" },
        stat(t("Points"), number(d.balance), "points"), stat(t("Level"), local(d.level_name), "level"),
        stat(t("Rank this month"), d.rank ? "#" + d.rank : "—", "rank"),
        stat(t("Week streak"), d.streak_weeks, "streak")),
      h("div", { class: "card" },
        bar(d.lifetime - d.level_floor, span || 1, t("Level")),
        h("p", { class: "hint" }, d.next_level_points === null ? t("Top level reached")
          : number(d.next_level_points - d.lifetime) + " " + t("points to the next level"))),
      h("h2", {}, t("Badges")),
      h("ul", { class: "badges" }, d.badges.map(badge)),
      h("h2", {}, t("Team challenges")),
      d.challenges.length ? d.challenges.map((c) => h("div", { class: "card" },
        h("div", { class: "row spread" }, h("strong", {}, c.name), h("span", {}, c.progress + " / " + c.target)),
        bar(c.progress, c.target, c.name)))
        : empty(t("No challenge for your team right now. Sharing a job still earns points."), t("See open jobs"), "/app/jobs"));
  }

  // -- jobs, a job, sharing ------------------------------------------------------------

  async function policyCard(then) {
    const policy = await api("/policy");
    return h("div", { class: "card notice", id: "policy" },
      h("strong", {}, t("Accept the social media policy to share")),
      h("details", {}, h("summary", {}, policy.version), h("p", { class: "pre-line" }, policy.text)),
      h("button", { type: "button", onclick: async () => { await api("/policy/accept", {}); TG.haptic("success"); then(); } }, t("I accept")));
  }
  function choices(values, all) {
    return [h("option", { value: "" }, all), [...new Set(values.filter(Boolean))].sort().map((v) => h("option", { value: v }, v))];
  }
  function jobCard(job) {
    const meta = [job.department, job.location, label(job.workplace)].filter(Boolean).join(" · ");
    return h("li", { class: "card job", id: "job-" + job.id },
      h("a", { class: "title", href: "/app/jobs/" + job.id }, job.title),
      meta ? h("div", { class: "meta" }, meta) : null,
      h("div", { class: "chip" }, icon("star"), fill(t("Up to {points} points for a hire"), { points: number(job.hire_points) })));
  }
  async function jobs() {
    const d = await api("/feed");
    const list = h("ul", { class: "plain", id: "job-list" });
    const count = h("p", { class: "hint", id: "job-count", "aria-live": "polite" });
    const search = h("input", { type: "search", id: "job-search", autocomplete: "off", placeholder: t("Title, department, city…") });
    const department = h("select", { id: "job-department" }, choices(d.jobs.map((j) => j.department), t("All departments")));
    const site = h("select", { id: "job-site" }, choices(d.jobs.map((j) => j.location), t("All sites")));
    const clear = () => { search.value = ""; department.value = ""; site.value = ""; filter(); };
    function filter() {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      const shown = d.jobs.filter((j) => (!department.value || j.department === department.value)
        && (!site.value || j.location === site.value)
        && words.every((w) => [j.title, j.department, j.location].join(" ").toLowerCase().includes(w)));
      list.replaceChildren(...shown.map(jobCard));
      count.textContent = fill(t("{count} of {total} jobs"), { count: shown.length, total: d.jobs.length });
      if (!shown.length && d.jobs.length) list.append(h("li", {}, empty(t("No job matches these filters."), t("Clear filters"), null, clear)));
    }
    for (const input of [search, department, site]) input.addEventListener("input", filter);
    const parts = [];
    if (!d.policy_accepted) parts.push(await policyCard(jobs));
    if (d.jobs.length) {
      parts.push(h("div", { class: "filters", role: "search" },
        h("label", { for: "job-search" }, t("Search jobs")), h("div", { class: "search" }, icon("search"), search),
        h("div", { class: "two-up" },
          h("div", {}, h("label", { for: "job-department" }, t("Department")), department),
          h("div", {}, h("label", { for: "job-site" }, t("Site")), site))), count, list);
      filter();
    } else {
      const slot = h("div");
      parts.push(empty(t("No open job right now. You can still refer someone for a future opening."),
        t("Refer someone"), null, () => slot.replaceChildren(referForm(null))), slot);
    }
    if (d.news.length) {
      parts.push(h("h2", {}, t("News")), d.news.map((n) => {
        const slot = h("div");
        return h("article", { class: "card", id: "news-" + n.id }, h("strong", {}, n.title),
          h("div", { class: "row" }, h("button", { type: "button", class: "secondary", disabled: !d.policy_accepted,
            "data-share": "news:" + n.id, onclick: () => slot.replaceChildren(sharePanel("news", n.id)) }, icon("share"), t("Share"))), slot);
      }));
    }
    show(parts);
  }

  async function job() {
    let d;
    try { d = await api("/jobs/" + C.item); } catch (e) {
      show(say(e.message, "error"), empty(t("Other jobs are open: have a look."), t("See open jobs"), "/app/jobs"));
      return;
    }
    const j = d.job;
    document.querySelector("h1").textContent = j.title;
    document.title = j.title + " · " + document.title.split(" · ").pop();
    const p = d.points;
    const meta = [j.department, j.location, label(j.workplace), label(j.employment_type)].filter(Boolean);
    const shareSlot = h("section", { id: "share", "aria-labelledby": "share-title" });
    const referSlot = h("div", { id: "refer" });
    const openRefer = () => {
      const form = referForm(j);
      referSlot.replaceChildren(h("h2", { id: "refer-title" }, t("Refer someone")), form);
      form.querySelector("input").focus();
      mainAction(t("Send"), () => form.requestSubmit());
    };
    show(
      h("ul", { class: "chips" }, meta.map((m) => h("li", {}, m))),
      h("div", { class: "card", id: "points-on-offer" },
        h("h2", {}, t("Points on offer")),
        h("dl", { class: "points" },
          [[t("When your link brings its first visitor"), p.share], [t("Each unique visitor"), p.unique_click],
            [t("Your candidate is screened"), p.application], [t("Interview"), p.interview],
            [t("Offer"), p.offer], [t("Hired"), p.hire]]
            .map(([what, n]) => [h("dt", {}, what), h("dd", {}, "+" + number(n))]))),
      j.description ? h("details", { class: "card description" }, h("summary", {}, t("Job description")),
        h("p", { class: "pre-line" }, j.description)) : null,
      h("div", { class: "row actions" },
        h("button", { type: "button", "data-refer": j.id, onclick: openRefer }, icon("refer"), t("Refer someone"))),
      shareSlot, referSlot);
    shareSlot.append(h("h2", { id: "share-title" }, t("Share with my link")));
    if (d.policy_accepted) shareSlot.append(sharePanel("job", j.id));
    else shareSlot.append(await policyCard(job));
    mainAction(t("Refer someone"), openRefer);
  }

  /* The share options of a content: pick a network, read the caption that goes with
     your link, then open the network (the share is recorded), copy, or send it into a
     Telegram chat from inside Telegram. */
  function sharePanel(type, id) {
    const panel = h("div", { class: "share-panel", "aria-live": "polite" }, h("p", { class: "hint" }, t("Loading…")));
    api("/shares", { content_type: type, content_id: id }).then((shares) => {
      const preferred = TG.inside ? "telegram" : "linkedin";
      let chosen = shares.find((s) => s.channel === preferred) || shares[0];
      const picker = h("div", { class: "tabs networks", role: "group", "aria-label": t("Network") });
      const preview = h("div", { class: "preview" });
      const pick = (share) => {
        chosen = share;
        for (const b of picker.children) b.setAttribute("aria-pressed", String(b.dataset.channel === share.channel));
        preview.replaceChildren(caption(share), shareAction(type, id, share));
      };
      picker.append(...shares.map((s) => h("button", { type: "button", "data-channel": s.channel, "aria-pressed": "false",
        onclick: () => { TG.haptic("selection"); pick(s); } }, CHANNELS[s.channel])));
      panel.replaceChildren(picker, preview);
      pick(chosen);
    }).catch((e) => panel.replaceChildren(say(e.message, "error")));
    return panel;
  }
  function caption(share) {
    return h("figure", { class: "caption" },
      h("figcaption", { class: "hint" }, fill(t("Your post on {network}"), { network: CHANNELS[share.channel] })),
      share.channel === "copy" ? null : h("p", { class: "pre-line" }, share.caption),
      urlRow(share.url));
  }
  function record(type, id, channel) {
    api("/shares", { content_type: type, content_id: id, channel }).catch(() => { /* the link works anyway */ });
  }
  function shareAction(type, id, share) {
    if (share.channel === "telegram" && TG.canShareMessage()) {
      return h("button", { type: "button", "data-send-telegram": id, onclick: (e) => sendToTelegram(type, id, e.currentTarget) },
        icon("send"), t("Send in a Telegram chat"));
    }
    if (share.channel === "copy") {
      return h("button", { type: "button", "data-channel-action": "copy", onclick: (e) => { copy(share.url, e.currentTarget); record(type, id, "copy"); } },
        icon("copy"), t("Copy link"));
    }
    return h("a", { class: "button", href: share.share_url, target: "_blank", rel: "noopener", "data-channel-action": share.channel,
      onclick: () => record(type, id, share.channel) }, icon("share"), fill(t("Share on {network}"), { network: CHANNELS[share.channel] }));
  }
  async function sendToTelegram(type, id, button) {
    button.disabled = true;
    const slot = button.parentElement;
    try {
      const prepared = await api("/telegram/share", { content_type: type, content_id: id, init_data: TG.initData() });
      await TG.shareMessage(prepared.id);
      slot.append(say(t("Sent. Each visitor of your link counts for you."), "ok"));
    } catch (e) {
      slot.append(say(e.message === "USER_DECLINED" ? t("Not sent.") : e.message, e.message === "USER_DECLINED" ? "" : "error"));
    } finally { button.disabled = false; }
  }
  /* A URL on one line, cut with an ellipsis (never mid-token across lines), and its
     copy button. */
  function urlRow(url) {
    return h("div", { class: "url-row" },
      h("code", { class: "url", title: url }, url),
      h("button", { type: "button", class: "secondary copy", "data-url": url, "aria-label": t("Copy link") + ": " + url,
        onclick: (e) => copy(url, e.currentTarget) }, icon("copy"), h("span", {}, t("Copy"))));
  }
  async function copy(text, button) {
    const done = (ok) => {
      const span = button.querySelector("span") || button;
      span.textContent = ok ? t("Copied") : t("Select the link and copy it");
      TG.haptic(ok ? "success" : "error");
    };
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); done(true); return; }
    } catch (e) { /* refused: try the old way */ }
    const area = h("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    done(ok);
  }

  // -- referring -------------------------------------------------------------------------

  function field(name, text, attrs, prefix) {
    const id = (prefix || "refer") + "-" + name;
    return [h("label", { for: id }, text), h(attrs.tag || "input", Object.assign({ id, name }, attrs, { tag: null }))];
  }
  /* The bot's referral form at parity: name, e-mail, phone, LinkedIn, CV, how you know
     them; the candidate is asked for consent by e-mail, and the page says so. */
  function referForm(job) {
    const prefix = "refer-" + (job ? job.id : "general");
    const message = h("div", { "aria-live": "polite" });
    const form = h("form", { class: "refer card", id: prefix, enctype: "multipart/form-data" },
      job ? null : h("p", { class: "hint" }, t("A general referral: no specific job.")),
      field("name", t("Candidate's name"), { required: true, maxlength: 200, autocomplete: "off" }, prefix),
      field("email", t("Candidate's e-mail"), { type: "email", required: true, maxlength: 254, autocomplete: "off" }, prefix),
      field("phone", t("Phone (optional)"), { type: "tel", maxlength: 40, autocomplete: "off" }, prefix),
      field("linkedin_url", t("LinkedIn profile (optional)"), { type: "url", maxlength: 500, placeholder: "https://www.linkedin.com/in/…" }, prefix),
      field("cv", fill(t("CV (optional): PDF, DOC or DOCX, {max_mb} MB at most"), { max_mb: C.cv_max_mb }), { type: "file", accept: ".pdf,.doc,.docx,application/pdf,application/msword,application/vnd.openxmlformats-officedocument.wordprocessingml.document" }, prefix),
      field("note", t("How do you know them? (optional)"), { tag: "textarea", rows: 2, maxlength: 2000 }, prefix),
      h("p", { class: "consent" }, t("We e-mail the candidate to ask for their consent; recruiters see the referral only once they agree.")),
      h("p", {}, h("button", { type: "submit" }, t("Send"))), message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = new FormData(form);
      if (job) body.set("job_id", String(job.id));
      if (!form.cv.files.length) body.delete("cv");
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const out = await api("/referrals", body);
        message.replaceChildren(say(out.message, "ok"));
        TG.mainButton("", null);
      } catch (e) { message.replaceChildren(say(e.message, "error")); button.disabled = false; }
    });
    return form;
  }

  // -- my links and my referrals ---------------------------------------------------------

  function linkCard(l) {
    return h("li", { class: "card link" },
      h("div", { class: "row spread" }, h("strong", {}, l.title), h("span", { class: "chip" }, CHANNELS[l.channel] || l.channel)),
      h("p", { class: "meta" }, t("Clicks") + ": " + number(l.raw) + " · " + t("Unique visitors") + ": " + number(l.unique)),
      urlRow(l.url));
  }
  async function links() {
    const d = await api("/links");
    const clicked = d.links.filter((l) => l.raw > 0);
    const quiet = d.links.filter((l) => l.raw === 0);
    show(h("h2", {}, t("Unique clicks (last 30 days)") + " · " + number(d.total_unique)),
      h("div", { class: "card", html: d.chart }),
      d.links.length ? [
        h("ul", { class: "plain", id: "links" }, clicked.map(linkCard)),
        quiet.length ? h("details", { class: "quiet" }, h("summary", {}, fill(t("Links without a click yet ({count})"), { count: quiet.length })),
          h("ul", { class: "plain" }, quiet.map(linkCard))) : null]
        : empty(t("No link yet: share a job and your own link appears here with its clicks."), t("See open jobs"), "/app/jobs"));
  }

  async function referrals() {
    const rows = await api("/referrals");
    const slot = h("div");
    const refer = () => { slot.replaceChildren(referForm(null)); slot.querySelector("input").focus(); };
    show(rows.length ? [rows.map((r) => h("article", { class: "card", id: "referral-" + r.id },
      h("div", { class: "row spread" }, h("strong", {}, r.candidate), h("span", { class: "status" }, label(r.status))),
      r.job_title ? h("div", { class: "meta" }, r.job_title) : null,
      h("ol", { class: "timeline", "aria-label": t("Status") }, r.history.map((c) =>
        h("li", {}, h("strong", {}, label(c.status)), " · ", h("span", { class: "meta" }, day(c.at))))))),
      h("p", {}, h("button", { type: "button", class: "secondary", onclick: refer }, icon("refer"), t("Refer someone"))), slot]
      : [empty(t("You have not referred anyone yet. Know someone for a job? Refer them in a minute."), t("See open jobs"), "/app/jobs"),
        h("p", {}, h("button", { type: "button", class: "secondary", onclick: refer }, icon("refer"), t("A general referral"))), slot]);
  }

  // -- leaderboard -----------------------------------------------------------------------

  const board = { period: "month", scope: "company" };
  async function leaderboard() {
    let d;
    try { d = await api("/leaderboard?period=" + board.period + "&scope=" + board.scope); }
    catch (e) { d = { rows: [], me: null, error: e.message }; }
    const tabs = (name, options) => h("div", { class: "tabs", role: "group", "aria-label": name === "period" ? t("Period") : t("Scope") },
      options.map(([value, text]) => h("button", { type: "button", "aria-pressed": String(board[name] === value),
        ["data-" + name]: value, onclick: () => { board[name] = value; TG.haptic("selection"); leaderboard(); } }, text)));
    const inTop = d.rows.some((r) => r.me);
    show(tabs("period", [["week", t("Week")], ["month", t("Month")], ["quarter", t("Quarter")], ["all", t("All time")]]),
      tabs("scope", [["company", t("Company")], ["department", t("My department")], ["location", t("My site")]]),
      d.error ? say(d.error, "error") : null,
      d.rows.length ? h("table", { id: "board" }, h("caption", { class: "sr-only" }, t("Leaderboard")), h("tbody", {}, d.rows.map((r) =>
        h("tr", { class: r.me ? "me" : "", "aria-current": r.me ? "true" : false },
          h("td", { class: "num" }, "#" + r.rank), h("td", {}, r.name, r.me ? " (" + t("You") + ")" : "",
            h("div", { class: "meta" }, r.department)), h("td", { class: "num" }, number(r.points))))))
        : empty(t("Nobody has points in this ranking yet: share a job to be the first."), t("See open jobs"), "/app/jobs"),
      d.me && !inTop ? h("p", { class: "card notice", id: "my-rank" }, t("You") + ": #" + d.me.rank + " · " + number(d.me.points) + " " + t("points")) : null);
  }

  // -- shop ------------------------------------------------------------------------------

  async function shop() {
    const d = await api("/shop");
    const message = h("div", { "aria-live": "polite" });
    show(h("div", { class: "stat", id: "balance" }, h("b", {}, number(d.balance)), h("span", {}, t("Balance"))), message,
      d.rewards.length ? d.rewards.map((r) => {
        const soldOut = r.stock !== null && r.stock <= 0;
        const poor = d.balance < r.cost;
        const description = C.lang === "fr" ? r.description_fr : r.description_en;
        return h("article", { class: "card", id: "reward-" + r.id },
          h("div", { class: "row spread" }, h("strong", {}, C.lang === "fr" ? r.name_fr : r.name_en), h("span", {}, number(r.cost) + " " + t("points"))),
          description ? h("p", { class: "meta" }, description) : null,
          r.stock !== null ? h("p", { class: "meta" }, r.stock + " " + t("in stock")) : null,
          h("button", { type: "button", disabled: soldOut || poor, "data-redeem": r.id,
            onclick: () => redeem(r, d.balance, message) },
            soldOut ? t("Out of stock") : poor ? t("Not enough points") : t("Redeem")));
      }) : empty(t("The shop has no reward yet; your points wait for you. Keep sharing!"), t("See open jobs"), "/app/jobs"),
      h("h2", {}, t("My redemptions")),
      d.redemptions.length ? h("table", { id: "redemptions" }, h("caption", { class: "sr-only" }, t("My redemptions")),
        h("tbody", {}, d.redemptions.map((r) => h("tr", {},
          h("td", {}, local(r.reward_name)), h("td", { class: "num" }, number(r.cost)),
          h("td", {}, h("span", { class: "status" }, label(r.status))),
          h("td", {}, r.status === "requested" ? h("button", { class: "secondary", type: "button", onclick: async () => {
            await api("/redemptions/" + r.id + "/cancel", {}); shop(); } }, t("Cancel")) : null)))))
        : h("p", { class: "hint" }, t("Nothing redeemed yet.")));
  }

  /* Spending asks first: what, for how much, and the balance after. The request id is
     made when the question is asked, so a double tap or a retry spends once (the server
     remembers it). */
  async function redeem(reward, balance, message) {
    const name = local({ en: reward.name_en, fr: reward.name_fr });
    const yes = await ask(fill(t("Redeem {reward}?"), { reward: name }), [
      [t("Cost"), number(reward.cost) + " " + t("points")],
      [t("Balance after"), number(balance - reward.cost) + " " + t("points")],
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
  /* A modal question (the page's own <dialog>: focus kept inside, Escape cancels);
     resolves true only on the confirm button, once. */
  function ask(title, rows, confirmText) {
    return new Promise((resolve) => {
      let answered = false;
      const finish = (value) => {
        if (answered) return;
        answered = true; dialog.close(); dialog.remove(); TG.mainButton("", null); resolve(value);
      };
      const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title" },
        h("h2", { id: "confirm-title" }, title),
        h("dl", {}, rows.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])),
        h("div", { class: "row" },
          h("button", { type: "button", "data-confirm": "yes", onclick: () => finish(true) }, confirmText),
          h("button", { type: "button", class: "secondary", "data-confirm": "no", onclick: () => finish(false) }, t("Cancel"))));
      dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish(false); });
      document.body.append(dialog);
      dialog.showModal();
      mainAction(confirmText, () => finish(true));
    });
  }

  // -- settings --------------------------------------------------------------------------

  async function settings() {
    const d = await api("/settings");
    const status = h("p", { "aria-live": "polite" });
    const form = h("form", { id: "settings" },
      h("label", { for: "language" }, t("Language")),
      h("select", { id: "language", name: "language" },
        d.languages.map((l) => h("option", { value: l.code, selected: d.language === l.code, lang: l.code }, l.name))),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "opt_out", checked: d.leaderboard_opt_out }),
        t("Hide me from leaderboards")),
      h("p", {}, h("button", { type: "submit" }, t("Save"))), status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const language = form.language.value;
      try {
        await api("/settings", { language, leaderboard_opt_out: form.opt_out.checked });
        if (language !== C.lang) { location.reload(); return; }
        TG.haptic("success");
        status.replaceChildren(h("span", { class: "ok" }, t("Saved")));
      } catch (e) { TG.haptic("error"); status.replaceChildren(h("span", { class: "error" }, e.message)); }
    });
    const out = h("form", { method: "post", action: "/app/logout" },
      h("input", { type: "hidden", name: "csrf", value: C.csrf }),
      h("button", { class: "secondary", type: "submit" }, t("Sign out")));
    show(h("div", { class: "card" }, h("strong", {}, d.name), h("div", { class: "meta" }, [d.email, d.department].filter(Boolean).join(" · "))), form, out);
    mainAction(t("Save"), () => form.requestSubmit());
  }

  const PAGES = { signin, home, jobs, job, links, referrals, leaderboard, shop, settings };
  startTelegram();
  innerView();
  (PAGES[C.page] || home)().catch((e) => {
    if (e.status === 401) { location.reload(); return; }
    show(say(e.message, "error"));
  });
})();
