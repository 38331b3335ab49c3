/* Porte-voix mini app: the bridge to Telegram, written from Telegram's documented web
   events (core.telegram.org/api/web-events, /api/bots/webapps), so that no third-party
   script is loaded. Methods go out through TelegramWebviewProxy.postEvent (phones and
   desktop), window.external.notify (Windows Phone) or postMessage to the frame's parent
   (web.telegram.org); events come in through Telegram.WebView.receiveEvent,
   TelegramGameProxy.receiveEvent or messages from web.telegram.org.

   Outside Telegram (a Teams tab, a browser) `PVTelegram.inside` is false and every
   method does nothing, so the page keeps its own buttons. */
(function () {
  "use strict";
  const WEB_ORIGIN = "https://web.telegram.org";
  const launch = new URLSearchParams(location.hash.slice(1));
  // The launch parameters come with the first page only: the session keeps them.
  for (const key of ["tgWebAppPlatform", "tgWebAppVersion", "tgWebAppData", "tgWebAppThemeParams"]) {
    if (launch.get(key)) sessionStorage.setItem("pv-" + key, launch.get(key));
  }
  const param = (key) => launch.get(key) || sessionStorage.getItem("pv-" + key) || "";
  const platform = param("tgWebAppPlatform");
  const version = param("tgWebAppVersion") || "6.0";
  const listeners = {};

  function receive(type, data) {
    for (const listener of listeners[type] || []) listener(data || {});
  }
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = Object.assign(window.Telegram.WebView || {}, { receiveEvent: receive });
  window.TelegramGameProxy = Object.assign(window.TelegramGameProxy || {}, { receiveEvent: receive });
  window.addEventListener("message", (event) => {
    if (event.origin !== WEB_ORIGIN || typeof event.data !== "string") return;
    try {
      const message = JSON.parse(event.data);
      if (message && typeof message.eventType === "string") receive(message.eventType, message.eventData);
    } catch (e) { /* not Telegram's */ }
  });

  const inside = Boolean(window.TelegramWebviewProxy || platform);
  function post(type, data) {
    if (!inside) return;
    const proxy = window.TelegramWebviewProxy;
    if (proxy && proxy.postEvent) proxy.postEvent(type, JSON.stringify(data === undefined ? {} : data));
    else if (window.external && "notify" in window.external) window.external.notify(JSON.stringify({ eventType: type, eventData: data }));
    else if (window.parent !== window) window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), WEB_ORIGIN);
  }
  function atLeast(wanted) {
    const a = version.split(".").map(Number), b = wanted.split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
    }
    return true;
  }
  function on(type, listener) { (listeners[type] = listeners[type] || []).push(listener); }
  function off(type, listener) { listeners[type] = (listeners[type] || []).filter((l) => l !== listener); }

  let back = null, main = null;
  on("back_button_pressed", () => back && back());
  on("main_button_pressed", () => main && main());

  window.PVTelegram = {
    inside, platform, version, atLeast, on, off, post,
    initData: () => param("tgWebAppData"),
    phone: platform === "android" || platform === "ios",
    /* Telegram's own back button (6.1): shown with a handler, hidden with null. */
    backButton(handler) {
      back = handler;
      if (atLeast("6.1")) post("web_app_setup_back_button", { is_visible: Boolean(handler) });
    },
    /* The main button at the bottom of Telegram's screen, for a view's primary action. */
    mainButton(text, handler, colours) {
      main = handler;
      post("web_app_setup_main_button", handler ? Object.assign(
        { is_visible: true, is_active: true, is_progress_visible: false, text }, colours || {})
        : { is_visible: false });
    },
    haptic(kind) {
      if (!atLeast("6.1")) return;
      if (kind === "selection") post("web_app_trigger_haptic_feedback", { type: "selection_change" });
      else post("web_app_trigger_haptic_feedback", { type: "notification", notification_type: kind });
    },
    /* Resolves "sent" or rejects with Telegram's error (8.0: shareMessage). */
    shareMessage(id) {
      return new Promise((resolve, reject) => {
        const done = (result) => { off("prepared_message_sent", sent); off("prepared_message_failed", failed); result(); };
        const sent = () => done(() => resolve("sent"));
        const failed = (data) => done(() => reject(new Error(data.error || "failed")));
        on("prepared_message_sent", sent);
        on("prepared_message_failed", failed);
        post("web_app_send_prepared_message", { id });
      });
    },
    canShareMessage: () => inside && atLeast("8.0"),
  };
})();
