// The pages' languages: English, German and Russian. Every page keeps its words in a strings
// module (`{en: {...}, de: {...}, ru: {...}}`), marks the words of its markup with
// data-i18n attributes, and draws the rest through `t`. The language is the one this browser
// chose last, else the signed-in user's, else the firm's, else the browser's, else English.

export const LANGUAGES = { en: "English", de: "Deutsch", ru: "Русский" };
const STORAGE_KEY = "slotwise.language";
const FALLBACK = "en";

// "de" and "de-AT" alike are German.
const known = (lang) => {
  const code = String(lang || "").slice(0, 2).toLowerCase();
  return Object.hasOwn(LANGUAGES, code) ? code : null;
};

function stored() {
  try {
    return known(localStorage.getItem(STORAGE_KEY));
  } catch (_) {
    return null;
  }
}

function fromBrowser() {
  for (const tag of navigator.languages || [navigator.language]) {
    const lang = known(tag);
    if (lang) return lang;
  }
  return null;
}

let current = stored() || fromBrowser() || FALLBACK;
const listeners = new Set();

export const language = () => current;
// The BCP 47 tag for Intl and the calendar component: day-month order for English too.
export const localeTag = () => ({ en: "en-GB", de: "de-DE", ru: "ru-RU" }[current]);

// `chosen`: the user picked it (kept for this browser); otherwise it is a default (the
// user's or the firm's) that an explicit choice of this browser overrides.
export function setLanguage(lang, { chosen = false } = {}) {
  const next = known(lang);
  if (!next) return;
  if (chosen) {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch (_) { /* private mode: the choice lasts for this page only */ }
  } else if (stored()) {
    return;
  }
  if (next === current) return;
  current = next;
  document.documentElement.lang = next;
  for (const listener of listeners) listener(next);
}

export const onLanguage = (listener) => listeners.add(listener);

function pick(value, vars) {
  if (typeof value === "string" || value === undefined) return value;
  // Plural forms by the language's rules ({one, few, many, other}), chosen by vars.count.
  const form = new Intl.PluralRules(localeTag()).select(Number(vars.count));
  return value[form] ?? value.other;
}

// `t(key, vars)`: the text in the current language, `{name}` filled from vars. A key missing
// in a language falls back to English, so a page never shows a bare key to a user.
export function translator(...catalogs) {
  return (key, vars = {}) => {
    let value;
    for (const lang of [current, FALLBACK]) {
      for (const catalog of catalogs) {
        value ??= pick(catalog[lang] && catalog[lang][key], vars);
      }
    }
    if (value === undefined) return key;
    return value.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
  };
}

const ATTRIBUTES = ["aria-label", "placeholder", "title"];

// Puts the words into the markup: data-i18n="key" sets the text, data-i18n-aria-label,
// data-i18n-placeholder and data-i18n-title set those attributes.
export function translatePage(t, root = document) {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const name of ATTRIBUTES) {
    const data = `i18n${name.replace(/(^|-)(\w)/g, (all, dash, c) => c.toUpperCase())}`;
    for (const node of root.querySelectorAll(`[data-i18n-${name}]`)) {
      node.setAttribute(name, t(node.dataset[data]));
    }
  }
}

// The topbar's language picker: shows the languages, follows changes, and reports a choice.
export function languagePicker(select, onChosen) {
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => {
    const option = new Option(name, code);
    option.lang = code;
    return option;
  }));
  select.value = current;
  select.addEventListener("change", () => {
    setLanguage(select.value, { chosen: true });
    if (onChosen) onChosen(select.value);
  });
  onLanguage((lang) => { select.value = lang; });
}

// An API refusal in the user's words: the page's text for its code when there is one, else
// the server's message (English), else the fallback.
export function refusalText(t, err, fallback) {
  const key = err && err.code ? `error.${err.code}` : null;
  const text = key ? t(key) : key;
  if (key && text !== key) return text;
  return (err && err.message) || fallback;
}
