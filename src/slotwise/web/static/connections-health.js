// A connection's health in plain words: a badge (off, working, failing, not synced yet) and
// what a failure means for the shop and what to do about it. The poller's reason is the
// other system's (or the connector's) own text, in English; it is shown too, as said, but a
// reader should not need it to know what to do.

import { secondsText, t, whenAgo } from "./connections-dom.js";

// How a reason reads, matched in order; the first match explains it. The patterns follow
// the reasons the connectors write (sync/yclients*.py, sync/caldav*.py).
const CAUSES = [
  ["address", /internal address|not allowed/i],
  ["login", /\b40[13]\b|refused the login|refused the credentials|refused the access|token|unauthori[sz]ed|forbidden/i],
  ["missing", /\b404\b|does not exist|not a calendar|not found/i],
  ["busy", /\b429\b|asks to wait|too many/i],
  ["down", /\b5\d\d\b|server failed|could not/i],
  ["unreachable", /no response|did not answer|cannot connect|unreachable|resolve|timed? ?out|connect/i],
  ["garbled", /not json|not valid|without|not a list|not an object|unexpected|success is false|answered/i],
];

export function cause(reason) {
  for (const [name, pattern] of CAUSES) if (pattern.test(reason || "")) return name;
  return "other";
}

// {badge: [text, kind], title, text, said}: what the page says of the connection's state.
export function health(connection) {
  const unreadable = connection.credentials_set.length === 0;
  const lastSync = whenAgo(connection.last_success_at, connection);
  if (!connection.enabled) {
    return {
      badge: [t("health.off"), "off"],
      title: t("health.offTitle"),
      text: t("health.offText"),
      said: "",
    };
  }
  if (connection.health === "failing") {
    const why = cause(connection.failure_reason);
    return {
      badge: [t("health.failing"), "failing"],
      title: t("health.failingTitle", { since: whenAgo(connection.failing_since, connection) }),
      text: [t(`cause.${why}.${connection.kind}`), unreadable ? t("health.unreadable") : ""]
        .filter(Boolean).join(" "),
      said: connection.failure_reason ? t("health.said", { reason: connection.failure_reason }) : "",
    };
  }
  if (unreadable) {
    return {
      badge: [t("health.failing"), "failing"],
      title: t("health.unreadableTitle"),
      text: t("health.unreadable"),
      said: "",
    };
  }
  if (connection.health === "ok") {
    return {
      badge: [t("health.ok"), "ok"],
      title: t("health.okTitle", { when: lastSync }),
      text: t("health.okText", { every: secondsText(connection.poll_interval_seconds) }),
      said: "",
    };
  }
  return {
    badge: [t("health.new"), "new"],
    title: t("health.newTitle"),
    text: t("health.newText"),
    said: "",
  };
}

// The list's short form: the badge and, when failing, what it means in one line.
export function shortHealth(connection) {
  const found = health(connection);
  const failing = found.badge[1] === "failing";
  return { badge: found.badge, line: failing ? found.text : "" };
}
