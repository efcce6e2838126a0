// "Notify me in this browser": subscribes this browser to the order's parcels with the
// Push API (VAPID key from the page) and sends the subscription to Doorstep; the button
// turns into "Stop notifications", which removes it again. Nothing shows without the
// Push API, so the page works the same in browsers that have none.
(function () {
  "use strict";
  var box = document.querySelector(".reach .push");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  var on = box.querySelector(".push-on");
  var off = box.querySelector(".push-off");
  var status = box.querySelector(".push-status");

  function key(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function show(subscribed, word) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    if (word) status.textContent = status.dataset[word];
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": box.dataset.csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }

  function registration() {
    return navigator.serviceWorker.register("/push-sw.js", { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; });
  }

  on.addEventListener("click", function () {
    on.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { show(false, "denied"); return null; }
      return registration().then(function (reg) {
        return reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key(box.dataset.vapidKey),
        });
      }).then(function (subscription) {
        return post(box.dataset.pushUrl, subscription.toJSON());
      }).then(function () { show(true, "on"); });
    }).catch(function () { show(false, "failed"); })
      .then(function () { on.disabled = false; });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    registration().then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      return post(box.dataset.pushRemoveUrl, { endpoint: subscription.endpoint })
        .then(function () { return subscription.unsubscribe(); });
    }).then(function () { show(false, "off"); })
      .catch(function () { show(true, "failed"); })
      .then(function () { off.disabled = false; });
  });

  box.hidden = false;
  if (Notification.permission === "granted") {
    navigator.serviceWorker.getRegistration("/").then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (subscription) { show(Boolean(subscription)); });
  }
})();
