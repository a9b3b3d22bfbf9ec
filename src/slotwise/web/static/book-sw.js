// The booking pages' service worker (scope /book/): shows the firm's push messages (the
// confirmation, a change, a cancellation, reminders) and opens their link on a click,
// else the manage link of the last booking that subscribed here.

const STORE = "slotwise-book";
const MANAGE_KEY = "/book/__manage-url";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "manage-url" || typeof data.url !== "string") return;
  const url = new URL(data.url, self.location.origin);
  if (url.origin !== self.location.origin || !url.pathname.startsWith("/book/")) return;
  event.waitUntil(caches.open(STORE).then((cache) => cache.put(MANAGE_KEY, new Response(url.href))));
});

function readPush(event) {
  try {
    return event.data ? event.data.json() : {};
  } catch (_) {
    return { body: event.data ? event.data.text() : "" };
  }
}

self.addEventListener("push", (event) => {
  const message = readPush(event);
  const options = {
    body: message.body || "",
    tag: message.tag || message.id || undefined,
    data: { url: message.url || null },
  };
  event.waitUntil(self.registration.showNotification(message.title || "Slotwise", options));
});

async function manageUrl() {
  const cache = await caches.open(STORE);
  const stored = await cache.match(MANAGE_KEY);
  return stored ? stored.text() : null;
}

async function open(target) {
  const url = target || (await manageUrl()) || "/book/";
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (client.url === new URL(url, self.location.origin).href && "focus" in client) {
      return client.focus();
    }
  }
  return self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(open(event.notification.data && event.notification.data.url));
});
