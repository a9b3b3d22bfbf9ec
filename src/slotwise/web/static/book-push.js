// "Get reminders in this browser": the booking pages' service worker (/book/sw.js, scope
// /book/) and a Web Push subscription with the firm's VAPID key, registered for the booking
// through its manage link (the appointment's client then gets push messages too).

const WORKER = document.body.dataset.worker || "/book/sw.js";
const SCOPE = "/book/";

export const pushSupported = (vapidKey) => Boolean(
  vapidKey && window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window
  && "Notification" in window,
);

// Installs the worker early (the page is then installable); a failure only means no push.
export function registerWorker() {
  if (!("serviceWorker" in navigator)) return Promise.resolve(null);
  return navigator.serviceWorker.register(WORKER, { scope: SCOPE }).catch(() => null);
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

// Resolves to "on", "denied" (the visitor refused notifications) or throws.
export async function subscribePush({ api, vapidKey, auth, manageUrl }) {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "denied";
  await registerWorker();
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (!subscription) {
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: keyBytes(vapidKey),
    });
  }
  const { endpoint, keys } = subscription.toJSON();
  await api.call("/manage/push-subscriptions", {
    method: "POST", auth, body: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } },
  });
  // A message without a link of its own opens this booking's manage page.
  if (registration.active && manageUrl) {
    registration.active.postMessage({ type: "manage-url", url: manageUrl });
  }
  return "on";
}

// The "Get reminders in this browser" button of both pages: subscribes, then says in the
// box beside it how that went (the button goes once reminders are on).
export async function offerReminders({ button, box, t, refusal, ...subscription }) {
  button.disabled = true;
  try {
    const result = await subscribePush(subscription);
    box.textContent = t(result === "on" ? "book.pushOn" : "book.pushDenied");
    if (result === "on") button.hidden = true;
  } catch (err) {
    box.textContent = err && err.status ? refusal(err) : t("book.pushFailed");
  } finally {
    box.hidden = false;
    button.disabled = false;
  }
}
